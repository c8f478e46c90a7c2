import Foundation
import SwiftletAPI
@testable import SwiftletAgent

/// Kernel-facing volume tests mount tmpfs and bind mounts: they need root.
let volumeTestsRunAsRoot = getuid() == 0

/// A unique scratch directory for one test; `remove()` lazily unmounts everything below it and
/// deletes it, and refuses to delete through a mount that would not go away.
struct VolumeTestDir {
    let path: String

    init(_ label: String) throws {
        path = "/tmp/swiftlet-vol-\(label)-\(UUID().uuidString.prefix(12))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func sub(_ relative: String) -> String { path + "/" + relative }

    @discardableResult
    func mkdir(_ relative: String, mode: Int = 0o755) throws -> String {
        let full = sub(relative)
        try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: mode])
        return full
    }

    @discardableResult
    func write(_ relative: String, _ text: String) throws -> String {
        let full = sub(relative)
        try FileManager.default.createDirectory(atPath: VolumeSys.parentPath(full),
                                                withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: false, encoding: .utf8)
        return full
    }

    /// Mounts currently at or below this directory.
    var mounts: [MountEntry] { MountTable.mounts(under: VolumeSys.realPath(path), in: MountTable.read()) }

    func remove() {
        let canonical = VolumeSys.realPath(path)
        for _ in 0..<4 {
            let left = MountTable.mounts(under: canonical, in: MountTable.read())
            if left.isEmpty { break }
            for entry in left { _ = VolumeSys.unmount(entry.mountPoint, flags: VolumeSys.mntDetach) }
        }
        guard MountTable.mounts(under: canonical, in: MountTable.read()).isEmpty else { return }
        try? FileManager.default.removeItem(atPath: path)
    }
}

func readText(_ path: String) -> String? {
    try? String(contentsOfFile: path, encoding: .utf8)
}

func fileMode(_ path: String) -> mode_t? {
    var st = stat()
    return lstat(path, &st) == 0 ? st.st_mode & 0o7777 : nil
}

func symlinkTarget(_ path: String) -> String? {
    try? FileManager.default.destinationOfSymbolicLink(atPath: path)
}

func makePod(name: String = "web", namespace: String? = "default", uid: String = "uid-1",
             labels: [String: String]? = nil, annotations: [String: String]? = nil,
             volumes: [Volume]? = nil, containers: [Container], initContainers: [Container]? = nil) -> Pod {
    var pod = Pod(metadata: ObjectMeta(name: name, namespace: namespace, uid: uid), spec: PodSpec(containers: containers))
    pod.metadata.labels = labels
    pod.metadata.annotations = annotations
    pod.spec.volumes = volumes
    pod.spec.initContainers = initContainers
    return pod
}
