import SwiftletAPI
import SwiftletRuntime

/// The pod-level cgroup (`kubepods/<qos>/pod<uid>`): created before the first container with
/// the pod's limits, removed after the last. Memory is limited when every container has a
/// memory limit (their sum, as kubelet does), CPU shares are the sum of the requests, and
/// `podPidsLimit` caps the pod's processes.
enum PodCgroup {
    static func resources(_ pod: Pod, podPidsLimit: Int64) -> CgroupResources {
        var resources = CgroupResources()
        let containers = pod.spec.containers
        resources.memoryLimit = PodResources.memoryLimit(pod)
        let milli = containers.reduce(Int64(0)) { $0 + (PodResources.effectiveRequests($1)["cpu"]?.milliValue ?? 0) }
        resources.cpuShares = PodResources.cpuShares(milliCPU: milli)
        if podPidsLimit > 0 { resources.pidsLimit = podPidsLimit }
        return resources
    }

    static func create(_ pod: Pod, cgroupRoot: String, podPidsLimit: Int64) throws {
        let handle = try Cgroups.detect().create(path: PodResources.podCgroup(pod, cgroupRoot: cgroupRoot))
        try handle.apply(resources(pod, podPidsLimit: podPidsLimit))
    }

    static func remove(_ pod: Pod, cgroupRoot: String) {
        try? Cgroups.detect().open(path: PodResources.podCgroup(pod, cgroupRoot: cgroupRoot)).delete()
    }
}
