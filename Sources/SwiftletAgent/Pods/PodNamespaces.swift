import CRuntimeShim
import Foundation
import Glibc
import SwiftletNetwork

/// A pod's shared IPC and UTS namespaces, bind-mounted at `<runDir>/podns/<uid>.ipc` and
/// `<uid>.uts` so they outlive any container (the job of the pause container elsewhere): every
/// container of the pod joins them, so they see one hostname and share System V IPC and POSIX
/// message queues. `hostIPC` pods keep the node's IPC, `hostNetwork` pods the node's UTS.
enum PodNamespaces {
    static func directory(runDir: String) -> String { runDir + "/podns" }

    static func paths(uid: String, runDir: String) -> (ipc: String, uts: String) {
        let dir = directory(runDir: runDir)
        return ("\(dir)/\(uid).ipc", "\(dir)/\(uid).uts")
    }

    /// Creates the namespaces the pod needs (reusing mounted ones after an agent restart).
    /// - Returns: the paths to join; nil for a namespace the pod shares with the node.
    static func ensure(uid: String, runDir: String, hostname: String, hostIPC: Bool, hostUTS: Bool) throws
        -> (ipc: String?, uts: String?)
    {
        let (ipcPath, utsPath) = paths(uid: uid, runDir: runDir)
        let wantIPC = !hostIPC, wantUTS = !hostUTS
        guard wantIPC || wantUTS else { return (nil, nil) }
        let dir = directory(runDir: runDir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try PodNetworkNamespace.ensurePrivateMount(dir)
        let needIPC = wantIPC && !isNamespace(ipcPath, type: 0x0800_0000)
        let needUTS = wantUTS && !isNamespace(utsPath, type: 0x0400_0000)
        if needIPC || needUTS {
            for (need, path) in [(needIPC, ipcPath), (needUTS, utsPath)] where need {
                _ = umount2(path, Int32(MNT_DETACH))
                unlink(path)
                let fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0)
                guard fd >= 0 else { throw AgentError.filesystem("\(path): \(String(cString: strerror(errno)))") }
                close(fd)
            }
            var step: Int32 = 0
            if shim_podns_create(needIPC ? ipcPath : nil, needUTS ? utsPath : nil, hostname, &step) != 0 {
                let e = errno
                remove(uid: uid, runDir: runDir)
                let call = ["clone", "unshare(CLONE_NEWIPC|CLONE_NEWUTS)", "sethostname", "mount(bind ipc)", "mount(bind uts)", "clone"]
                throw AgentError.filesystem("pod namespaces of \(uid): \(call[Int(min(max(step, 0), 5))]): \(String(cString: strerror(e)))")
            }
        }
        return (wantIPC ? ipcPath : nil, wantUTS ? utsPath : nil)
    }

    /// Unmounts and removes the pod's namespace files; missing ones are fine.
    static func remove(uid: String, runDir: String) {
        let (ipc, uts) = paths(uid: uid, runDir: runDir)
        for path in [ipc, uts] {
            _ = umount2(path, Int32(MNT_DETACH))
            unlink(path)
        }
    }

    /// UIDs with namespace files (for orphan cleanup).
    static func list(runDir: String) -> Set<String> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory(runDir: runDir))) ?? []
        return Set(names.compactMap { name in
            name.hasSuffix(".ipc") || name.hasSuffix(".uts") ? String(name.dropLast(4)) : nil
        })
    }

    /// Whether `path` is a namespace of `type` (CLONE_NEWIPC 0x08000000, CLONE_NEWUTS 0x04000000).
    static func isNamespace(_ path: String, type: Int32) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return shim_ns_get_type(fd) == type
    }
}
