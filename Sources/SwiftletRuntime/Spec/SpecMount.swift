extension Spec {
    /// `root`: the container's root filesystem on the host.
    public struct Root: Codable, Sendable, Hashable {
        /// Absolute, or relative to the bundle directory.
        public var path: String
        /// Remount the root read-only before the process starts.
        @OmitEmpty public var readonly: Bool

        public init(path: String, readonly: Bool = false) {
            self.path = path
            self.readonly = readonly
        }
    }

    /// `mounts[]`: one mount, performed in order after the root is set up.
    public struct Mount: Codable, Sendable, Hashable {
        /// Absolute path inside the container.
        public var destination: String
        /// Filesystem type (`proc`, `tmpfs`, `bind`, …); empty for bind mounts given by options.
        @OmitEmpty public var type: String
        /// Device, path or pseudo-source; a host path (absolute or bundle-relative) for bind mounts.
        @OmitEmpty public var source: String
        /// fstab-style options: flags (`ro`, `nosuid`, `rbind`, `rprivate`, …) and data (`mode=755`).
        @OmitEmpty public var options: [String]
        /// Idmapped-mount uid mappings (spec 1.1).
        @OmitEmpty public var uidMappings: [LinuxIDMapping]
        /// Idmapped-mount gid mappings (spec 1.1).
        @OmitEmpty public var gidMappings: [LinuxIDMapping]

        public init(
            destination: String,
            type: String = "",
            source: String = "",
            options: [String] = [],
            uidMappings: [LinuxIDMapping] = [],
            gidMappings: [LinuxIDMapping] = []
        ) {
            self.destination = destination
            self.type = type
            self.source = source
            self.options = options
            self.uidMappings = uidMappings
            self.gidMappings = gidMappings
        }

        /// Whether this is a bind mount: type `bind`, or a `bind`/`rbind` option.
        public var isBind: Bool {
            type == "bind" || options.contains("bind") || options.contains("rbind")
        }
    }

    /// One hook: a host program run at a lifecycle point with the container state JSON on stdin.
    public struct Hook: Codable, Sendable, Hashable {
        /// Absolute path of the program in the runtime namespace.
        public var path: String
        /// argv, including argv[0].
        @OmitEmpty public var args: [String]
        /// Environment as `KEY=VALUE`.
        @OmitEmpty public var env: [String]
        /// Seconds before the hook is killed and counted as failed.
        public var timeout: Int?

        public init(path: String, args: [String] = [], env: [String] = [], timeout: Int? = nil) {
            self.path = path
            self.args = args
            self.env = env
            self.timeout = timeout
        }
    }

    /// `hooks`: programs run at each lifecycle point, in order.
    public struct Hooks: Codable, Sendable, Hashable {
        /// Deprecated by the spec (1.0.2) in favour of `createRuntime`; still run, before it.
        @OmitEmpty public var prestart: [Hook]
        @OmitEmpty public var createRuntime: [Hook]
        @OmitEmpty public var createContainer: [Hook]
        @OmitEmpty public var startContainer: [Hook]
        @OmitEmpty public var poststart: [Hook]
        @OmitEmpty public var poststop: [Hook]

        public init(
            prestart: [Hook] = [],
            createRuntime: [Hook] = [],
            createContainer: [Hook] = [],
            startContainer: [Hook] = [],
            poststart: [Hook] = [],
            poststop: [Hook] = []
        ) {
            self.prestart = prestart
            self.createRuntime = createRuntime
            self.createContainer = createContainer
            self.startContainer = startContainer
            self.poststart = poststart
            self.poststop = poststop
        }

        /// Every hook list with its JSON field name, in lifecycle order.
        public var all: [(name: String, hooks: [Hook])] {
            [
                ("prestart", prestart), ("createRuntime", createRuntime), ("createContainer", createContainer),
                ("startContainer", startContainer), ("poststart", poststart), ("poststop", poststop),
            ]
        }
    }
}

/// A uid or gid range mapping: `size` ids starting at `containerID` map to ids starting at `hostID`.
public struct LinuxIDMapping: Codable, Sendable, Hashable {
    /// First id inside the container.
    public var containerID: UInt32
    /// First id on the host.
    public var hostID: UInt32
    /// Number of ids mapped.
    public var size: UInt32

    public init(containerID: UInt32, hostID: UInt32, size: UInt32) {
        self.containerID = containerID
        self.hostID = hostID
        self.size = size
    }
}
