import Foundation

/// Where cgroup files live on this host: one hierarchy per controller (v1) or the unified
/// hierarchy (v2). Detected as swiftlet's runtime does, without depending on it.
public enum CgroupLayout: Sendable, Equatable {
    /// cgroup v1: the mount directory of each controller (`cpuacct` → `/sys/fs/cgroup/cpuacct`;
    /// co-mounted controllers such as `cpu,cpuacct` share a directory).
    case v1(controllers: [String: String])
    /// cgroup v2: the unified hierarchy's root (`/sys/fs/cgroup`).
    case v2(root: String)

    /// The controllers whose presence in `cgroup.controllers` makes a cgroup2 mount "the" hierarchy.
    static let v2MarkerControllers: Set<String> = ["memory", "cpu", "pids"]

    /// Detects the layout under `root`.
    ///
    /// The host is v2 when `root/cgroup.controllers` lists memory, cpu or pids. Otherwise it is v1;
    /// in the hybrid layout the cgroup2 mount at `root/unified` (hugetlb only, or nothing) is ignored.
    /// Each v1 controller is found in a directory named after it or after a comma-separated list
    /// that contains it (`cpu,cpuacct`).
    public static func detect(root: String = "/sys/fs/cgroup") -> CgroupLayout {
        let reader = KernelFileReader(capacity: 1024)
        if let text = try? reader.string(of: root + "/cgroup.controllers") {
            let names = Set(text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
            if !names.isDisjoint(with: v2MarkerControllers) { return .v2(root: root) }
        }
        var controllers: [String: String] = [:]
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        // Exact names first, so `cpuacct` wins over a `cpu,cpuacct` sibling that is the same mount.
        for entry in entries.sorted(by: { $0.count < $1.count }) where entry != "unified" && !entry.hasPrefix("name=") {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root + "/" + entry, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            for name in entry.split(separator: ",") where controllers[String(name)] == nil {
                controllers[String(name)] = root + "/" + entry
            }
        }
        return .v1(controllers: controllers)
    }

    /// The directory of `cgroupPath` (`/kubepods/pod1/ctr`, or `/` for the root) for `controller`
    /// (ignored on v2); nil when that v1 controller is not mounted.
    public func directory(of cgroupPath: String, controller: String) -> String? {
        let suffix = Self.clean(cgroupPath)
        switch self {
        case .v1(let controllers):
            guard let mount = controllers[controller] else { return nil }
            return mount + suffix
        case .v2(let root):
            return root + suffix
        }
    }

    /// `""` for the root, otherwise `/a/b` without `.`/`..` or doubled slashes, so the result can be
    /// appended to a mount directory without climbing out of it.
    static func clean(_ path: String) -> String {
        var parts: [Substring] = []
        for component in path.split(separator: "/") {
            switch component {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(component)
            }
        }
        return parts.isEmpty ? "" : "/" + parts.joined(separator: "/")
    }
}
