import SwiftletAPI

/// The pod conditions kubelet generates (its status generator): `Initialized`,
/// `ContainersReady` and `Ready` with their reasons and messages, and `PodReadyToStartContainers`.
public enum PodConditionsRule {
    /// The conditions for a pod in `phase` whose sandbox is (or is not) ready, given its init
    /// and app container statuses. Times are left unset; the caller carries transition times.
    public static func conditions(spec: PodSpec, phase: String, sandboxReady: Bool,
                                  initStatuses: [ContainerStatus], appStatuses: [ContainerStatus]) -> [PodCondition] {
        let initialized = initializedCondition(spec: spec, phase: phase, statuses: initStatuses)
        let ready = containersReadyCondition(spec: spec, phase: phase, initStatuses: initStatuses, appStatuses: appStatuses)
        var podReady = ready
        podReady.type = "Ready"
        return [
            PodCondition(type: "PodReadyToStartContainers", status: sandboxReady ? "True" : "False"),
            initialized,
            podReady,
            ready,
            PodCondition(type: "PodScheduled", status: "True"),
        ]
    }

    /// `Initialized`: true once every (non-sidecar) init container completed; sidecars count
    /// once started.
    static func initializedCondition(spec: PodSpec, phase: String, statuses: [ContainerStatus]) -> PodCondition {
        let inits = spec.initContainers ?? []
        guard !inits.isEmpty else { return PodCondition(type: "Initialized", status: "True") }
        var incomplete: [String] = []
        for container in inits {
            let status = statuses.first { $0.name == container.name }
            if PodPhaseRule.isRestartable(container) {
                if status?.started != true { incomplete.append(container.name) }
            } else if status?.state?.terminated?.exitCode != 0 {
                incomplete.append(container.name)
            }
        }
        if incomplete.isEmpty { return PodCondition(type: "Initialized", status: "True") }
        if phase == "Succeeded" { return PodCondition(type: "Initialized", status: "False", reason: "PodCompleted") }
        return PodCondition(type: "Initialized", status: "False", reason: "ContainersNotInitialized",
                            message: "containers with incomplete status: [\(incomplete.joined(separator: " "))]")
    }

    /// `ContainersReady`: every sidecar and app container ready.
    static func containersReadyCondition(spec: PodSpec, phase: String, initStatuses: [ContainerStatus],
                                         appStatuses: [ContainerStatus]) -> PodCondition {
        var unknown: [String] = [], unready: [String] = []
        let sidecars = (spec.initContainers ?? []).filter(PodPhaseRule.isRestartable)
        for container in sidecars {
            guard let status = initStatuses.first(where: { $0.name == container.name }) else { unknown.append(container.name); continue }
            if !status.ready { unready.append(container.name) }
        }
        for container in spec.containers {
            guard let status = appStatuses.first(where: { $0.name == container.name }) else { unknown.append(container.name); continue }
            if !status.ready { unready.append(container.name) }
        }
        if phase == "Succeeded" && unknown.isEmpty {
            return PodCondition(type: "ContainersReady", status: "False", reason: "PodCompleted")
        }
        var parts: [String] = []
        if !unknown.isEmpty { parts.append("containers with unknown status: [\(unknown.joined(separator: " "))]") }
        if !unready.isEmpty { parts.append("containers with unready status: [\(unready.joined(separator: " "))]") }
        if parts.isEmpty { return PodCondition(type: "ContainersReady", status: "True") }
        return PodCondition(type: "ContainersReady", status: "False", reason: "ContainersNotReady", message: parts.joined(separator: ", "))
    }
}
