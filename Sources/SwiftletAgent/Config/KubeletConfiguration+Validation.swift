import Foundation
import SwiftletAPI

extension KubeletConfiguration {
    /// Supported `cgroupDriver` values.
    public static let cgroupDrivers = ["cgroupfs", "systemd"]
    /// Supported `authorization.mode` values.
    public static let authorizationModes = ["AlwaysAllow", "Webhook"]
    /// Supported `hairpinMode` values.
    public static let hairpinModes = ["promiscuous-bridge", "hairpin-veth", "none"]
    /// Resources that `systemReserved` and `kubeReserved` may reserve.
    public static let reservableResources = ["cpu", "memory", "ephemeral-storage", "pid"]

    /// Checks every field and the relations between fields, as kubelet's `ValidateKubeletConfiguration`
    /// and the parsers kubelet runs at start-up (eviction thresholds, reserved resources) do.
    ///
    /// - Returns: every problem found, each with its field path, in a stable order; empty when valid.
    public func validate() -> [FieldError] {
        var errs: [FieldError] = []
        func path(_ name: String) -> FieldPath { FieldPath(name) }

        // Periods that drive tickers must be positive; kubelet turns 0 into the default when loading,
        // so only negative values get here.
        let positiveDurations: [(String, GoDuration)] = [
            ("syncFrequency", syncFrequency),
            ("fileCheckFrequency", fileCheckFrequency),
            ("nodeStatusUpdateFrequency", nodeStatusUpdateFrequency),
            ("nodeStatusReportFrequency", nodeStatusReportFrequency),
            ("runtimeRequestTimeout", runtimeRequestTimeout),
            ("evictionPressureTransitionPeriod", evictionPressureTransitionPeriod),
        ]
        for (name, d) in positiveDurations where d <= .zero {
            errs.append(.invalid(path(name), .string(d.description), "must be greater than zero"))
        }
        let cacheDurations: [(FieldPath, GoDuration)] = [
            (path("authentication").child("webhook", "cacheTTL"), authentication.webhook.cacheTTL),
            (path("authorization").child("webhook", "cacheAuthorizedTTL"), authorization.webhook.cacheAuthorizedTTL),
            (path("authorization").child("webhook", "cacheUnauthorizedTTL"), authorization.webhook.cacheUnauthorizedTTL),
        ]
        for (p, d) in cacheDurations where d < .zero {
            errs.append(.invalid(p, .string(d.description), "must not be negative"))
        }

        // Serving.
        if !isIPAddress(address) {
            errs.append(.invalid(path("address"), .string(address), "must be a valid IP address"))
        }
        if !(1...65535).contains(port) {
            errs.append(.invalid(path("port"), .int(Int64(port)), "must be between 1 and 65535, inclusive"))
        }
        if !(0...65535).contains(readOnlyPort) {
            errs.append(.invalid(path("readOnlyPort"), .int(Int64(readOnlyPort)), "must be between 0 and 65535, inclusive"))
        }
        if !(0...65535).contains(healthzPort) {
            errs.append(.invalid(path("healthzPort"), .int(Int64(healthzPort)), "must be between 0 and 65535, inclusive"))
        }
        if !healthzBindAddress.isEmpty && !isIPAddress(healthzBindAddress) {
            errs.append(.invalid(path("healthzBindAddress"), .string(healthzBindAddress), "must be a valid IP address"))
        }
        if !tlsCertFile.isEmpty && tlsPrivateKeyFile.isEmpty {
            errs.append(.required(path("tlsPrivateKeyFile"), "must be set when tlsCertFile is set"))
        }
        if tlsCertFile.isEmpty && !tlsPrivateKeyFile.isEmpty {
            errs.append(.required(path("tlsCertFile"), "must be set when tlsPrivateKeyFile is set"))
        }
        if !KubeletConfiguration.authorizationModes.contains(authorization.mode) {
            errs.append(.notSupported(path("authorization").child("mode"), .string(authorization.mode),
                                      KubeletConfiguration.authorizationModes))
        }

        for (i, pattern) in allowedUnsafeSysctls.enumerated() {
            if let problem = Sysctls.patternProblem(pattern) {
                errs.append(.invalid(path("allowedUnsafeSysctls").index(i), .string(pattern), problem))
            }
        }

        // Cluster and node.
        for (i, ip) in clusterDNS.enumerated() where !isIPAddress(ip) {
            errs.append(.invalid(path("clusterDNS").index(i), .string(ip), "must be a valid IP address"))
        }
        if nodeLeaseDurationSeconds <= 0 {
            errs.append(.invalid(path("nodeLeaseDurationSeconds"), .int(Int64(nodeLeaseDurationSeconds)), "must be greater than 0"))
        }
        if maxPods < 0 {
            errs.append(.invalid(path("maxPods"), .int(Int64(maxPods)), "must not be negative"))
        }

        // Images.
        if !(0...100).contains(imageGCHighThresholdPercent) {
            errs.append(.invalid(path("imageGCHighThresholdPercent"), .int(Int64(imageGCHighThresholdPercent)),
                                 "must be between 0 and 100, inclusive"))
        }
        if !(0...100).contains(imageGCLowThresholdPercent) {
            errs.append(.invalid(path("imageGCLowThresholdPercent"), .int(Int64(imageGCLowThresholdPercent)),
                                 "must be between 0 and 100, inclusive"))
        }
        if imageGCLowThresholdPercent >= imageGCHighThresholdPercent {
            errs.append(.invalid(path("imageGCLowThresholdPercent"), .int(Int64(imageGCLowThresholdPercent)),
                                 "must be less than imageGCHighThresholdPercent (\(imageGCHighThresholdPercent))"))
        }
        if imageMinimumGCAge < .zero {
            errs.append(.invalid(path("imageMinimumGCAge"), .string(imageMinimumGCAge.description), "must not be negative"))
        }
        if imageMaximumGCAge < .zero {
            errs.append(.invalid(path("imageMaximumGCAge"), .string(imageMaximumGCAge.description), "must not be negative"))
        } else if imageMaximumGCAge > .zero && imageMaximumGCAge <= imageMinimumGCAge {
            errs.append(.invalid(path("imageMaximumGCAge"), .string(imageMaximumGCAge.description),
                                 "must be greater than imageMinimumGCAge (\(imageMinimumGCAge))"))
        }
        if let parallel = maxParallelImagePulls {
            if parallel < 1 {
                errs.append(.invalid(path("maxParallelImagePulls"), .int(Int64(parallel)), "must be a positive number"))
            } else if serializeImagePulls && parallel > 1 {
                errs.append(.invalid(path("maxParallelImagePulls"), .int(Int64(parallel)),
                                     "cannot be larger than 1 unless serializeImagePulls is false"))
            }
        }

        // Cgroups and resources.
        if !KubeletConfiguration.cgroupDrivers.contains(cgroupDriver) {
            errs.append(.notSupported(path("cgroupDriver"), .string(cgroupDriver), KubeletConfiguration.cgroupDrivers))
        }
        if !cgroupRoot.isEmpty && !cgroupRoot.hasPrefix("/") {
            errs.append(.invalid(path("cgroupRoot"), .string(cgroupRoot), "must be an absolute cgroup path (starting with \"/\")"))
        }
        if !KubeletConfiguration.hairpinModes.contains(hairpinMode) {
            errs.append(.notSupported(path("hairpinMode"), .string(hairpinMode), KubeletConfiguration.hairpinModes))
        }
        for (name, reserved) in [("systemReserved", systemReserved), ("kubeReserved", kubeReserved)] {
            for (resource, quantity) in reserved.sorted(by: { $0.key < $1.key }) {
                let p = path(name).key(resource)
                if !KubeletConfiguration.reservableResources.contains(resource) {
                    errs.append(.notSupported(p, .string(resource), KubeletConfiguration.reservableResources))
                } else if let sign = QuantityText.signIfValid(quantity.description), sign < 0 {
                    errs.append(.invalid(p, .string(quantity.description), "must not be negative"))
                }
            }
        }

        // Eviction.
        errs += validateThresholds(evictionHard, path("evictionHard"))
        errs += validateThresholds(evictionSoft, path("evictionSoft"))
        for (signal, text) in evictionSoftGracePeriod.sorted(by: { $0.key < $1.key }) {
            let p = path("evictionSoftGracePeriod").key(signal)
            guard EvictionSignal(rawValue: signal) != nil else {
                errs.append(.notSupported(p, .string(signal), EvictionSignal.names))
                continue
            }
            do {
                if try GoDuration(parsing: text) < .zero {
                    errs.append(.invalid(p, .string(text), "must not be negative"))
                }
            } catch {
                errs.append(.invalid(p, .string(text), error.message))
            }
        }
        for signal in evictionSoft.keys.sorted() where EvictionSignal(rawValue: signal) != nil {
            if evictionSoftGracePeriod[signal] == nil {
                errs.append(.required(path("evictionSoftGracePeriod").key(signal),
                                      "each evictionSoft threshold needs a grace period"))
            }
        }
        for (signal, text) in evictionMinimumReclaim.sorted(by: { $0.key < $1.key }) {
            let p = path("evictionMinimumReclaim").key(signal)
            guard EvictionSignal(rawValue: signal) != nil else {
                errs.append(.notSupported(p, .string(signal), EvictionSignal.names))
                continue
            }
            if text.hasSuffix("%") {
                guard let percent = Double(text.dropLast()), percent.isFinite else {
                    errs.append(.invalid(p, .string(text), EvictionThresholdError.formatDetail))
                    continue
                }
                if percent <= 0 || percent > 100 {
                    errs.append(.invalid(p, .string(text), "must be greater than 0% and at most 100%"))
                }
            } else if let sign = QuantityText.signIfValid(text), (try? Quantity(parsing: text)) != nil {
                if sign < 0 { errs.append(.invalid(p, .string(text), "must not be negative")) }
            } else {
                errs.append(.invalid(p, .string(text), EvictionThresholdError.formatDetail))
            }
        }
        if evictionMaxPodGracePeriod < 0 {
            errs.append(.invalid(path("evictionMaxPodGracePeriod"), .int(Int64(evictionMaxPodGracePeriod)), "must not be negative"))
        }

        // Logs.
        if QuantityText.signIfValid(containerLogMaxSize.description) == nil {
            errs.append(.invalid(path("containerLogMaxSize"), .string(containerLogMaxSize.description), QuantityText.formatError))
        }
        if containerLogMaxFiles <= 1 {
            errs.append(.invalid(path("containerLogMaxFiles"), .int(Int64(containerLogMaxFiles)), "must be greater than 1"))
        }

        // Graceful node shutdown.
        for (name, d) in [("shutdownGracePeriod", shutdownGracePeriod),
                          ("shutdownGracePeriodCriticalPods", shutdownGracePeriodCriticalPods)]
        where d < .zero || (d > .zero && d < .seconds(1)) {
            errs.append(.invalid(path(name), .string(d.description), "must be either zero or otherwise >= 1 sec"))
        }
        if shutdownGracePeriodCriticalPods > shutdownGracePeriod {
            errs.append(.invalid(path("shutdownGracePeriodCriticalPods"), .string(shutdownGracePeriodCriticalPods.description),
                                 "must be less than or equal to shutdownGracePeriod (\(shutdownGracePeriod))"))
        }
        return errs
    }

    private func validateThresholds(_ thresholds: [String: String], _ base: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        for (signal, text) in thresholds.sorted(by: { $0.key < $1.key }) {
            let p = base.key(signal)
            guard EvictionSignal(rawValue: signal) != nil else {
                errs.append(.notSupported(p, .string(signal), EvictionSignal.names))
                continue
            }
            do {
                _ = try EvictionThresholdValue(parsing: text)
            } catch {
                errs.append(.invalid(p, .string(text), error.detail))
            }
        }
        return errs
    }
}

/// Whether `text` is an IPv4 or IPv6 address (no zone, no prefix length).
func isIPAddress(_ text: String) -> Bool {
    var v4 = in_addr()
    var v6 = in6_addr()
    return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
}
