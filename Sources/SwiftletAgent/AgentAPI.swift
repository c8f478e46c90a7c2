import Foundation
import SwiftletAPI
import SwiftletStats
import Synchronization

/// The agent's side of its HTTPS API: the data behind each path.
enum AgentAPI {
    /// When the housekeeping loop last completed a round (`/healthz` `syncloop`).
    final class Heartbeat: Sendable {
        private let last = Mutex(Date())
        func beat() { last.withLock { $0 = Date() } }
        var age: TimeInterval { Date().timeIntervalSince(last.withLock { $0 }) }
    }

    static func handlers(services: PodServices, collector: StatsCollector, heartbeat: Heartbeat, interval: Duration) -> AgentAPIHandlers {
        let statuses = services.statuses
        let limit = Double(interval.components.seconds) * 3 + 30
        let resolve: @Sendable (ContainerLogTarget) throws -> (path: String, running: Bool) = { target in
            guard let pod = statuses.pods().first(where: { ($0.metadata.namespace ?? "default") == target.namespace && $0.metadata.name == target.pod }) else {
                throw AgentAPIError.notFound("pod \"\(target.pod)\" does not exist")
            }
            let all = (pod.status.initContainerStatuses ?? []) + (pod.status.containerStatuses ?? [])
            guard let status = all.first(where: { $0.name == target.container }) else {
                let names = ((pod.spec.initContainers ?? []) + pod.spec.containers).map(\.name)
                if names.contains(target.container) {
                    throw AgentAPIError.badRequest("container \"\(target.container)\" in pod \"\(target.pod)\" is waiting to start")
                }
                throw AgentAPIError.notFound("container \"\(target.container)\" in pod \"\(target.pod)\" is not available")
            }
            var instance = Int(status.restartCount)
            if target.previous {
                guard instance > 0 else {
                    throw AgentAPIError.badRequest("previous terminated container \"\(target.container)\" in pod \"\(target.pod)\" not found")
                }
                instance -= 1
            }
            let dir = services.podLogDir(namespace: target.namespace, name: target.pod, uid: pod.metadata.uid ?? "")
            return ("\(dir)/\(target.container)/\(instance).log", !target.previous && status.state?.running != nil)
        }
        return AgentAPIHandlers(
            healthChecks: [AgentHealthCheck(name: "syncloop") {
                let age = heartbeat.age
                if age > limit { throw AgentAPIError.internalError("sync loop took too long: last round \(Int(age))s ago") }
            }],
            pods: { statuses.pods() },
            statsSummary: { onlyCPUAndMemory in
                guard let summary = collector.summary(onlyCPUAndMemory: onlyCPUAndMemory) else {
                    throw AgentAPIError.unavailable("no stats collected yet")
                }
                return try summary.jsonData()
            },
            resourceMetrics: { collector.resourceMetrics() },
            containerLogPath: { try resolve($0).path },
            containerIsRunning: { (try? resolve($0).running) ?? false })
    }
}
