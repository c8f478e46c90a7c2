import Foundation
import Glibc
import SwiftletRuntimeInit
import Testing

@Suite("containers through swiftlet-monitor: basics", .enabled(if: TestEnvironment.canRunContainers, "needs root, /bin/busybox and the built swiftlet-monitor"))
struct ContainerBasicsTests {
    @Test("PID 1 in a new pid namespace, hostname set, proc mounted, /dev/null works, exit code recorded")
    func basics() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        var plan = Plans.shell("""
            echo "pid=$$"
            echo "host=$(hostname)"
            grep -q '^proc /proc proc' /proc/mounts && echo proc-ok
            [ -c /dev/null ] && echo hi > /dev/null && echo devnull-ok
            [ -L /dev/fd ] && [ -L /dev/stdout ] && [ "$(readlink /dev/ptmx)" = pts/ptmx ] && echo devlinks-ok
            cat /proc/sys/net/ipv4/ip_forward
            echo "cwd=$(pwd)"
            exit 7
            """, in: sandbox)
        plan.hostname = "swiftlet-test"
        plan.sysctls = [.init(key: "net.ipv4.ip_forward", value: "1")]
        plan.cwd = "/work"
        let container = try await Container.mustCreate(plan, in: sandbox)
        defer { container.destroy() }
        #expect(FileManager.default.fileExists(atPath: sandbox.stateDir + "/init.pid"))
        let pidText = try String(contentsOfFile: sandbox.stateDir + "/init.pid", encoding: .utf8)
        #expect(pidText == "\(container.initPid)")
        let (exit, output) = try await container.run()
        #expect(exit.exitCode == 7)
        #expect(exit.signal == 0)
        #expect(exit.startedAt > 0 && exit.finishedAt >= exit.startedAt)
        let lines = output.lines
        #expect(lines.contains("pid=1"))
        #expect(lines.contains("host=swiftlet-test"))
        #expect(lines.contains("proc-ok"))
        #expect(lines.contains("devnull-ok"))
        #expect(lines.contains("devlinks-ok"))
        #expect(lines.contains("1"), "sysctl net.ipv4.ip_forward written")
        #expect(lines.contains("cwd=/work"))
    }

    @Test("exit by signal is recorded as 128+signal with the signal number")
    func killedBySignal() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let container = try await Container.mustCreate(Plans.shell("sleep 100", in: sandbox), in: sandbox)
        defer { container.destroy() }
        try container.start()
        try await Task.sleep(for: .milliseconds(100))
        // Signals to the monitor are not forwarded and do not stop it.
        #expect(kill(container.monitorPid, SIGTERM) == 0)
        #expect(kill(container.monitorPid, SIGHUP) == 0)
        try await Task.sleep(for: .milliseconds(50))
        #expect(kill(container.monitorPid, 0) == 0, "monitor still alive")
        #expect(kill(container.initPid, 0) == 0, "container still alive")
        #expect(kill(container.initPid, SIGKILL) == 0)
        let exit = try await container.waitForExit()
        #expect(exit.exitCode == 137)
        #expect(exit.signal == 9)
    }

    @Test("without a pid namespace the init is not PID 1, and signals the monitor ignores are reset to default")
    func noPidNamespace() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        var plan = Plans.shell("echo \"pid=$$\"; kill -TERM $$; echo survived", in: sandbox)
        plan.createNamespaces = Namespace.mount | Namespace.uts
        plan.rootfsPropagation = MountFlag.private | MountFlag.recursive
        let container = try await Container.mustCreate(plan, in: sandbox)
        defer { container.destroy() }
        let (exit, output) = try await container.run()
        #expect(exit.exitCode == 143)
        #expect(exit.signal == 15)
        #expect(output.lines.contains("pid=\(container.initPid)"))
        #expect(!output.contains("survived"))
    }

    @Test("a missing executable fails create with runc's message and leaves no process")
    func missingExecutable() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        var plan = Plans.shell("", in: sandbox)
        plan.args = ["no-such-program"]
        guard case .failed(let message) = try await Container.create(plan, in: sandbox) else {
            Issue.record("create succeeded")
            return
        }
        #expect(message == "exec: \"no-such-program\": executable file not found in $PATH")
        #expect(!FileManager.default.fileExists(atPath: plan.exitFilePath))
        let pid = try String(contentsOfFile: sandbox.stateDir + "/init.pid", encoding: .utf8)
        #expect(kill(pid_t(pid)!, 0) != 0, "the init was killed and reaped")
    }

    @Test("a setup failure names the call and the path")
    func setupFailureMessage() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        var plan = Plans.shell("true", in: sandbox)
        plan.mounts.append(.init(destination: "/data", source: sandbox.dir + "/missing", type: "bind", options: ["rbind"]))
        guard case .failed(let message) = try await Container.create(plan, in: sandbox) else {
            Issue.record("create succeeded")
            return
        }
        #expect(message == "stat(bind source \(sandbox.dir)/missing for /data): ENOENT")
    }

    @Test("an execve failure after start is recorded in the exit file and on stderr, exit 127")
    func execFailureAfterStart() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let garbage = sandbox.rootfs + "/bin/garbage"
        try Data([0, 1, 2, 3]).write(to: URL(fileURLWithPath: garbage))
        chmod(garbage, 0o755)
        var plan = Plans.shell("", in: sandbox)
        plan.args = ["garbage"]
        let container = try await Container.mustCreate(plan, in: sandbox)
        defer { container.destroy() }
        let (exit, output) = try await container.run()
        #expect(exit.exitCode == 127)
        #expect(exit.error == "execve(/bin/garbage): ENOEXEC")
        #expect(output.contains("swiftlet-init: execve(/bin/garbage): ENOEXEC"))
    }

    @Test("no descriptor of the creator or monitor reaches the container")
    func noLeakedDescriptors() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        // A descriptor without close-on-exec handed to the monitor as fd 7.
        let leaky = open("/etc/hostname", O_RDONLY)
        #expect(leaky >= 0)
        defer { close(leaky) }
        var plan = Plans.shell("ls /proc/self/fd | tr '\\n' ' '; echo", in: sandbox)
        plan.stdio = .criLog(path: sandbox.dir + "/ctr.log")
        guard case .created(let container) = try await Container.create(plan, in: sandbox, extraInheritedFd: leaky) else {
            Issue.record("create failed")
            return
        }
        defer { container.destroy() }
        let (exit, _) = try await container.run()
        #expect(exit.exitCode == 0)
        let log = try String(contentsOfFile: sandbox.dir + "/ctr.log", encoding: .utf8)
        let fds = try #require(log.lines.first?.split(separator: " ", maxSplits: 3).last).split(separator: " ").map(String.init)
        // ls itself holds fd 3 for the directory it lists.
        #expect(fds == ["0", "1", "2", "3"])
    }

    @Test("the monitor survives kill -9 of its creator; the container runs and its exit is recorded")
    func survivesCreatorKill() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let plan = Plans.shell("sleep 0.2; exit 5", in: sandbox)
        try Data(plan.encode()).write(to: URL(fileURLWithPath: sandbox.stateDir + "/plan.bin"))
        let launched = try await Creator.spawnShellCreator(stateDir: sandbox.stateDir, output: sandbox.outputPath)
        defer { kill(launched.initPid, SIGKILL) }
        #expect(kill(launched.creatorPid, SIGKILL) == 0)
        var status: Int32 = 0
        waitpid(launched.creatorPid, &status, 0)
        try await Task.sleep(for: .milliseconds(50))
        #expect(kill(launched.initPid, 0) == 0, "the container init is still there")
        let monitorPid = try #require(Creator.parentPid(of: launched.initPid))
        defer { kill(monitorPid, SIGKILL) }
        #expect(monitorPid != launched.creatorPid)
        #expect(Creator.command(of: monitorPid) == "swiftlet-monito")
        let container = Container(sandbox: sandbox, plan: plan, monitorPid: monitorPid, initPid: launched.initPid)
        try container.start()
        let exit = try await container.waitForExit()
        #expect(exit.exitCode == 5)
    }
}

/// Starts the monitor from a throwaway shell ("the creator") that the test can kill.
enum Creator {
    static func spawnShellCreator(stateDir: String, output: String) async throws -> (creatorPid: pid_t, initPid: pid_t) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw HarnessError("pipe") }
        defer { close(fds[0]) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 3)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        let args = ["/bin/sh", "-c", "\"$0\" \"$1\" & wait", TestEnvironment.monitorPath!, stateDir]
        let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/bin/sh", &actions, nil, argv, environ)
        close(fds[1])
        guard rc == 0 else { throw HarnessError("posix_spawn sh: \(rc)") }
        let line = try await Container.readLine(fds[0], timeout: 60)
        guard line.hasPrefix("ok "), let initPid = pid_t(line.dropFirst(3)) else {
            kill(pid, SIGKILL)
            throw HarnessError("creator's monitor said \(line.debugDescription)")
        }
        return (pid, initPid)
    }

    static func parentPid(of pid: pid_t) -> pid_t? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? pid_t(fields[1]) : nil
    }

    static func command(of pid: pid_t) -> String? {
        (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
