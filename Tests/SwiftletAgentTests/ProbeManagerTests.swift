import Foundation
import Logging
import NIOCore
import Synchronization
import Testing
import SwiftletAgent
import SwiftletAPI

/// Handlers whose results a test scripts, per container and probe kind; records every run.
final class ScriptedProbeRunner: ProbeRunning {
    struct Run: Sendable {
        var container: String
        var kind: ProbeKind
        var at: Date
    }

    private struct State {
        var scripts: [String: [ProbeOutcome]] = [:]
        var runs: [Run] = []
    }

    private let clock: any AgentClock
    private let state = Mutex(State())

    init(clock: any AgentClock) {
        self.clock = clock
    }

    /// The next results of `kind` probes of `container`, in order; once used up, runs succeed.
    func script(_ container: String, _ kind: ProbeKind, _ outcomes: [ProbeOutcome]) {
        state.withLock { $0.scripts["\(container)/\(kind)", default: []] += outcomes }
    }

    var runs: [Run] { state.withLock { $0.runs } }

    func runs(_ container: String, _ kind: ProbeKind) -> [Date] {
        runs.filter { $0.container == container && $0.kind == kind }.map(\.at)
    }

    func run(_ probe: Probe, kind: ProbeKind, target: ProbeTarget, on loop: any EventLoop) -> EventLoopFuture<ProbeOutcome> {
        let now = clock.now()
        let outcome: ProbeOutcome = state.withLock { state in
            state.runs.append(Run(container: target.containerName, kind: kind, at: now))
            let key = "\(target.containerName)/\(kind)"
            guard var queue = state.scripts[key], !queue.isEmpty else { return .success("ok") }
            let next = queue.removeFirst()
            state.scripts[key] = queue
            return next
        }
        return loop.makeSucceededFuture(outcome)
    }
}

/// Collects a manager's updates.
final class ProbeUpdateLog: Sendable {
    private let list = Mutex<[ProbeUpdate]>([])

    func append(_ update: ProbeUpdate) { list.withLock { $0.append(update) } }
    var all: [ProbeUpdate] { list.withLock { $0 } }

    func of(_ container: String, _ kind: ProbeKind) -> [ProbeUpdate] {
        all.filter { $0.containerName == container && $0.kind == kind }
    }
}

/// A manager on a ManualClock with scripted handlers, its loop running.
struct ProbeRig {
    let clock: ManualClock
    let runner: ScriptedProbeRunner
    let updates = ProbeUpdateLog()
    let manager: ProbeManager
    let loop: Task<Void, any Error>

    /// - Parameter age: how long the manager has run before the test starts; under a probe's
    ///   period, first runs are spread by `random`.
    init(age: TimeInterval = 3600, maxConcurrentProbes: Int = 64,
         random: @escaping @Sendable () -> Double = { 0.5 }, runner makeRunner: ((ManualClock) -> any ProbeRunning)? = nil) async {
        let clock = ManualClock(start: Date(timeIntervalSince1970: 1_700_000_000))
        self.clock = clock
        let scripted = ScriptedProbeRunner(clock: clock)
        runner = scripted
        var logger = Logger(label: "test.probes")
        logger.logLevel = .critical
        let updates = self.updates
        let manager = ProbeManager(clock: clock, runner: makeRunner?(clock) ?? scripted, logger: logger,
                                   maxConcurrentProbes: maxConcurrentProbes, random: random) { updates.append($0) }
        self.manager = manager
        loop = Task { try await manager.run() }
        await manager.waitUntilIdle()
        if age > 0 {
            clock.advance(by: age)
            await manager.waitUntilIdle()
        }
    }

    var now: Date { clock.now() }

    /// Moves the clock and waits for every run it made due.
    func step(_ seconds: TimeInterval) async {
        clock.advance(by: seconds)
        await manager.waitUntilIdle()
    }

    func add(_ target: ProbeTarget) async {
        await manager.add(target)
        await manager.waitUntilIdle()
    }

    func target(_ name: String = "app", pod: String = "uid-1", id: String = "c1", startedAt: Date? = nil,
                startup: Probe? = nil, liveness: Probe? = nil, readiness: Probe? = nil, grace: Int64 = 30) -> ProbeTarget {
        var container = Container(name: name, image: "busybox")
        container.startupProbe = startup
        container.livenessProbe = liveness
        container.readinessProbe = readiness
        return ProbeTarget(podUID: pod, podName: "web", namespace: "default", containerName: name, containerID: id,
                           podIP: "127.0.0.1", container: container, startedAt: startedAt ?? now,
                           terminationGracePeriodSeconds: grace)
    }

    func stop() {
        loop.cancel()
    }
}

/// A probe whose handler the scripted runner replaces.
func scriptedProbe(period: Int32? = nil, delay: Int32? = nil, success: Int32? = nil, failure: Int32? = nil,
                   grace: Int64? = nil) -> Probe {
    Probe(exec: ExecAction(command: ["true"]), initialDelaySeconds: delay, periodSeconds: period,
          successThreshold: success, failureThreshold: failure, terminationGracePeriodSeconds: grace)
}

@Suite("Probe manager semantics on an injected clock")
struct ProbeManagerTests {
    @Test("results start as kubelet's: readiness failed, liveness success, startup unknown; the container is not started")
    func initialValues() async {
        let rig = await ProbeRig()
        defer { rig.stop() }
        await rig.add(rig.target(startup: scriptedProbe(delay: 60), liveness: scriptedProbe(), readiness: scriptedProbe()))
        #expect(await rig.manager.result(podUID: "uid-1", containerName: "app", kind: .startup) == .unknown)
        #expect(await rig.manager.result(podUID: "uid-1", containerName: "app", kind: .liveness) == .success)
        #expect(await rig.manager.result(podUID: "uid-1", containerName: "app", kind: .readiness) == .failure)
        #expect(await rig.manager.state(podUID: "uid-1", containerName: "app") == ProbeState(started: false, ready: false, live: true))
        #expect(rig.runner.runs.isEmpty, "nothing runs before the startup probe's delay")
        #expect(await rig.manager.state(podUID: "uid-1", containerName: "other") == nil)
    }

    @Test("readiness flips only after successThreshold successes and failureThreshold failures, both ways")
    func thresholds() async {
        let rig = await ProbeRig()
        defer { rig.stop() }
        rig.runner.script("app", .readiness, [.success(), .success(), .failure("a"), .failure("b"), .failure("c"), .success(), .success()])
        await rig.add(rig.target(readiness: scriptedProbe(period: 5, success: 2, failure: 3)))
        for _ in 0..<6 { await rig.step(5) }
        let updates = rig.updates.of("app", .readiness)
        #expect(updates.map(\.result) == [.success, .success, .failure, .failure, .failure, .success, .success])
        #expect(updates.map(\.changed) == [false, true, false, false, true, false, true])
        #expect(updates.map(\.value) == [.failure, .success, .success, .success, .failure, .failure, .success])
        #expect(updates.map(\.state.ready) == [false, true, true, true, false, false, true])
        #expect(updates[2].events == [ProbeEvent(type: "Warning", reason: "Unhealthy", message: "Readiness probe failed: a")])
        #expect(updates.allSatisfy { $0.restart == nil }, "readiness never restarts a container")
    }

    @Test("initialDelaySeconds counts from the container's start, then runs come every periodSeconds")
    func delayAndPeriod() async {
        let rig = await ProbeRig()
        defer { rig.stop() }
        let start = rig.now
        await rig.add(rig.target(startedAt: start.addingTimeInterval(-3), readiness: scriptedProbe(period: 7, delay: 10)))
        await rig.step(6.5)
        #expect(rig.runner.runs.isEmpty)
        await rig.step(0.5)
        await rig.step(6.5)
        await rig.step(0.5)
        await rig.step(7)
        let times = rig.runner.runs("app", .readiness).map { $0.timeIntervalSince(start) }
        #expect(times.count == 3)
        #expect(times.enumerated().allSatisfy { abs($0.element - [7, 14, 21][$0.offset]) < 1e-6 }, "runs at \(times)")
        #expect(rig.updates.all.map { $0.scheduledAt.timeIntervalSince(start) }.enumerated().allSatisfy { abs($0.element - [7, 14, 21][$0.offset]) < 1e-6 })
    }

    @Test("defaults: periodSeconds 10 and failureThreshold 3")
    func defaults() async {
        let rig = await ProbeRig()
        defer { rig.stop() }
        rig.runner.script("app", .liveness, [.failure("x"), .failure("x"), .failure("x")])
        let start = rig.now
        await rig.add(rig.target(liveness: scriptedProbe()))
        await rig.step(9.5)
        #expect(rig.runner.runs.count == 1)
        await rig.step(0.5)
        await rig.step(10)
        let updates = rig.updates.of("app", .liveness)
        #expect(rig.runner.runs("app", .liveness).map { $0.timeIntervalSince(start) } == [0, 10, 20])
        #expect(updates.map { $0.restart != nil } == [false, false, true])
    }

    @Test("startup gates liveness and readiness; once started, the startup probe stops and the others run")
    func startupGating() async {
        let rig = await ProbeRig()
        defer { rig.stop() }
        rig.runner.script("app", .startup, [.failure("not yet"), .failure("not yet"), .success()])
        let start = rig.now
        await rig.add(rig.target(startup: scriptedProbe(period: 1, failure: 5), liveness: scriptedProbe(period: 10),
                                 readiness: scriptedProbe(period: 10)))
        await rig.step(1)
        #expect(rig.runner.runs.allSatisfy { $0.kind == .startup })
        #expect(await rig.manager.state(podUID: "uid-1", containerName: "app")?.started == false)
        await rig.step(1)
        #expect(await rig.manager.state(podUID: "uid-1", containerName: "app") == ProbeState(started: true, ready: true, live: true))
        #expect(rig.runner.runs("app", .liveness).map { $0.timeIntervalSince(start) } == [2])
        #expect(rig.runner.runs("app", .readiness).map { $0.timeIntervalSince(start) } == [2])
        for _ in 0..<10 { await rig.step(1) }
        #expect(rig.runner.runs("app", .startup).count == 3, "startup stops once it succeeded")
        #expect(rig.runner.runs("app", .liveness).map { $0.timeIntervalSince(start) } == [2, 12])
        #expect(rig.updates.of("app", .startup).last?.changed == true)
    }

    @Test("a liveness failure at failureThreshold restarts with the probe's grace period and events, then holds until a new instance")
    func livenessRestart() async {
        let rig = await ProbeRig()
        defer { rig.stop() }
        rig.runner.script("app", .liveness, [.failure("boom"), .failure("boom")])
        await rig.add(rig.target(liveness: scriptedProbe(period: 10, failure: 2, grace: 5), grace: 30))
        await rig.step(10)
        let last = try! #require(rig.updates.of("app", .liveness).last)
        #expect(last.restart == ProbeRestart(gracePeriodSeconds: 5, message: "Container app failed liveness probe, will be restarted"))
        #expect(last.events == [
            ProbeEvent(type: "Warning", reason: "Unhealthy", message: "Liveness probe failed: boom"),
            ProbeEvent(type: "Normal", reason: "Killing", message: "Container app failed liveness probe, will be restarted"),
        ])
        #expect(last.state.live == false)
        #expect(last.changed)
        for _ in 0..<3 { await rig.step(10) }
        #expect(rig.runner.runs("app", .liveness).count == 2, "no runs while the restart is pending")
        await rig.add(rig.target(id: "c2", liveness: scriptedProbe(period: 10, failure: 2, grace: 5)))
        #expect(await rig.manager.result(podUID: "uid-1", containerName: "app", kind: .liveness) == .success)
        #expect(rig.runner.runs("app", .liveness).count == 3, "the new instance is probed")
        #expect(rig.updates.all.last?.containerID == "c2")
    }

    @Test("a startup failure restarts with the pod's grace period when the probe sets none")
    func startupRestart() async {
        let rig = await ProbeRig()
        defer { rig.stop() }
        rig.runner.script("app", .startup, [.failure("nope")])
        await rig.add(rig.target(startup: scriptedProbe(failure: 1), liveness: scriptedProbe(), grace: 45))
        let update = try! #require(rig.updates.all.last)
        #expect(update.kind == .startup)
        #expect(update.restart == ProbeRestart(gracePeriodSeconds: 45, message: "Container app failed startup probe, will be restarted"))
        #expect(rig.runner.runs("app", .liveness).isEmpty)
    }

    @Test("erred runs are reported as unknown with an errored event but count toward no threshold")
    func erredRuns() async {
        let rig = await ProbeRig()
        defer { rig.stop() }
        rig.runner.script("app", .liveness, [.failure("f1"), .error("no port"), .error("no port"), .failure("f2")])
        await rig.add(rig.target(liveness: scriptedProbe(period: 1, failure: 2)))
        for _ in 0..<3 { await rig.step(1) }
        let updates = rig.updates.of("app", .liveness)
        #expect(updates.map(\.result) == [.failure, .unknown, .unknown, .failure])
        #expect(updates[1].events == [ProbeEvent(type: "Warning", reason: "Unhealthy", message: "Liveness probe errored: no port")])
        #expect(updates.map { $0.restart != nil } == [false, false, false, true], "errors neither reset nor extend the failure streak")
        let totals = await rig.manager.totals()
        #expect(totals[ProbeCounterKey(kind: .liveness, result: .unknown)] == 2)
        #expect(totals[ProbeCounterKey(kind: .liveness, result: .failure)] == 2)
    }

    @Test("a warning is a success with a ProbeWarning event; totals count runs by kind and result")
    func warningsAndTotals() async {
        let rig = await ProbeRig()
        defer { rig.stop() }
        rig.runner.script("app", .readiness, [.warning("Probe terminated redirects, Response body: moved")])
        await rig.add(rig.target(readiness: scriptedProbe(period: 1)))
        await rig.step(1)
        let first = try! #require(rig.updates.of("app", .readiness).first)
        #expect(first.result == .success)
        #expect(first.state.ready)
        #expect(first.events == [ProbeEvent(type: "Warning", reason: "ProbeWarning",
                                            message: "Readiness probe warning: Probe terminated redirects, Response body: moved")])
        #expect(await rig.manager.totals() == [ProbeCounterKey(kind: .readiness, result: .success): 2])
    }

    @Test("after an agent restart, first runs of 300 probes with equal periods spread over the period, and stay spread")
    func jitterSpread() async {
        let sequence = Mutex<UInt64>(12345)
        // A fixed linear congruential sequence: deterministic, and as spread as a random one.
        let random: @Sendable () -> Double = {
            sequence.withLock { state in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Double(state >> 11) / Double(1 << 53)
            }
        }
        let rig = await ProbeRig(age: 0, maxConcurrentProbes: 400, random: random)
        defer { rig.stop() }
        let start = rig.now
        for pod in 0..<100 {
            for name in ["a", "b", "c"] {
                await rig.manager.add(rig.target(name, pod: "pod-\(pod)", startedAt: start.addingTimeInterval(-600),
                                                 readiness: scriptedProbe(period: 10)))
            }
        }
        for _ in 0..<200 { await rig.step(0.1) }
        let updates = rig.updates.all
        var firsts: [String: Date] = [:]
        var seconds: [String: Date] = [:]
        for update in updates {
            let key = update.podUID + "/" + update.containerName
            if firsts[key] == nil { firsts[key] = update.scheduledAt } else if seconds[key] == nil { seconds[key] = update.scheduledAt }
        }
        #expect(firsts.count == 300)
        let offsets = firsts.values.map { $0.timeIntervalSince(start) }.sorted()
        #expect(offsets.first! >= 0 && offsets.last! < 10)
        // Within one second of the period, an even spread holds about 30; all at once would be 300.
        let busiest = (0..<10).map { second in offsets.filter { Int($0) == second }.count }.max() ?? 0
        #expect(busiest < 60, "first runs per second: \((0..<10).map { s in offsets.filter { Int($0) == s }.count })")
        let sameMillisecond = Dictionary(grouping: offsets) { Int($0 * 1000) }.values.map(\.count).max() ?? 0
        #expect(sameMillisecond <= 3)
        #expect(firsts.allSatisfy { key, first in seconds[key].map { abs($0.timeIntervalSince(first) - 10) < 1e-6 } ?? false },
                "the spread survives into later periods")
    }

    @Test("a probe added once the manager is older than its period runs at once, without a spread")
    func noSpreadLater() async {
        let rig = await ProbeRig(age: 30, random: { 0.9 })
        defer { rig.stop() }
        let start = rig.now
        await rig.add(rig.target(readiness: scriptedProbe(period: 10)))
        #expect(rig.runner.runs("app", .readiness) == [start])
    }

    @Test("remove and removePod stop probing and forget results")
    func removal() async {
        let rig = await ProbeRig()
        defer { rig.stop() }
        await rig.add(rig.target("a", readiness: scriptedProbe(period: 1)))
        await rig.add(rig.target("b", readiness: scriptedProbe(period: 1)))
        await rig.add(rig.target("c", pod: "uid-2", readiness: scriptedProbe(period: 1)))
        #expect(await rig.manager.probeCount == 3)
        await rig.manager.remove(podUID: "uid-1", containerName: "a")
        #expect(await rig.manager.state(podUID: "uid-1", containerName: "a") == nil)
        await rig.step(1)
        #expect(rig.runner.runs("a", .readiness).count == 1)
        #expect(rig.runner.runs("b", .readiness).count == 2)
        await rig.manager.removePod(uid: "uid-1")
        await rig.step(1)
        #expect(rig.runner.runs("b", .readiness).count == 2)
        #expect(rig.runner.runs("c", .readiness).count == 3)
        #expect(await rig.manager.probeCount == 1)
    }

    @Test("stopLivenessAndStartup keeps a terminating container from being restarted")
    func terminating() async {
        let rig = await ProbeRig()
        defer { rig.stop() }
        rig.runner.script("app", .liveness, [.failure("x"), .failure("x"), .failure("x")])
        await rig.add(rig.target(liveness: scriptedProbe(period: 1), readiness: scriptedProbe(period: 1)))
        await rig.manager.stopLivenessAndStartup(podUID: "uid-1")
        for _ in 0..<5 { await rig.step(1) }
        #expect(rig.runner.runs("app", .liveness).count == 1)
        #expect(rig.runner.runs("app", .readiness).count == 6, "readiness goes on")
        #expect(rig.updates.all.allSatisfy { $0.restart == nil })
        #expect(await rig.manager.state(podUID: "uid-1", containerName: "app")?.live == true)
    }

    @Test("at most maxConcurrentProbes runs are in flight; the others wait their turn")
    func concurrencyBound() async throws {
        let gauge = ProbeGauge()
        let rig = await ProbeRig(maxConcurrentProbes: 2, runner: { clock in
            SlowProbeRunner(clock: clock, gauge: gauge)
        })
        defer { rig.stop() }
        for index in 0..<5 { await rig.manager.add(rig.target("c\(index)", readiness: scriptedProbe(period: 60))) }
        for (total, running) in [(2, 2), (4, 2), (5, 1)] {
            try await probeWaitFor { gauge.read == (running, total) && rig.clock.pendingDeadlines.count >= running + 1 }
            rig.clock.advance(by: 1)
        }
        await rig.manager.waitUntilIdle()
        #expect(gauge.peak == 2)
        #expect(gauge.read.total == 5)
        #expect(rig.updates.all.count == 5)
        #expect(rig.updates.all.map { $0.startedAt.timeIntervalSince($0.scheduledAt) }.sorted() == [0, 0, 1, 1, 2])
    }
}

/// Counts runs in flight.
final class ProbeGauge: Sendable {
    private let counts = Mutex((running: 0, peak: 0, total: 0))

    var read: (running: Int, total: Int) { counts.withLock { ($0.running, $0.total) } }
    var peak: Int { counts.withLock { $0.peak } }

    func enter() {
        counts.withLock { c in
            c.running += 1
            c.total += 1
            c.peak = max(c.peak, c.running)
        }
    }

    func leave() { counts.withLock { $0.running -= 1 } }
}

/// A handler that takes one second of the clock.
struct SlowProbeRunner: ProbeRunning {
    let clock: any AgentClock
    let gauge: ProbeGauge

    func run(_ probe: Probe, kind: ProbeKind, target: ProbeTarget, on loop: any EventLoop) -> EventLoopFuture<ProbeOutcome> {
        let (clock, gauge) = (self.clock, self.gauge)
        return loop.makeFutureWithTask {
            gauge.enter()
            try? await clock.sleep(until: clock.now().addingTimeInterval(1))
            gauge.leave()
            return .success()
        }
    }
}

/// Polls `condition` (state other tasks change) for up to 10 s of real time.
func probeWaitFor(_ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while !condition() {
        guard ContinuousClock.now < deadline else { throw ProbeTestError("condition not met within 10 s") }
        try await Task.sleep(for: .milliseconds(5))
    }
}
