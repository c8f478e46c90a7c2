/// Container-level security attributes; override the pod's.
public struct SecurityContext: Codable, Hashable, Sendable {
    /// Capabilities to add and drop.
    public var capabilities: Capabilities?
    /// Run privileged.
    public var privileged: Bool?
    /// SELinux context.
    public var seLinuxOptions: SELinuxOptions?
    /// Windows-only; ignored on Linux.
    public var windowsOptions: WindowsSecurityContextOptions?
    /// UID of the process.
    public var runAsUser: Int64?
    /// Primary GID of the process.
    public var runAsGroup: Int64?
    /// Refuse to start as UID 0.
    public var runAsNonRoot: Bool?
    /// Mount the root filesystem read-only.
    public var readOnlyRootFilesystem: Bool?
    /// Whether `no_new_privs` is left unset.
    public var allowPrivilegeEscalation: Bool?
    /// `Default` or `Unmasked`.
    public var procMount: String?
    /// Seccomp profile.
    public var seccompProfile: SeccompProfile?
    /// AppArmor profile.
    public var appArmorProfile: AppArmorProfile?

    /// Creates a `SecurityContext`; every argument defaults to unset.
    public init(
        capabilities: Capabilities? = nil,
        privileged: Bool? = nil,
        seLinuxOptions: SELinuxOptions? = nil,
        windowsOptions: WindowsSecurityContextOptions? = nil,
        runAsUser: Int64? = nil,
        runAsGroup: Int64? = nil,
        runAsNonRoot: Bool? = nil,
        readOnlyRootFilesystem: Bool? = nil,
        allowPrivilegeEscalation: Bool? = nil,
        procMount: String? = nil,
        seccompProfile: SeccompProfile? = nil,
        appArmorProfile: AppArmorProfile? = nil
    ) {
        self.capabilities = capabilities
        self.privileged = privileged
        self.seLinuxOptions = seLinuxOptions
        self.windowsOptions = windowsOptions
        self.runAsUser = runAsUser
        self.runAsGroup = runAsGroup
        self.runAsNonRoot = runAsNonRoot
        self.readOnlyRootFilesystem = readOnlyRootFilesystem
        self.allowPrivilegeEscalation = allowPrivilegeEscalation
        self.procMount = procMount
        self.seccompProfile = seccompProfile
        self.appArmorProfile = appArmorProfile
    }
}

/// Pod-level security attributes.
public struct PodSecurityContext: Codable, Hashable, Sendable {
    /// SELinux context for all containers.
    public var seLinuxOptions: SELinuxOptions?
    /// Windows-only; ignored on Linux.
    public var windowsOptions: WindowsSecurityContextOptions?
    /// Default UID.
    public var runAsUser: Int64?
    /// Default primary GID.
    public var runAsGroup: Int64?
    /// Refuse to start containers as UID 0.
    public var runAsNonRoot: Bool?
    /// Extra GIDs for every container's first process.
    public var supplementalGroups: [Int64]?
    /// `Merge` (default) or `Strict`.
    public var supplementalGroupsPolicy: String?
    /// GID that owns volumes and is added to every container.
    public var fsGroup: Int64?
    /// Namespaced sysctls to set.
    public var sysctls: [Sysctl]?
    /// `OnRootMismatch` or `Always`.
    public var fsGroupChangePolicy: String?
    /// Default seccomp profile.
    public var seccompProfile: SeccompProfile?
    /// Default AppArmor profile.
    public var appArmorProfile: AppArmorProfile?
    /// `MountOption` or `Recursive`.
    public var seLinuxChangePolicy: String?

    /// Creates a `PodSecurityContext`; every argument defaults to unset.
    public init(
        seLinuxOptions: SELinuxOptions? = nil,
        windowsOptions: WindowsSecurityContextOptions? = nil,
        runAsUser: Int64? = nil,
        runAsGroup: Int64? = nil,
        runAsNonRoot: Bool? = nil,
        supplementalGroups: [Int64]? = nil,
        supplementalGroupsPolicy: String? = nil,
        fsGroup: Int64? = nil,
        sysctls: [Sysctl]? = nil,
        fsGroupChangePolicy: String? = nil,
        seccompProfile: SeccompProfile? = nil,
        appArmorProfile: AppArmorProfile? = nil,
        seLinuxChangePolicy: String? = nil
    ) {
        self.seLinuxOptions = seLinuxOptions
        self.windowsOptions = windowsOptions
        self.runAsUser = runAsUser
        self.runAsGroup = runAsGroup
        self.runAsNonRoot = runAsNonRoot
        self.supplementalGroups = supplementalGroups
        self.supplementalGroupsPolicy = supplementalGroupsPolicy
        self.fsGroup = fsGroup
        self.sysctls = sysctls
        self.fsGroupChangePolicy = fsGroupChangePolicy
        self.seccompProfile = seccompProfile
        self.appArmorProfile = appArmorProfile
        self.seLinuxChangePolicy = seLinuxChangePolicy
    }
}

/// Linux capabilities to add and drop, e.g. `NET_ADMIN`.
public struct Capabilities: Codable, Hashable, Sendable {
    /// Capabilities to add.
    public var add: [String]?
    /// Capabilities to drop; `ALL` drops every one.
    public var drop: [String]?

    /// Creates a `Capabilities`; every argument defaults to unset.
    public init(add: [String]? = nil, drop: [String]? = nil) {
        self.add = add
        self.drop = drop
    }
}

/// An SELinux context.
public struct SELinuxOptions: Codable, Hashable, Sendable {
    /// SELinux user.
    public var user: String?
    /// SELinux role.
    public var role: String?
    /// SELinux type.
    public var type: String?
    /// SELinux level.
    public var level: String?

    /// Creates a `SELinuxOptions`; every argument defaults to unset.
    public init(
        user: String? = nil,
        role: String? = nil,
        type: String? = nil,
        level: String? = nil
    ) {
        self.user = user
        self.role = role
        self.type = type
        self.level = level
    }
}

/// Windows security options; swiftlet ignores them.
public struct WindowsSecurityContextOptions: Codable, Hashable, Sendable {
    /// GMSA credential spec name.
    public var gmsaCredentialSpecName: String?
    /// GMSA credential spec.
    public var gmsaCredentialSpec: String?
    /// Windows user name.
    public var runAsUserName: String?
    /// Run as a host process.
    public var hostProcess: Bool?

    /// Creates a `WindowsSecurityContextOptions`; every argument defaults to unset.
    public init(
        gmsaCredentialSpecName: String? = nil,
        gmsaCredentialSpec: String? = nil,
        runAsUserName: String? = nil,
        hostProcess: Bool? = nil
    ) {
        self.gmsaCredentialSpecName = gmsaCredentialSpecName
        self.gmsaCredentialSpec = gmsaCredentialSpec
        self.runAsUserName = runAsUserName
        self.hostProcess = hostProcess
    }
}

/// A seccomp profile.
public struct SeccompProfile: Codable, Hashable, Sendable {
    /// `RuntimeDefault`, `Unconfined` or `Localhost`.
    public var type: String
    /// Profile path relative to the kubelet's seccomp directory, for `Localhost`.
    public var localhostProfile: String?

    /// Creates a `SeccompProfile`; every argument defaults to unset.
    public init(type: String = "", localhostProfile: String? = nil) {
        self.type = type
        self.localhostProfile = localhostProfile
    }

    private enum CodingKeys: String, CodingKey {
        case type
        case localhostProfile
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.type = try c.decodeIfPresent(String.self, forKey: .type) ?? ""
        self.localhostProfile = try c.decodeIfPresent(String.self, forKey: .localhostProfile)
    }
}

/// An AppArmor profile.
public struct AppArmorProfile: Codable, Hashable, Sendable {
    /// `RuntimeDefault`, `Unconfined` or `Localhost`.
    public var type: String
    /// Profile name loaded on the node, for `Localhost`.
    public var localhostProfile: String?

    /// Creates a `AppArmorProfile`; every argument defaults to unset.
    public init(type: String = "", localhostProfile: String? = nil) {
        self.type = type
        self.localhostProfile = localhostProfile
    }

    private enum CodingKeys: String, CodingKey {
        case type
        case localhostProfile
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.type = try c.decodeIfPresent(String.self, forKey: .type) ?? ""
        self.localhostProfile = try c.decodeIfPresent(String.self, forKey: .localhostProfile)
    }
}

/// A kernel parameter.
public struct Sysctl: Codable, Hashable, Sendable {
    /// Parameter name, e.g. `net.ipv4.ip_local_port_range`.
    public var name: String
    /// Value.
    public var value: String

    /// Creates a `Sysctl`; every argument defaults to unset.
    public init(name: String = "", value: String = "") {
        self.name = name
        self.value = value
    }

    private enum CodingKeys: String, CodingKey {
        case name
        case value
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        self.value = try c.decodeIfPresent(String.self, forKey: .value) ?? ""
    }
}
