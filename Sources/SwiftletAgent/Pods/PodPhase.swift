import SwiftletAPI

/// The pod phase kubelet derives from its container statuses (`getPhase` in kubelet_pods.go):
/// regular init containers gate Pending and fail a `Never` pod; restartable init containers
/// (sidecars) count as running while they run and are ignored once they stop; app containers
/// decide Running, Succeeded and Failed by the restart policy.
public enum PodPhaseRule {
    /// - Parameters:
    ///   - spec: the pod's spec (restart policy, init and app containers).
    ///   - statuses: the statuses of init and app containers, matched by name.
    ///   - podIsTerminal: the pod will run nothing more (it is being deleted or finished);
    ///     static pods never take a terminal phase this way, as in kubelet.
    ///   - isStatic: the pod comes from a manifest file.
    public static func phase(spec: PodSpec, statuses: [ContainerStatus], podIsTerminal: Bool = false,
                             isStatic: Bool = false) -> String {
        let byName = Dictionary(statuses.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var pendingInitialization = 0
        var failedInitialization = 0
        let restartPolicy = spec.restartPolicy ?? "Always"

        for container in spec.initContainers ?? [] where !isRestartable(container) {
            guard let status = byName[container.name], let state = status.state else {
                pendingInitialization += 1
                continue
            }
            if state.running != nil {
                pendingInitialization += 1
            } else if let terminated = state.terminated {
                if terminated.exitCode != 0 { failedInitialization += 1 }
            } else if state.waiting != nil {
                if let last = status.lastState?.terminated {
                    if last.exitCode != 0 { failedInitialization += 1 }
                } else {
                    pendingInitialization += 1
                }
            } else {
                pendingInitialization += 1
            }
        }

        var unknown = 0, running = 0, waiting = 0, stopped = 0, succeeded = 0
        for container in spec.initContainers ?? [] where isRestartable(container) {
            guard let status = byName[container.name] else {
                unknown += 1
                continue
            }
            let state = status.state
            if state?.running != nil {
                if status.started != true { pendingInitialization += 1 }
                running += 1
            } else if state?.terminated != nil {
                // A stopped sidecar does not decide the phase.
            } else if state?.waiting != nil {
                if status.lastState?.terminated == nil {
                    pendingInitialization += 1
                    waiting += 1
                }
            } else {
                pendingInitialization += 1
                unknown += 1
            }
        }
        for container in spec.containers {
            guard let status = byName[container.name] else {
                unknown += 1
                continue
            }
            let state = status.state
            if state?.running != nil {
                running += 1
            } else if let terminated = state?.terminated {
                stopped += 1
                if terminated.exitCode == 0 { succeeded += 1 }
            } else if state?.waiting != nil {
                if status.lastState?.terminated != nil { stopped += 1 } else { waiting += 1 }
            } else {
                unknown += 1
            }
        }

        if failedInitialization > 0 && restartPolicy == "Never" { return "Failed" }
        let anyAppStarted = spec.containers.contains { container in
            guard let status = byName[container.name] else { return false }
            return status.state?.running != nil || status.state?.terminated != nil || status.lastState?.terminated != nil
        }
        if (pendingInitialization > 0 && !anyAppStarted) || waiting > 0 { return "Pending" }
        if running > 0 && unknown == 0 { return "Running" }
        if running == 0 && stopped > 0 && unknown == 0 {
            if podIsTerminal && !isStatic { return stopped == succeeded ? "Succeeded" : "Failed" }
            if restartPolicy == "Always" { return "Running" }
            if stopped == succeeded { return "Succeeded" }
            if restartPolicy == "Never" { return "Failed" }
            return "Running"
        }
        return "Pending"
    }

    /// An init container with `restartPolicy: Always`: a sidecar (KEP-753).
    public static func isRestartable(_ container: Container) -> Bool {
        container.restartPolicy == "Always"
    }
}
