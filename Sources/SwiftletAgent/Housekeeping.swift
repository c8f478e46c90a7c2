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
            var round = 0
            while !Task.isCancelled {
                round += 1
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
                if round == Self.releaseRound { releaseStartupPages() }
                do { try await Task.sleep(for: interval) } catch { return }
            }
        }
    }

    /// The round after which start-up is over: the first runs as the agent starts, the second
    /// one interval later, when adoption, the API server's certificate set-up and the first
    /// pods' starts are behind it.
    static let releaseRound = 2

    /// Gives back the pages of code and read-only data that only start-up touched (TLS set-up,
    /// configuration, adoption...). They would otherwise stay resident, since nothing pushes
    /// them out without memory pressure; code the agent keeps running is faulted back in page
    /// by page (see ``shim_release_file_pages``).
    private func releaseStartupPages() {
        let before = ProcessMemory.residentKiB()
        let released = shim_release_file_pages()
        if released < 0 {
            logger.debug("could not release start-up pages: \(String(cString: strerror(shim_errno())))")
            return
        }
        logger.debug("released start-up pages", metadata: [
            "mappings": "\(released)", "rssBeforeKiB": "\(before ?? 0)", "rssAfterKiB": "\(ProcessMemory.residentKiB() ?? 0)",
        ])
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

/// The agent's own resident memory.
enum ProcessMemory {
    /// VmRSS of /proc/self/status, in KiB.
    static func residentKiB() -> Int? {
        let fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = read(fd, &buffer, buffer.count)
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[..<count], as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return Int(line.dropFirst(6).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
    }
}
