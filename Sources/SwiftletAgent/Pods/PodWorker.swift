import Foundation
import Logging
import SwiftletAPI
import SwiftletImages
import SwiftletRuntime
import SwiftletStats

/// One pod's reconciler: brings its containers to what the spec wants (sandbox, init containers
/// one at a time, sidecars in order, app containers together), restarts them by the restart
/// policy with CrashLoopBackOff, reports status, and terminates the pod gracefully.
public actor PodWorker {
    /// The pod as the source gave it (identity already applied).
    public private(set) var pod: Pod
    let services: PodServices
    private var logger: Logger
    private var slots: [ContainerSlot]
    private var sandbox: PodSandbox?
    private var sharedNamespaces: (ipc: String?, uts: String?) = (nil, nil)
    private var volumes: [String: PodVolume]?
    private var backoff = CrashLoopBackoff()
    private var imageBackoff = CrashLoopBackoff()
    private var timers: [String: Task<Void, Never>] = [:]
    private var terminating = false
    private var finished = false
    private var syncing = false
    private var resync = false
    private var startTime: Date?
    private let exitSignal = ExitSignal()
    private var lastStatus: PodStatus?
    /// Set when admission refused the pod (kubelet's reason and message).
    private var rejection: (reason: String, message: String)?
    /// Whether admission let the pod in (it is checked once, before anything of it runs).
    private var admitted = false
    private var statsPodRegistered = false
    /// When this worker first saw the pod, and whether its start duration was recorded.
    private var firstSeen: Date? = Date()
    private var reportedStart = false
    /// Containers the stats collector knows.
    private var statsContainers: Set<String> = []
    /// Set when node pressure evicted the pod: it stays Failed with this message.
    private var evictionMessage: String?
    /// Messages of failed postStart hooks, by container ID, for the termination status.
    private var postStartFailures: [String: String] = [:]

    enum Kind: Sendable { case initContainer, sidecar, app }

    struct ContainerSlot: Sendable {
        var spec: Container
        var kind: Kind
        /// Instances started so far; the current one is number `instances - 1`.
        var instances = 0
        var id: String?
        var startedAt: Date?
        var running = false
        var exit: ContainerStateTerminated?
        /// When the worker learnt of `exit`, on its clock: backoff is measured from here, so an
        /// injected clock governs it entirely (the runtime's finishedAt is wall time).
        var exitSeenAt: Date?
        var lastTermination: ContainerStateTerminated?
        var waiting: ContainerStateWaiting?
        var imageID = ""
        var stopSignal: String?
        var previousIDs: [String] = []
        /// What the probes say of the current instance; nil until they say anything.
        var probeState: ProbeState?

        var restartCount: Int32 { Int32(max(0, instances - 1)) }
        var succeeded: Bool { exit?.exitCode == 0 }
    }

    /// IDs of every container of this pod the worker knows (current and previous instances).
    public var containerIDs: [String] { slots.flatMap { ($0.id.map { [$0] } ?? []) + $0.previousIDs } }

    /// Whether the pod was terminated and cleaned up.
    public var isFinished: Bool { finished }

    public init(pod: Pod, services: PodServices) {
        self.pod = pod
        self.services = services
        var logger = services.logger
        logger[metadataKey: "pod"] = "\(pod.metadata.name ?? "")"
        logger[metadataKey: "namespace"] = "\(pod.metadata.namespace ?? "default")"
        logger[metadataKey: "uid"] = "\(pod.metadata.uid ?? "")"
        self.logger = logger
        var slots: [ContainerSlot] = []
        for c in pod.spec.initContainers ?? [] {
            slots.append(ContainerSlot(spec: c, kind: PodPhaseRule.isRestartable(c) ? .sidecar : .initContainer))
        }
        for c in pod.spec.containers { slots.append(ContainerSlot(spec: c, kind: .app)) }
        self.slots = slots
    }

    var uid: String { pod.metadata.uid ?? "" }
    var namespace: String { pod.metadata.namespace ?? "default" }
    var name: String { pod.metadata.name ?? "" }
    var podDir: String { services.podDir(uid: uid) }
    var podRef: String { "\(name)_\(namespace)(\(uid))" }

    // MARK: Adoption

    /// Takes over containers a previous agent left (from the runtime's state): the newest
    /// instance per container becomes current, running or with its recorded exit.
    public func adopt(_ states: [State]) {
        for state in states {
            guard let cname = state.annotations[PodLabels.containerName],
                  let i = slots.firstIndex(where: { $0.spec.name == cname }) else { continue }
            let count = Int(state.annotations[PodLabels.restartCount] ?? "") ?? 0
            services.watcher.watch(id: state.id)
            if count + 1 > slots[i].instances {
                if let old = slots[i].id { slots[i].previousIDs.append(old) }
                if let previousExit = slots[i].exit { slots[i].lastTermination = previousExit }
                slots[i].instances = count + 1
                slots[i].id = state.id
                slots[i].imageID = state.annotations[PodLabels.imageID] ?? ""
                slots[i].stopSignal = state.annotations[PodLabels.stopSignal]
                let created = state.created.flatMap { Time(rfc3339: $0)?.date }
                slots[i].startedAt = created
                if state.status == .stopped {
                    slots[i].running = false
                    slots[i].exit = Self.termination(state: state, services: services, id: state.id)
                    slots[i].startedAt = slots[i].exit?.startedAt?.date ?? created
                } else {
                    slots[i].running = true
                    slots[i].exit = nil
                }
            } else {
                slots[i].previousIDs.append(state.id)
                if slots[i].lastTermination == nil, state.status == .stopped {
                    slots[i].lastTermination = Self.termination(state: state, services: services, id: state.id)
                }
            }
        }
        if startTime == nil { startTime = slots.compactMap(\.startedAt).min() }
        if !states.isEmpty { admitted = true }
        logger.info("adopted pod containers", metadata: ["containers": "\(states.map(\.id))"])
    }

    // MARK: Sync

    /// Reconciles once (coalescing calls that arrive while a sync runs).
    public func sync() async {
        if syncing {
            resync = true
            return
        }
        syncing = true
        defer { syncing = false }
        repeat {
            resync = false
            let began = ContinuousClock.now
            await syncOnce()
            services.metrics.observePodWorker(operation: "sync", ContinuousClock.now - began)
        } while resync && !terminating
        if !reportedStart, let first = firstSeen, !slots.isEmpty,
           slots.filter({ $0.kind == .app }).allSatisfy(\.running) {
            // kubelet's pod start duration: from when the agent first saw the pod to all running.
            reportedStart = true
            services.metrics.observePodStart(.milliseconds(Int64(Date().timeIntervalSince(first) * 1000)))
        }
    }

    /// The pod's shared PID namespace, with its pause process (`shareProcessNamespace`).
    private func ensurePIDNamespace() throws -> String {
        try PodNamespaces.ensurePID(
            uid: uid, runDir: services.runDir, pausePath: services.runtime.monitorPath,
            cgroup: PodCgroup.pausePath(pod, cgroupRoot: services.kubelet.cgroupRoot))
    }

    private func syncOnce() async {
        guard !terminating else { return }
        if startTime == nil { startTime = services.clock.now() }
        guard evictionMessage == nil else { return writeStatus() }
        if !admitted, let rejection = PodAdmission.reject(pod, allowedUnsafeSysctls: services.kubelet.allowedUnsafeSysctls)
            ?? EvictionRules.admissionRejection(pod, conditions: services.pressure.conditions) {
            if self.rejection == nil {
                logger.warning("pod rejected", metadata: ["reason": "\(rejection.reason)", "message": "\(rejection.message)"])
                services.events.record(pod, .warning, reason: rejection.reason, message: rejection.message)
            }
            self.rejection = rejection
            try? FileManager.default.createDirectory(atPath: podDir, withIntermediateDirectories: true)
            try? writePodManifest()
            writeStatus()
            return
        }
        admitted = true
        rejection = nil
        if sandbox == nil {
            do {
                try FileManager.default.createDirectory(atPath: podDir, withIntermediateDirectories: true)
                try writePodManifest()
                try PodCgroup.create(pod, cgroupRoot: services.kubelet.cgroupRoot, podPidsLimit: services.kubelet.podPidsLimit)
                sharedNamespaces = try PodNamespaces.ensure(
                    uid: uid, runDir: services.runDir, hostname: ContainerSpecBuilder.hostname(pod),
                    hostIPC: pod.spec.hostIPC == true, hostUTS: pod.spec.hostNetwork == true)
                if pod.spec.shareProcessNamespace == true { _ = try ensurePIDNamespace() }
                sandbox = try await services.sandboxes.setUp(pod: pod, podDir: podDir)
            } catch {
                logger.error("cannot create pod sandbox", metadata: ["error": "\(error)"])
                services.events.record(pod, .warning, reason: "FailedCreatePodSandBox", message: "Failed to create pod sandbox: \(error)")
                for i in slots.indices where slots[i].id == nil {
                    slots[i].waiting = ContainerStateWaiting(reason: "ContainerCreating", message: "FailedCreatePodSandBox: \(error)")
                }
                schedule("sandbox", after: 10)
                writeStatus()
                return
            }
        }
        if volumes == nil {
            do {
                volumes = try services.volumes.setUp(pod: pod, podDirectory: podDir, context: DownwardAPIContext(
                    nodeName: pod.spec.nodeName ?? "", podIPs: sandbox?.podIPs ?? [],
                    hostIPs: services.envContext.hostIP.map { [$0] } ?? []))
            } catch {
                logger.error("cannot set up volumes", metadata: ["error": "\(error)"])
                services.events.record(pod, .warning, reason: "FailedMount", message: "\(error)")
                for i in slots.indices where slots[i].id == nil {
                    slots[i].waiting = ContainerStateWaiting(reason: "ContainerCreating", message: "FailedMount: \(error)")
                }
                schedule("volumes", after: 10)
                writeStatus()
                return
            }
        }
        // Containers adopted from a previous agent are measured too.
        for i in slots.indices where slots[i].running {
            if let id = slots[i].id, !statsContainers.contains(id) {
                registerStats(slot: i, id: id, instance: slots[i].instances - 1)
                await addProbes(slot: i)
            }
        }
        // Init containers and sidecars, in order.
        for i in slots.indices where slots[i].kind != .app {
            if slots[i].kind == .sidecar {
                if !slots[i].running { await ensureStarted(i) }
                if !slots[i].running { return writeStatus() }
                continue
            }
            if slots[i].succeeded { continue }
            if slots[i].running { return writeStatus() }
            if let exit = slots[i].exit {
                guard RestartRule.shouldRetryInit(exitCode: exit.exitCode, podRestartPolicy: pod.spec.restartPolicy) else {
                    return writeStatus()  // the pod failed; nothing more starts
                }
            }
            await ensureStarted(i)
            return writeStatus()
        }
        for i in slots.indices where slots[i].kind == .app && !slots[i].running {
            if let exit = slots[i].exit,
               !RestartRule.shouldRestart(exitCode: exit.exitCode, podRestartPolicy: pod.spec.restartPolicy) {
                continue
            }
            await ensureStarted(i)
        }
        writeStatus()
    }

    /// Starts slot `i`'s next instance unless it must wait out a backoff.
    private func ensureStarted(_ i: Int) async {
        let key = slots[i].spec.name
        if slots[i].exit != nil, let finished = slots[i].exitSeenAt ?? slots[i].exit?.finishedAt?.date {
            if let until = backoff.restartTime(key: key, finishedAt: finished, now: services.clock.now()) {
                let seconds = Int(backoff.currentBackoff(key: key))
                slots[i].waiting = ContainerStateWaiting(
                    reason: "CrashLoopBackOff",
                    message: "back-off \(seconds)s restarting failed container=\(key) pod=\(podRef)")
                services.events.record(pod, container: key, .warning, reason: "BackOff",
                                       message: "Back-off restarting failed container \(key) in pod \(podRef)")
                schedule(key, at: until)
                return
            }
        }
        await start(i)
    }

    private func start(_ i: Int) async {
        let container = slots[i].spec
        var log = logger
        log[metadataKey: "container"] = "\(container.name)"
        // Image
        let record: ImageRecord
        do {
            record = try await ensureImage(container)
        } catch {
            let key = "image/" + container.name
            let now = services.clock.now()
            if let policy = error as? PullPolicyError {
                // As kubelet: no pull happened, so no back-off either; the reason stays
                // ErrImageNeverPull (or InvalidPullPolicy) and the pod is synced again after
                // kubelet's 10 s error back-off period.
                services.events.record(pod, container: container.name, .warning, reason: policy.reason, message: policy.message)
                services.events.record(pod, container: container.name, .warning, reason: "Failed", message: "Error: \(policy.reason)")
                slots[i].waiting = ContainerStateWaiting(reason: policy.reason, message: policy.message)
                schedule(key, after: Self.errorResyncSeconds)
                log.warning("image not usable under its pull policy", metadata: ["image": "\(container.image ?? "")", "error": "\(policy.message)"])
                return
            }
            let reason: String
            if imageBackoff.currentBackoff(key: key) == 0 {
                reason = "ErrImagePull"
                _ = imageBackoff.restartTime(key: key, finishedAt: now, now: now)
                schedule(key, after: 0.001)
            } else if let until = imageBackoff.restartTime(key: key, finishedAt: now, now: now) {
                reason = "ImagePullBackOff"
                schedule(key, at: until)
            } else {
                reason = "ErrImagePull"
                schedule(key, after: 0.001)
            }
            if reason == "ImagePullBackOff" {
                services.events.record(pod, container: container.name, .normal, reason: "BackOff",
                                       message: "Back-off pulling image \"\(container.image ?? "")\"")
            }
            services.events.record(pod, container: container.name, .warning, reason: "Failed", message: "Error: \(reason)")
            slots[i].waiting = ContainerStateWaiting(reason: reason, message: "\(error)")
            log.warning("image pull failed", metadata: ["image": "\(container.image ?? "")", "error": "\(error)"])
            return
        }
        imageBackoff.reset(key: "image/" + container.name)
        let instance = slots[i].instances
        let id = "\(uid.prefix(12))-\(container.name)-\(instance)"
        let bundle = "\(podDir)/containers/\(container.name)/\(instance)"
        let snapshotter: Snapshotter
        do {
            snapshotter = try Snapshotter(root: podDir + "/snapshots", logger: logger)
        } catch {
            slots[i].waiting = ContainerStateWaiting(reason: "CreateContainerError", message: "\(error)")
            return
        }
        let key = "\(container.name)-\(instance)"
        do {
            // A crash between create and start may have left both behind.
            try? services.runtime.delete(id: id, force: true)
            try? snapshotter.remove(key: key)
            try FileManager.default.createDirectory(atPath: bundle, withIntermediateDirectories: true)
            let configData = services.images.content.path(for: record.configDigest)
            guard let data = FileManager.default.contents(atPath: configData) else {
                throw ContainerConfigError("image config \(record.configDigest) of \(record.reference) is missing from the store")
            }
            let image = try JSONDecoder().decode(ImageConfig.self, from: data)
            let lowers = try record.chainIDs.reversed().map { try services.images.layers.path(chainID: $0) }
            let snapshot = try snapshotter.prepare(key: key, layers: lowers, readOnly: false)
            let env = try EnvResolver.resolve(container: container, pod: pod, context: envContext())
            // Re-checked per start: should the pause process die, so does its namespace.
            let pidPath = pod.spec.shareProcessNamespace == true ? try ensurePIDNamespace() : nil
            var mounts = try podMounts(container: container, bundle: bundle)
            var environment: [String: String] = [:]
            for (k, v) in env { environment[k] = v }
            let volumeMounts: ContainerMounts
            if (container.volumeMounts ?? []).contains(where: { ($0.mountPropagation ?? "None") != "None" }) {
                // HostToContainer and Bidirectional need the root dir on a shared mount, as kubelet
                // makes it at start; done when first needed, so nodes without such pods keep theirs.
                try? VolumeManager.makeShared(services.rootDir)
            }
            do {
                volumeMounts = try services.volumes.mounts(
                    forContainer: container.name, pod: pod, podDirectory: podDir, volumes: volumes ?? [:], environment: environment)
            } catch {
                throw ContainerConfigError("\(error)")
            }
            mounts += volumeMounts.mounts
            let logDir = services.podLogDir(namespace: namespace, name: name, uid: uid) + "/" + container.name
            try FileManager.default.createDirectory(atPath: logDir, withIntermediateDirectories: true)
            let logPath = "\(logDir)/\(instance).log"
            let spec = try ContainerSpecBuilder.build(ContainerSpecInput(
                pod: pod, container: container, image: image, environment: env, rootfs: snapshot.rootfs,
                netnsPath: sandbox?.netnsPath, ipcPath: sharedNamespaces.ipc, utsPath: sharedNamespaces.uts, pidPath: pidPath, cgroupsPath: PodResources.podCgroup(pod, cgroupRoot: services.kubelet.cgroupRoot) + "/" + id,
                mounts: mounts, seccompDefault: services.kubelet.seccompDefault, seccompRoot: services.rootDir + "/seccomp",
                annotations: [
                    PodLabels.podUID: uid, PodLabels.podName: name, PodLabels.podNamespace: namespace,
                    PodLabels.containerName: container.name, PodLabels.restartCount: "\(instance)",
                    PodLabels.logPath: logPath, PodLabels.image: record.reference,
                    PodLabels.imageID: Self.imageID(record),
                    PodLabels.stopSignal: image.config?.stopSignal ?? "",
                ]))
            var finalSpec = spec
            if let propagation = volumeMounts.rootfsPropagation { finalSpec.linux?.rootfsPropagation = propagation }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try AtomicFile.write(try encoder.encode(finalSpec), to: bundle + "/config.json", mode: 0o600)
            slots[i].instances = instance + 1
            if let old = slots[i].id { slots[i].previousIDs.append(old) }
            if let previousExit = slots[i].exit { slots[i].lastTermination = previousExit }
            slots[i].id = id
            slots[i].exit = nil
            slots[i].exitSeenAt = nil
            slots[i].imageID = spec.annotations[PodLabels.imageID] ?? ""
            slots[i].stopSignal = image.config?.stopSignal
            let creating = ContinuousClock.now
            do {
                try services.runtime.create(id: id, bundle: bundle, output: .criLog(logPath))
                services.metrics.observeRuntimeOperation("create_container", ContinuousClock.now - creating)
            } catch {
                services.metrics.observeRuntimeOperation("create_container", ContinuousClock.now - creating, failed: true)
                throw error
            }
            services.events.record(pod, container: container.name, .normal, reason: "Created", message: "Created container: \(container.name)")
            services.watcher.watch(id: id)
            let starting = ContinuousClock.now
            do {
                try services.runtime.start(id: id)
                services.metrics.observeRuntimeOperation("start_container", ContinuousClock.now - starting)
            } catch {
                services.metrics.observeRuntimeOperation("start_container", ContinuousClock.now - starting, failed: true)
                throw error
            }
            services.events.record(pod, container: container.name, .normal, reason: "Started", message: "Started container \(container.name)")
            slots[i].running = true
            slots[i].startedAt = services.clock.now()
            slots[i].waiting = nil
            if let hook = container.lifecycle?.postStart, let failure = await runPostStart(hook, id: id) {
                // Kubelet kills a container whose postStart hook fails; the restart policy decides the rest.
                log.warning("postStart hook failed, killing the container", metadata: ["error": "\(failure)"])
                services.events.record(pod, container: container.name, .warning, reason: "FailedPostStartHook", message: failure)
                services.events.record(pod, container: container.name, .normal, reason: "Killing",
                                       message: "FailedPostStartHook")
                try? services.runtime.kill(id: id, signal: SIGKILL, all: true)
                postStartFailures[id] = failure
            }
            ContainerLogLinks.link(podLogsDir: services.podLogsDir, pod: name, namespace: namespace,
                                   container: container.name, id: id, target: logPath)
            registerStats(slot: i, id: id, instance: instance)
            slots[i].probeState = nil
            await addProbes(slot: i)
            try? await services.images.images.markUsed(record.reference)
            log.info("started container", metadata: ["id": "\(id)", "restartCount": "\(instance)"])
            collectGarbage(i)
        } catch let error as ContainerConfigError {
            try? snapshotter.remove(key: key)
            slots[i].waiting = ContainerStateWaiting(reason: "CreateContainerConfigError", message: error.message)
            services.events.record(pod, container: container.name, .warning, reason: "Failed", message: "Error: \(error.message)")
            log.error("cannot create container", metadata: ["error": "\(error)"])
            schedule(container.name, after: 10)
        } catch {
            // Treated as an exit, so CrashLoopBackOff governs the retries.
            let now = services.clock.now()
            if slots[i].id == id {
                try? services.runtime.delete(id: id, force: true)
                services.watcher.unwatch(id: id)
            } else {
                slots[i].instances = instance + 1
                if let previousExit = slots[i].exit { slots[i].lastTermination = previousExit }
            }
            try? snapshotter.remove(key: key)
            slots[i].running = false
            slots[i].id = nil
            slots[i].exit = ContainerStateTerminated(
                exitCode: 128, reason: "StartError", message: "\(error)", startedAt: Time(now), finishedAt: Time(now))
            slots[i].exitSeenAt = now
            slots[i].waiting = ContainerStateWaiting(reason: "RunContainerError", message: "\(error)")
            services.events.record(pod, container: container.name, .warning, reason: "Failed", message: "Error: \(error)")
            log.error("cannot start container", metadata: ["error": "\(error)"])
            await ensureStarted(i)
        }
    }

    /// Starts the probes of slot `i`'s running instance.
    private func addProbes(slot i: Int) async {
        guard let probes = services.probes, let id = slots[i].id, slots[i].running else { return }
        let c = slots[i].spec
        guard c.startupProbe != nil || c.livenessProbe != nil || c.readinessProbe != nil else { return }
        let ip = pod.spec.hostNetwork == true ? services.envContext.hostIP : sandbox?.podIPs.first
        await probes.add(ProbeTarget(podUID: uid, podName: name, namespace: namespace, containerName: c.name, containerID: id,
                                     podIP: ip ?? "127.0.0.1", container: c, startedAt: slots[i].startedAt ?? services.clock.now(),
                                     terminationGracePeriodSeconds: pod.spec.terminationGracePeriodSeconds ?? 30))
    }

    /// A probe result for one of the pod's containers: readiness and startup feed the status,
    /// a failed liveness or startup probe restarts the container, as kubelet does.
    /// Applies a probe run's result (the agent's probe callback counted it in the metrics).
    public func probeUpdate(_ update: ProbeUpdate) async {
        guard !terminating, evictionMessage == nil,
              let i = slots.firstIndex(where: { $0.spec.name == update.containerName }),
              slots[i].id == update.containerID, slots[i].running else { return }
        for event in update.events {
            services.events.record(pod, container: update.containerName, event.type == "Warning" ? .warning : .normal,
                                   reason: event.reason, message: event.message)
        }
        if slots[i].probeState != update.state {
            slots[i].probeState = update.state
            writeStatus()
        }
        if let restart = update.restart, let id = slots[i].id {
            logger.info("restarting container after a failed probe", metadata: [
                "container": "\(update.containerName)", "probe": "\(update.kind.rawValue)", "message": "\(restart.message)"])
            // In a task of its own: the kill waits out a grace period, other updates must not.
            Task { await self.kill(slot: i, id: id, gracePeriod: restart.gracePeriodSeconds) }
        }
    }

    /// Stops instance `id` of slot `i` (preStop, stop signal, grace period, SIGKILL); its exit is
    /// then handled as any other, by the restart policy.
    private func kill(slot i: Int, id: String, gracePeriod: Int64) async {
        let deadline = services.clock.now().addingTimeInterval(Double(gracePeriod))
        await runPreStop(slots[i].spec.lifecycle?.preStop, id: id, deadline: deadline)
        guard slots[i].id == id, slots[i].running else { return }
        try? services.runtime.kill(id: id, signal: stopSignal(slots[i]), all: false)
        await waitForExits([i], until: deadline)
        if slots[i].id == id, slots[i].running {
            try? services.runtime.kill(id: id, signal: SIGKILL, all: true)
        }
    }

    /// Tells the stats collector about instance `instance` of slot `i` (and about the pod).
    private func registerStats(slot i: Int, id: String, instance: Int) {
        guard let stats = services.stats else { return }
        let cgroup = PodResources.podCgroup(pod, cgroupRoot: services.kubelet.cgroupRoot)
        if !statsPodRegistered {
            var volumeList: [VolumeRegistration] = []
            for (volumeName, volume) in volumes ?? [:] {
                // Disk-backed emptyDirs count as the pod's ephemeral storage, as in kubelet.
                let medium = pod.spec.volumes?.first { $0.name == volumeName }?.emptyDir?.medium ?? ""
                volumeList.append(VolumeRegistration(name: volumeName, path: volume.path,
                                                     isEphemeral: volume.plugin == "kubernetes.io~empty-dir" && medium != "Memory"))
            }
            stats.register(pod: PodRegistration(uid: uid, name: name, namespace: namespace, startTime: startTime ?? services.clock.now(),
                                                cgroupPath: cgroup, volumes: volumeList))
            statsPodRegistered = true
        }
        statsContainers.insert(id)
        let state = try? services.runtime.state(id: id)
        let key = "\(slots[i].spec.name)-\(instance)"
        stats.register(container: ContainerRegistration(
            podUID: uid, podName: name, namespace: namespace, containerName: slots[i].spec.name, containerID: id,
            cgroupPath: cgroup + "/" + id, initPID: state.map(\.pid).flatMap { $0 > 0 ? $0 : nil },
            startTime: slots[i].startedAt ?? services.clock.now(), rootfsUpperDir: "\(podDir)/snapshots/\(key)/upper",
            logDir: services.podLogDir(namespace: namespace, name: name, uid: uid) + "/" + slots[i].spec.name))
    }

    /// Keeps one dead instance per container (for `logs --previous`) and removes older ones.
    private func collectGarbage(_ i: Int) {
        while slots[i].previousIDs.count > 1 {
            let old = slots[i].previousIDs.removeFirst()
            removeContainer(id: old)
        }
    }

    private func removeContainer(id: String) {
        services.stats?.unregister(containerID: id)
        statsContainers.remove(id)
        services.watcher.unwatch(id: id)
        ContainerLogLinks.unlink(podLogsDir: services.podLogsDir, id: id)
        try? services.runtime.delete(id: id, force: true)
        let parts = id.split(separator: "-")
        if parts.count >= 3, let instance = parts.last, let snapshotter = try? Snapshotter(root: podDir + "/snapshots") {
            let cname = parts.dropFirst().dropLast().joined(separator: "-")
            try? snapshotter.remove(key: "\(cname)-\(instance)")
            try? FileManager.default.removeItem(atPath: "\(podDir)/containers/\(cname)/\(instance)")
        }
    }

    /// `repository@digest`, as kubelet reports `imageID`.
    static func imageID(_ record: ImageRecord) -> String {
        guard let reference = try? ImageReference(parsing: record.reference) else { return record.target.digest.description }
        return "\(reference.name)@\(record.target.digest)"
    }

    private func envContext() -> PodEnvContext {
        var context = services.envContext
        if let ips = sandbox?.podIPs, !ips.isEmpty { context.podIPs = ips }
        return context
    }

    private func ensureImage(_ container: Container) async throws -> ImageRecord {
        guard let image = container.image, !image.isEmpty else {
            throw ContainerConfigError("container \(container.name) has no image")
        }
        let reference = try ImageReference(parsing: image)
        let policy = try PullPolicy.effective(for: container)
        let present = try await services.images.images.get(reference.description)
        if try PullPolicy.shouldPull(policy: policy, present: present != nil, image: image) {
            services.events.record(pod, container: container.name, .normal, reason: "Pulling", message: "Pulling image \"\(image)\"")
            let started = Date()
            let record: ImageRecord
            do {
                let began = ContinuousClock.now
                record = try await services.images.puller.pull(reference)
                services.metrics.observeImagePull(ContinuousClock.now - began, imageSizeBytes: UInt64(max(0, record.size)))
            } catch {
                services.events.record(pod, container: container.name, .warning, reason: "Failed",
                                       message: "Failed to pull image \"\(image)\": \(error)")
                throw error
            }
            let seconds = String(format: "%.3fs", Date().timeIntervalSince(started))
            services.events.record(pod, container: container.name, .normal, reason: "Pulled",
                                   message: "Successfully pulled image \"\(image)\" in \(seconds) (\(seconds) including waiting). Image size: \(record.size) bytes.")
            return record
        }
        guard let present else { throw ContainerConfigError("image \(image) is not present") }
        services.events.record(pod, container: container.name, .normal, reason: "Pulled",
                               message: "Container image \"\(image)\" already present on machine")
        return present
    }

    /// `/etc/hosts`, `/etc/resolv.conf`, `/etc/hostname` and the termination message file.
    private func podMounts(container: Container, bundle: String) throws -> [Spec.Mount] {
        var mounts: [Spec.Mount] = []
        if let sandbox {
            mounts.append(Spec.Mount(destination: "/etc/hosts", type: "bind", source: sandbox.hostsFile, options: ["rbind", "rprivate", "rw"]))
            mounts.append(Spec.Mount(destination: "/etc/resolv.conf", type: "bind", source: sandbox.resolvConfFile, options: ["rbind", "rprivate", "rw"]))
            if pod.spec.hostNetwork != true {
                mounts.append(Spec.Mount(destination: "/etc/hostname", type: "bind", source: sandbox.hostnameFile, options: ["rbind", "rprivate", "rw"]))
            }
        }
        let path = container.terminationMessagePath ?? "/dev/termination-log"
        let file = bundle + "/termination-log"
        _ = FileManager.default.createFile(atPath: file, contents: nil, attributes: [.posixPermissions: 0o666])
        mounts.append(Spec.Mount(destination: path, type: "bind", source: file, options: ["rbind", "rprivate", "rw"]))
        return mounts
    }

    // MARK: Exits

    /// Records the exit of container `id` and reconciles.
    public func containerExited(id: String) async {
        guard let i = slots.firstIndex(where: { $0.id == id }), slots[i].running else { return }
        slots[i].running = false
        services.stats?.unregister(containerID: id)
        statsContainers.remove(id)
        slots[i].probeState = nil
        await services.probes?.remove(podUID: uid, containerName: slots[i].spec.name)
        slots[i].exitSeenAt = services.clock.now()
        if let state = try? services.runtime.state(id: id) {
            slots[i].exit = Self.termination(state: state, services: services, id: id, slot: slots[i])
            if let failure = postStartFailures.removeValue(forKey: id) {
                slots[i].exit?.reason = "Error"
                slots[i].exit?.message = "PostStartHookError: \(failure)"
            }
        } else {
            let now = services.clock.now()
            slots[i].exit = ContainerStateTerminated(exitCode: 255, reason: "Error", message: "container state lost", finishedAt: Time(now))
        }
        if let exit = slots[i].exit {
            // Exits are on the timeline even when a restart follows before the next status.
            services.events.noteStatus(pod, container: slots[i].spec.name, field: "exit",
                                       message: PodStatusDiff.describe(ContainerState(terminated: exit)))
        }
        logger.info("container exited", metadata: [
            "container": "\(slots[i].spec.name)", "exitCode": "\(slots[i].exit?.exitCode ?? -1)",
            "reason": "\(slots[i].exit?.reason ?? "")"])
        await exitSignal.fire()
        if !terminating { await sync() }
    }

    /// Rotates the logs of running containers that reached `containerLogMaxSize`.
    public func rotateLogs() {
        let maxSize = services.kubelet.containerLogMaxSize.value
        let maxFiles = Int(services.kubelet.containerLogMaxFiles)
        let logDir = services.podLogDir(namespace: namespace, name: name, uid: uid)
        for slot in slots where slot.running {
            guard let id = slot.id else { continue }
            let path = "\(logDir)/\(slot.spec.name)/\(slot.instances - 1).log"
            do {
                if try ContainerLogRotation.rotateIfNeeded(logPath: path, maxSize: maxSize, maxFiles: maxFiles, reopen: {
                    try services.runtime.reopenLog(id: id)
                }) {
                    logger.debug("rotated container log", metadata: ["container": "\(slot.spec.name)"])
                }
            } catch {
                logger.warning("cannot rotate container log", metadata: ["container": "\(slot.spec.name)", "error": "\(error)"])
            }
        }
    }

    /// Checks the runtime for exits the watcher did not report (the safety net).
    public func relist() async {
        for slot in slots where slot.running {
            guard let id = slot.id else { continue }
            if services.runtime.exitRecord(id: id) != nil || (try? services.runtime.state(id: id))?.status == .stopped {
                await containerExited(id: id)
            }
        }
    }

    static func termination(state: State, services: PodServices, id: String, slot: ContainerSlot? = nil) -> ContainerStateTerminated {
        let a = state.annotations
        let code = Int32(a[ContainerRuntime.Annotation.exitCode] ?? "") ?? 255
        let signal = Int32(a[ContainerRuntime.Annotation.exitSignal] ?? "") ?? 0
        let started = Int64(a[ContainerRuntime.Annotation.startedAt] ?? "").map { Date(timeIntervalSince1970: Double($0) / 1e9) }
        let finished = Int64(a[ContainerRuntime.Annotation.finishedAt] ?? "").map { Date(timeIntervalSince1970: Double($0) / 1e9) }
        let oom = a[ContainerRuntime.Annotation.oomKilled] == "true"
        let startError = a[ContainerRuntime.Annotation.error]
        // The init failed before the program ran (a bad command): kubelet's StartError, 128.
        if let startError, started == nil || started?.timeIntervalSince1970 == 0 {
            return ContainerStateTerminated(
                exitCode: 128, reason: "StartError", message: startError,
                finishedAt: Time(finished ?? Date()), containerID: "swiftlet://\(id)")
        }
        let reason = oom ? "OOMKilled" : (code == 0 ? "Completed" : "Error")
        var message = startError
        if let slot, let bundleMessage = terminationMessage(slot: slot, state: state, exitCode: code) { message = bundleMessage }
        return ContainerStateTerminated(
            exitCode: code, signal: signal == 0 ? nil : signal, reason: reason, message: message,
            startedAt: (started.map(Time.init)) ?? nil, finishedAt: Time(finished ?? Date()), containerID: "swiftlet://\(id)")
    }

    /// The termination message: the file the container wrote, or with FallbackToLogsOnError and
    /// a failure, the last 80 lines (at most 2 KiB) of its log.
    static func terminationMessage(slot: ContainerSlot, state: State, exitCode: Int32) -> String? {
        let file = state.bundle + "/termination-log"
        if let data = FileManager.default.contents(atPath: file), !data.isEmpty {
            return String(decoding: data.prefix(4096), as: UTF8.self)
        }
        guard slot.spec.terminationMessagePolicy == "FallbackToLogsOnError", exitCode != 0,
              let logPath = state.annotations[PodLabels.logPath],
              let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n").suffix(80).map { line -> Substring in
            // CRI format: time stream tag content
            let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
            return parts.count == 4 ? parts[3] : line
        }
        let joined = lines.joined(separator: "\n")
        return String(joined.suffix(2048))
    }

    // MARK: Timers

    /// kubelet's back-off before a pod whose sync failed is synced again (`backOffPeriod`).
    static let errorResyncSeconds: TimeInterval = 10

    private func schedule(_ key: String, after seconds: TimeInterval) {
        schedule(key, at: services.clock.now().addingTimeInterval(seconds))
    }

    private func schedule(_ key: String, at date: Date) {
        timers[key]?.cancel()
        let clock = services.clock
        timers[key] = Task { [weak self] in
            do { try await clock.sleep(until: date) } catch { return }
            await self?.timerFired(key)
        }
    }

    private func timerFired(_ key: String) async {
        timers[key] = nil
        await sync()
    }

    // MARK: Eviction

    /// Evicts the pod for node pressure: it ends `Failed` with reason `Evicted` and `message`.
    /// Its containers are stopped within `gracePeriod` seconds (preStop hooks included) and
    /// removed with their writable layers, its sandbox and volumes are released, so the space
    /// and memory come back; its directory keeps the status, events and logs.
    public func evict(message: String, gracePeriod: Int64) async {
        guard !terminating, evictionMessage == nil else { return }
        evictionMessage = message
        services.events.record(pod, .warning, reason: "Evicted", message: message)
        await services.probes?.removePod(uid: uid)
        for timer in timers.values { timer.cancel() }
        timers = [:]
        let deadline = services.clock.now().addingTimeInterval(Double(gracePeriod))
        await stop(slots.indices.filter { slots[$0].kind != .sidecar }, deadline: deadline)
        await stop(slots.indices.reversed().filter { slots[$0].kind == .sidecar }, deadline: max(deadline, services.clock.now().addingTimeInterval(1)))
        for i in slots.indices {
            if let id = slots[i].id { removeContainer(id: id) }
            for old in slots[i].previousIDs { removeContainer(id: old) }
            slots[i].previousIDs = []
        }
        if sandbox != nil {
            do {
                try await services.sandboxes.tearDown(pod: pod, podDir: podDir)
            } catch {
                logger.error("cannot tear down pod sandbox", metadata: ["error": "\(error)"])
            }
            sandbox = nil
        }
        do {
            try services.volumes.tearDownVolumes(podDirectory: podDir)
            volumes = nil
        } catch {
            logger.error("cannot tear down volumes of an evicted pod", metadata: ["error": "\(error)"])
        }
        PodCgroup.remove(pod, cgroupRoot: services.kubelet.cgroupRoot)
        PodNamespaces.remove(uid: uid, runDir: services.runDir)
        services.stats?.unregister(podUID: uid)
        statsPodRegistered = false
        statsContainers = []
        writeStatus()
        logger.notice("pod evicted", metadata: ["message": "\(message)"])
    }

    /// Whether node pressure evicted the pod.
    public var isEvicted: Bool { evictionMessage != nil }

    // MARK: Termination

    /// Stops the pod: preStop hooks, the stop signal, the grace period, SIGKILL; app
    /// containers first, then sidecars in reverse order. Then removes the containers, the
    /// snapshots, the sandbox and the pod's directories.
    /// - Parameter gracePeriod: seconds; the pod's `terminationGracePeriodSeconds` (30) by default.
    public func terminate(gracePeriod: Int64? = nil, removeLogs: Bool = true) async {
        guard !terminating else { return }
        terminating = true
        for timer in timers.values { timer.cancel() }
        timers = [:]
        await services.probes?.removePod(uid: uid)
        let grace = Double(gracePeriod ?? pod.spec.terminationGracePeriodSeconds ?? 30)
        let deadline = services.clock.now().addingTimeInterval(grace)
        logger.info("terminating pod", metadata: ["gracePeriod": "\(Int(grace))"])
        let apps = slots.indices.filter { slots[$0].kind != .sidecar }
        await stop(apps, deadline: deadline)
        for i in slots.indices.reversed() where slots[i].kind == .sidecar {
            await stop([i], deadline: max(deadline, services.clock.now().addingTimeInterval(2)))
        }
        for i in slots.indices {
            if let id = slots[i].id { removeContainer(id: id) }
            for old in slots[i].previousIDs { removeContainer(id: old) }
        }
        if sandbox != nil || FileManager.default.fileExists(atPath: podDir) {
            do {
                try await services.sandboxes.tearDown(pod: pod, podDir: podDir)
            } catch {
                logger.error("cannot tear down pod sandbox", metadata: ["error": "\(error)"])
            }
        }
        PodCgroup.remove(pod, cgroupRoot: services.kubelet.cgroupRoot)
        PodNamespaces.remove(uid: uid, runDir: services.runDir)
        services.stats?.unregister(podUID: uid)
        services.metrics.forgetPod(namespace: namespace, name: name, uid: uid)
        writeStatus(terminal: true)
        if removeLogs {
            try? FileManager.default.removeItem(atPath: services.podLogDir(namespace: namespace, name: name, uid: uid))
        }
        do {
            try services.volumes.tearDown(podDirectory: podDir)
        } catch {
            logger.error("cannot remove pod directory", metadata: ["error": "\(error)"])
        }
        finished = true
        logger.info("pod terminated")
    }

    private func stop(_ indices: [Int], deadline: Date) async {
        let running = indices.filter { slots[$0].running && slots[$0].id != nil }
        guard !running.isEmpty else { return }
        await withTaskGroup(of: Void.self) { group in
            for i in running {
                let handler = slots[i].spec.lifecycle?.preStop
                let id = slots[i].id!
                group.addTask { await self.runPreStop(handler, id: id, deadline: deadline) }
            }
        }
        for i in running where slots[i].running {
            guard let id = slots[i].id else { continue }
            services.events.record(pod, container: slots[i].spec.name, .normal, reason: "Killing",
                                   message: "Stopping container \(slots[i].spec.name)")
            let signal = stopSignal(slots[i])
            try? services.runtime.kill(id: id, signal: signal, all: false)
        }
        await waitForExits(running, until: deadline)
        for i in running where slots[i].running {
            guard let id = slots[i].id else { continue }
            logger.info("grace period over, killing container", metadata: ["container": "\(slots[i].spec.name)"])
            try? services.runtime.kill(id: id, signal: SIGKILL, all: true)
        }
        await waitForExits(running, until: services.clock.now().addingTimeInterval(10))
    }

    private func waitForExits(_ indices: [Int], until deadline: Date) async {
        while indices.contains(where: { slots[$0].running }) {
            // Exits the watcher may have missed (a container already gone) count too.
            for i in indices where slots[i].running {
                if let id = slots[i].id, services.runtime.exitRecord(id: id) != nil {
                    await containerExited(id: id)
                }
            }
            guard indices.contains(where: { slots[$0].running }), services.clock.now() < deadline else { return }
            let generation = await exitSignal.generation
            await exitSignal.wait(after: generation, until: deadline, clock: services.clock)
        }
    }

    /// The container's `lifecycle.stopSignal`, else the image's StopSignal, else SIGTERM.
    private func stopSignal(_ slot: ContainerSlot) -> Int32 {
        let name = slot.spec.lifecycle?.stopSignal ?? slot.stopSignal ?? "SIGTERM"
        return Signals.number(name) ?? SIGTERM
    }

    /// Runs a postStart hook; returns why it failed, or nil.
    private func runPostStart(_ handler: LifecycleHandler, id: String) async -> String? {
        if let sleep = handler.sleep {
            try? await services.clock.sleep(until: services.clock.now().addingTimeInterval(Double(sleep.seconds)))
            return nil
        }
        if let exec = handler.exec, let command = exec.command, !command.isEmpty {
            let runtime = services.runtime
            let output = podDir + "/poststart-\(id).log"
            let code: Int32 = await Task.detached {
                do { return try runtime.exec(id: id, args: command, output: .criLog(output)) } catch { return -1 }
            }.value
            let bytes = FileManager.default.contents(atPath: output) ?? Data()
            try? FileManager.default.removeItem(atPath: output)
            if code == 0 { return nil }
            var reader = CRILogReader()
            let lines = reader.feed(bytes).map(\.content).joined(separator: "\n")
            return "exec \(command) exited with \(code)" + (lines.isEmpty ? "" : ": \(lines)")
        }
        if let http = handler.httpGet {
            await HTTPHook.get(http, podIP: sandbox?.podIPs.first ?? "127.0.0.1",
                               deadline: services.clock.now().addingTimeInterval(30), clock: services.clock)
        }
        return nil
    }

    private func runPreStop(_ handler: LifecycleHandler?, id: String, deadline: Date) async {
        guard let handler else { return }
        if let sleep = handler.sleep {
            let until = min(deadline, services.clock.now().addingTimeInterval(Double(sleep.seconds)))
            try? await services.clock.sleep(until: until)
        } else if let exec = handler.exec, let command = exec.command, !command.isEmpty {
            let runtime = services.runtime
            let output = podDir + "/prestop-\(id).log"
            let task = Task.detached { try? runtime.exec(id: id, args: command, output: .criLog(output)) }
            _ = await task.value
            try? FileManager.default.removeItem(atPath: output)
        } else if let http = handler.httpGet {
            await HTTPHook.get(http, podIP: sandbox?.podIPs.first ?? "127.0.0.1", deadline: deadline, clock: services.clock)
        }
    }

    // MARK: Status

    private func writeStatus(terminal: Bool = false) {
        let status = currentStatus(terminal: terminal)
        guard status != lastStatus else { return }
        for change in PodStatusDiff.changes(from: lastStatus, to: status) {
            services.events.noteStatus(pod, container: change.container, field: change.field, message: change.message)
        }
        lastStatus = status
        var snapshot = pod
        snapshot.status = status
        services.statuses.update(snapshot)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        if let data = try? encoder.encode(snapshot), FileManager.default.fileExists(atPath: podDir) {
            try? AtomicFile.write(data, to: podDir + "/status.json", mode: 0o644)
        }
    }

    /// The pod's status as kubelet would report it.
    public func currentStatus(terminal: Bool = false) -> PodStatus {
        var initStatuses: [ContainerStatus] = []
        var appStatuses: [ContainerStatus] = []
        for slot in slots {
            var status = ContainerStatus(
                name: slot.spec.name, ready: false, restartCount: slot.restartCount, image: slot.spec.image ?? "",
                imageID: slot.imageID, containerID: slot.id.map { "swiftlet://\($0)" }, started: slot.running)
            if slot.running {
                status.state = ContainerState(running: ContainerStateRunning(startedAt: slot.startedAt.map(Time.init)))
                // Without a startup probe a running container has started; without a readiness
                // probe a started one is ready (kubelet's rules).
                let started = slot.spec.startupProbe == nil || slot.probeState?.started == true
                status.started = started
                status.ready = started && (slot.spec.readinessProbe == nil || slot.probeState?.ready == true)
            } else if let waiting = slot.waiting, !(slot.exit != nil && waiting.reason == nil) {
                status.state = ContainerState(waiting: waiting)
                if let exit = slot.exit { status.lastState = ContainerState(terminated: exit) }
            } else if let exit = slot.exit {
                status.state = ContainerState(terminated: exit)
            } else {
                let reason = slot.kind == .app && slots.contains(where: { $0.kind == .initContainer && !$0.succeeded })
                    ? "PodInitializing" : "ContainerCreating"
                status.state = ContainerState(waiting: ContainerStateWaiting(reason: reason))
            }
            if status.lastState == nil, let last = slot.lastTermination { status.lastState = ContainerState(terminated: last) }
            if slot.kind == .app { appStatuses.append(status) } else { initStatuses.append(status) }
        }
        var status = PodStatus()
        if let rejection {
            status.phase = "Failed"
            status.reason = rejection.reason
            status.message = rejection.message
            status.startTime = startTime.map(Time.init)
            return status
        }
        status.phase = PodPhaseRule.phase(spec: pod.spec, statuses: initStatuses + appStatuses, podIsTerminal: terminal,
                                          isStatic: StaticPodIdentity.isStatic(pod))
        status.initContainerStatuses = initStatuses.isEmpty ? nil : initStatuses
        status.containerStatuses = appStatuses
        status.qosClass = PodResources.qosClass(pod.spec)
        status.startTime = startTime.map(Time.init)
        status.hostIP = services.envContext.hostIP
        status.hostIPs = services.envContext.hostIP.map { [HostIP(ip: $0)] }
        let ips = pod.spec.hostNetwork == true ? (services.envContext.hostIP.map { [$0] } ?? []) : (sandbox?.podIPs ?? [])
        status.podIP = ips.first
        status.podIPs = ips.isEmpty ? nil : ips.map { PodIP(ip: $0) }
        let now = Time(services.clock.now())
        status.conditions = PodConditionsRule.conditions(
            spec: pod.spec, phase: status.phase ?? "Pending", sandboxReady: sandbox != nil,
            initStatuses: initStatuses, appStatuses: appStatuses
        ).map { c in
            var c = c
            c.lastTransitionTime = now
            return c
        }
        if let evictionMessage {
            status.phase = "Failed"
            status.reason = "Evicted"
            status.message = evictionMessage
            status.conditions?.append(PodCondition(type: "DisruptionTarget", status: "True", lastTransitionTime: now,
                                                   reason: "TerminationByKubelet", message: evictionMessage))
        }
        if let old = lastStatus?.conditions {
            // A condition keeps its transition time while its status stays the same.
            status.conditions = status.conditions?.map { c in
                var c = c
                if let before = old.first(where: { $0.type == c.type }), before.status == c.status {
                    c.lastTransitionTime = before.lastTransitionTime
                }
                return c
            }
        }
        return status
    }

    private func writePodManifest() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(pod), to: podDir + "/pod.json", mode: 0o600)
    }
}

/// Wakes waiters when any container of the pod exits, or at a deadline.
actor ExitSignal {
    private(set) var generation = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func fire() {
        generation += 1
        let woken = waiters
        waiters = []
        for w in woken { w.resume() }
    }

    /// Returns once `fire` has been called after `generation` was read, or at `deadline`.
    func wait(after seen: Int, until deadline: Date, clock: any AgentClock) async {
        guard generation == seen else { return }
        let timer = Task { [weak self] in
            do { try await clock.sleep(until: deadline) } catch { return }
            await self?.fire()
        }
        await withCheckedContinuation { waiters.append($0) }
        timer.cancel()
    }
}
