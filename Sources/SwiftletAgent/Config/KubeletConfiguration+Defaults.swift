import SwiftletAPI

extension KubeletConfiguration {
    /// swiftlet's default `staticPodPath`; kubelet has none (no static pods unless configured).
    public static let defaultStaticPodPath = "/etc/swiftlet/manifests"

    /// kubelet's Linux default hard eviction thresholds (`pkg/kubelet/eviction/defaults_linux.go`),
    /// including `imagefs.inodesFree`, which recent kubelets added.
    public static let defaultEvictionHard: [String: String] = [
        EvictionSignal.memoryAvailable.rawValue: "100Mi",
        EvictionSignal.nodeFsAvailable.rawValue: "10%",
        EvictionSignal.nodeFsInodesFree.rawValue: "5%",
        EvictionSignal.imageFsAvailable.rawValue: "15%",
        EvictionSignal.imageFsInodesFree.rawValue: "5%",
    ]

    /// kubelet's default `resolvConf` (`kubetypes.ResolvConfDefault`).
    public static let defaultResolvConf = "/etc/resolv.conf"

    /// kubelet's default `containerLogMaxSize`.
    // "10Mi" is a well-formed literal: a throw here could only be a bug in the Quantity parser.
    static let defaultContainerLogMaxSize: Quantity = try! Quantity(parsing: "10Mi")

    /// kubelet's v1beta1 defaults (`SetDefaults_KubeletConfiguration`), with swiftlet's `staticPodPath`
    /// and the `cgroupRoot` of `/` that kubelet picks at start-up when `cgroupsPerQOS` is on.
    public init() {
        staticPodPath = KubeletConfiguration.defaultStaticPodPath
        syncFrequency = .minutes(1)
        fileCheckFrequency = .seconds(20)
        address = "0.0.0.0"
        port = 10250
        readOnlyPort = 0
        tlsCertFile = ""
        tlsPrivateKeyFile = ""
        authentication = Authentication()
        authorization = Authorization()
        registerNode = true
        clusterDomain = ""
        clusterDNS = []
        healthzPort = 10248
        healthzBindAddress = "127.0.0.1"
        nodeStatusUpdateFrequency = .seconds(10)
        nodeStatusReportFrequency = .minutes(5)
        nodeLeaseDurationSeconds = 40
        imageMinimumGCAge = .minutes(2)
        imageMaximumGCAge = .zero
        imageGCHighThresholdPercent = 85
        imageGCLowThresholdPercent = 80
        cgroupsPerQOS = true
        cgroupDriver = "cgroupfs"
        cgroupRoot = "/"
        runtimeRequestTimeout = .minutes(2)
        hairpinMode = "promiscuous-bridge"
        maxPods = 110
        podPidsLimit = -1
        allowedUnsafeSysctls = []
        resolvConf = KubeletConfiguration.defaultResolvConf
        podLogsDir = "/var/log/pods"
        serializeImagePulls = true
        maxParallelImagePulls = nil
        evictionHard = KubeletConfiguration.defaultEvictionHard
        evictionSoft = [:]
        evictionSoftGracePeriod = [:]
        evictionPressureTransitionPeriod = .minutes(5)
        evictionMaxPodGracePeriod = 0
        evictionMinimumReclaim = [:]
        mergeDefaultEvictionSettings = false
        systemReserved = [:]
        kubeReserved = [:]
        failSwapOn = true
        containerLogMaxSize = KubeletConfiguration.defaultContainerLogMaxSize
        containerLogMaxFiles = 5
        containerLogMonitorInterval = .seconds(10)
        shutdownGracePeriod = .zero
        shutdownGracePeriodCriticalPods = .zero
        seccompDefault = false
    }
}
