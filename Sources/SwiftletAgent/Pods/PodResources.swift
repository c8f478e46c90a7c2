import SwiftletAPI

/// A pod's QoS class and the cgroup values kubelet derives from requests and limits.
public enum PodResources {
    /// `Guaranteed`, `Burstable` or `BestEffort`, as `kubectl describe` shows it (v1qos.GetPodQOS):
    /// BestEffort when no container asks for cpu or memory; Guaranteed when every container has
    /// cpu and memory limits equal to its requests (requests default to limits); else Burstable.
    public static func qosClass(_ spec: PodSpec) -> String {
        let containers = spec.containers + (spec.initContainers ?? [])
        var anyRequestOrLimit = false
        var guaranteed = true
        for container in containers {
            let limits = container.resources?.limits ?? [:]
            var requests = container.resources?.requests ?? [:]
            for (name, limit) in limits where requests[name] == nil { requests[name] = limit }
            for name in ["cpu", "memory"] {
                if let r = requests[name], !r.isZero { anyRequestOrLimit = true }
                if let l = limits[name], !l.isZero { anyRequestOrLimit = true }
                guard let limit = limits[name], let request = requests[name], !limit.isZero, limit == request else {
                    guaranteed = false
                    continue
                }
            }
        }
        if !anyRequestOrLimit { return "BestEffort" }
        return guaranteed ? "Guaranteed" : "Burstable"
    }

    /// The cgroup parent of a pod, below the node's `cgroupRoot` (cgroupfs layout):
    /// `kubepods/pod<uid>` for Guaranteed, `kubepods/burstable/pod<uid>`, `kubepods/besteffort/pod<uid>`.
    public static func podCgroup(_ pod: Pod, cgroupRoot: String = "/") -> String {
        let base = (cgroupRoot == "/" ? "" : cgroupRoot.hasSuffix("/") ? String(cgroupRoot.dropLast()) : cgroupRoot) + "/kubepods"
        let uid = pod.metadata.uid ?? "unknown"
        switch qosClass(pod.spec) {
        case "Guaranteed": return "\(base)/pod\(uid)"
        case "Burstable": return "\(base)/burstable/pod\(uid)"
        default: return "\(base)/besteffort/pod\(uid)"
        }
    }

    /// CPU shares for a request in millicores (kubelet's MilliCPUToShares: 1024 per core, at least 2).
    public static func cpuShares(milliCPU: Int64) -> UInt64 {
        guard milliCPU > 0 else { return 2 }
        return UInt64(max(2, milliCPU * 1024 / 1000))
    }

    /// The CFS quota for a limit in millicores over `period` µs (kubelet's MilliCPUToQuota, at least 1000 µs).
    public static func cpuQuota(milliCPU: Int64, period: Int64 = 100_000) -> Int64? {
        guard milliCPU > 0 else { return nil }
        return max(1000, milliCPU * period / 1000)
    }

    /// The requests a container gets: its own, with limits standing in for missing requests (API defaulting).
    public static func effectiveRequests(_ container: Container) -> [String: Quantity] {
        var requests = container.resources?.requests ?? [:]
        for (name, limit) in container.resources?.limits ?? [:] where requests[name] == nil { requests[name] = limit }
        return requests
    }

    /// The pod's memory limit as kubelet sets it on the pod cgroup (`ResourceConfigForPod`): the
    /// pod-level limit when set, otherwise, only when every container declares a memory limit,
    /// the larger of (app containers + sidecars) and the peak of the init sequence, plus overhead;
    /// nil when some container is unlimited.
    public static func memoryLimit(_ pod: Pod) -> Int64? {
        if let podLevel = pod.spec.resources?.limits?["memory"], podLevel.sign > 0 { return podLevel.value }
        func limit(_ c: Container) -> Int64? {
            guard let q = c.resources?.limits?["memory"], q.sign > 0 else { return nil }
            return q.value
        }
        var sidecars: Int64 = 0
        var initPeak: Int64 = 0
        for c in pod.spec.initContainers ?? [] {
            guard let l = limit(c) else { return nil }
            if c.restartPolicy == "Always" {
                sidecars += l
                initPeak = max(initPeak, sidecars)
            } else {
                initPeak = max(initPeak, sidecars + l)
            }
        }
        var apps: Int64 = 0
        for c in pod.spec.containers {
            guard let l = limit(c) else { return nil }
            apps += l
        }
        let overhead = pod.spec.overhead?["memory"]?.value ?? 0
        return max(apps + sidecars, initPeak) + overhead
    }
}
