import Foundation
import Glibc
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing
import SwiftletAgent
import SwiftletAPI
import SwiftletRuntime

/// An exec runner that answers from a closure and records the commands it got.
final class ProbeFakeExecRunner: ProbeExecRunner {
    private let answer: @Sendable ([String]) async throws -> ProbeExecResult
    private let log = Mutex<(commands: [[String]], cancelled: Int)>(([], 0))

    init(_ answer: @escaping @Sendable ([String]) async throws -> ProbeExecResult) {
        self.answer = answer
    }

    var commands: [[String]] { log.withLock { $0.commands } }
    var cancellations: Int { log.withLock { $0.cancelled } }

    func exec(containerID: String, command: [String], timeout: Duration) async throws -> ProbeExecResult {
        log.withLock { $0.commands.append(command) }
        do {
            return try await answer(command)
        } catch is CancellationError {
            log.withLock { $0.cancelled += 1 }
            throw CancellationError()
        }
    }
}

@Suite("exec probes through an injected runner")
struct ProbeExecTests {
    func container(env: [EnvVar] = []) -> Container {
        var container = Container(name: "app", image: "busybox")
        container.env = env
        return container
    }

    @Test("exit 0 succeeds, any other code fails with the command's output")
    func exitCodes() async {
        let runner = ProbeFakeExecRunner { command in
            command.last == "ok" ? ProbeExecResult(exitCode: 0, output: "fine\n") : ProbeExecResult(exitCode: 2, output: "boom\n")
        }
        let exec = ExecProbe(runner: runner, clock: ManualClock())
        #expect(await exec.run(ExecAction(command: ["check", "ok"]), container: container(), containerID: "c", timeoutSeconds: 1) == .success("fine\n"))
        #expect(await exec.run(ExecAction(command: ["check", "bad"]), container: container(), containerID: "c", timeoutSeconds: 1) == .failure("boom\n"))
    }

    @Test("output beyond 10 KiB is cut; a runner that cannot run the command errs")
    func outputAndErrors() async {
        let long = String(repeating: "y", count: 50_000)
        let exec = ExecProbe(runner: ProbeFakeExecRunner { _ in ProbeExecResult(exitCode: 1, output: long) }, clock: ManualClock())
        #expect(await exec.run(ExecAction(command: ["x"]), container: container(), containerID: "c", timeoutSeconds: 1).output.utf8.count == 10 * 1024)
        let broken = ExecProbe(runner: ProbeFakeExecRunner { _ in throw ProbeTestError("container c is stopped") }, clock: ManualClock())
        #expect(await broken.run(ExecAction(command: ["x"]), container: container(), containerID: "c", timeoutSeconds: 1)
            == .error("container c is stopped"))
        #expect(await broken.run(ExecAction(command: []), container: container(), containerID: "c", timeoutSeconds: 1).status == .error)
    }

    @Test("$(VAR) expands from the container's literal env; $$ escapes; unknown references stay")
    func expansion() async {
        let runner = ProbeFakeExecRunner { _ in ProbeExecResult(exitCode: 0, output: "") }
        let exec = ExecProbe(runner: runner, clock: ManualClock())
        let env = [EnvVar(name: "PORT", value: "8080"), EnvVar(name: "SECRET", valueFrom: EnvVarSource())]
        _ = await exec.run(ExecAction(command: ["check", "--port=$(PORT)", "$$(PORT)", "$(SECRET)", "$(NOPE)", "a$b"]),
                           container: container(env: env), containerID: "c", timeoutSeconds: 1)
        #expect(runner.commands == [["check", "--port=8080", "$(PORT)", "$(SECRET)", "$(NOPE)", "a$b"]])
    }

    @Test("a command that hangs past its timeout (on the injected clock) is cancelled and fails as kubelet words it")
    func hangs() async throws {
        let clock = ManualClock()
        let runner = ProbeFakeExecRunner { _ in
            try await Task.sleep(for: .seconds(3600))
            return ProbeExecResult(exitCode: 0, output: "")
        }
        let exec = ExecProbe(runner: runner, clock: clock)
        let run = Task {
            await exec.run(ExecAction(command: ["sleep", "100"]), container: container(), containerID: "c", timeoutSeconds: 3)
        }
        try await probeWaitFor { clock.pendingDeadlines.count == 1 && runner.commands.count == 1 }
        clock.advance(by: 2.5)
        clock.advance(by: 0.5)
        #expect(await run.value == .failure("command \"sleep 100\" timed out"))
        try await probeWaitFor { runner.cancellations == 1 }
    }
}

@Suite("exec probes in a real container through ContainerRuntime", .enabled(if: ProbeTestContainer.available, "needs root, busybox, runc and swiftlet-monitor"))
struct ProbeExecContainerTests {
    @Test("exit codes and output come from inside the container; a hung command is killed at the timeout, children too")
    func realContainer() async throws {
        let box = try ProbeTestContainer()
        defer { box.remove() }
        let runner = RuntimeProbeExecRunner(runtime: box.runtime)
        let exec = ExecProbe(runner: runner, clock: SystemClock())
        let app = Container(name: "app", image: "busybox")

        #expect(await exec.run(ExecAction(command: ["/bin/busybox", "sh", "-c", "echo hello from $(/bin/busybox hostname); exit 3"]),
                               container: app, containerID: box.id, timeoutSeconds: 5) == .failure("hello from probe-box\n"))
        #expect(await exec.run(ExecAction(command: ["/bin/busybox", "true"]), container: app, containerID: box.id, timeoutSeconds: 5) == .success(""))

        let started = ContinuousClock.now
        let hung = await exec.run(ExecAction(command: ["/bin/busybox", "sh", "-c", "/bin/busybox sleep 60; echo done"]),
                                  container: app, containerID: box.id, timeoutSeconds: 1)
        #expect(hung == .failure("command \"/bin/busybox sh -c /bin/busybox sleep 60; echo done\" timed out"))
        #expect(ContinuousClock.now - started < .seconds(5))
        let initPid = try box.runtime.state(id: box.id).pid
        try await probeWaitFor { (try? box.runtime.ps(id: box.id)) == [initPid] }
        #expect(try box.runtime.state(id: box.id).status == .running, "the container itself lives on")
        let state = try FileManager.default.contentsOfDirectory(atPath: box.dir + "/run/" + box.id)
        #expect(!state.contains { $0.hasPrefix("exec-") }, "no exec FIFO left: \(state)")
    }

    /// On NIO's loop a run's command blocks a pool thread; on the prober's own loop, after the
    /// first run (which makes the container's exec template on the pool), the loop waits for the
    /// monitor's reply itself.
    @Test("through the probe handlers on an event loop (no Swift tasks): output and exit codes, output cut at 10 KiB, errors retried then reported, and a command hung past its timeout is killed",
          arguments: [false, true])
    func eventLoopPath(proberLoop: Bool) async throws {
        let box = try ProbeTestContainer()
        defer { box.remove() }
        let runner = RuntimeProbeExecRunner(runtime: box.runtime)
        let handlers = ProbeHandlers(exec: runner, clock: SystemClock(), group: MultiThreadedEventLoopGroup.singleton)
        let loop: any EventLoop = proberLoop ? probeTestLoop : MultiThreadedEventLoopGroup.singleton.next()
        var app = probeLoopbackTarget(container: "app")
        app.containerID = box.id
        let target = app
        func run(_ command: [String], timeout: Int32 = 5) async throws -> ProbeOutcome {
            try await loop.flatSubmit {
                handlers.run(Probe(exec: ExecAction(command: command), timeoutSeconds: timeout), kind: .liveness, target: target, on: loop)
            }.get()
        }
        #expect(try await run(["/bin/busybox", "sh", "-c", "echo out; echo err >&2; exit 2"]) == .failure("out\nerr\n"))
        #expect(try await run(["/bin/busybox", "true"]) == .success(""))
        #expect(try await run(["/bin/busybox", "sh", "-c", "echo out; echo err >&2; exit 2"]) == .failure("out\nerr\n"))
        let long = try await run(["/bin/busybox", "sh", "-c", "/bin/busybox seq 1 5000; exit 1"])
        #expect(long.status == .failure && long.output.utf8.count == 10 * 1024 && long.output.hasPrefix("1\n2\n3\n"), "\(long.output.utf8.count) bytes")

        let started = ContinuousClock.now
        let hung = try await run(["/bin/busybox", "sh", "-c", "/bin/busybox sleep 60; echo done"], timeout: 1)
        #expect(hung == .failure("command \"/bin/busybox sh -c /bin/busybox sleep 60; echo done\" timed out"))
        #expect(ContinuousClock.now - started < .seconds(5))
        let initPid = try box.runtime.state(id: box.id).pid
        try await probeWaitFor { (try? box.runtime.ps(id: box.id)) == [initPid] }
        try await probeWaitFor {
            !((try? FileManager.default.contentsOfDirectory(atPath: box.dir + "/run/" + box.id)) ?? []).contains { $0.hasPrefix("exec-") }
        }

        try box.runtime.kill(id: box.id, signal: SIGKILL, all: true)
        try await probeWaitFor { (try? box.runtime.state(id: box.id).status) == .stopped }
        let gone = try await run(["/bin/busybox", "true"])
        #expect(gone.status == .error && gone.output.contains("stopped"), "\(gone)")
    }

    @Test("an exec template serves many runs, each with its own command and environment, leaves nothing behind, and is refused once the container stops")
    func template() async throws {
        let box = try ProbeTestContainer()
        defer { box.remove() }
        let template = try box.runtime.prepareExec(id: box.id)
        let out = box.dir + "/exec.log"
        #expect(try box.runtime.exec(template, args: ["/bin/busybox", "sh", "-c", "exit $CODE"], environment: ["CODE=4"],
                                     output: .criLog(out)) == 4)
        #expect(try box.runtime.exec(template, args: ["/bin/busybox", "sh", "-c", "echo $CODE $(/bin/busybox hostname)"],
                                     environment: ["CODE=5"], output: .criLog(out)) == 0)
        let log = try String(contentsOfFile: out, encoding: .utf8)
        #expect(log.hasSuffix(" stdout F 5 probe-box\n"), "got \(log)")
        let socket = box.dir + "/run/" + box.id + "/exec.sock"
        #expect(FileManager.default.fileExists(atPath: socket), "the container's monitor serves execs")
        let captured = try box.runtime.execCapturing(template, args: ["/bin/busybox", "sh", "-c", "echo 123; echo 456789 >&2; exit 6"],
                                                     limit: 7)
        #expect(captured.exitCode == 6)
        #expect(String(decoding: captured.output, as: UTF8.self) == "123\n456", "stdout and stderr in one stream, cut at the limit")
        // Without the monitor's socket (a monitor of an older version) the caller spawns its own.
        try FileManager.default.removeItem(atPath: socket)
        let unstarted = try box.runtime.startExec(template, args: ["/bin/busybox", "true"])
        #expect(unstarted == nil, "with no exec socket the caller takes the spawning way")
        let spawned = try box.runtime.execCapturing(template, args: ["/bin/busybox", "sh", "-c", "echo spawned; exit 2"], limit: 100)
        #expect(spawned.exitCode == 2 && String(decoding: spawned.output, as: UTF8.self) == "spawned\n")
        let state = try FileManager.default.contentsOfDirectory(atPath: box.dir + "/run/" + box.id)
        #expect(!state.contains { $0.hasPrefix("exec-") }, "no exec FIFO is left: \(state)")

        try box.runtime.kill(id: box.id, signal: SIGKILL, all: true)
        try await probeWaitFor { (try? box.runtime.state(id: box.id).status) == .stopped }
        #expect(throws: RuntimeError.self) { try box.runtime.exec(template, args: ["/bin/busybox", "true"]) }
    }
}

/// A running container from a `runc spec` bundle whose rootfs holds only /bin/busybox.
struct ProbeTestContainer {
    static var available: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/bin/busybox")
            && FileManager.default.isExecutableFile(atPath: "/usr/sbin/runc")
            && FileManager.default.isExecutableFile(atPath: ContainerRuntime.defaultMonitorPath())
    }

    let dir: String
    let id: String
    let runtime: ContainerRuntime

    init() throws {
        var template = Array("/tmp/swiftlet-probe-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw ProbeTestError("mkdtemp failed") }
        dir = String(cString: made)
        id = "probe-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        var logger = Logger(label: "test.probes.runtime")
        logger.logLevel = .warning
        runtime = ContainerRuntime(root: dir + "/run", logger: logger)
        do {
            try start()
        } catch {
            remove()
            throw error
        }
    }

    private func start() throws {
        let bundle = dir + "/bundle"
        let rootfs = bundle + "/rootfs"
        for sub in ["bin", "proc", "dev", "sys", "tmp", "etc"] {
            try FileManager.default.createDirectory(atPath: rootfs + "/" + sub, withIntermediateDirectories: true)
        }
        // Copied in a child process: a write descriptor to it in this (threaded) process could
        // leak into a concurrent fork and make its exec fail with ETXTBSY.
        try Self.run("/bin/cp", ["/bin/busybox", rootfs + "/bin/busybox"])
        try Self.run("/usr/sbin/runc", ["spec", "--bundle", bundle])
        let path = bundle + "/config.json"
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        var process = try #require(config["process"] as? [String: Any])
        process["terminal"] = false
        process["args"] = ["/bin/busybox", "sleep", "3600"]
        config["process"] = process
        config["hostname"] = "probe-box"
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path))
        try runtime.create(id: id, bundle: bundle, output: .criLog(dir + "/container.log"))
        try runtime.start(id: id)
    }

    func remove() {
        try? runtime.delete(id: id, force: true)
        try? FileManager.default.removeItem(atPath: dir)
    }

    private static func run(_ path: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ProbeTestError("\(path) \(arguments) exited \(process.terminationStatus)") }
    }
}
