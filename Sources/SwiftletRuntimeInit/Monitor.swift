import CRuntimeShim
import Glibc

/// The per-container monitor behind `swiftlet-monitor STATE_DIR`.
///
/// Started detached by the runtime library (fork+exec, its own session), it:
/// 1. reads `STATE_DIR/plan.bin`, becomes a child subreaper, ignores SIGPIPE, SIGHUP,
///    SIGINT, SIGTERM and SIGQUIT (the library signals the container directly; the monitor
///    must outlive its creator and end only when the container does);
/// 2. forks the container init (see ``ContainerInit``), writes its uid/gid maps, moves it
///    into `joinCgroupProcs`, writes `init.pid` atomically and lets it continue;
/// 3. waits until the init is paused on the exec FIFO and reports to its creator on fd 3:
///    `ok PID\n`, or `error MESSAGE\n` (then exits 1, leaving no process behind);
/// 4. pumps the container's stdout/stderr into the CRI log file when the plan asks for one
///    (otherwise the container shares the monitor's stdio, like runc), reaps every child
///    (re-parented orphans too) and reopens the log file on SIGUSR1 (log rotation);
/// 5. when the init exits, drains its output, writes `STATE_DIR/exit` atomically (see
///    ``ExitRecord``) and exits 0.
public enum Monitor {
    /// The monitor's version, printed by `--version`.
    public static let version = "0.1.0"
    /// Name of the plan file in the state directory.
    public static let planFileName = "plan.bin"
    /// Name of the file holding the init's pid (decimal, no newline) in the state directory.
    public static let initPidFileName = "init.pid"
    /// Descriptor on which the creator reads the start result.
    public static let creatorFd: Int32 = 3

    /// Runs the monitor for `arguments` (`[program, STATE_DIR]` or `[program, "--version"]`);
    /// returns the process exit status.
    public static func run(arguments: [String]) -> Int32 {
        if arguments.count == 2 && arguments[1] == PodPause.argument {
            return PodPause.run()
        }
        if arguments.count == 2 && arguments[1] == attachedArgument {
            return runAttached()
        }
        if arguments.count == 2 && arguments[1] == "--version" {
            Sys.writeAll(1, "swiftlet-monitor \(version)\n")
            return 0
        }
        guard arguments.count == 2, !arguments[1].isEmpty, !arguments[1].hasPrefix("-") else {
            Sys.writeAll(2, "usage: swiftlet-monitor STATE_DIR | --run | --pause | --version\n")
            return 2
        }
        for sig in [SIGPIPE, SIGHUP, SIGINT, SIGTERM, SIGQUIT] { _ = signal(sig, SIG_IGN) }
        // Closed stdio slots would be reused by the next open and clobbered by dup2 later.
        for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) < 0 {
            _ = open("/dev/null", O_RDWR)
        }
        _ = setsid()  // EPERM when already a session leader: fine either way.

        let reporter = fcntl(creatorFd, F_GETFD) >= 0 ? creatorFd : -1
        if reporter >= 0 { _ = fcntl(reporter, F_SETFD, FD_CLOEXEC) }
        // Nothing else inherited is ours; keep it from the container and from this process.
        _ = shim_close_range(UInt32(creatorFd + 1), UInt32.max, 0)

        var stateDir = arguments[1]
        if !stateDir.hasPrefix("/") {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            if getcwd(&buffer, buffer.count) != nil {
                stateDir = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/" + stateDir
            }
        }

        // Do not keep the creator's working directory (and its filesystem) busy.
        _ = chdir("/")

        let session: MonitorSession
        do throws(RuntimeInitError) {
            let plan = try InitPlan(decoding: try Sys.readFile(stateDir + "/" + planFileName))
            session = try MonitorSession(plan: plan, stateDir: stateDir)
            try session.start()
        } catch {
            report(reporter, "error \(error.message.replacingNewlines())\n")
            return 1
        }
        report(reporter, "ok \(session.initPid)\n")
        if reporter >= 0 { close(reporter) }
        session.detachOwnStdio()
        session.listenForExecs(at: stateDir + "/" + execSocketName)
        // Give back the heap pages the start-up used; an idle monitor keeps only what it needs.
        _ = shim_malloc_trim(0)
        session.superviseUntilExit()
        return 0
    }

    /// Name of the exec socket in the state directory (see ``MonitorSession/listenForExecs(at:)``).
    public static let execSocketName = "exec.sock"
    /// First byte of an exec request. A descriptor for stdout and stderr may come with it;
    /// without one they are /dev/null (or the plan's CRI log).
    public static let execRequest: UInt8 = UInt8(ascii: "o")

    /// In a process forked from a container's monitor for one exec connection: takes the
    /// request's first byte (and the output descriptor that may come with it), then runs the
    /// exec as ``runAttached()`` with the connection as fd 3.
    static func serveExec(connection: Int32) -> Int32 {
        var byte: UInt8 = 0
        let output = shim_recv_byte_with_fd(connection, &byte)
        if output == -1 { return 1 }
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        _ = dup2(devNull, 0)
        _ = dup2(output >= 0 ? output : devNull, 1)
        _ = dup2(output >= 0 ? output : devNull, 2)
        _ = dup2(connection, creatorFd)
        // runAttached closes every other descriptor this process inherited from the monitor.
        return runAttached()
    }

    /// The argument of an attached run (``runAttached()``).
    public static let attachedArgument = "--run"

    /// `swiftlet-monitor --run`: one process in a running container (an exec), for a creator
    /// that waits for it, with no state directory. The plan comes on fd 3 (a socket the creator
    /// shuts down for writing once it is sent); the monitor starts the process, lets it go past
    /// the exec FIFO itself, pumps its output and reaps as for a container, then writes the
    /// ``ExitRecord`` (its file form) back on fd 3, or `error MESSAGE\n` when it could not start
    /// it. The creator reaps the monitor.
    static func runAttached() -> Int32 {
        for sig in [SIGPIPE, SIGHUP, SIGINT, SIGTERM, SIGQUIT] { _ = signal(sig, SIG_IGN) }
        for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) < 0 {
            _ = open("/dev/null", O_RDWR)
        }
        guard fcntl(creatorFd, F_GETFD) >= 0 else {
            Sys.writeAll(2, "swiftlet-monitor: --run needs the creator's socket on fd \(creatorFd)\n")
            return 2
        }
        _ = fcntl(creatorFd, F_SETFD, FD_CLOEXEC)
        _ = shim_close_range(UInt32(creatorFd + 1), UInt32.max, 0)
        _ = chdir("/")
        let session: MonitorSession
        do throws(RuntimeInitError) {
            guard let bytes = Sys.readAll(creatorFd) else { throw Sys.error("read", "the plan on fd \(creatorFd)") }
            session = try MonitorSession(plan: try InitPlan(decoding: bytes), stateDir: "")
            try session.start()
        } catch {
            Sys.writeAll(creatorFd, "error \(error.message.replacingNewlines())\n")
            return 1
        }
        do throws(RuntimeInitError) {
            try session.releaseExecFifo()
        } catch {
            session.killAndReapAll()
            Sys.writeAll(creatorFd, "error \(error.message.replacingNewlines())\n")
            return 1
        }
        session.detachOwnStdio()
        let record = session.superviseUntilExitRecord()
        Sys.writeAll(creatorFd, record.fileContents)
        return 0
    }

    private static func report(_ fd: Int32, _ line: String) {
        if fd >= 0 {
            Sys.writeAll(fd, line)
        } else {
            Sys.writeAll(2, "swiftlet-monitor: " + line)
        }
    }
}
