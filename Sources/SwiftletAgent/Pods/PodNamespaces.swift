import CRuntimeShim
import Foundation
import Glibc
import SwiftletNetwork
import SwiftletRuntime

/// A pod's shared IPC and UTS namespaces, bind-mounted at `<runDir>/podns/<uid>.ipc` and
/// `<uid>.uts` so they outlive any container (the job of the pause container elsewhere): every
/// container of the pod joins them, so they see one hostname and share System V IPC and POSIX
/// message queues. `hostIPC` pods keep the node's IPC, `hostNetwork` pods the node's UTS.
///
/// A `shareProcessNamespace` pod also gets a PID namespace, `<uid>.pid`, whose init is the
/// pod's pause process (`swiftlet-monitor --pause`, recorded with its start time in
/// `<uid>.pause`) in the pod cgroup's `pause` child: a PID namespace dies with its init.
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

    /// The pod's shared PID namespace, created with its pause process when there is none or
    /// when the recorded pause process is gone (its namespace died with it); an agent restart
    /// finds the running one and reuses it.
    /// - Parameters:
    ///   - pausePath: the `swiftlet-monitor` binary, run with `--pause`.
    ///   - cgroup: the pause process's cgroup (created and joined here).
    /// - Returns: the path to join.
    static func ensurePID(uid: String, runDir: String, pausePath: String, cgroup: String) throws -> String {
        let dir = directory(runDir: runDir)
        let path = "\(dir)/\(uid).pid", recordPath = "\(dir)/\(uid).pause"
        if isNamespace(path, type: 0x2000_0000), let pause = pauseProcess(uid: uid, runDir: runDir), pause.isRunning {
            return path
        }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try PodNetworkNamespace.ensurePrivateMount(dir)
        removePID(uid: uid, runDir: runDir)
        let fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0)
        guard fd >= 0 else { throw AgentError.filesystem("\(path): \(String(cString: strerror(errno)))") }
        close(fd)
        var step: Int32 = 0, pid: Int32 = 0
        guard shim_pidns_create(path, pausePath, "swiftlet-pause", "--pause", &pid, &step) == 0 else {
            let e = errno
            removePID(uid: uid, runDir: runDir)
            let call = ["clone", "unshare(CLONE_NEWPID)", "mount(bind pid)", "fork", "execve(\(pausePath))", "clone"]
            throw AgentError.filesystem("pod PID namespace of \(uid): \(call[Int(min(max(step, 0), 5))]): \(String(cString: strerror(e)))")
        }
        do {
            guard let identity = ProcessIdentity(pid: pid) else {
                throw AgentError.filesystem("pod PID namespace of \(uid): the pause process (\(pausePath)) exited at once")
            }
            try AtomicFile.write(Data(identity.description.utf8), to: recordPath)
            try Cgroups.detect().create(path: cgroup).addProcess(pid)
        } catch {
            _ = kill(pid, SIGKILL)
            removePID(uid: uid, runDir: runDir)
            throw error
        }
        return path
    }

    /// The recorded pause process of the pod, if any (it may have exited).
    static func pauseProcess(uid: String, runDir: String) -> ProcessIdentity? {
        let recordPath = "\(directory(runDir: runDir))/\(uid).pause"
        guard let data = FileManager.default.contents(atPath: recordPath) else { return nil }
        return ProcessIdentity(String(decoding: data, as: UTF8.self))
    }

    /// Stops the pod's pause process (which ends its PID namespace and anything left in it)
    /// and removes the namespace file and the record.
    static func removePID(uid: String, runDir: String) {
        let dir = directory(runDir: runDir)
        if let pause = pauseProcess(uid: uid, runDir: runDir), pause.isRunning {
            _ = kill(pause.pid, SIGKILL)
        }
        _ = umount2("\(dir)/\(uid).pid", Int32(MNT_DETACH))
        unlink("\(dir)/\(uid).pid")
        unlink("\(dir)/\(uid).pause")
    }

    /// Unmounts and removes the pod's namespace files (stopping its pause process); missing
    /// ones are fine.
    static func remove(uid: String, runDir: String) {
        let (ipc, uts) = paths(uid: uid, runDir: runDir)
        for path in [ipc, uts] {
            _ = umount2(path, Int32(MNT_DETACH))
            unlink(path)
        }
        removePID(uid: uid, runDir: runDir)
    }

    /// UIDs with namespace files (for orphan cleanup).
    static func list(runDir: String) -> Set<String> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory(runDir: runDir))) ?? []
        return Set(names.compactMap { name -> String? in
            for suffix in [".ipc", ".uts", ".pid"] where name.hasSuffix(suffix) { return String(name.dropLast(4)) }
            return name.hasSuffix(".pause") ? String(name.dropLast(6)) : nil
        })
    }

    /// Whether `path` is a namespace of `type` (CLONE_NEWIPC 0x08000000, CLONE_NEWUTS 0x04000000,
    /// CLONE_NEWPID 0x20000000).
    static func isNamespace(_ path: String, type: Int32) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return shim_ns_get_type(fd) == type
    }
}
