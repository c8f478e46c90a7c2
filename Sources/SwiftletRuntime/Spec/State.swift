import Foundation

/// A container's runtime state (opencontainers/runtime-spec `runtime.md`, "State"): what `state` prints,
/// what hooks read on stdin and what `state.json` stores. ``jsonData(prettyPrinted:)`` writes the keys in
/// the order runc's `state` prints them; `rootfs`, `created` and `owner` are runc's additions to the spec.
public struct State: Codable, Sendable, Hashable {
    /// `status` values.
    public enum Status: String, Codable, Sendable, Hashable, CaseIterable {
        /// `create` is still setting the container up.
        case creating
        /// Set up; the process waits for `start`.
        case created
        /// The process has started and not exited.
        case running
        /// The process has exited (or never ran and `create` failed after the state was written).
        case stopped
        /// Frozen (runc's extension).
        case paused
    }

    /// The runtime-spec version of this state document.
    public var ociVersion: String
    /// The container id, unique on the host.
    public var id: String
    /// The container process' pid in the runtime's pid namespace; 0 once stopped, as runc prints it.
    public var pid: Int32
    /// Lifecycle state.
    public var status: Status
    /// Absolute path of the bundle directory.
    public var bundle: String
    /// Absolute path of the root filesystem.
    public var rootfs: String?
    /// Creation time, RFC 3339 with nanoseconds (`2026-01-02T03:04:05.123456789Z`).
    public var created: String?
    /// The config's annotations.
    public var annotations: [String: String]
    /// The owner's user name (runc prints "" for root).
    public var owner: String?

    public init(
        ociVersion: String = Spec.currentVersion,
        id: String,
        pid: Int32,
        status: Status,
        bundle: String,
        rootfs: String? = nil,
        created: String? = nil,
        annotations: [String: String] = [:],
        owner: String? = nil
    ) {
        self.ociVersion = ociVersion
        self.id = id
        self.pid = pid
        self.status = status
        self.bundle = bundle
        self.rootfs = rootfs
        self.created = created
        self.annotations = annotations
        self.owner = owner
    }

    private enum CodingKeys: String, CodingKey {
        case ociVersion, id, pid, status, bundle, rootfs, created, annotations, owner
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ociVersion = try c.decode(String.self, forKey: .ociVersion)
        id = try c.decode(String.self, forKey: .id)
        pid = try c.decodeIfPresent(Int32.self, forKey: .pid) ?? 0
        status = try c.decode(Status.self, forKey: .status)
        bundle = try c.decodeIfPresent(String.self, forKey: .bundle) ?? ""
        rootfs = try c.decodeIfPresent(String.self, forKey: .rootfs)
        created = try c.decodeIfPresent(String.self, forKey: .created)
        annotations = try c.decodeIfPresent([String: String].self, forKey: .annotations) ?? [:]
        owner = try c.decodeIfPresent(String.self, forKey: .owner)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ociVersion, forKey: .ociVersion)
        try c.encode(id, forKey: .id)
        try c.encode(pid, forKey: .pid)
        try c.encode(status, forKey: .status)
        try c.encode(bundle, forKey: .bundle)
        try c.encodeIfPresent(rootfs, forKey: .rootfs)
        try c.encodeIfPresent(created, forKey: .created)
        if !annotations.isEmpty { try c.encode(annotations, forKey: .annotations) }
        try c.encodeIfPresent(owner, forKey: .owner)
    }

    /// The state as `runc state` prints it: keys in runc's order, two-space indentation when
    /// `prettyPrinted` (runc's format), compact otherwise (for `state.json` and hook stdin).
    public func jsonData(prettyPrinted: Bool = true) -> Data {
        var fields: [(String, String)] = [
            ("ociVersion", jsonString(ociVersion)), ("id", jsonString(id)), ("pid", String(pid)),
            ("status", jsonString(status.rawValue)), ("bundle", jsonString(bundle)),
        ]
        if let rootfs { fields.append(("rootfs", jsonString(rootfs))) }
        if let created { fields.append(("created", jsonString(created))) }
        if !annotations.isEmpty {
            let inner = annotations.sorted { $0.key < $1.key }.map { (jsonString($0.key), jsonString($0.value)) }
            let body = prettyPrinted
                ? "{\n" + inner.map { "    \($0): \($1)" }.joined(separator: ",\n") + "\n  }"
                : "{" + inner.map { "\($0):\($1)" }.joined(separator: ",") + "}"
            fields.append(("annotations", body))
        }
        if let owner { fields.append(("owner", jsonString(owner))) }
        let text = prettyPrinted
            ? "{\n" + fields.map { "  \(jsonString($0)): \($1)" }.joined(separator: ",\n") + "\n}"
            : "{" + fields.map { "\(jsonString($0)):\($1)" }.joined(separator: ",") + "}"
        return Data(text.utf8)
    }
}

/// A JSON string literal for `s`.
func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}
