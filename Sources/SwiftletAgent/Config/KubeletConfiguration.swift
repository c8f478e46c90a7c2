import SwiftletAPI

/// The agent's configuration: kubelet's own `KubeletConfiguration` (`kubelet.config.k8s.io/v1beta1`),
/// restricted to the fields swiftlet supports, with Kubernetes' JSON names and types.
///
/// `KubeletConfiguration()` holds kubelet's v1beta1 defaults (see `KubeletConfiguration+Defaults.swift`);
/// `ConfigLoader` builds one from defaults, a config file and command-line flags, and checks it.
/// Durations are Go duration strings (`GoDuration`), sizes are `Quantity`s, eviction maps go from a
/// signal name (`EvictionSignal`) to a quantity or a percentage.
///
/// Codable: encodes every field under its Kubernetes name; decoding fills absent keys with the
/// defaults but neither applies kubelet's zero-value defaulting nor validates (use `ConfigLoader` for files).
public struct KubeletConfiguration: Codable, Sendable, Equatable {
    /// The `apiVersion` a config file must declare.
    public static let apiVersion = "kubelet.config.k8s.io/v1beta1"
    /// The `kind` a config file must declare.
    public static let kind = "KubeletConfiguration"

    /// Directory (or file) of static pod manifests. Empty: no static pods.
    /// Default `/etc/swiftlet/manifests` (kubelet has none).
    public var staticPodPath: String
    /// Maximum period between syncs of running containers and config. Default `1m0s`.
    public var syncFrequency: GoDuration
    /// How often `staticPodPath` is checked for new data. Default `20s`.
    public var fileCheckFrequency: GoDuration
    /// IP address the agent's HTTPS server listens on. Default `0.0.0.0`.
    public var address: String
    /// Port of the agent's HTTPS server. Default 10250.
    public var port: Int32
    /// Port of the unauthenticated read-only HTTP server; 0 disables it. Default 0.
    public var readOnlyPort: Int32
    /// Serving certificate for `port`; empty: a self-signed one is generated.
    public var tlsCertFile: String
    /// Private key for `tlsCertFile`.
    public var tlsPrivateKeyFile: String
    /// How requests to the agent's server are authenticated.
    public var authentication: Authentication
    /// How requests to the agent's server are authorized.
    public var authorization: Authorization
    /// Register the node with the API server. Default true.
    public var registerNode: Bool
    /// Cluster DNS domain (e.g. `cluster.local`), appended to pods' search domains. Default empty.
    public var clusterDomain: String
    /// IP addresses of the cluster DNS servers given to pods with `dnsPolicy: ClusterFirst`. Default none.
    public var clusterDNS: [String]
    /// Port of the `/healthz` endpoint; 0 disables it. Default 10248.
    public var healthzPort: Int32
    /// Address of the `/healthz` endpoint. Default `127.0.0.1`.
    public var healthzBindAddress: String
    /// How often node status is computed (and posted when it changed). Default `10s`.
    public var nodeStatusUpdateFrequency: GoDuration
    /// How often unchanged node status is posted anyway. Default `5m0s`, or `nodeStatusUpdateFrequency`
    /// when only that is set.
    public var nodeStatusReportFrequency: GoDuration
    /// Duration of the node Lease, in seconds; renewed every quarter of it. Default 40.
    public var nodeLeaseDurationSeconds: Int32
    /// Minimum age of an unused image before garbage collection. Default `2m0s`.
    public var imageMinimumGCAge: GoDuration
    /// Age after which an unused image is collected regardless of disk use; `0s` disables. Default `0s`.
    public var imageMaximumGCAge: GoDuration
    /// Disk use (percent) above which image garbage collection always runs. Default 85.
    public var imageGCHighThresholdPercent: Int32
    /// Disk use (percent) that image garbage collection aims for. Default 80.
    public var imageGCLowThresholdPercent: Int32
    /// Create the QoS cgroup tree (`kubepods/burstable`, `kubepods/besteffort`). Default true.
    public var cgroupsPerQOS: Bool
    /// `cgroupfs` or `systemd`. Default `cgroupfs`.
    public var cgroupDriver: String
    /// Root cgroup of the pod tree. Default `/` (kubelet's value when `cgroupsPerQOS` is on).
    public var cgroupRoot: String
    /// Timeout of runtime operations other than image pulls. Default `2m0s`.
    public var runtimeRequestTimeout: GoDuration
    /// `promiscuous-bridge`, `hairpin-veth` or `none`. Default `promiscuous-bridge`.
    public var hairpinMode: String
    /// Maximum number of pods on the node. Default 110.
    public var maxPods: Int32
    /// Maximum number of processes per pod; -1 means no per-pod limit. Default -1.
    public var podPidsLimit: Int64
    /// Unsafe sysctls pods may set besides the safe set: names, or prefixes ending in `*`
    /// (`kernel.msg*`, `net.core.*`). Each must be namespaced. Default none.
    public var allowedUnsafeSysctls: [String]
    /// Resolver configuration given to pods' `/etc/resolv.conf`; empty: none. Default `/etc/resolv.conf`.
    public var resolvConf: String
    /// Where container logs go: `<podLogsDir>/<ns>_<pod>_<uid>/<container>/<restart>.log`. Default `/var/log/pods`.
    public var podLogsDir: String
    /// Pull images one at a time. Default true (false when `maxParallelImagePulls` > 1 is set).
    public var serializeImagePulls: Bool
    /// Maximum number of parallel image pulls; nil: no limit. Default nil.
    public var maxParallelImagePulls: Int32?
    /// Hard eviction thresholds by signal. Default `memory.available: 100Mi`, `nodefs.available: 10%`,
    /// `nodefs.inodesFree: 5%`, `imagefs.available: 15%`, `imagefs.inodesFree: 5%`.
    public var evictionHard: [String: String]
    /// Soft eviction thresholds by signal. Default none.
    public var evictionSoft: [String: String]
    /// Grace period (Go duration) of each soft eviction threshold. Default none.
    public var evictionSoftGracePeriod: [String: String]
    /// How long a pressure condition persists after its signal recovers. Default `5m0s`.
    public var evictionPressureTransitionPeriod: GoDuration
    /// Cap, in seconds, on the grace period of pods evicted by a soft threshold. Default 0.
    public var evictionMaxPodGracePeriod: Int32
    /// Minimum amount reclaimed per eviction, by signal. Default none.
    public var evictionMinimumReclaim: [String: String]
    /// Fill signals missing from `evictionHard` with the defaults instead of leaving them unset. Default false.
    public var mergeDefaultEvictionSettings: Bool
    /// Resources reserved for the operating system (`cpu`, `memory`, `ephemeral-storage`, `pid`). Default none.
    public var systemReserved: [String: Quantity]
    /// Resources reserved for Kubernetes components (the agent itself). Default none.
    public var kubeReserved: [String: Quantity]
    /// Refuse to start when swap is on. Default true.
    public var failSwapOn: Bool
    /// Size at which a container log file is rotated; negative disables rotation. Default `10Mi`.
    public var containerLogMaxSize: Quantity
    /// Log files kept per container, the live one included; at least 2. Default 5.
    public var containerLogMaxFiles: Int32
    /// How often container logs are checked for rotation. Default 10s.
    public var containerLogMonitorInterval: GoDuration
    /// How long node shutdown is delayed for pods to terminate; `0s` disables graceful shutdown. Default `0s`.
    public var shutdownGracePeriod: GoDuration
    /// Part of `shutdownGracePeriod` reserved for critical pods. Default `0s`.
    public var shutdownGracePeriodCriticalPods: GoDuration
    /// Use `RuntimeDefault` seccomp for containers that set no profile. Default false.
    public var seccompDefault: Bool

    /// kubelet's `KubeletAuthentication`.
    public struct Authentication: Codable, Sendable, Equatable {
        /// Client-certificate authentication.
        public var x509: X509
        /// Bearer tokens checked with the API server's TokenReview.
        public var webhook: Webhook
        /// Requests that no other method authenticates.
        public var anonymous: Anonymous

        /// kubelet's `KubeletX509Authentication`.
        public struct X509: Codable, Sendable, Equatable {
            /// CA bundle that client certificates must chain to; empty disables. Default empty.
            public var clientCAFile: String
            public init(clientCAFile: String = "") { self.clientCAFile = clientCAFile }
        }

        /// kubelet's `KubeletWebhookAuthentication`.
        public struct Webhook: Codable, Sendable, Equatable {
            /// Default true.
            public var enabled: Bool
            /// How long TokenReview answers are cached. Default `2m0s`.
            public var cacheTTL: GoDuration
            public init(enabled: Bool = true, cacheTTL: GoDuration = .minutes(2)) {
                self.enabled = enabled
                self.cacheTTL = cacheTTL
            }
        }

        /// kubelet's `KubeletAnonymousAuthentication`.
        public struct Anonymous: Codable, Sendable, Equatable {
            /// Treat unauthenticated requests as `system:anonymous`. Default false.
            public var enabled: Bool
            public init(enabled: Bool = false) { self.enabled = enabled }
        }

        public init(x509: X509 = X509(), webhook: Webhook = Webhook(), anonymous: Anonymous = Anonymous()) {
            self.x509 = x509
            self.webhook = webhook
            self.anonymous = anonymous
        }
    }

    /// kubelet's `KubeletAuthorization`.
    public struct Authorization: Codable, Sendable, Equatable {
        /// `AlwaysAllow` or `Webhook` (SubjectAccessReview). Default `Webhook`.
        public var mode: String
        /// Cache settings of the webhook authorizer.
        public var webhook: Webhook

        /// kubelet's `KubeletWebhookAuthorization`.
        public struct Webhook: Codable, Sendable, Equatable {
            /// How long an "allowed" answer is cached. Default `5m0s`.
            public var cacheAuthorizedTTL: GoDuration
            /// How long a "denied" answer is cached. Default `30s`.
            public var cacheUnauthorizedTTL: GoDuration
            public init(cacheAuthorizedTTL: GoDuration = .minutes(5), cacheUnauthorizedTTL: GoDuration = .seconds(30)) {
                self.cacheAuthorizedTTL = cacheAuthorizedTTL
                self.cacheUnauthorizedTTL = cacheUnauthorizedTTL
            }
        }

        public init(mode: String = "Webhook", webhook: Webhook = Webhook()) {
            self.mode = mode
            self.webhook = webhook
        }
    }
}

// Decoding fills absent keys from the defaults so that `{}` decodes to `KubeletConfiguration()`.
extension KubeletConfiguration {
    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func take<T: Decodable>(_ key: CodingKeys, _ current: T) throws -> T {
            try c.decodeIfPresent(T.self, forKey: key) ?? current
        }
        staticPodPath = try take(.staticPodPath, staticPodPath)
        syncFrequency = try take(.syncFrequency, syncFrequency)
        fileCheckFrequency = try take(.fileCheckFrequency, fileCheckFrequency)
        address = try take(.address, address)
        port = try take(.port, port)
        readOnlyPort = try take(.readOnlyPort, readOnlyPort)
        tlsCertFile = try take(.tlsCertFile, tlsCertFile)
        tlsPrivateKeyFile = try take(.tlsPrivateKeyFile, tlsPrivateKeyFile)
        authentication = try take(.authentication, authentication)
        authorization = try take(.authorization, authorization)
        registerNode = try take(.registerNode, registerNode)
        clusterDomain = try take(.clusterDomain, clusterDomain)
        clusterDNS = try take(.clusterDNS, clusterDNS)
        healthzPort = try take(.healthzPort, healthzPort)
        healthzBindAddress = try take(.healthzBindAddress, healthzBindAddress)
        nodeStatusUpdateFrequency = try take(.nodeStatusUpdateFrequency, nodeStatusUpdateFrequency)
        nodeStatusReportFrequency = try take(.nodeStatusReportFrequency, nodeStatusReportFrequency)
        nodeLeaseDurationSeconds = try take(.nodeLeaseDurationSeconds, nodeLeaseDurationSeconds)
        imageMinimumGCAge = try take(.imageMinimumGCAge, imageMinimumGCAge)
        imageMaximumGCAge = try take(.imageMaximumGCAge, imageMaximumGCAge)
        imageGCHighThresholdPercent = try take(.imageGCHighThresholdPercent, imageGCHighThresholdPercent)
        imageGCLowThresholdPercent = try take(.imageGCLowThresholdPercent, imageGCLowThresholdPercent)
        cgroupsPerQOS = try take(.cgroupsPerQOS, cgroupsPerQOS)
        cgroupDriver = try take(.cgroupDriver, cgroupDriver)
        cgroupRoot = try take(.cgroupRoot, cgroupRoot)
        runtimeRequestTimeout = try take(.runtimeRequestTimeout, runtimeRequestTimeout)
        hairpinMode = try take(.hairpinMode, hairpinMode)
        maxPods = try take(.maxPods, maxPods)
        podPidsLimit = try take(.podPidsLimit, podPidsLimit)
        allowedUnsafeSysctls = try take(.allowedUnsafeSysctls, allowedUnsafeSysctls)
        resolvConf = try take(.resolvConf, resolvConf)
        podLogsDir = try take(.podLogsDir, podLogsDir)
        serializeImagePulls = try take(.serializeImagePulls, serializeImagePulls)
        maxParallelImagePulls = try c.decodeIfPresent(Int32.self, forKey: .maxParallelImagePulls)
        evictionHard = try take(.evictionHard, evictionHard)
        evictionSoft = try take(.evictionSoft, evictionSoft)
        evictionSoftGracePeriod = try take(.evictionSoftGracePeriod, evictionSoftGracePeriod)
        evictionPressureTransitionPeriod = try take(.evictionPressureTransitionPeriod, evictionPressureTransitionPeriod)
        evictionMaxPodGracePeriod = try take(.evictionMaxPodGracePeriod, evictionMaxPodGracePeriod)
        evictionMinimumReclaim = try take(.evictionMinimumReclaim, evictionMinimumReclaim)
        mergeDefaultEvictionSettings = try take(.mergeDefaultEvictionSettings, mergeDefaultEvictionSettings)
        systemReserved = try take(.systemReserved, systemReserved)
        kubeReserved = try take(.kubeReserved, kubeReserved)
        failSwapOn = try take(.failSwapOn, failSwapOn)
        containerLogMaxSize = try take(.containerLogMaxSize, containerLogMaxSize)
        containerLogMaxFiles = try take(.containerLogMaxFiles, containerLogMaxFiles)
        containerLogMonitorInterval = try take(.containerLogMonitorInterval, containerLogMonitorInterval)
        shutdownGracePeriod = try take(.shutdownGracePeriod, shutdownGracePeriod)
        shutdownGracePeriodCriticalPods = try take(.shutdownGracePeriodCriticalPods, shutdownGracePeriodCriticalPods)
        seccompDefault = try take(.seccompDefault, seccompDefault)
    }
}

extension KubeletConfiguration.Authentication {
    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        x509 = try c.decodeIfPresent(X509.self, forKey: .x509) ?? x509
        webhook = try c.decodeIfPresent(Webhook.self, forKey: .webhook) ?? webhook
        anonymous = try c.decodeIfPresent(Anonymous.self, forKey: .anonymous) ?? anonymous
    }
}

extension KubeletConfiguration.Authentication.X509 {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(clientCAFile: try c.decodeIfPresent(String.self, forKey: .clientCAFile) ?? "")
    }
}

extension KubeletConfiguration.Authentication.Webhook {
    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? enabled
        cacheTTL = try c.decodeIfPresent(GoDuration.self, forKey: .cacheTTL) ?? cacheTTL
    }
}

extension KubeletConfiguration.Authentication.Anonymous {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(enabled: try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? false)
    }
}

extension KubeletConfiguration.Authorization {
    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mode = try c.decodeIfPresent(String.self, forKey: .mode) ?? mode
        webhook = try c.decodeIfPresent(Webhook.self, forKey: .webhook) ?? webhook
    }
}

extension KubeletConfiguration.Authorization.Webhook {
    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        cacheAuthorizedTTL = try c.decodeIfPresent(GoDuration.self, forKey: .cacheAuthorizedTTL) ?? cacheAuthorizedTTL
        cacheUnauthorizedTTL = try c.decodeIfPresent(GoDuration.self, forKey: .cacheUnauthorizedTTL) ?? cacheUnauthorizedTTL
    }
}
