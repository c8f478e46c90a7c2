import CRuntimeShim
import Foundation
import Logging
import ServiceLifecycle
import SwiftletNetwork
import SwiftletRuntime
import SwiftletStats
import SwiftletSystemd

/// The node agent: composes its long-running services in a `ServiceGroup` that turns SIGTERM
/// and SIGINT into a graceful shutdown, and speaks systemd's notify protocol.
///
/// Today it runs in standalone mode only: it watches `staticPodPath` and validates what it
/// finds. Running pods arrives with the runtime, images and pods layers.
public struct Agent: Sendable {
    /// The merged configuration: kubelet defaults, the file, the flags.
    public let loaded: LoadedConfig
    /// This node's name (`--hostname-override`, or the host name).
    public let nodeName: String
    private let notifier: SystemdNotifier
    private let logger: Logger

    /// - Parameters:
    ///   - notifier: systemd's notify socket; sends nothing when NOTIFY_SOCKET is unset.
    public init(config loaded: LoadedConfig, nodeName: String, notifier: SystemdNotifier = SystemdNotifier(), logger: Logger) {
        self.loaded = loaded
        self.nodeName = nodeName
        self.notifier = notifier
        var logger = logger
        logger[metadataKey: "node"] = "\(nodeName)"
        self.logger = logger
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully.
    /// - Throws: `AgentError` when a directory it needs cannot be created or the static pod
    ///   directory cannot be read at start.
    public func run() async throws {
        // A long-lived daemon with many short-lived threads (NIO, probes, exec): two malloc
        // arenas instead of up to eight per core keep freed memory from being stranded.
        _ = shim_malloc_arena_max(2)
        // The prober's loop makes a few 1–8 KiB blocks per run (exec plans, say); with fast
        // bins each of those requests first consolidated them all.
        _ = shim_malloc_no_fastbins()
        for dir in [loaded.agent.rootDir, loaded.agent.runDir] {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw AgentError.filesystem("\(dir): cannot create directory: \(error.localizedDescription)")
            }
        }
        logger.info("starting agent", metadata: [
            "version": "\(SwiftletVersion.version)",
            "rootDir": "\(loaded.agent.rootDir)",
            "staticPodPath": "\(loaded.kubelet.staticPodPath)",
        ])
        let nodeImages: NodeImages
        do {
            nodeImages = try NodeImages(rootDir: loaded.agent.rootDir, kubelet: loaded.kubelet, logger: logger)
        } catch {
            throw AgentError.filesystem("image store below \(loaded.agent.rootDir): \(error)")
        }
        let runtimeRoot = loaded.agent.runDir + "/runtime"
        let watcher: ExitWatcher
        do {
            try FileManager.default.createDirectory(atPath: runtimeRoot, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            watcher = try ExitWatcher(runtimeRoot: runtimeRoot, logger: logger)
        } catch {
            throw AgentError.filesystem("\(runtimeRoot): \(error)")
        }
        let clock = SystemClock()
        let events = EventRecorder(nodeName: nodeName, rootDir: loaded.agent.rootDir, clock: clock, logger: logger)
        KernelOOMWatcher(events: events, logger: logger).start()
        let cgroupRoot = loaded.kubelet.cgroupRoot == "/" ? "" : loaded.kubelet.cgroupRoot
        let collector = StatsCollector(
            nodeName: nodeName,
            node: NodePaths(rootDirectory: loaded.agent.rootDir, imageStoreDirectory: loaded.agent.rootDir + "/images",
                            containerStoreDirectory: loaded.agent.rootDir + "/pods",
                            systemContainers: ["pods": cgroupRoot + "/kubepods"]),
            logger: logger)
        let statuses = PodStatusCache()
        let pressure = PressureConditions()
        let metrics = AgentMetrics()
        let heartbeat = AgentAPI.Heartbeat()
        let runtime = ContainerRuntime(root: runtimeRoot, logger: logger)
        let (probeUpdates, probeUpdatesIn) = AsyncStream<ProbeUpdate>.makeStream()
        let probes = ProbeManager(
            clock: clock, exec: RuntimeProbeExecRunner(runtime: runtime),
            logger: logger, onUpdate: { update in
                metrics.recordProbe(probeType: update.kind.eventName, result: update.result.metricLabel,
                                    container: update.containerName, pod: update.podName, namespace: update.namespace,
                                    podUID: update.podUID)
                metrics.observeProbeDelay(update.startedAt.timeIntervalSince(update.scheduledAt))
                // Most runs repeat the last result: only the metrics count them.
                if update.affectsStatus { probeUpdatesIn.yield(update) }
            })
        let services = PodServices(
            runtime: runtime, images: nodeImages, watcher: watcher,
            clock: clock,
            sandboxes: CNISandboxProvider(
                rootDir: loaded.agent.rootDir, runDir: loaded.agent.runDir, confDir: loaded.agent.cniConfDir,
                binDirs: loaded.agent.cniBinDirs,
                dns: DNSConfigurer(clusterDNS: loaded.kubelet.clusterDNS, clusterDomain: loaded.kubelet.clusterDomain,
                                   resolverConfig: loaded.kubelet.resolvConf, nodeIPs: loaded.agent.nodeIPs),
                logger: logger),
            rootDir: loaded.agent.rootDir, runDir: loaded.agent.runDir, podLogsDir: loaded.kubelet.podLogsDir, kubelet: loaded.kubelet,
            envContext: NodeFacts.envContext(nodeIPs: loaded.agent.nodeIPs), logger: logger, events: events,
            statuses: statuses, pressure: pressure, stats: collector, metrics: metrics, probes: probes)
        let manager = PodManager(services: services, directory: loaded.kubelet.staticPodPath, nodeName: nodeName, logger: logger)
        // The images the pods name are in use, and so are the layers mounted under containers.
        let imageGC = ImageGCService(
            collector: nodeImages.collector, period: .seconds(300), inUse: { await manager.imagesInUse() }, logger: logger)
        let pods = PodManagerService(
            manager: manager, watcher: watcher, directory: loaded.kubelet.staticPodPath,
            period: loaded.kubelet.fileCheckFrequency.duration,
            logInterval: loaded.kubelet.containerLogMonitorInterval.duration, probeUpdates: probeUpdates, logger: logger
        ) { [notifier, logger] summary in
            // The first complete scan of the sources is when the agent is serving.
            Self.send(logger) { try notifier.status(summary) }
            Self.send(logger) { try notifier.ready() }
            logger.info("agent ready", metadata: ["status": "\(summary)"])
        } onChange: { [notifier, logger] summary in
            Self.send(logger) { try notifier.status(summary) }
        }
        let eviction = EvictionManager(
            kubelet: loaded.kubelet, clock: clock, source: StatsEvictionSource(collector: collector, statuses: statuses, clock: clock),
            pressure: pressure, logger: logger,
            reclaimDisk: { [logger] in
                do {
                    let result = try await nodeImages.collector.removeAllUnused(inUse: await manager.imagesInUse())
                    logger.info("disk pressure: removed unused images", metadata: [
                        "removed": "\(result.removed.map(\.reference))", "freedBytes": "\(result.freedBytes)"])
                } catch {
                    logger.warning("disk pressure: image garbage collection failed", metadata: ["error": "\(error)"])
                }
            },
            evict: { eviction in
                await manager.evict(uid: eviction.pod.metadata.uid ?? "", message: eviction.message, gracePeriod: eviction.gracePeriod)
            })
        let housekeeping = HousekeepingService(
            interval: loaded.agent.housekeepingInterval, collector: collector, eviction: eviction, pressure: pressure,
            builder: NodeStatusBuilder(configuration: loaded.kubelet, nodeName: nodeName, nodeIPs: loaded.agent.nodeIPs,
                                       version: SwiftletVersion.version, rootDirectory: loaded.agent.rootDir, hostname: nodeName),
            events: events, nodeFile: loaded.agent.rootDir + "/node.json", statuses: statuses, metrics: metrics,
            heartbeat: heartbeat, logger: logger)
        let server = AgentServer(
            options: AgentServerOptions(configuration: loaded.kubelet, rootDir: loaded.agent.rootDir, nodeName: nodeName,
                                        nodeIPs: loaded.agent.nodeIPs, tokenAuthFile: loaded.agent.tokenAuthFile),
            handlers: AgentAPI.handlers(services: services, collector: collector, heartbeat: heartbeat,
                                        interval: loaded.agent.housekeepingInterval),
            metrics: metrics, clock: clock, logger: logger)
        let systemd = SystemdLifecycleService(notifier: notifier, logger: logger)
        // Services shut down in reverse order: systemd hears STOPPING=1 first.
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: imageGC), .init(service: pods), .init(service: probes), .init(service: housekeeping), .init(service: server),
                       .init(service: systemd)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        do {
            try await group.run()
        } catch {
            await nodeImages.shutdown()
            throw error
        }
        await nodeImages.shutdown()
        logger.info("agent stopped")
    }

    static func send(_ logger: Logger, _ body: () throws -> Void) {
        do { try body() } catch { logger.warning("sd_notify failed", metadata: ["error": "\(error)"]) }
    }
}

/// Pings systemd's watchdog while running and says STOPPING=1 when shutdown begins.
struct SystemdLifecycleService: Service {
    let notifier: SystemdNotifier
    let logger: Logger

    func run() async throws {
        if let interval = notifier.watchdogInterval {
            logger.debug("systemd watchdog enabled", metadata: ["interval": "\(interval)"])
            await cancelWhenGracefulShutdown {
                await runWatchdog(notifier: notifier, interval: interval, logger: logger)
            }
        } else {
            try await gracefulShutdown()
        }
        logger.info("stopping agent")
        Agent.send(logger) { try notifier.stopping() }
    }
}
