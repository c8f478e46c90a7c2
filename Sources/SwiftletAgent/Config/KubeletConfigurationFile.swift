import SwiftletAPI

/// What a config file says, before defaulting: nil for a field that is absent (or `null`).
///
/// Kept apart from `KubeletConfiguration` because kubelet's defaulting depends on presence: a
/// pointer field (`*int32`, `*bool`) is defaulted only when absent, a plain one also when it holds
/// its zero value (`port: 0` means 10250), and `nodeStatusReportFrequency` follows
/// `nodeStatusUpdateFrequency` only when the latter is set.
struct KubeletConfigurationFile: Sendable, Equatable {
    var apiVersion: String?
    var kind: String?

    var staticPodPath: String?
    var syncFrequency: GoDuration?
    var fileCheckFrequency: GoDuration?
    var address: String?
    var port: Int32?
    var readOnlyPort: Int32?
    var tlsCertFile: String?
    var tlsPrivateKeyFile: String?
    var x509ClientCAFile: String?
    var webhookAuthenticationEnabled: Bool?
    var webhookAuthenticationCacheTTL: GoDuration?
    var anonymousAuthenticationEnabled: Bool?
    var authorizationMode: String?
    var webhookCacheAuthorizedTTL: GoDuration?
    var webhookCacheUnauthorizedTTL: GoDuration?
    var registerNode: Bool?
    var clusterDomain: String?
    var clusterDNS: [String]?
    var healthzPort: Int32?
    var healthzBindAddress: String?
    var nodeStatusUpdateFrequency: GoDuration?
    var nodeStatusReportFrequency: GoDuration?
    var nodeLeaseDurationSeconds: Int32?
    var imageMinimumGCAge: GoDuration?
    var imageMaximumGCAge: GoDuration?
    var imageGCHighThresholdPercent: Int32?
    var imageGCLowThresholdPercent: Int32?
    var cgroupsPerQOS: Bool?
    var cgroupDriver: String?
    var cgroupRoot: String?
    var runtimeRequestTimeout: GoDuration?
    var hairpinMode: String?
    var maxPods: Int32?
    var podPidsLimit: Int64?
    var allowedUnsafeSysctls: [String]?
    var resolvConf: String?
    var podLogsDir: String?
    var serializeImagePulls: Bool?
    var maxParallelImagePulls: Int32?
    var evictionHard: [String: String]?
    var evictionSoft: [String: String]?
    var evictionSoftGracePeriod: [String: String]?
    var evictionPressureTransitionPeriod: GoDuration?
    var evictionMaxPodGracePeriod: Int32?
    var evictionMinimumReclaim: [String: String]?
    var mergeDefaultEvictionSettings: Bool?
    var systemReserved: [String: Quantity]?
    var kubeReserved: [String: Quantity]?
    var failSwapOn: Bool?
    var containerLogMaxSize: Quantity?
    var containerLogMaxFiles: Int32?
    var containerLogMonitorInterval: GoDuration?
    var shutdownGracePeriod: GoDuration?
    var shutdownGracePeriodCriticalPods: GoDuration?
    var seccompDefault: Bool?

    /// Makes the file's relative paths absolute against `directory` (the config file's directory),
    /// for the fields kubelet resolves (`KubeletConfigurationPathRefs`). Empty paths stay empty.
    mutating func resolveRelativePaths(against directory: String) {
        func resolve(_ path: inout String?) {
            guard let p = path, !p.isEmpty, !p.hasPrefix("/") else { return }
            path = ConfigPaths.clean(directory + "/" + p)
        }
        resolve(&staticPodPath)
        resolve(&x509ClientCAFile)
        resolve(&tlsCertFile)
        resolve(&tlsPrivateKeyFile)
        resolve(&resolvConf)
    }
}

extension KubeletConfiguration {
    /// Applies kubelet's v1beta1 defaulting rules (`SetDefaults_KubeletConfiguration`) to what a file says.
    init(defaulting file: KubeletConfigurationFile) {
        self.init()
        let zero = GoDuration.zero
        // A plain Go field is defaulted when it holds its zero value; a pointer field only when absent.
        func nonZero(_ d: GoDuration?) -> GoDuration? { d == zero ? nil : d }
        func nonEmpty(_ s: String?) -> String? { s == "" ? nil : s }
        func nonZero(_ i: Int32?) -> Int32? { i == 0 ? nil : i }

        staticPodPath = file.staticPodPath ?? staticPodPath
        syncFrequency = nonZero(file.syncFrequency) ?? syncFrequency
        fileCheckFrequency = nonZero(file.fileCheckFrequency) ?? fileCheckFrequency
        address = nonEmpty(file.address) ?? address
        port = nonZero(file.port) ?? port
        readOnlyPort = file.readOnlyPort ?? readOnlyPort
        tlsCertFile = file.tlsCertFile ?? tlsCertFile
        tlsPrivateKeyFile = file.tlsPrivateKeyFile ?? tlsPrivateKeyFile
        authentication.x509.clientCAFile = file.x509ClientCAFile ?? authentication.x509.clientCAFile
        authentication.webhook.enabled = file.webhookAuthenticationEnabled ?? authentication.webhook.enabled
        authentication.webhook.cacheTTL = nonZero(file.webhookAuthenticationCacheTTL) ?? authentication.webhook.cacheTTL
        authentication.anonymous.enabled = file.anonymousAuthenticationEnabled ?? authentication.anonymous.enabled
        authorization.mode = nonEmpty(file.authorizationMode) ?? authorization.mode
        authorization.webhook.cacheAuthorizedTTL =
            nonZero(file.webhookCacheAuthorizedTTL) ?? authorization.webhook.cacheAuthorizedTTL
        authorization.webhook.cacheUnauthorizedTTL =
            nonZero(file.webhookCacheUnauthorizedTTL) ?? authorization.webhook.cacheUnauthorizedTTL
        registerNode = file.registerNode ?? registerNode
        clusterDomain = file.clusterDomain ?? clusterDomain
        clusterDNS = file.clusterDNS ?? clusterDNS
        healthzPort = file.healthzPort ?? healthzPort
        healthzBindAddress = nonEmpty(file.healthzBindAddress) ?? healthzBindAddress
        // kubelet keeps old configs working: a file that sets only the update frequency reports at that pace.
        if let report = nonZero(file.nodeStatusReportFrequency) {
            nodeStatusReportFrequency = report
        } else if let update = nonZero(file.nodeStatusUpdateFrequency) {
            nodeStatusReportFrequency = update
        }
        nodeStatusUpdateFrequency = nonZero(file.nodeStatusUpdateFrequency) ?? nodeStatusUpdateFrequency
        nodeLeaseDurationSeconds = nonZero(file.nodeLeaseDurationSeconds) ?? nodeLeaseDurationSeconds
        imageMinimumGCAge = nonZero(file.imageMinimumGCAge) ?? imageMinimumGCAge
        imageMaximumGCAge = file.imageMaximumGCAge ?? imageMaximumGCAge
        imageGCHighThresholdPercent = file.imageGCHighThresholdPercent ?? imageGCHighThresholdPercent
        imageGCLowThresholdPercent = file.imageGCLowThresholdPercent ?? imageGCLowThresholdPercent
        cgroupsPerQOS = file.cgroupsPerQOS ?? cgroupsPerQOS
        cgroupDriver = nonEmpty(file.cgroupDriver) ?? cgroupDriver
        // v1beta1 has no cgroupRoot default; kubelet picks "/" at start-up when cgroupsPerQOS is on.
        cgroupRoot = file.cgroupRoot ?? ""
        if cgroupsPerQOS && cgroupRoot.isEmpty { cgroupRoot = "/" }
        runtimeRequestTimeout = nonZero(file.runtimeRequestTimeout) ?? runtimeRequestTimeout
        hairpinMode = nonEmpty(file.hairpinMode) ?? hairpinMode
        maxPods = nonZero(file.maxPods) ?? maxPods
        if let limit = file.podPidsLimit, limit >= 0 { podPidsLimit = limit }
        allowedUnsafeSysctls = file.allowedUnsafeSysctls ?? allowedUnsafeSysctls
        resolvConf = file.resolvConf ?? resolvConf
        podLogsDir = nonEmpty(file.podLogsDir) ?? podLogsDir
        maxParallelImagePulls = file.maxParallelImagePulls
        if let serialize = file.serializeImagePulls {
            serializeImagePulls = serialize
        } else {
            // Setting a parallel limit alone is enough to turn parallel pulls on.
            serializeImagePulls = (maxParallelImagePulls ?? 0) < 2
        }
        mergeDefaultEvictionSettings = file.mergeDefaultEvictionSettings ?? mergeDefaultEvictionSettings
        if let hard = file.evictionHard {
            // A given evictionHard replaces the defaults: signals it leaves out have no threshold,
            // unless mergeDefaultEvictionSettings asks for the defaults to fill them in.
            evictionHard = mergeDefaultEvictionSettings
                ? KubeletConfiguration.defaultEvictionHard.merging(hard) { _, given in given }
                : hard
        }
        evictionSoft = file.evictionSoft ?? evictionSoft
        evictionSoftGracePeriod = file.evictionSoftGracePeriod ?? evictionSoftGracePeriod
        evictionPressureTransitionPeriod = nonZero(file.evictionPressureTransitionPeriod) ?? evictionPressureTransitionPeriod
        evictionMaxPodGracePeriod = file.evictionMaxPodGracePeriod ?? evictionMaxPodGracePeriod
        evictionMinimumReclaim = file.evictionMinimumReclaim ?? evictionMinimumReclaim
        systemReserved = file.systemReserved ?? systemReserved
        kubeReserved = file.kubeReserved ?? kubeReserved
        failSwapOn = file.failSwapOn ?? failSwapOn
        containerLogMaxSize = file.containerLogMaxSize ?? containerLogMaxSize
        containerLogMaxFiles = file.containerLogMaxFiles ?? containerLogMaxFiles
        containerLogMonitorInterval = nonZero(file.containerLogMonitorInterval) ?? containerLogMonitorInterval
        shutdownGracePeriod = file.shutdownGracePeriod ?? shutdownGracePeriod
        shutdownGracePeriodCriticalPods = file.shutdownGracePeriodCriticalPods ?? shutdownGracePeriodCriticalPods
        seccompDefault = file.seccompDefault ?? seccompDefault
    }
}
