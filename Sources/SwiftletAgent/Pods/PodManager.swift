import Foundation
import Glibc
import Logging
import ServiceLifecycle
import SwiftletAPI
import SwiftletImages
import SwiftletRuntime

/// Runs the node's pods: one `PodWorker` per pod from the static pod directory, started,
/// re-adopted after an agent restart, and terminated when its manifest goes away.
///
/// The directory is watched with inotify (every change triggers a scan), with
/// `fileCheckFrequency` as a safety net. Container exits arrive from the `ExitWatcher`; a relist
/// every 10 s catches any the watcher could not report.
public actor PodManager {
    let services: PodServices
    let directory: String
    let nodeName: String
    let logger: Logger
    private var scanner: StaticManifestScanner
    private var workers: [String: PodWorker] = [:]
    private var terminating: [String: Task<Void, Never>] = [:]

    public init(services: PodServices, directory: String, nodeName: String, logger: Logger) {
        self.services = services
        self.directory = directory
        self.nodeName = nodeName
        self.logger = logger
        scanner = StaticManifestScanner(directory: directory)
    }

    /// UIDs of the pods with a worker.
    public var podUIDs: [String] { workers.keys.sorted() }

    /// The worker of pod `uid`.
    public func worker(uid: String) -> PodWorker? { workers[uid] }

    /// Adopts what a previous agent left running, then starts every pod of the directory.
    /// - Returns: a one-line summary for systemd's STATUS.
    public func start() async -> String {
        await adoptExisting()
        return await rescan()
    }

    /// Scans the directory and brings workers in line with it.
    @discardableResult
    public func rescan() async -> String {
        let changes: StaticManifestScanner.Changes
        do {
            changes = try scanner.scan()
        } catch {
            logger.error("static pod directory unreadable", metadata: ["error": "\(error)"])
            return "static pods: \(error)"
        }
        report(changes)
        let desired = scanner.desiredPods(nodeName: nodeName)
        let desiredUIDs = Set(desired.map { $0.pod.metadata.uid ?? "" })
        for uid in workers.keys where !desiredUIDs.contains(uid) {
            guard let worker = workers.removeValue(forKey: uid) else { continue }
            terminating[uid] = Task {
                await worker.terminate()
                self.terminated(uid)
            }
        }
        for (file, pod) in desired {
            let uid = pod.metadata.uid ?? ""
            guard workers[uid] == nil else { continue }
            if let pending = terminating[uid] { await pending.value }
            services.events.load(podUID: uid)
            let worker = PodWorker(pod: pod, services: services)
            workers[uid] = worker
            logger.info("starting static pod", metadata: [
                "pod": "\(pod.metadata.name ?? "")", "namespace": "\(pod.metadata.namespace ?? "")", "uid": "\(uid)", "file": "\(file)"])
            Task { await worker.sync() }
        }
        let (pods, invalid) = scanner.summary
        return "standalone: \(pods) static pod(s) in \(directory), \(invalid) invalid file(s)"
    }

    private func terminated(_ uid: String) {
        terminating[uid] = nil
        if workers[uid] == nil {
            services.statuses.remove(uid: uid)
            services.events.forget(podUID: uid)
        }
    }

    /// Waits for every termination in flight.
    public func waitForTerminations() async {
        for task in terminating.values { await task.value }
    }

    /// Evicts the pod `uid` for node pressure (its worker stays, holding the Failed status).
    public func evict(uid: String, message: String, gracePeriod: Int64) async {
        await workers[uid]?.evict(message: message, gracePeriod: gracePeriod)
    }

    /// The images the node's pods name (the garbage collector keeps them).
    public func imagesInUse() -> Set<String> {
        var names: Set<String> = []
        for pod in services.statuses.pods() {
            for c in (pod.spec.initContainers ?? []) + pod.spec.containers {
                if let image = c.image, let reference = try? ImageReference(parsing: image) { names.insert(reference.description) }
            }
        }
        return names
    }

    /// Routes a probe result to its pod's worker.
    public func probeUpdate(_ update: ProbeUpdate) async {
        await workers[update.podUID]?.probeUpdate(update)
    }

    /// Routes a container exit to its pod's worker.
    public func containerExited(id: String) async {
        for worker in workers.values where await worker.containerIDs.contains(id) {
            await worker.containerExited(id: id)
            return
        }
    }

    /// Rotates every pod's container logs.
    public func rotateLogs() async {
        for worker in workers.values { await worker.rotateLogs() }
    }

    /// The safety net for missed exit notifications.
    public func relist() async {
        for worker in workers.values { await worker.relist() }
    }

    /// Finds containers from before this agent started: those of pods still in the directory are
    /// re-adopted as they are (never restarted); the rest are terminated. Pod directories with
    /// no containers and no manifest are cleaned up.
    private func adoptExisting() async {
        var byPod: [String: [State]] = [:]
        for state in (try? services.runtime.list()) ?? [] {
            guard let uid = state.annotations[PodLabels.podUID] else { continue }
            byPod[uid, default: []].append(state)
        }
        _ = try? scanner.scan()
        let desired = Dictionary(scanner.desiredPods(nodeName: nodeName).map { ($0.pod.metadata.uid ?? "", $0.pod) },
                                 uniquingKeysWith: { a, _ in a })
        scanner = StaticManifestScanner(directory: directory)  // the next rescan reports everything
        for (uid, states) in byPod {
            if let pod = desired[uid] {
                let worker = PodWorker(pod: pod, services: services)
                await worker.adopt(states)
                workers[uid] = worker
            } else {
                let podFile = services.podDir(uid: uid) + "/pod.json"
                if let data = FileManager.default.contents(atPath: podFile),
                   let pod = try? JSONDecoder().decode(Pod.self, from: data) {
                    let worker = PodWorker(pod: pod, services: services)
                    await worker.adopt(states)
                    logger.info("manifest of a running pod is gone, terminating it", metadata: ["uid": "\(uid)"])
                    terminating[uid] = Task {
                        await worker.terminate()
                        self.terminated(uid)
                    }
                } else {
                    for state in states { try? services.runtime.delete(id: state.id, force: true) }
                }
            }
        }
        // Pod directories without containers or manifest: left by a crash mid-cleanup.
        let podsRoot = services.rootDir + "/pods"
        for uid in (try? FileManager.default.contentsOfDirectory(atPath: podsRoot)) ?? []
        where byPod[uid] == nil && desired[uid] == nil {
            let dir = podsRoot + "/" + uid
            if let snapshotter = try? Snapshotter(root: dir + "/snapshots") {
                for key in (try? FileManager.default.contentsOfDirectory(atPath: dir + "/snapshots")) ?? [] {
                    try? snapshotter.remove(key: key)
                }
            }
            if let data = FileManager.default.contents(atPath: dir + "/pod.json"),
               let pod = try? JSONDecoder().decode(Pod.self, from: data) {
                try? await services.sandboxes.tearDown(pod: pod, podDir: dir)
            }
            do {
                try services.volumes.tearDown(podDirectory: dir)
                logger.info("removed orphaned pod directory", metadata: ["uid": "\(uid)"])
            } catch {
                logger.error("cannot remove orphaned pod directory", metadata: ["uid": "\(uid)", "error": "\(error)"])
            }
        }
        let known = Set(byPod.keys).union(desired.keys)
        removeOrphanedCgroups(keep: known)
        await services.sandboxes.cleanUpOrphans(keep: known)
        for uid in PodNamespaces.list(runDir: services.runDir) where !known.contains(uid) {
            PodNamespaces.remove(uid: uid, runDir: services.runDir)
        }
        for worker in workers.values { Task { await worker.sync() } }
    }

    /// Pod cgroups (`kubepods[/qos]/pod<uid>`) of pods this node no longer has, left by a crash
    /// between a pod's last container and its cgroup's removal. Only empty ones can go.
    private func removeOrphanedCgroups(keep: Set<String>) {
        let root = services.kubelet.cgroupRoot == "/" ? "" : services.kubelet.cgroupRoot
        var hierarchies = ["/sys/fs/cgroup"]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? [] {
            hierarchies.append("/sys/fs/cgroup/" + name)
        }
        var orphans: Set<String> = []
        for hierarchy in hierarchies {
            for qos in ["", "/burstable", "/besteffort"] {
                let dir = "\(hierarchy)\(root)/kubepods\(qos)"
                for entry in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where entry.hasPrefix("pod") {
                    let uid = String(entry.dropFirst(3))
                    if !keep.contains(uid) { orphans.insert("\(root)/kubepods\(qos)/\(entry)") }
                }
            }
        }
        for path in orphans.sorted() {
            if let error = PodCgroup.remove(path: path) {
                logger.debug("orphaned pod cgroup not removed", metadata: ["cgroup": "\(path)", "error": "\(error)"])
            } else {
                logger.info("removed orphaned pod cgroup", metadata: ["cgroup": "\(path)"])
            }
        }
    }

    private func report(_ changes: StaticManifestScanner.Changes) {
        for file in changes.added where changes.invalid[file] == nil {
            logger.info("static pod manifest added", metadata: ["file": "\(file)"])
        }
        for file in changes.changed where changes.invalid[file] == nil {
            logger.info("static pod manifest changed", metadata: ["file": "\(file)"])
        }
        for file in changes.removed {
            logger.info("static pod manifest removed", metadata: ["file": "\(file)"])
        }
        for (file, errors) in changes.invalid.sorted(by: { $0.key < $1.key }) {
            for error in errors {
                logger.error("invalid static pod manifest", metadata: ["file": "\(file)", "error": "\(error)"])
            }
            services.events.recordNode(.warning, reason: "InvalidManifest",
                                       message: "\(file): " + errors.map { "\($0)" }.joined(separator: "; "))
        }
        for (pod, files) in changes.conflicts.sorted(by: { $0.key < $1.key }) {
            logger.error("static pod defined by more than one file; the first one runs", metadata: [
                "pod": "\(pod)", "files": "\(files.joined(separator: ","))",
            ])
            services.events.recordNode(.warning, reason: "ConflictingManifests",
                                       message: "pod \(pod) is defined by \(files.joined(separator: ", ")); the first one runs")
        }
    }
}

/// Drives a `PodManager`: the first scan (then READY=1), rescans on inotify events and every
/// `fileCheckFrequency`, exits from the watcher, relists every 10 s. On shutdown the pods keep
/// running: stopping the agent is not deleting pods.
struct PodManagerService: ServiceLifecycle.Service {
    let manager: PodManager
    let watcher: ExitWatcher
    let directory: String
    let period: Duration
    let logInterval: Duration
    /// Probe results, handed to the pods' workers in the order they arrive.
    var probeUpdates: AsyncStream<ProbeUpdate>? = nil
    let logger: Logger
    let onFirstScan: @Sendable (String) -> Void
    let onChange: @Sendable (String) -> Void

    func run() async throws {
        let summary = await manager.start()
        onFirstScan(summary)
        let dirEvents = DirectoryWatcher(directory: directory, logger: logger)
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await id in watcher.exits { await manager.containerExited(id: id) }
                }
                if let probeUpdates {
                    group.addTask {
                        for await update in probeUpdates { await manager.probeUpdate(update) }
                    }
                }
                group.addTask {
                    var last = summary
                    for await _ in dirEvents.events {
                        let now = await manager.rescan()
                        if now != last { onChange(now) }
                        last = now
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: period) } catch { return }
                        dirEvents.trigger()
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: .seconds(10)) } catch { return }
                        await manager.relist()
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: logInterval) } catch { return }
                        await manager.rotateLogs()
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: .seconds(1)) } catch { return }
                        manager.services.events.flush()
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
        await manager.waitForTerminations()
        manager.services.events.flush()
    }
}

/// inotify on the static pod directory (and its parent, so the directory may appear later):
/// any change yields an event, coalesced.
final class DirectoryWatcher: Sendable {
    let events: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init(directory: String, logger: Logger) {
        (events, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let fd = inotify_init1(Int32(IN_CLOEXEC))
        guard fd >= 0 else {
            logger.warning("inotify unavailable; static pods are scanned every fileCheckFrequency only")
            return
        }
        let mask = UInt32(IN_CREATE | IN_DELETE | IN_MODIFY | IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE | IN_ATTRIB)
        _ = inotify_add_watch(fd, directory, mask)
        let parent = (directory as NSString).deletingLastPathComponent
        _ = inotify_add_watch(fd, parent.isEmpty ? "/" : parent, UInt32(IN_CREATE | IN_MOVED_TO))
        let continuation = self.continuation
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 16 * 1024)
            var watchingDirectory = true
            while true {
                let n = read(fd, &buffer, buffer.count)
                if n < 0 {
                    if errno == EINTR { continue }
                    return
                }
                if !watchingDirectory || access(directory, F_OK) == 0 {
                    // The directory may have been created since: watch it (a repeat add is harmless).
                    watchingDirectory = inotify_add_watch(fd, directory, mask) >= 0
                }
                continuation.yield()
            }
        }
        thread.name = "swiftlet-manifest-watcher"
        thread.start()
    }

    /// Asks for a scan (the periodic safety net).
    func trigger() { continuation.yield() }
}
