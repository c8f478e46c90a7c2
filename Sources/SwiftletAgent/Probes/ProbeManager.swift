import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SwiftletAPI

/// Runs every startup, liveness and readiness probe of every container on the node, as kubelet's
/// prober manager and workers do, with one scheduler instead of a goroutine per probe.
///
/// Due times sit in one min-heap; a single timer wakes the manager at the earliest, when it starts
/// every probe due within the next 5 ms (at most `maxConcurrentProbes` in flight) and books each
/// again one period later. The timer runs on the injected clock, so a test drives everything with
/// ``ManualClock``; on ``SystemClock`` it is a timer of the manager's event loop. The manager runs
/// on that one NIO event loop, where its httpGet, tcpSocket and grpc runs also happen from connect
/// to result: a run costs no thread hop and no task of its own (an exec run is a short-lived task,
/// its command blocking on the exec runner's threads).
///
/// Semantics, after kubelet's `pkg/kubelet/prober`:
/// - Results start as readiness failure, liveness success, startup unknown, and flip only after
///   successThreshold consecutive successes or failureThreshold consecutive failures.
/// - No run before initialDelaySeconds after the container's start. Liveness and readiness do not
///   run until the startup probe has succeeded; then the startup probe stops.
/// - A liveness or startup probe reaching failureThreshold asks for a restart (``ProbeUpdate/restart``)
///   and holds until the container is added again with a new ID.
/// - A run that erred (the prober's fault, not the container's) is reported but counts toward no threshold.
/// - While the manager is younger than a probe's period (an agent restart finding running
///   containers), a probe's first run waits a random part of its period, so probes with equal
///   periods spread out instead of firing together.
///
/// Run it as a `Service` (``run()``); nothing is probed while it is not running.
public actor ProbeManager: ServiceLifecycle.Service {
    private struct Key: Hashable, Sendable {
        var podUID: String
        var container: String
        var kind: ProbeKind
    }

    private struct Worker {
        var target: ProbeTarget
        let kind: ProbeKind
        let probe: Probe
        let timing: ProbeTiming
        /// Distinguishes this worker from an earlier one of the same key (a restarted container).
        let epoch: UInt64
        /// The kept result.
        var value: ProbeResult
        var lastResult: ProbeResult?
        /// How many runs in a row gave `lastResult`.
        var streak = 0
        /// Liveness or startup failed (restart pending), or the pod is terminating: no more runs.
        var held = false
        /// The due time of the worker's live schedule entry; nil when not scheduled.
        var due: Date?
        var running = false
        /// Whether a run's result went out with `affectsStatus` since this worker began.
        var reported = false
    }

    private struct Pending {
        var key: Key
        var epoch: UInt64
        var scheduled: Date
    }

    private let clock: any AgentClock
    private let runner: any ProbeRunning
    private let logger: Logger
    private let random: @Sendable () -> Double
    private let onUpdate: @Sendable (ProbeUpdate) -> Void
    private let maxConcurrentProbes: Int
    private let createdAt: Date
    private let loop: any EventLoop
    private let ownsLoop: Bool

    private var workers: [Key: Worker] = [:]
    private var schedule = ProbeSchedule<Date, Key>()
    private var pending: [Pending] = []
    /// The epochs of the workers with a run in flight.
    private var inFlight: Set<UInt64> = []
    private var nextEpoch: UInt64 = 0
    private var counters: [ProbeCounterKey: UInt64] = [:]
    /// The armed wake-up: its due time, and how to disarm it.
    private var timer: (due: Date, generation: UInt64, cancel: @Sendable () -> Void)?
    private var timerGeneration: UInt64 = 0
    private var running = false
    /// True while due probes are being started: the timer is set once, afterwards.
    private var dispatching = false
    private var stopRequested = false
    private var stopContinuation: CheckedContinuation<Void, Never>?
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []

    /// A manager whose exec probes run through `exec` and whose network probes run on `eventLoopGroup`.
    ///
    /// - Parameters:
    ///   - clock: the time of scheduling, delays and exec timeouts.
    ///   - exec: runs exec probes' commands in containers (``RuntimeProbeExecRunner`` in production).
    ///   - eventLoopGroup: runs httpGet, tcpSocket and grpc probes.
    ///   - maxConcurrentProbes: runs in flight at once; more due probes wait their turn.
    ///   - random: uniform in [0, 1), for the first-run spread; inject a fixed sequence in tests.
    ///   - onUpdate: called after every run, on the manager's executor, in the order results
    ///     arrive; it must return quickly (hand the update to the pod worker's queue).
    public init(clock: any AgentClock = SystemClock(), exec: any ProbeExecRunner,
                eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger, maxConcurrentProbes: Int = 64,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
                onUpdate: @escaping @Sendable (ProbeUpdate) -> Void) {
        // On the system clock the manager gets a loop of its own (see ``ProbeEventLoop``).
        let own = clock is SystemClock ? try? ProbeEventLoop() : nil
        self.init(clock: clock, runner: ProbeHandlers(exec: exec, clock: clock, group: eventLoopGroup),
                  loop: own ?? eventLoopGroup.next(), ownsLoop: own != nil,
                  logger: logger, maxConcurrentProbes: maxConcurrentProbes, random: random, onUpdate: onUpdate)
    }

    /// A manager over any handlers (tests script results through this), running on `loop`.
    /// - Parameter ownsLoop: the loop is a ``ProbeEventLoop`` of the manager's own, stopped with it.
    package init(clock: any AgentClock, runner: any ProbeRunning, loop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next(),
                 ownsLoop: Bool = false, logger: Logger, maxConcurrentProbes: Int = 64,
                 random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
                 onUpdate: @escaping @Sendable (ProbeUpdate) -> Void) {
        self.loop = loop
        self.ownsLoop = ownsLoop
        self.clock = clock
        self.runner = runner
        self.logger = logger
        self.random = random
        self.onUpdate = onUpdate
        self.maxConcurrentProbes = max(1, maxConcurrentProbes)
        self.createdAt = clock.now()
    }

    deinit {
        if ownsLoop, let own = loop as? ProbeEventLoop { own.stop() }
    }

    /// The manager's actor runs on its event loop.
    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        loop.executor.asUnownedSerialExecutor()
    }

    // MARK: Targets

    /// Starts probing a running container instance (no-op for a container without probes).
    ///
    /// Adding the same instance again only refreshes its details (the pod IP, say); adding a new
    /// instance of the container (another `containerID`: a restart) resets its probes to their
    /// initial results and delays.
    public func add(_ target: ProbeTarget) {
        let now = clock.now()
        var fresh: [Key] = []
        for kind in ProbeKind.allCases {
            let key = Key(podUID: target.podUID, container: target.containerName, kind: kind)
            guard let probe = target.container.probe(kind) else {
                if workers[key] != nil { drop(key) }
                continue
            }
            if var existing = workers[key], existing.target.containerID == target.containerID {
                existing.target = target
                workers[key] = existing
                continue
            }
            if workers[key] != nil { drop(key) }
            let initial: ProbeResult
            switch kind {
            case .readiness: initial = .failure
            case .liveness: initial = .success
            case .startup: initial = .unknown
            }
            workers[key] = Worker(target: target, kind: kind, probe: probe, timing: ProbeTiming(probe), epoch: nextEpoch, value: initial)
            nextEpoch += 1
            fresh.append(key)
        }
        guard !fresh.isEmpty else { return }
        logger.debug("probing container", metadata: metadata(target))
        let started = isStarted(podUID: target.podUID, containerName: target.containerName)
        for key in fresh where key.kind == .startup || started {
            guard let worker = workers[key] else { continue }
            var due = max(now, worker.target.startedAt.addingTimeInterval(Double(worker.timing.initialDelay)))
            let period = Double(worker.timing.period)
            if now.timeIntervalSince(createdAt) < period {
                due = max(due, now.addingTimeInterval(min(max(random(), 0), 1) * period))
            }
            scheduleRun(key, at: due)
        }
    }

    /// Stops probing a container (it stopped, or its pod is going away) and forgets its results.
    public func remove(podUID: String, containerName: String) {
        for kind in ProbeKind.allCases { drop(Key(podUID: podUID, container: containerName, kind: kind)) }
    }

    /// Stops probing every container of a pod and forgets their results.
    public func removePod(uid: String) {
        for key in workers.keys where key.podUID == uid { drop(key) }
    }

    /// Kubelet's `StopLivenessAndStartup` for a terminating pod: liveness and startup results
    /// become success and stop, so a shutting-down container is not restarted; readiness goes on.
    public func stopLivenessAndStartup(podUID: String) {
        var containers: Set<String> = []
        for (key, var worker) in workers where key.podUID == podUID && key.kind != .readiness {
            worker.value = .success
            worker.held = true
            worker.due = nil
            workers[key] = worker
            containers.insert(key.container)
        }
        // A container that had not started counts as started now: its readiness probe may run.
        for container in containers { releaseGatedProbes(podUID: podUID, containerName: container) }
    }

    // MARK: Queries

    /// What the probes say about a container now; nil when it has no probes (or was never added),
    /// which kubelet treats as started, and ready once running.
    public func state(podUID: String, containerName: String) -> ProbeState? {
        let startup = workers[Key(podUID: podUID, container: containerName, kind: .startup)]
        let liveness = workers[Key(podUID: podUID, container: containerName, kind: .liveness)]
        let readiness = workers[Key(podUID: podUID, container: containerName, kind: .readiness)]
        guard startup != nil || liveness != nil || readiness != nil else { return nil }
        return state(startup: startup, liveness: liveness, readiness: readiness)
    }

    /// The kept result of one probe; nil when the container has no such probe.
    public func result(podUID: String, containerName: String, kind: ProbeKind) -> ProbeResult? {
        workers[Key(podUID: podUID, container: containerName, kind: kind)]?.value
    }

    /// How many runs ended with each result, by probe kind, since the manager was made: the
    /// figures of kubelet's `prober_probe_total`.
    public func totals() -> [ProbeCounterKey: UInt64] {
        counters
    }

    /// How many probes the manager holds.
    public var probeCount: Int { workers.count }

    // MARK: Loop

    /// Runs the scheduler until the task is cancelled or a graceful shutdown begins. Runs in
    /// flight then end on their own (by their timeout at the latest), unreported.
    public func run() async throws {
        guard !running else { throw ProbeSupport.Failure("the probe manager is already running") }
        running = true
        stopRequested = false
        arm()
        resumeIdleWaiters()
        await cancelWhenGracefulShutdown { await self.waitForStop() }
        running = false
        timer?.cancel()
        timer = nil
        workers.removeAll()
        pending.removeAll()
        let waiters = idleWaiters
        idleWaiters = []
        for waiter in waiters { waiter.resume() }
    }

    private func waitForStop() async {
        await withTaskCancellationHandler {
            if stopRequested || Task.isCancelled { return }
            await withCheckedContinuation { stopContinuation = $0 }
        } onCancel: {
            Task { await self.requestStop() }
        }
    }

    private func requestStop() {
        stopRequested = true
        stopContinuation?.resume()
        stopContinuation = nil
    }

    /// Returns once nothing is running or due: every run the clock has made due has finished
    /// and been reported, and the timer waits for a later time. Tests call it after moving a
    /// ``ManualClock``.
    package func waitUntilIdle() async {
        if isIdle { return }
        await withCheckedContinuation { idleWaiters.append($0) }
    }

    private var isIdle: Bool {
        guard running, inFlight.isEmpty, pending.isEmpty else { return false }
        guard let first = schedule.first else { return true }
        return !isDue(first.due, now: clock.now()) && timer?.due == first.due
    }

    private func resumeIdleWaiters() {
        guard !idleWaiters.isEmpty, isIdle else { return }
        let waiters = idleWaiters
        idleWaiters = []
        for waiter in waiters { waiter.resume() }
    }

    /// Probes due this close together run in one go: fewer wake-ups of the loop, at the price of
    /// starting a probe up to this early.
    private static let batchWindow: TimeInterval = 0.005

    private func isDue(_ due: Date, now: Date) -> Bool {
        due.timeIntervalSince(now) <= Self.batchWindow
    }

    /// Sets the wake-up for the earliest entry. On the system clock it is a timer of the
    /// manager's own event loop, which costs no thread hop; on any other clock, a task sleeping
    /// on that clock.
    private func arm() {
        guard running, !dispatching else { return }
        guard let due = schedule.first?.due else {
            timer?.cancel()
            timer = nil
            return
        }
        if let timer, timer.due == due { return }
        timer?.cancel()
        timerGeneration &+= 1
        let generation = timerGeneration
        if clock is SystemClock, let own = loop as? ProbeEventLoop {
            // The manager runs on its loop: a timer of the loop's own, with no promise.
            let delay = max(0, due.timeIntervalSince(clock.now()))
            // Due probes run up to the batch window early anyway: the timer may too, when the
            // loop is awake for a probe's I/O.
            let scheduled = own.scheduleOnLoop(deadline: .now() + .nanoseconds(Int64(delay * 1e9)),
                                               slack: .nanoseconds(Int64(Self.batchWindow * 1e9))) { [self] in
                self.assumeIsolated { $0.fire(generation) }
            }
            timer = (due, generation, { scheduled.cancel() })
        } else if clock is SystemClock {
            let delay = max(0, due.timeIntervalSince(clock.now()))
            let scheduled = loop.scheduleTask(in: .nanoseconds(Int64(delay * 1e9))) { [self] in
                // Scheduled tasks of the manager's loop run on the manager's executor.
                self.assumeIsolated { $0.fire(generation) }
            }
            timer = (due, generation, { scheduled.cancel() })
        } else {
            let clock = self.clock
            let task = Task { [self] in
                do {
                    try await clock.sleep(until: due)
                } catch {
                    return
                }
                self.fire(generation)
            }
            timer = (due, generation, { task.cancel() })
        }
    }

    private func fire(_ generation: UInt64) {
        guard running, timer?.generation == generation else { return }
        timer = nil
        dispatching = true
        dispatchDue()
        dispatching = false
        arm()
        resumeIdleWaiters()
    }

    private func scheduleRun(_ key: Key, at due: Date) {
        guard var worker = workers[key], !worker.held else { return }
        worker.due = due
        workers[key] = worker
        schedule.push(due: due, key: key, epoch: worker.epoch)
        if running, timer == nil || due < timer!.due { arm() }
    }

    private func dispatchDue() {
        let now = clock.now()
        while let entry = schedule.first, isDue(entry.due, now: now) {
            _ = schedule.pop()
            guard let worker = workers[entry.key], worker.epoch == entry.epoch, worker.due == entry.due else { continue }
            let period = Double(worker.timing.period)
            var next = entry.due.addingTimeInterval(period)
            // Like a ticker, a late loop runs a probe once, not once per missed period.
            if next <= now { next = now.addingTimeInterval(period) }
            // The next run is booked first: a run may complete (and stop its worker) at once.
            scheduleRun(entry.key, at: next)
            if worker.running {
                logger.debug("probe still running at its next period; skipping a run", metadata: metadata(worker.target, entry.key.kind))
            } else if inFlight.count >= maxConcurrentProbes {
                pending.append(Pending(key: entry.key, epoch: entry.epoch, scheduled: entry.due))
                workers[entry.key]?.running = true
            } else {
                start(entry.key, scheduled: entry.due)
            }
        }
    }

    private func start(_ key: Key, scheduled: Date) {
        guard var worker = workers[key] else { return }
        worker.running = true
        workers[key] = worker
        let startedAt = clock.now()
        inFlight.insert(worker.epoch)
        let epoch = worker.epoch
        runner.run(worker.probe, kind: worker.kind, target: worker.target, on: loop).hop(to: loop).whenComplete { result in
            let outcome: ProbeOutcome
            switch result {
            case .success(let value): outcome = value
            case .failure(let error): outcome = .error("\(error)")
            }
            // Callbacks of a future on the manager's loop run on the manager's executor.
            self.assumeIsolated { manager in
                manager.complete(key, epoch: epoch, outcome: outcome, scheduled: scheduled, startedAt: startedAt)
            }
        }
    }

    private func startPending() {
        while inFlight.count < maxConcurrentProbes, !pending.isEmpty {
            let next = pending.removeFirst()
            guard let worker = workers[next.key], worker.epoch == next.epoch else { continue }
            start(next.key, scheduled: next.scheduled)
        }
    }

    /// Forgets a worker; the result of a run in flight is dropped (the run ends by its timeout
    /// at the latest, as kubelet's does).
    private func drop(_ key: Key) {
        guard let worker = workers.removeValue(forKey: key) else { return }
        pending.removeAll { $0.epoch == worker.epoch }
    }

    // MARK: Results

    private func complete(_ key: Key, epoch: UInt64, outcome: ProbeOutcome, scheduled: Date, startedAt: Date) {
        inFlight.remove(epoch)
        defer {
            startPending()
            resumeIdleWaiters()
        }
        guard var worker = workers[key], worker.epoch == epoch else { return }
        worker.running = false
        guard !worker.held else {
            workers[key] = worker
            return
        }
        let kind = key.kind
        let target = worker.target
        let result: ProbeResult
        var events: [ProbeEvent] = []
        switch outcome.status {
        case .success:
            result = .success
        case .warning:
            result = .success
            events.append(ProbeEvent(type: "Warning", reason: "ProbeWarning", message: "\(kind.eventName) probe warning: \(outcome.output)"))
        case .failure:
            result = .failure
            events.append(ProbeEvent(type: "Warning", reason: "Unhealthy", message: "\(kind.eventName) probe failed: \(outcome.output)"))
        case .error:
            result = .unknown
            events.append(ProbeEvent(type: "Warning", reason: "Unhealthy", message: "\(kind.eventName) probe errored: \(outcome.output)"))
        }
        counters[ProbeCounterKey(kind: kind, result: result), default: 0] += 1

        var changed = false
        var restart: ProbeRestart?
        var startupSucceeded = false
        if result != .unknown {
            if worker.lastResult == result {
                worker.streak += 1
            } else {
                worker.lastResult = result
                worker.streak = 1
            }
            let threshold = result == .success ? worker.timing.successThreshold : worker.timing.failureThreshold
            if worker.streak >= threshold {
                changed = worker.value != result
                worker.value = result
                if result == .failure, kind != .readiness {
                    worker.held = true
                    worker.due = nil
                    worker.streak = 0
                    let grace = worker.probe.terminationGracePeriodSeconds ?? target.terminationGracePeriodSeconds
                    let message = "Container \(target.containerName) failed \(kind.rawValue) probe, will be restarted"
                    restart = ProbeRestart(gracePeriodSeconds: grace, message: message)
                    events.append(ProbeEvent(type: "Normal", reason: "Killing", message: message))
                } else if result == .success, kind == .startup {
                    worker.due = nil
                    startupSucceeded = changed
                }
            }
        }
        // A worker's first result always goes out: the pod worker knows nothing of it yet.
        let affectsStatus = changed || restart != nil || !events.isEmpty || !worker.reported
        worker.reported = true
        workers[key] = worker
        if startupSucceeded { releaseGatedProbes(podUID: key.podUID, containerName: key.container) }

        let state = state(podUID: key.podUID, containerName: key.container) ?? ProbeState(started: true, ready: true, live: true)
        log(outcome: outcome, result: result, changed: changed, restart: restart, target: target, kind: kind)
        onUpdate(ProbeUpdate(
            podUID: target.podUID, podName: target.podName, namespace: target.namespace, containerName: target.containerName,
            containerID: target.containerID, kind: kind, result: result, output: outcome.output, value: worker.value,
            changed: changed, state: state, restart: restart, events: events, scheduledAt: scheduled, startedAt: startedAt,
            finishedAt: clock.now(), affectsStatus: affectsStatus))
    }

    /// Once the startup probe succeeds, liveness and readiness start (readiness at once, as
    /// kubelet's status sync triggers it), each after its own initial delay.
    private func releaseGatedProbes(podUID: String, containerName: String) {
        let now = clock.now()
        for kind in [ProbeKind.liveness, .readiness] {
            let key = Key(podUID: podUID, container: containerName, kind: kind)
            guard let worker = workers[key], worker.due == nil, !worker.running else { continue }
            scheduleRun(key, at: max(now, worker.target.startedAt.addingTimeInterval(Double(worker.timing.initialDelay))))
        }
    }

    private func isStarted(podUID: String, containerName: String) -> Bool {
        guard let startup = workers[Key(podUID: podUID, container: containerName, kind: .startup)] else { return true }
        return startup.value == .success
    }

    private func state(startup: Worker?, liveness: Worker?, readiness: Worker?) -> ProbeState {
        let started = startup.map { $0.value == .success } ?? true
        let ready = started && (readiness.map { $0.value == .success } ?? true)
        let live = liveness?.value != .failure && startup?.value != .failure
        return ProbeState(started: started, ready: ready, live: live)
    }

    private func metadata(_ target: ProbeTarget, _ kind: ProbeKind? = nil) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "pod": "\(target.podName)", "namespace": "\(target.namespace)", "uid": "\(target.podUID)",
            "container": "\(target.containerName)", "containerID": "\(target.containerID)",
        ]
        if let kind { metadata["probe"] = "\(kind.rawValue)" }
        return metadata
    }

    private func log(outcome: ProbeOutcome, result: ProbeResult, changed: Bool, restart: ProbeRestart?, target: ProbeTarget, kind: ProbeKind) {
        // Most runs succeed as before: they log nothing, and build no metadata.
        guard restart != nil || changed || (result != .success && logger.logLevel <= .debug) else { return }
        var metadata = metadata(target, kind)
        metadata["output"] = "\(outcome.output.prefix(256))"
        if restart != nil {
            logger.info("\(kind.rawValue) probe failed; container will be restarted", metadata: metadata)
        } else if changed {
            logger.info("\(kind.rawValue) probe result changed to \(result.rawValue)", metadata: metadata)
        } else if result != .success {
            logger.debug("\(kind.rawValue) probe \(result == .failure ? "failed" : "errored")", metadata: metadata)
        }
    }
}
