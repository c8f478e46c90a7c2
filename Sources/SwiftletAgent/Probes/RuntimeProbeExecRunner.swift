import Foundation
import Glibc
import NIOCore
import NIOPosix
import Synchronization
import SwiftletRuntime

/// Runs exec probes' commands through ``ContainerRuntime``'s exec: the command joins the
/// container's namespaces and cgroup with the container's own process settings (user,
/// capabilities, env, seccomp), and its output is captured through a CRI log file.
///
/// The runtime's exec blocks, so commands run on a small pool of threads of their own rather
/// than on Swift's cooperative threads. A cancelled run (the probe's timeout) kills the command
/// and everything it started: each run's processes carry a `SWIFTLET_PROBE_EXEC=<token>`
/// variable, and every process of the container's cgroup holding that token is sent SIGKILL.
public final class RuntimeProbeExecRunner: ProbeExecLoopRunner {
    private let runtime: ContainerRuntime
    private let scratchDir: String
    private let pool: NIOThreadPool
    /// Each container's exec set-up (its own process from config.json, compiled seccomp
    /// filter...), which does not change while it runs: working it out costs more than the rest
    /// of a probe's own work.
    private let templates = Mutex<[String: ExecTemplate]>([:])
    private let scratchReady = Atomic<Bool>(false)

    /// - Parameters:
    ///   - scratchDir: where each run's output file lives while it runs; created on demand.
    ///   - threads: how many exec probes may run at once; more wait their turn (their timeout
    ///     counts while they wait).
    public init(runtime: ContainerRuntime, scratchDir: String, threads: Int = 4) {
        self.runtime = runtime
        self.scratchDir = scratchDir
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
    }

    deinit {
        pool.shutdownGracefully { _ in }
    }

    /// The name of the variable that marks an exec probe's processes.
    public static let tokenVariable = "SWIFTLET_PROBE_EXEC"

    public func exec(containerID: String, command: [String], timeout: Duration) async throws -> ProbeExecResult {
        if !scratchReady.load(ordering: .relaxed) {
            try FileManager.default.createDirectory(atPath: scratchDir, withIntermediateDirectories: true)
            scratchReady.store(true, ordering: .relaxed)
        }
        let token = String(UInt64.random(in: 1...UInt64.max), radix: 16)
        let logPath = scratchDir + "/probe-\(token).log"
        defer { unlink(logPath) }
        let runtime = self.runtime
        let finished = Finished()
        let code: Int32 = try await withTaskCancellationHandler {
            defer { finished.set() }
            return try await pool.runIfActive { [self] in
                let template = try template(containerID)
                do {
                    return try runtime.exec(template, args: command, environment: ["\(Self.tokenVariable)=\(token)"],
                                            output: .criLog(logPath))
                } catch {
                    // A stopped container's template is of no more use.
                    templates.withLock { _ = $0.removeValue(forKey: containerID) }
                    throw error
                }
            }
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
        var reader = CRILogReader()
        let output = reader.feed(Self.readOutput(logPath)).map { $0.content + "\n" }.joined()
        return ProbeExecResult(exitCode: code, output: output)
    }

    package func exec(containerID: String, command: [String], timeout: TimeAmount, on loop: any EventLoop) -> EventLoopFuture<ProbeExecResult?> {
        if !scratchReady.load(ordering: .relaxed) {
            do {
                try FileManager.default.createDirectory(atPath: scratchDir, withIntermediateDirectories: true)
            } catch {
                return loop.makeFailedFuture(error)
            }
            scratchReady.store(true, ordering: .relaxed)
        }
        let token = String(UInt64.random(in: 1...UInt64.max), radix: 16)
        let logPath = scratchDir + "/probe-\(token).log"
        let runtime = self.runtime
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
            defer {
                finished.set()
                unlink(logPath)
            }
            let template = try template(containerID)
            let code: Int32
            do {
                code = try runtime.exec(template, args: command, environment: ["\(Self.tokenVariable)=\(token)"], output: .criLog(logPath))
            } catch {
                templates.withLock { _ = $0.removeValue(forKey: containerID) }
                throw error
            }
            var reader = CRILogReader()
            return ProbeExecResult(exitCode: code, output: reader.feed(Self.readOutput(logPath)).map { $0.content + "\n" }.joined())
        }.whenComplete { result in
            timer.cancel()
            guard !settled.value else { return }
            settled.value = true
            promise.completeWith(result.map { $0 })
        }
        return promise.futureResult
    }

    private func template(_ containerID: String) throws -> ExecTemplate {
        if let cached = templates.withLock({ $0[containerID] }) { return cached }
        let template = try runtime.prepareExec(id: containerID)
        templates.withLock { cache in
            // Containers come and go; an occasional reset keeps dead ones from piling up.
            if cache.count >= 1024 { cache.removeAll() }
            cache[containerID] = template
        }
        return template
    }

    /// The output file, at most the first 64 KiB (the probe keeps far less).
    private static func readOutput(_ path: String) -> ArraySlice<UInt8> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 65536)
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            count += n
        }
        return bytes[..<count]
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
