import Foundation
import Glibc

/// The `/var/log/containers/<pod>_<namespace>_<container>-<id>.log` symlinks that log shippers
/// (fluent-bit, promtail, vector) read. They live beside the pod logs directory: with
/// `podLogsDir: /var/log/pods`, in `/var/log/containers`.
enum ContainerLogLinks {
    static func directory(podLogsDir: String) -> String {
        (podLogsDir as NSString).deletingLastPathComponent + "/containers"
    }

    static func link(podLogsDir: String, pod: String, namespace: String, container: String, id: String, target: String) {
        let dir = directory(podLogsDir: podLogsDir)
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = "\(dir)/\(pod)_\(namespace)_\(container)-\(id).log"
        Glibc.unlink(path)
        symlink(target, path)
    }

    /// Removes the link of container `id`, whatever its pod.
    static func unlink(podLogsDir: String, id: String) {
        let dir = directory(podLogsDir: podLogsDir)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where name.hasSuffix("-\(id).log") {
            Glibc.unlink("\(dir)/\(name)")
        }
    }
}
