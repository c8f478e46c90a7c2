import CRuntimeShim
import Glibc

/// One monitored container: starts its init and supervises it until it exits.
/// Single-threaded by design (the init is forked from it).
final class MonitorSession {
    let plan: InitPlan
    let stateDir: String
    private(set) var initPid: pid_t = 0

    private var signalFd: Int32 = -1
    private var channel: SyncChannel?
    private var fifoFd: Int32 = -1
    private var fifoDirFd: Int32 = -1
    private var logFd: Int32 = -1
    private var streams: [LogStream] = []
    private var startedAt: Int64 = 0
    private var lateError: String?
    private var children: Set<pid_t> = []
    /// The exec socket (``listenForExecs(at:)``); -1 when there is none.
    private var execListener: Int32 = -1
    private var execSocketPath: String?

    /// One container output pipe feeding the CRI log.
    private struct LogStream {
        var fd: Int32
        let name: String
        var splitter = CRILineSplitter()
    }

    init(plan: InitPlan, stateDir: String) throws(RuntimeInitError) {
        self.plan = plan
        self.stateDir = stateDir
        var mask = sigset_t()
        _ = shim_sigemptyset(&mask)
        _ = shim_sigaddset(&mask, SIGCHLD)
        _ = shim_sigaddset(&mask, SIGUSR1)
        // Blocked before any fork so no SIGCHLD is lost; the init unblocks before execve.
        _ = sigprocmask(SIG_BLOCK, &mask, nil)
        signalFd = shim_signalfd(&mask)
        if signalFd < 0 { throw Sys.error("signalfd", "SIGCHLD, SIGUSR1") }
        if shim_set_child_subreaper(1) != 0 { throw Sys.error("prctl", "PR_SET_CHILD_SUBREAPER") }
    }

    // MARK: - Start

    /// Forks the init and drives it until it is paused on the exec FIFO.
    /// - Throws: the init's own error message, or the monitor's; no process is left behind.
    func start() throws(RuntimeInitError) {
        try openExecFifo()
        var namespaceFds: [(type: UInt64, fd: Int32)] = []
        for join in plan.joinNamespaces {
            let fd = open(join.path, O_RDONLY | O_CLOEXEC)
            if fd < 0 { throw Sys.error("open", "\(Namespace.name(join.type)) namespace \(join.path)") }
            namespaceFds.append((join.type, fd))
        }
        var childStdio: (stdin: Int32, stdout: Int32, stderr: Int32)?
        if case .criLog(let path) = plan.stdio {
            logFd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
            if logFd < 0 { throw Sys.error("open", "container log \(path)") }
            let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
            if devNull < 0 { throw Sys.error("open", "/dev/null") }
            var writeEnds: [Int32] = []
            for name in ["stdout", "stderr"] {
                var fds: [Int32] = [-1, -1]
                if shim_pipe2(&fds, O_CLOEXEC) != 0 { throw Sys.error("pipe2", "container \(name)") }
                // Only our end is non-blocking: the container's must keep normal semantics.
                _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
                streams.append(LogStream(fd: fds[0], name: name))
                writeEnds.append(fds[1])
            }
            childStdio = (devNull, writeEnds[0], writeEnds[1])
        }
        let (monitorEnd, childEnd) = try SyncChannel.pair()
        channel = monitorEnd

        let child = fork()
        if child == 0 {
            monitorEnd.close()
            var initProcess = ContainerInit(
                plan: plan, channel: childEnd, namespaceFds: namespaceFds,
                fifoFd: fifoFd, fifoDirFd: fifoDirFd, stdio: childStdio)
            initProcess.runStage1()
        }
        let forkErrno = Sys.errno
        childEnd.close()
        for (_, fd) in namespaceFds { close(fd) }
        if let childStdio {
            close(childStdio.stdin)
            close(childStdio.stdout)
            close(childStdio.stderr)
        }
        if child < 0 { throw .systemCall("fork", "container init", errno: forkErrno) }
        children.insert(child)
        do throws(RuntimeInitError) {
            try handshake(stage1: child, channel: monitorEnd)
        } catch {
            killAndReapAll()
            throw error
        }
    }

    private func openExecFifo() throws(RuntimeInitError) {
        let path = plan.execFifoPath
        if mkfifo(path, 0o622) == 0 {
            // mkfifo honours the umask; the container's (possibly unmapped) root must be
            // able to open it for writing.
            _ = chmod(path, 0o622)
        } else if Sys.errno != EEXIST {
            throw Sys.error("mkfifo", path)
        }
        fifoFd = open(path, O_PATH | O_CLOEXEC)
        if fifoFd < 0 { throw Sys.error("open", path) }
        fifoDirFd = open(Sys.parentDirectory(path), O_PATH | O_DIRECTORY | O_CLOEXEC)
        if fifoDirFd < 0 { throw Sys.error("open", Sys.parentDirectory(path)) }
    }

    private func handshake(stage1: pid_t, channel: SyncChannel) throws(RuntimeInitError) {
        while true {
            guard let message = channel.receive() else {
                let status = reap(initPid != 0 ? initPid : stage1, blocking: true).map(Self.describe(status:)) ?? "status unknown"
                throw .containerInit("the container init exited during setup without reporting why (\(status))")
            }
            if message == "maps" {
                try writeIDMaps(pid: stage1)
                channel.send("mapped")
            } else if message.hasPrefix("pid "), let pid = pid_t(message.dropFirst(4)), pid > 0 {
                initPid = pid
                if pid != stage1 {
                    // Stage 1 exits right after forking the init; once it is reaped the
                    // init is our child (subreaper) and its parent-death signal refers to us.
                    _ = reap(stage1, blocking: true)
                    children.insert(pid)
                }
                for procs in plan.joinCgroupProcs {
                    try Sys.writeExisting(procs, "\(pid)")
                }
                // An attached run (no state directory) has no record to keep.
                if !stateDir.isEmpty {
                    try Sys.writeAtomically(stateDir + "/" + Monitor.initPidFileName, "\(pid)", durable: false)
                }
                channel.send("go")
            } else if message == "created" {
                return
            } else if message.hasPrefix("error ") {
                throw .containerInit(String(message.dropFirst(6)))
            } else {
                throw .monitor("unexpected message from the container init: \(message)")
            }
        }
    }

    private func writeIDMaps(pid: pid_t) throws(RuntimeInitError) {
        func lines(_ mappings: [InitPlan.IDMapping]) -> String {
            mappings.map { "\($0.containerID) \($0.hostID) \($0.size)\n" }.joined()
        }
        if !plan.uidMappings.isEmpty {
            try Sys.writeExisting("/proc/\(pid)/uid_map", lines(plan.uidMappings))
        }
        if plan.denySetgroups {
            try Sys.writeExisting("/proc/\(pid)/setgroups", "deny")
        }
        if !plan.gidMappings.isEmpty {
            try Sys.writeExisting("/proc/\(pid)/gid_map", lines(plan.gidMappings))
        }
    }

    func killAndReapAll() {
        for pid in children { _ = kill(pid, SIGKILL) }
        for pid in children { _ = reap(pid, blocking: true) }
    }

    /// waitpid for one child; its raw status, or nil when it was not reaped.
    @discardableResult
    private func reap(_ pid: pid_t, blocking: Bool) -> Int32? {
        var status: Int32 = 0
        while true {
            let rc = waitpid(pid, &status, blocking ? 0 : WNOHANG)
            if rc == pid {
                children.remove(pid)
                return status
            }
            if rc < 0 && Sys.errno == EINTR { continue }
            return nil
        }
    }

    static func describe(status: Int32) -> String {
        if shim_wifexited(status) != 0 { return "exit status \(shim_wexitstatus(status))" }
        if shim_wifsignaled(status) != 0 { return "killed by signal \(shim_wtermsig(status))" }
        return "wait status \(status)"
    }

    // MARK: - Supervision

    /// After a successful start with inherited stdio, the monitor's own copies of the
    /// creator's stdio are replaced with /dev/null so they close when the container's do.
    func detachOwnStdio() {
        close(fifoFd)
        close(fifoDirFd)
        fifoFd = -1
        fifoDirFd = -1
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        if devNull >= 0 {
            for fd: Int32 in 0...2 { _ = dup2(devNull, fd) }
            close(devNull)
        }
    }

    /// Lets the init paused on the exec FIFO go on to execve, as the creator's `start` does for
    /// a detached monitor: opens the FIFO for reading and takes the byte the init writes. Fails
    /// when the init exits first (its status then comes from ``superviseUntilExit()``).
    func releaseExecFifo() throws(RuntimeInitError) {
        let path = plan.execFifoPath
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 { throw Sys.error("open", path) }
        defer {
            close(fd)
            unlink(path)
        }
        while true {
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: signalFd, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, 10_000)
            if ready < 0 && Sys.errno == EINTR { continue }
            if ready <= 0 { throw .monitor("the container init did not reach the exec FIFO in 10 s") }
            if fds[0].revents & Int16(POLLIN) != 0 {
                var byte: UInt8 = 0
                if read(fd, &byte, 1) == 1 { return }
            }
            if fds[1].revents != 0 {
                // SIGCHLD (stage 1's, reaped already, is pending too): taken here, or poll would
                // not block again; an init that is gone now is reported instead of started.
                while shim_signalfd_read(signalFd) > 0 {}
                if initPid == 0 || Self.isZombie(initPid) {
                    throw .monitor("the process exited before it could be started")
                }
            }
            if fds[0].revents & Int16(POLLHUP) != 0 && fds[0].revents & Int16(POLLIN) == 0 {
                // A writer opened and closed without writing: poll again shortly.
                usleep(1000)
            }
        }
    }

    private static func isZombie(_ pid: pid_t) -> Bool {
        guard let stat = try? Sys.readFile("/proc/\(pid)/stat"), let close = stat.lastIndex(of: UInt8(ascii: ")")),
              close + 2 < stat.count else { return true }
        return stat[close + 2] == UInt8(ascii: "Z") || stat[close + 2] == UInt8(ascii: "X")
    }

    /// Pumps output and reaps children until the init exits, then records the exit in the
    /// plan's exit file.
    func superviseUntilExit() {
        let record = superviseUntilExitRecord()
        do throws(RuntimeInitError) {
            try Sys.writeAtomically(plan.exitFilePath, record.fileContents, durable: true)
        } catch {
            diagnose("writing the exit file failed: \(error.message)")
        }
    }

    /// Pumps output and reaps children until the init exits; returns its exit.
    func superviseUntilExitRecord() -> ExitRecord {
        var initStatus: Int32?
        var finishedAt: Int64 = 0
        // Uninitialized and reused: only pages a read fills become resident.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        while initStatus == nil {
            var pollFds = [pollfd(fd: signalFd, events: Int16(POLLIN), revents: 0)]
            if let channel { pollFds.append(pollfd(fd: channel.fd, events: Int16(POLLIN), revents: 0)) }
            if execListener >= 0 { pollFds.append(pollfd(fd: execListener, events: Int16(POLLIN), revents: 0)) }
            for stream in streams where stream.fd >= 0 {
                pollFds.append(pollfd(fd: stream.fd, events: Int16(POLLIN), revents: 0))
            }
            let ready = poll(&pollFds, nfds_t(pollFds.count), -1)
            if ready < 0 {
                if Sys.errno == EINTR { continue }
                diagnose("poll: \(Errno.name(Sys.errno))")
                break
            }
            for entry in pollFds where entry.revents != 0 {
                if entry.fd == signalFd {
                    if handleSignals(&initStatus) { finishedAt = Sys.realtimeNanos() }
                } else if let channel, entry.fd == channel.fd {
                    readChannel(channel)
                } else if entry.fd == execListener {
                    acceptExecs()
                } else if let index = streams.firstIndex(where: { $0.fd == entry.fd }) {
                    pump(index, buffer: buffer, untilDrained: false)
                }
            }
        }
        stopExecs()
        // Whatever the init wrote before exiting is in the pipes already; processes it
        // left behind may keep writing, so read only what is there now.
        if let channel {
            readChannel(channel)
        }
        for index in streams.indices where streams[index].fd >= 0 {
            pump(index, buffer: buffer, untilDrained: true)
        }
        for index in streams.indices {
            finishStream(index)
        }
        let status = initStatus ?? 0
        let signaled = shim_wifsignaled(status) != 0
        return ExitRecord(
            exitCode: signaled ? 128 + shim_wtermsig(status) : shim_wexitstatus(status),
            signal: signaled ? shim_wtermsig(status) : 0,
            startedAt: startedAt,
            finishedAt: finishedAt == 0 ? Sys.realtimeNanos() : finishedAt,
            error: lateError)
    }

    // MARK: - Exec server

    /// Serves execs into this container on a unix socket at `path` (`exec.sock` in the state
    /// directory) while it runs, as a containerd shim serves `exec`: each connection gets a
    /// process forked from this monitor that runs one exec as ``Monitor/runAttached()`` does
    /// (plan in, exit record out, on the connection), so a caller spawns no process of its own.
    /// Its first byte may carry a descriptor (SCM_RIGHTS) for the exec's stdout and stderr.
    /// Without the socket (a path too long for `sun_path` even through the state directory's
    /// descriptor, say) callers fall back to spawning `swiftlet-monitor --run` themselves.
    func listenForExecs(at path: String) {
        var fd = shim_unix_listen(path, 64)
        if fd < 0 && Sys.errno == ENAMETOOLONG {
            // Bind through a short path to the same directory.
            let dir = open(Sys.parentDirectory(path), O_PATH | O_DIRECTORY | O_CLOEXEC)
            if dir >= 0 {
                fd = shim_unix_listen("/proc/self/fd/\(dir)/\(Sys.baseName(path))", 64)
                close(dir)
            }
        }
        if fd < 0 {
            diagnose("exec socket \(path): \(Errno.name(Sys.errno)); execs will spawn their own monitor")
            return
        }
        execListener = fd
        execSocketPath = path
    }

    private func acceptExecs() {
        while true {
            let connection = shim_accept_cloexec(execListener)
            if connection < 0 {
                if Sys.errno == EINTR { continue }
                return  // EAGAIN: all taken
            }
            let child = fork()
            if child == 0 {
                close(execListener)
                _exit(Monitor.serveExec(connection: connection))
            }
            if child < 0 { diagnose("fork for an exec: \(Errno.name(Sys.errno))") }
            // Reaped with every other child on SIGCHLD.
            close(connection)
        }
    }

    private func stopExecs() {
        guard execListener >= 0 else { return }
        close(execListener)
        execListener = -1
        if let execSocketPath { unlink(execSocketPath) }
    }

    /// Reads pending signals; reaps children on SIGCHLD. True when the init was reaped now.
    private func handleSignals(_ initStatus: inout Int32?) -> Bool {
        var reapedInit = false
        while true {
            let signo = shim_signalfd_read(signalFd)
            if signo <= 0 { break }
            if signo == SIGUSR1 { reopenLog() }
        }
        // Reap everything: SIGCHLD coalesces, and as a subreaper we also inherit orphans.
        var status: Int32 = 0
        while true {
            let pid = waitpid(-1, &status, WNOHANG)
            if pid <= 0 { break }
            children.remove(pid)
            if pid == initPid && initStatus == nil {
                initStatus = status
                reapedInit = true
            }
        }
        return reapedInit
    }

    private func readChannel(_ channel: SyncChannel) {
        while true {
            switch channel.receive(flags: Int32(MSG_DONTWAIT)) {
            case .message(let message):
                if message == "started" {
                    startedAt = Sys.realtimeNanos()
                } else if message.hasPrefix("error ") {
                    lateError = String(message.dropFirst(6))
                }
            case .empty:
                return
            case .closed:
                // End of stream: the init exec'd (close-on-exec) or exited.
                channel.close()
                self.channel = nil
                return
            }
        }
    }

    private func pump(_ index: Int, buffer: UnsafeMutableRawBufferPointer, untilDrained: Bool) {
        while streams[index].fd >= 0 {
            let n = read(streams[index].fd, buffer.baseAddress, buffer.count)
            if n > 0 {
                writeRecords(index, UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                if !untilDrained { return }
                continue
            }
            if n < 0 && Sys.errno == EINTR { continue }
            if n < 0 && Sys.errno == EAGAIN { return }
            finishStream(index)
            return
        }
    }

    private func writeRecords(_ index: Int, _ bytes: UnsafeRawBufferPointer) {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 64)
        let name = streams[index].name
        streams[index].splitter.feed(bytes) { record in
            Self.appendRecord(record, stream: name, to: &out)
        }
        writeLog(out)
    }

    private func finishStream(_ index: Int) {
        var out: [UInt8] = []
        let name = streams[index].name
        streams[index].splitter.finish { record in
            Self.appendRecord(record, stream: name, to: &out)
        }
        if !out.isEmpty { writeLog(out) }
        if streams[index].fd >= 0 {
            close(streams[index].fd)
            streams[index].fd = -1
        }
    }

    static func appendRecord(_ record: CRILineSplitter.Record, stream: String, to out: inout [UInt8]) {
        CRILog.appendTimestamp(unixNanos: Sys.realtimeNanos(), to: &out)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: stream.utf8)
        out.append(contentsOf: record.partial ? Array(" P ".utf8) : Array(" F ".utf8))
        out.append(contentsOf: record.content)
        out.append(UInt8(ascii: "\n"))
    }

    private func writeLog(_ bytes: [UInt8]) {
        // Like containerd: on a write error keep draining the container's output.
        if logFd >= 0 && !bytes.isEmpty { Sys.writeAll(logFd, bytes) }
    }

    private func reopenLog() {
        guard case .criLog(let path) = plan.stdio else { return }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        if fd < 0 {
            diagnose("reopening \(path): \(Errno.name(Sys.errno))")
            return
        }
        if logFd >= 0 { close(logFd) }
        logFd = fd
    }

    /// Appends a line to `STATE_DIR/monitor.log`: after start nobody reads our stderr.
    private func diagnose(_ message: String) {
        guard !stateDir.isEmpty else { return }
        let fd = open(stateDir + "/monitor.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        Sys.writeAll(fd, "\(CRILog.timestamp(unixNanos: Sys.realtimeNanos())) \(message)\n")
        close(fd)
    }
}
