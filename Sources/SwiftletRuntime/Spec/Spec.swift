/// An OCI runtime-spec `config.json` (opencontainers/runtime-spec `config.md`, spec 1.2, read for every
/// 1.x version). Field names and JSON shapes follow the spec's Go bindings; fields this runtime doesn't
/// know (other platforms, later minor versions) are ignored when decoding.
///
/// Load one with ``Spec/load(bundle:)`` and check it with ``SpecValidation/validate(_:bundle:)``.
public struct Spec: Codable, Sendable, Hashable {
    /// The runtime-spec version the bundle complies with, SemVer (`1.0.2-dev`, `1.2.0`).
    public var ociVersion: String
    /// The container process. Required by `create` on Linux.
    public var process: Process?
    /// The container's root filesystem.
    public var root: Root?
    /// The container's hostname (needs a new uts namespace).
    @OmitEmpty public var hostname: String
    /// The container's NIS domain name (needs a new uts namespace).
    @OmitEmpty public var domainname: String
    /// Mounts in order, on top of `root`.
    @OmitEmpty public var mounts: [Mount]
    /// Lifecycle hooks.
    public var hooks: Hooks?
    /// Arbitrary metadata, reported back by `state`.
    @OmitEmpty public var annotations: [String: String]
    /// Linux-specific configuration.
    public var linux: Linux?

    /// The version this runtime writes into configs it generates.
    public static let currentVersion = "1.2.0"

    public init(
        ociVersion: String = Spec.currentVersion,
        process: Process? = nil,
        root: Root? = nil,
        hostname: String = "",
        domainname: String = "",
        mounts: [Mount] = [],
        hooks: Hooks? = nil,
        annotations: [String: String] = [:],
        linux: Linux? = nil
    ) {
        self.ociVersion = ociVersion
        self.process = process
        self.root = root
        self.hostname = hostname
        self.domainname = domainname
        self.mounts = mounts
        self.hooks = hooks
        self.annotations = annotations
        self.linux = linux
    }
}
