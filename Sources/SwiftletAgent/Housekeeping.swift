import CRuntimeShim
import Foundation
import Logging
import ServiceLifecycle
import SwiftletAPI
import SwiftletImages
import SwiftletStats

/// The agent's housekeeping, every `interval` (10 s, as kubelet's eviction monitoring and
/// cadvisor's housekeeping): collects resource usage, runs the eviction manager, and rebuilds
/// the node's status (written to `<rootDir>/node.json` for `swiftlet node`, with Normal node
/// events when a condition flips).
struct HousekeepingService: ServiceLifecycle.Service {
    let interval: Duration
    let collector: StatsCollector
    let eviction: EvictionManager
    let pressure: PressureConditions
    let builder: NodeStatusBuilder
    let events: EventRecorder
    let nodeFile: String
    let statuses: PodStatusCache
    let metrics: AgentMetrics
    let heartbeat: AgentAPI.Heartbeat
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var previous: NodeStatus?
            while !Task.isCancelled {
                await eviction.synchronize()  // collects a fresh sample first
                let update = builder.build(previous: previous, pressure: pressure.nodePressure, now: Date())
                for reason in update.events {
                    events.recordNode(.normal, reason: reason, message: "Node \(builder.nodeName) status is now: \(reason)")
                }
                if update.status != previous {
                    writeNode(update.status)
                }
                previous = update.status
                var running = 0, containers = ["running": 0, "exited": 0, "created": 0, "unknown": 0]
                for pod in statuses.pods() {
                    if pod.status.phase == "Running" { running += 1 }
                    for c in (pod.status.initContainerStatuses ?? []) + (pod.status.containerStatuses ?? []) {
                        if c.state?.running != nil { containers["running", default: 0] += 1 }
                        else if c.state?.terminated != nil { containers["exited", default: 0] += 1 }
                        else if c.containerID != nil { containers["created", default: 0] += 1 }
                    }
                }
                metrics.setRunningPods(running)
                for (state, count) in containers { metrics.setRunningContainers(count, state: state) }
                heartbeat.beat()
                // Free heap pages go back to the kernel instead of counting as the agent's memory.
                _ = shim_malloc_trim(0)
                do { try await Task.sleep(for: interval) } catch { return }
            }
        }
    }

    private func writeNode(_ status: NodeStatus) {
        var labels = ["kubernetes.io/hostname": builder.nodeName, "kubernetes.io/os": "linux",
                      "kubernetes.io/arch": NodeIdentity.goArchitecture]
        labels["beta.kubernetes.io/os"] = "linux"
        labels["beta.kubernetes.io/arch"] = NodeIdentity.goArchitecture
        let node = Node(metadata: ObjectMeta(name: builder.nodeName, labels: labels), status: status)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            try AtomicFile.write(try encoder.encode(node), to: nodeFile, mode: 0o644)
        } catch {
            logger.warning("cannot write the node status", metadata: ["file": "\(nodeFile)", "error": "\(error)"])
        }
    }
}
