/// `linux`: the Linux-specific part of a config (opencontainers/runtime-spec `config-linux.md`).
public struct Linux: Codable, Sendable, Hashable {
    /// User-namespace uid mappings; required when a new user namespace is created.
    @OmitEmpty public var uidMappings: [LinuxIDMapping]
    /// User-namespace gid mappings; required when a new user namespace is created.
    @OmitEmpty public var gidMappings: [LinuxIDMapping]
    /// Kernel parameters written under `/proc/sys` inside the container (`net.core.somaxconn` → `net/core/somaxconn`).
    @OmitEmpty public var sysctl: [String: String]
    /// cgroup limits.
    public var resources: LinuxResources?
    /// The container's cgroup, absolute (from the hierarchy root) or runtime-relative.
    @OmitEmpty public var cgroupsPath: String
    /// Namespaces to create (no path) or join (path).
    @OmitEmpty public var namespaces: [LinuxNamespace]
    /// Device nodes to create in addition to the default ones.
    @OmitEmpty public var devices: [LinuxDevice]
    /// The seccomp filter.
    public var seccomp: LinuxSeccomp?
    /// Propagation of the root mount: `shared`, `slave`, `private`, `unbindable` (or an `r`-prefixed form).
    @OmitEmpty public var rootfsPropagation: String
    /// Paths made unreadable (a `/dev/null` bind for files, an empty read-only tmpfs for directories).
    @OmitEmpty public var maskedPaths: [String]
    /// Paths remounted read-only.
    @OmitEmpty public var readonlyPaths: [String]
    /// SELinux mount label (unused by this runtime).
    @OmitEmpty public var mountLabel: String
    /// Intel RDT settings (unused by this runtime).
    public var intelRdt: LinuxIntelRdt?
    /// `personality(2)` domain.
    public var personality: LinuxPersonality?
    /// Time-namespace clock offsets, keyed by clock name (`monotonic`, `boottime`).
    @OmitEmpty public var timeOffsets: [String: LinuxTimeOffset]
    /// Host network devices moved into the container's network namespace, keyed by host name (spec 1.2).
    @OmitEmpty public var netDevices: [String: LinuxNetDevice]
    /// NUMA memory policy (spec 1.3).
    public var memoryPolicy: LinuxMemoryPolicy?

    public init(
        uidMappings: [LinuxIDMapping] = [],
        gidMappings: [LinuxIDMapping] = [],
        sysctl: [String: String] = [:],
        resources: LinuxResources? = nil,
        cgroupsPath: String = "",
        namespaces: [LinuxNamespace] = [],
        devices: [LinuxDevice] = [],
        seccomp: LinuxSeccomp? = nil,
        rootfsPropagation: String = "",
        maskedPaths: [String] = [],
        readonlyPaths: [String] = [],
        mountLabel: String = "",
        intelRdt: LinuxIntelRdt? = nil,
        personality: LinuxPersonality? = nil,
        timeOffsets: [String: LinuxTimeOffset] = [:],
        netDevices: [String: LinuxNetDevice] = [:],
        memoryPolicy: LinuxMemoryPolicy? = nil
    ) {
        self.uidMappings = uidMappings
        self.gidMappings = gidMappings
        self.sysctl = sysctl
        self.resources = resources
        self.cgroupsPath = cgroupsPath
        self.namespaces = namespaces
        self.devices = devices
        self.seccomp = seccomp
        self.rootfsPropagation = rootfsPropagation
        self.maskedPaths = maskedPaths
        self.readonlyPaths = readonlyPaths
        self.mountLabel = mountLabel
        self.intelRdt = intelRdt
        self.personality = personality
        self.timeOffsets = timeOffsets
        self.netDevices = netDevices
        self.memoryPolicy = memoryPolicy
    }

    /// The namespace entry of a type, if the config lists one.
    public func namespace(_ type: LinuxNamespaceType) -> LinuxNamespace? {
        namespaces.first { $0.type == type }
    }
}

/// A namespace type name. Kept as a string so an unknown type decodes and is reported by validation.
public struct LinuxNamespaceType: RawRepresentable, Codable, Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The name as it appears in config.json.
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    /// The name as it appears in config.json.
    public var description: String { rawValue }

    public static let pid: LinuxNamespaceType = "pid"
    public static let network: LinuxNamespaceType = "network"
    public static let mount: LinuxNamespaceType = "mount"
    public static let ipc: LinuxNamespaceType = "ipc"
    public static let uts: LinuxNamespaceType = "uts"
    public static let user: LinuxNamespaceType = "user"
    public static let cgroup: LinuxNamespaceType = "cgroup"
    public static let time: LinuxNamespaceType = "time"

    /// Every type the spec defines.
    public static let all: [LinuxNamespaceType] = [.pid, .network, .mount, .ipc, .uts, .user, .cgroup, .time]

    /// The `CLONE_NEW*` flag for this type, nil for an unknown type.
    public var cloneFlag: Int32? {
        switch self {
        case .pid: return 0x2000_0000
        case .network: return 0x4000_0000
        case .mount: return 0x0002_0000
        case .ipc: return 0x0800_0000
        case .uts: return 0x0400_0000
        case .user: return 0x1000_0000
        case .cgroup: return 0x0200_0000
        case .time: return 0x0000_0080
        default: return nil
        }
    }
}

/// `linux.namespaces[]`: create a namespace of `type`, or join the one at `path`.
public struct LinuxNamespace: Codable, Sendable, Hashable {
    /// Which namespace.
    public var type: LinuxNamespaceType
    /// An nsfs path such as `/proc/1234/ns/net` or `/run/netns/pod`; empty to create a new namespace.
    @OmitEmpty public var path: String

    public init(type: LinuxNamespaceType, path: String = "") {
        self.type = type
        self.path = path
    }
}

/// `linux.timeOffsets[clock]`.
public struct LinuxTimeOffset: Codable, Sendable, Hashable {
    /// Offset in seconds.
    public var secs: Int64?
    /// Additional offset in nanoseconds.
    public var nanosecs: UInt32?

    public init(secs: Int64? = nil, nanosecs: UInt32? = nil) {
        self.secs = secs
        self.nanosecs = nanosecs
    }
}

/// `linux.devices[]`: a device node to create inside the container.
public struct LinuxDevice: Codable, Sendable, Hashable {
    /// Absolute path inside the container.
    public var path: String
    /// `c` (or `u`, unbuffered char), `b` or `p` (fifo).
    public var type: String
    /// Required unless `type` is `p`.
    public var major: Int64?
    /// Required unless `type` is `p`.
    public var minor: Int64?
    /// Permission bits, e.g. 0o666 (JSON carries it in decimal: 438).
    public var fileMode: UInt32?
    /// Owner, in the container's user namespace.
    public var uid: UInt32?
    /// Group, in the container's user namespace.
    public var gid: UInt32?

    public init(
        path: String,
        type: String,
        major: Int64? = nil,
        minor: Int64? = nil,
        fileMode: UInt32? = nil,
        uid: UInt32? = nil,
        gid: UInt32? = nil
    ) {
        self.path = path
        self.type = type
        self.major = major
        self.minor = minor
        self.fileMode = fileMode
        self.uid = uid
        self.gid = gid
    }
}

/// `linux.personality`.
public struct LinuxPersonality: Codable, Sendable, Hashable {
    /// `LINUX` or `LINUX32`.
    public var domain: String
    /// Additional flags; the spec defines none yet.
    @OmitEmpty public var flags: [String]

    public init(domain: String, flags: [String] = []) {
        self.domain = domain
        self.flags = flags
    }

    /// The domains the spec defines.
    public static let domains = ["LINUX", "LINUX32"]
}

/// `linux.intelRdt`. Decoded so configs that carry it load; this runtime doesn't apply it.
public struct LinuxIntelRdt: Codable, Sendable, Hashable {
    /// resctrl group (Class of Service); the container id when empty.
    @OmitEmpty public var closID: String
    @OmitEmpty public var l3CacheSchema: String
    @OmitEmpty public var memBwSchema: String
    /// Spec 1.2 carries one string with newline-separated lines, spec 1.3 a list of lines; both decode here.
    @OmitEmpty public var schemata: [String]
    @OmitEmpty public var enableCMT: Bool
    @OmitEmpty public var enableMBM: Bool
    @OmitEmpty public var enableMonitoring: Bool

    public init(
        closID: String = "",
        l3CacheSchema: String = "",
        memBwSchema: String = "",
        schemata: [String] = [],
        enableCMT: Bool = false,
        enableMBM: Bool = false,
        enableMonitoring: Bool = false
    ) {
        self.closID = closID
        self.l3CacheSchema = l3CacheSchema
        self.memBwSchema = memBwSchema
        self.schemata = schemata
        self.enableCMT = enableCMT
        self.enableMBM = enableMBM
        self.enableMonitoring = enableMonitoring
    }

    private enum CodingKeys: String, CodingKey {
        case closID, l3CacheSchema, memBwSchema, schemata, enableCMT, enableMBM, enableMonitoring
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        closID = try c.decodeIfPresent(String.self, forKey: .closID) ?? ""
        l3CacheSchema = try c.decodeIfPresent(String.self, forKey: .l3CacheSchema) ?? ""
        memBwSchema = try c.decodeIfPresent(String.self, forKey: .memBwSchema) ?? ""
        if let lines = try? c.decodeIfPresent([String].self, forKey: .schemata) {
            schemata = lines
        } else if let text = try c.decodeIfPresent(String.self, forKey: .schemata) {
            schemata = text.split(separator: "\n").map(String.init)
        } else {
            schemata = []
        }
        enableCMT = try c.decodeIfPresent(Bool.self, forKey: .enableCMT) ?? false
        enableMBM = try c.decodeIfPresent(Bool.self, forKey: .enableMBM) ?? false
        enableMonitoring = try c.decodeIfPresent(Bool.self, forKey: .enableMonitoring) ?? false
    }
}

/// `linux.netDevices[hostName]`: the device's name inside the container (defaults to the host name).
public struct LinuxNetDevice: Codable, Sendable, Hashable {
    /// Name inside the container; empty keeps the host name.
    @OmitEmpty public var name: String

    public init(name: String = "") { self.name = name }
}

/// `linux.memoryPolicy` (`set_mempolicy(2)`), spec 1.3.
public struct LinuxMemoryPolicy: Codable, Sendable, Hashable {
    /// `MPOL_DEFAULT`, `MPOL_BIND`, `MPOL_INTERLEAVE`, …
    public var mode: String
    /// Node list such as `0-3,7`.
    @OmitEmpty public var nodes: String
    /// `MPOL_F_*` mode flags.
    @OmitEmpty public var flags: [String]

    public init(mode: String, nodes: String = "", flags: [String] = []) {
        self.mode = mode
        self.nodes = nodes
        self.flags = flags
    }
}
