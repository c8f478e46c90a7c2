/// An image's config blob (OCI image spec `config.md`; Docker's is the same shape): the
/// platform, the defaults for the container's process, the layer diff IDs and the history.
public struct ImageConfig: Codable, Hashable, Sendable {
    /// When the image was created, RFC 3339.
    public var created: String?
    /// Who made the image.
    public var author: String?
    /// CPU architecture (`amd64`, `arm64`, ...).
    public var architecture: String
    /// Operating system (`linux`).
    public var os: String
    /// CPU variant (`v8`, `v7`).
    public var variant: String?
    /// OS version (Windows images).
    public var osVersion: String?
    /// Required OS features (Windows images).
    public var osFeatures: [String]?
    /// Defaults for the container's process; nil when the image sets none.
    public var config: ProcessDefaults?
    /// The uncompressed layer digests, base first.
    public var rootfs: RootFS
    /// How each layer was made.
    public var history: [History]?

    private enum CodingKeys: String, CodingKey {
        case created, author, architecture, os, variant, config, rootfs, history
        case osVersion = "os.version"
        case osFeatures = "os.features"
    }

    /// Creates a config.
    public init(
        architecture: String, os: String, variant: String? = nil, config: ProcessDefaults? = nil,
        rootfs: RootFS = RootFS(diffIDs: []), history: [History]? = nil, created: String? = nil, author: String? = nil
    ) {
        self.architecture = architecture
        self.os = os
        self.variant = variant
        self.config = config
        self.rootfs = rootfs
        self.history = history
        self.created = created
        self.author = author
    }

    /// The platform the image is built for.
    public var platform: Platform {
        Platform(os: os, architecture: architecture, variant: variant, osVersion: osVersion, osFeatures: osFeatures)
    }

    /// Defaults for the container's process (the `config` object; Go-style capitalised keys).
    public struct ProcessDefaults: Codable, Hashable, Sendable {
        /// `user`, `uid`, `user:group` or `uid:gid`.
        public var user: String?
        /// Ports as `port/proto` (`80/tcp`), sorted.
        public var exposedPorts: [String]?
        /// Environment as `NAME=value`, in order.
        public var env: [String]?
        /// The executable and its leading arguments.
        public var entrypoint: [String]?
        /// Default arguments (or the command when there is no entrypoint).
        public var cmd: [String]?
        /// Paths that are meant to be volumes, sorted.
        public var volumes: [String]?
        /// Working directory.
        public var workingDir: String?
        /// Labels.
        public var labels: [String: String]?
        /// Signal that stops the container (`SIGTERM`, `SIGQUIT`, `15`).
        public var stopSignal: String?

        private enum CodingKeys: String, CodingKey {
            case user = "User"
            case exposedPorts = "ExposedPorts"
            case env = "Env"
            case entrypoint = "Entrypoint"
            case cmd = "Cmd"
            case volumes = "Volumes"
            case workingDir = "WorkingDir"
            case labels = "Labels"
            case stopSignal = "StopSignal"
        }

        /// An empty JSON object, the value type of `ExposedPorts` and `Volumes` sets.
        private struct EmptyObject: Codable, Hashable, Sendable {}

        /// Creates process defaults.
        public init(
            user: String? = nil, exposedPorts: [String]? = nil, env: [String]? = nil, entrypoint: [String]? = nil,
            cmd: [String]? = nil, volumes: [String]? = nil, workingDir: String? = nil,
            labels: [String: String]? = nil, stopSignal: String? = nil
        ) {
            self.user = user
            self.exposedPorts = exposedPorts
            self.env = env
            self.entrypoint = entrypoint
            self.cmd = cmd
            self.volumes = volumes
            self.workingDir = workingDir
            self.labels = labels
            self.stopSignal = stopSignal
        }

        /// Decodes, turning the `{"80/tcp": {}}` sets into sorted lists.
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            user = try c.decodeIfPresent(String.self, forKey: .user)
            exposedPorts = try c.decodeIfPresent([String: EmptyObject].self, forKey: .exposedPorts)?.keys.sorted()
            env = try c.decodeIfPresent([String].self, forKey: .env)
            entrypoint = try c.decodeIfPresent([String].self, forKey: .entrypoint)
            cmd = try c.decodeIfPresent([String].self, forKey: .cmd)
            volumes = try c.decodeIfPresent([String: EmptyObject].self, forKey: .volumes)?.keys.sorted()
            workingDir = try c.decodeIfPresent(String.self, forKey: .workingDir)
            labels = try c.decodeIfPresent([String: String].self, forKey: .labels)
            stopSignal = try c.decodeIfPresent(String.self, forKey: .stopSignal)
        }

        /// Encodes in the image spec's shape, sets as objects.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(user, forKey: .user)
            try c.encodeIfPresent(
                exposedPorts.map { Dictionary(uniqueKeysWithValues: $0.map { ($0, EmptyObject()) }) }, forKey: .exposedPorts)
            try c.encodeIfPresent(env, forKey: .env)
            try c.encodeIfPresent(entrypoint, forKey: .entrypoint)
            try c.encodeIfPresent(cmd, forKey: .cmd)
            try c.encodeIfPresent(
                volumes.map { Dictionary(uniqueKeysWithValues: $0.map { ($0, EmptyObject()) }) }, forKey: .volumes)
            try c.encodeIfPresent(workingDir, forKey: .workingDir)
            try c.encodeIfPresent(labels, forKey: .labels)
            try c.encodeIfPresent(stopSignal, forKey: .stopSignal)
        }
    }

    /// The layer chain: `type` is always `layers`.
    public struct RootFS: Codable, Hashable, Sendable {
        /// Always `layers`.
        public var type: String
        /// Digests of the uncompressed layer tars, base first.
        public var diffIDs: [ImageDigest]

        private enum CodingKeys: String, CodingKey {
            case type
            case diffIDs = "diff_ids"
        }

        /// Creates a rootfs of `layers` type.
        public init(type: String = "layers", diffIDs: [ImageDigest]) {
            self.type = type
            self.diffIDs = diffIDs
        }
    }

    /// One step of the image's build.
    public struct History: Codable, Hashable, Sendable {
        /// When, RFC 3339.
        public var created: String?
        /// The command that made it.
        public var createdBy: String?
        /// Who.
        public var author: String?
        /// A note.
        public var comment: String?
        /// True when the step added no layer.
        public var emptyLayer: Bool?

        private enum CodingKeys: String, CodingKey {
            case created, author, comment
            case createdBy = "created_by"
            case emptyLayer = "empty_layer"
        }

        /// Creates a history entry.
        public init(created: String? = nil, createdBy: String? = nil, author: String? = nil, comment: String? = nil, emptyLayer: Bool? = nil) {
            self.created = created
            self.createdBy = createdBy
            self.author = author
            self.comment = comment
            self.emptyLayer = emptyLayer
        }
    }
}
