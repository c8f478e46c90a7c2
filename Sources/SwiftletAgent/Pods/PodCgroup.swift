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

    /// The cgroup of the pod's pause process (`shareProcessNamespace` pods), a leaf below the
    /// pod's, as cgroup v2 keeps processes out of inner nodes.
    static func pausePath(_ pod: Pod, cgroupRoot: String) -> String {
        PodResources.podCgroup(pod, cgroupRoot: cgroupRoot) + "/pause"
    }

    static func remove(_ pod: Pod, cgroupRoot: String) {
        remove(path: PodResources.podCgroup(pod, cgroupRoot: cgroupRoot))
    }

    /// Removes the pod cgroup at `path` after its pause child, whose process it kills; throws
    /// when the pod cgroup cannot go (a container cgroup is left, or it is busy).
    @discardableResult
    static func remove(path: String) -> Error? {
        let driver = Cgroups.detect()
        let pause = driver.open(path: path + "/pause")
        if (try? pause.pids())?.isEmpty == false { try? pause.killAll() }
        try? pause.delete()
        do {
            try driver.open(path: path).delete()
            return nil
        } catch {
            return error
        }
    }
}
