/// Cgroup path helpers: the Kubernetes cgroupfs layout, OCI `cgroupsPath` parsing and
/// lexical cleaning.
///
/// The layout matches kubelet's cgroupfs driver: guaranteed pods sit directly under
/// `/kubepods` (`/kubepods/pod<uid>`), burstable and best-effort pods under
/// `/kubepods/burstable` and `/kubepods/besteffort`, and each container under its pod.
public enum CgroupPath {
    /// A pod's Kubernetes quality-of-service class, which picks its parent cgroup.
    public enum QoS: String, Sendable, Equatable {
        /// Requests equal limits for every resource: directly under the kubepods root.
        case guaranteed
        /// Some requests or limits: under `burstable`.
        case burstable
        /// No requests or limits: under `besteffort`.
        case bestEffort = "besteffort"
    }

    /// The root of every pod cgroup.
    public static let kubepodsRoot = "/kubepods"

    /// The parent cgroup for pods of class `qos`: `/kubepods`, `/kubepods/burstable` or `/kubepods/besteffort`.
    public static func qosParent(_ qos: QoS, root: String = kubepodsRoot) -> String {
        switch qos {
        case .guaranteed: clean(root)
        case .burstable, .bestEffort: clean(root + "/" + qos.rawValue)
        }
    }

    /// The pod cgroup: `<qos parent>/pod<uid>`.
    ///
    /// - Throws: `CgroupError.Code.invalidArgument` when `uid` is not a single path component.
    public static func pod(uid: String, qos: QoS, root: String = kubepodsRoot) throws -> String {
        try checkComponent(uid, what: "pod UID")
        return qosParent(qos, root: root) + "/pod" + uid
    }

    /// The container cgroup: `<pod cgroup>/<containerID>`.
    ///
    /// - Throws: `CgroupError.Code.invalidArgument` when `podUID` or `containerID` is not a single path component.
    public static func container(podUID: String, qos: QoS, containerID: String, root: String = kubepodsRoot) throws -> String {
        try checkComponent(containerID, what: "container ID")
        return try pod(uid: podUID, qos: qos, root: root) + "/" + containerID
    }

    /// Turns an OCI `linux.cgroupsPath` into a cgroupfs path for `create(path:)`.
    ///
    /// An empty or missing path becomes the container ID (relative, as runc does). Absolute and
    /// relative paths are cleaned lexically so they can never climb above their starting point.
    ///
    /// - Throws: `CgroupError.Code.unsupported` for the systemd form `slice:prefix:name`, which
    ///   needs the systemd cgroup driver that swiftlet does not implement.
    public static func fromOCI(cgroupsPath: String?, containerID: String) throws -> String {
        guard let raw = cgroupsPath, !raw.isEmpty else {
            try checkComponent(containerID, what: "container ID")
            return containerID
        }
        if !raw.hasPrefix("/") && raw.split(separator: ":", omittingEmptySubsequences: false).count == 3 {
            throw CgroupError(
                .unsupported,
                "cgroupsPath \"\(raw)\" is in the systemd form slice:prefix:name, which needs the systemd cgroup driver; "
                    + "swiftlet only supports the cgroupfs driver: use a path such as /kubepods/burstable/pod<uid>/<container>"
            )
        }
        let cleaned = clean(raw)
        if cleaned.isEmpty || cleaned == "/" {
            throw CgroupError(.invalidArgument, "cgroupsPath \"\(raw)\": names the hierarchy root; a container needs its own cgroup")
        }
        return cleaned
    }

    /// Cleans a path lexically: collapses `//` and `.`, resolves `..` without climbing above the
    /// start, and drops a trailing `/`. Absolute paths stay absolute, relative ones relative.
    public static func clean(_ path: String) -> String {
        var parts: [Substring] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".":
                continue
            case "..":
                if !parts.isEmpty {
                    parts.removeLast()
                }
            default:
                parts.append(component)
            }
        }
        let joined = parts.joined(separator: "/")
        return path.hasPrefix("/") ? "/" + joined : joined
    }

    /// The components of a cleaned path.
    static func components(_ path: String) -> [String] {
        path.split(separator: "/").map(String.init)
    }

    /// Parses `/proc/<pid>/cgroup`: v1 lines give per-controller paths (co-mounted controllers
    /// such as `cpu,cpuacct` each get an entry); the `0::` line gives the unified path.
    static func parseProcCgroup(_ content: String) -> (v1: [String: String], unified: String?) {
        var v1: [String: String] = [:]
        var unified: String?
        for line in content.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else {
                continue
            }
            if fields[0] == "0" && fields[1].isEmpty {
                unified = String(fields[2])
                continue
            }
            for controller in fields[1].split(separator: ",") {
                v1[String(controller)] = String(fields[2])
            }
        }
        return (v1, unified)
    }

    private static func checkComponent(_ value: String, what: String) throws {
        if value.isEmpty || value == "." || value == ".." || value.contains("/") || value.contains("\0") {
            throw CgroupError(.invalidArgument, "\(what) \"\(value)\": must be a single cgroup directory name")
        }
    }
}
