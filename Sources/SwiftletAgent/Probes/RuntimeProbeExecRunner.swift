import CRuntimeShim
import Foundation
import Glibc
import NIOCore
import NIOPosix
import Synchronization
import SwiftletRuntime

/// Runs exec probes' commands through ``ContainerRuntime``'s exec: the command joins the
/// container's namespaces and cgroup with the container's own process settings (user,
/// capabilities, env, seccomp), and its stdout and stderr come back through a pipe.
///
/// From the prober's own loop (``ProbeEventLoop``), a run is a request to the container's
/// monitor whose reply the loop waits for (``MonitorExecWait``). Otherwise, and for a
/// container's first run (which makes its ``ExecTemplate``), the runtime's blocking exec runs on
/// a small pool of threads of its own rather than on Swift's cooperative threads. A run past its
/// timeout kills the command and everything
/// it started: each run's processes carry a `SWIFTLET_PROBE_EXEC=<token>` variable, and every
/// process of the container's cgroup holding that token is sent SIGKILL.
public final class RuntimeProbeExecRunner: ProbeExecLoopRunner {
    private let runtime: ContainerRuntime
    private let pool: NIOThreadPool
    /// Each container's exec set-up (its own process from config.json, compiled seccomp
    /// filter, a pidfd of its init), which does not change while it runs: working it out costs
    /// more than the rest of a probe's own work.
    private let templates = Mutex<[String: ExecTemplate]>([:])

    /// - Parameters:
    ///   - threads: how many exec probes may run at once; more wait their turn (their timeout
    ///     counts while they wait).
    public init(runtime: ContainerRuntime, threads: Int = 4) {
        self.runtime = runtime
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
    }

    deinit {
        pool.shutdownGracefully { _ in }
    }

    /// The name of the variable that marks an exec probe's processes.
    public static let tokenVariable = "SWIFTLET_PROBE_EXEC"

    /// Output beyond kubelet's 10 KiB is not kept.
    static let outputLimit = ProbeSupport.maxOutputBytes

    public func exec(containerID: String, command: [String], timeout: Duration) async throws -> ProbeExecResult {
        let token = Self.newToken()
        let runtime = self.runtime
        let finished = Finished()
        return try await withTaskCancellationHandler {
            defer { finished.set() }
            return try await pool.runIfActive { [self] in try run(containerID: containerID, command: command, token: token) }
        } onCancel: {
            // The command may not have started yet: keep killing until the exec returns.
            Task.detached {
                let giveUp = ContinuousClock.now + .seconds(30)
                while !finished.value, ContinuousClock.now < giveUp {
                    Self.kill(token: token, containerID: containerID, runtime: runtime)
                    try? await Task.sleep(for: .milliseconds(20))
                }
            }
        }
    }

    package func exec(containerID: String, command: [String], timeout: TimeAmount, on loop: any EventLoop) -> EventLoopFuture<ProbeExecResult?> {
        let token = Self.newToken()
        let runtime = self.runtime
        // From the prober's own loop, once the container's template is known: the exec is
        // handed to the container's monitor and waited for on the loop, with no thread hop.
        if let probeLoop = loop as? ProbeEventLoop, let template = templates.withLock({ $0[containerID] }) {
            do {
                if let started = try runtime.startExec(template, args: command, environment: ["\(Self.tokenVariable)=\(token)"]) {
                    return MonitorExecWait(started, loop: probeLoop, limit: Self.outputLimit) {
                        Self.kill(token: token, containerID: containerID, runtime: runtime)
                    }.run(timeout: timeout)
                }
            } catch {
                templates.withLock { _ = $0.removeValue(forKey: containerID) }
                return loop.makeFailedFuture(error)
            }
        }
        let promise = loop.makePromise(of: ProbeExecResult?.self)
        let finished = Finished()
        // Both completions run on `loop`: the first one wins.
        let settled = NIOLoopBoundBox.makeBoxSendingValue(false, as: Bool.self, eventLoop: loop)
        let timer = loop.scheduleTask(in: timeout) {
            guard !settled.value else { return }
            settled.value = true
            promise.succeed(nil)
            // The command may not have started yet: keep killing until the exec returns.
            let giveUp = NIODeadline.now() + .seconds(30)
            loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(20)) { task in
                if finished.value || NIODeadline.now() > giveUp {
                    task.cancel()
                } else {
                    Self.kill(token: token, containerID: containerID, runtime: runtime)
                }
            }
        }
        pool.runIfActive(eventLoop: loop) { [self] () throws -> ProbeExecResult in
            defer { finished.set() }
            return try run(containerID: containerID, command: command, token: token)
        }.whenComplete { result in
            timer.cancel()
            guard !settled.value else { return }
            settled.value = true
            promise.completeWith(result.map { $0 })
        }
        return promise.futureResult
    }

    /// One run, blocking.
    private func run(containerID: String, command: [String], token: String) throws -> ProbeExecResult {
        let template = try template(containerID)
        do {
            let (code, output) = try runtime.execCapturing(template, args: command, environment: ["\(Self.tokenVariable)=\(token)"],
                                                           limit: Self.outputLimit)
            return ProbeExecResult(exitCode: code, output: String(decoding: output, as: UTF8.self))
        } catch {
            // A stopped container's template is of no more use.
            templates.withLock { _ = $0.removeValue(forKey: containerID) }
            throw error
        }
    }

    private func template(_ containerID: String) throws -> ExecTemplate {
        if let cached = templates.withLock({ $0[containerID] }) { return cached }
        let template = try runtime.prepareExec(id: containerID)
        templates.withLock { cache in
            // Containers come and go (each template holds a pidfd): stopped ones are dropped
            // whenever the cache has grown.
            if cache.count >= 64 { cache = cache.filter { $0.value.isRunning } }
            cache[containerID] = template
        }
        return template
    }

    private static func newToken() -> String {
        String(UInt64.random(in: 1...UInt64.max), radix: 16)
    }

    /// Sends SIGKILL to every process of the container that carries `token` in its environment.
    static func kill(token: String, containerID: String, runtime: ContainerRuntime) {
        let marker = Array("\(tokenVariable)=\(token)".utf8)
        for pid in (try? runtime.ps(id: containerID)) ?? [] {
            guard let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { continue }
            if environ.split(separator: 0).contains(where: { $0.elementsEqual(marker) }) {
                Glibc.kill(pid, SIGKILL)
            }
        }
    }

    private final class Finished: Sendable {
        private let flag = Atomic<Bool>(false)
        var value: Bool { flag.load(ordering: .acquiring) }
        func set() { flag.store(true, ordering: .releasing) }
    }
}

/// Waits on the prober's loop for an exec a container's monitor runs (``StartedExec``): keeps the
/// first `limit` bytes of its output (and, after ``outputGrace``, reads the rest away as it
/// comes, so the command never stays blocked on a full pipe) until the exit record has come and
/// the monitor closed the reply. At the timeout the future gets nil and `kill` runs every 20 ms
/// until the exec has ended (30 s at most).
private final class MonitorExecWait {
    private let started: StartedExec
    private let loop: ProbeEventLoop
    private let limit: Int
    private let kill: () -> Void
    private let promise: EventLoopPromise<ProbeExecResult?>
    private var output: [UInt8] = []
    private var reply: [UInt8] = []
    private var timer: ProbeEventLoop.LoopTimer?
    private var outputTimer: ProbeEventLoop.LoopTimer?
    private var settled = false
    private var finished = false

    init(_ started: StartedExec, loop: ProbeEventLoop, limit: Int, kill: @escaping () -> Void) {
        self.started = started
        self.loop = loop
        self.limit = limit
        self.kill = kill
        promise = loop.makePromise(of: ProbeExecResult?.self)
    }

    /// How long the output waits in its pipe before the loop starts reading it as it comes. A
    /// probe's command is usually done by then, with less than a pipe's 64 KiB written, so its
    /// output is read once, with the reply, and the loop wakes once per run; a command that
    /// writes more is held up by this much at most.
    static let outputGrace = TimeAmount.milliseconds(50)

    func run(timeout: TimeAmount) -> EventLoopFuture<ProbeExecResult?> {
        guard loop.watch(started.reply, events: SHIM_EPOLLIN, { [self] _ in readReply() }) else {
            let text = String(cString: strerror(errno))
            end()
            settle(.failure(ProbeSupport.Failure("epoll: \(text)")))
            return promise.futureResult
        }
        let giveUp = NIODeadline.now() + .seconds(30)
        let deadline = NIODeadline.now() + timeout
        outputTimer = loop.scheduleOnLoop(deadline: min(deadline, .now() + Self.outputGrace)) { [self] in
            loop.watch(started.output, events: SHIM_EPOLLIN) { [self] _ in readOutput() }
        }
        timer = loop.scheduleOnLoop(deadline: deadline) { [self] in
            settle(.success(nil))
            killUntilEnded(giveUp: giveUp)
        }
        return promise.futureResult
    }

    private func killUntilEnded(giveUp: NIODeadline) {
        guard !finished else { return }
        guard NIODeadline.now() < giveUp else { return end() }
        kill()
        timer = loop.scheduleOnLoop(deadline: .now() + .milliseconds(20)) { [self] in killUntilEnded(giveUp: giveUp) }
    }

    private func readOutput() {
        if !Self.read(started.output, into: &output, limit: limit, on: loop) { loop.unwatch(started.output) }
    }

    private func readReply() {
        guard !Self.read(started.reply, into: &reply, limit: 64 * 1024, on: loop) else { return }
        // The process has ended: take what it wrote; anything it left running may keep the
        // pipe open, so no waiting for its end.
        _ = Self.read(started.output, into: &output, limit: limit, on: loop)
        let result = Result { ProbeExecResult(exitCode: try StartedExec.exitCode(fromReply: reply), output: String(decoding: output, as: UTF8.self)) }
        end()
        settle(result.map { $0 })
    }

    private func settle(_ result: Result<ProbeExecResult?, any Error>) {
        guard !settled else { return }
        settled = true
        promise.completeWith(result)
    }

    private func end() {
        guard !finished else { return }
        finished = true
        timer?.cancel()
        outputTimer?.cancel()
        loop.unwatch(started.output)
        loop.unwatch(started.reply)
        Glibc.close(started.output)
        Glibc.close(started.reply)
    }

    /// Reads what `fd` holds now, keeping `into` at most `limit` bytes; false at its end (or an error).
    private static func read(_ fd: Int32, into kept: inout [UInt8], limit: Int, on loop: ProbeEventLoop) -> Bool {
        loop.withScratch { scratch in
            while true {
                let count = Glibc.read(fd, scratch.baseAddress, scratch.count)
                if count > 0 {
                    kept.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[..<min(count, max(0, limit - kept.count))]))
                    continue
                }
                if count < 0, errno == EINTR { continue }
                return count < 0 && errno == EAGAIN
            }
        }
    }
}
