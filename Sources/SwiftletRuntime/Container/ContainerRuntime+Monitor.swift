import CRuntimeShim
import Foundation
import SwiftletRuntimeInit

extension ContainerRuntime {
    /// Starts `swiftlet-monitor --detach STATE_DIR` and waits for its report on the sync pipe.
    ///
    /// posix_spawn keeps this safe in a multithreaded caller; the monitor forks once more and
    /// its first process exits at once, so the monitor is re-parented away from the caller
    /// and a long-lived caller (the agent) never collects zombies.
    /// - Returns: the monitor's pid and the container init's pid.
    func spawnMonitor(stateDir: String, inheritStdio: Bool) throws -> (monitor: Int32, initPid: Int32) {
        var fds: [Int32] = [-1, -1]
        guard shim_pipe2(&fds, O_CLOEXEC) == 0 else { throw RuntimeError.system("pipe2: \(errnoText())") }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        defer { close(readEnd) }

        let spawned = Result { try spawnMonitorProcess(["--detach", stateDir], creatorEnd: writeEnd, inheritStdio: inheritStdio) }
        close(writeEnd)
        let pid = try spawned.get()
        // The first monitor process exits right after forking the real one.
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}

        var reply = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        // One line; the paused init still holds the write end, so EOF would not come.
        while !reply.contains(UInt8(ascii: "\n")) {
            let n = read(readEnd, &buffer, buffer.count)
            if n > 0 { reply += buffer[0..<n]; continue }
            if n < 0 && errno == EINTR { continue }
            break
        }
        let line = String(decoding: reply, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("ok ") , let initPid = Int32(line.dropFirst(3)) {
            let monitorPid = FileIO.parentPid(of: initPid) ?? 0
            return (monitorPid, initPid)
        }
        if line.hasPrefix("error ") {
            throw RuntimeError.monitor(String(line.dropFirst(6)))
        }
        throw RuntimeError.monitor("swiftlet-monitor (\(monitorPath)) exited without reporting (status \(status))\(line.isEmpty ? "" : ": \(line)")")
    }

    /// Waits until `pid` has exited (through a pidfd, so it needs not be our child), reaping
    /// it when it is our child. `timeout` nil waits forever.
    static func waitForExit(of pid: Int32, timeout: Double?) {
        let fd = shim_pidfd_open(pid, 0)
        if fd < 0 { return }  // already gone
        defer { close(fd) }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ms = timeout.map { Int32($0 * 1000) } ?? -1
        while poll(&pfd, 1, ms) < 0 && errno == EINTR {}
        var status: Int32 = 0
        _ = waitpid(pid, &status, WNOHANG)
    }

    /// A connection to the exec socket of container `id`'s monitor, nil when it has none (a
    /// monitor of an older version, or one that could not bind it) or, `nonBlocking`, when the
    /// monitor is not taking connections now (its backlog is full).
    func connectExecServer(_ id: String, nonBlocking: Bool = false) -> Int32? {
        let connect = nonBlocking ? shim_unix_connect_nonblocking : shim_unix_connect
        let path = stateDir(id) + "/" + Monitor.execSocketName
        var fd = connect(path)
        if fd < 0 && errno == ENAMETOOLONG {
            let dir = open(stateDir(id), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard dir >= 0 else { return nil }
            fd = connect("/proc/self/fd/\(dir)/\(Monitor.execSocketName)")
            close(dir)
        }
        return fd >= 0 ? fd : nil
    }

    /// Runs one exec through the container monitor's exec socket (`connection`, closed here):
    /// the monitor forks the process that runs it, so this caller spawns nothing. Output as
    /// ``runAttachedMonitor(plan:inheritStdio:captureLimit:)`` captures it.
    func runThroughMonitor(connection: Int32, plan: [UInt8], captureLimit: Int) throws -> (ExitRecord, [UInt8]) {
        defer { close(connection) }
        let output = try sendExec(on: connection, plan: plan)
        defer { close(output) }
        return try Self.awaitExit(on: connection, output: output, captureLimit: captureLimit)
    }

    /// Hands `plan` to a monitor's exec server on `connection`, with the write end of a new
    /// pipe for the process's stdout and stderr, and ends our side of the connection.
    /// - Returns: the pipe's read end (non-blocking, close-on-exec), the caller's to close.
    func sendExec(on connection: Int32, plan: [UInt8]) throws -> Int32 {
        var pipe: [Int32] = [-1, -1]
        guard shim_pipe2(&pipe, O_CLOEXEC | O_NONBLOCK) == 0 else { throw RuntimeError.system("pipe2: \(errnoText())") }
        let (output, writeEnd) = (pipe[0], pipe[1])
        // The write end goes to the exec; ours must not stay open, or the pipe never ends.
        let sent = shim_send_byte_with_fd(connection, Monitor.execRequest, writeEnd)
        close(writeEnd)
        guard sent == 0, FileIO.writeAll(connection, plan) else {
            let text = errnoText()
            close(output)
            throw RuntimeError.monitor("sending the exec to the container's monitor: \(text)")
        }
        _ = shutdown(connection, Int32(SHUT_WR))
        return output
    }

    /// After the plan went out on `socket`: ends our side of it, collects the process's output
    /// from `output` (when given) until the exit record arrives, and returns both.
    private static func awaitExit(on socket: Int32, output: Int32?, captureLimit: Int?) throws -> (ExitRecord, [UInt8]) {
        _ = shutdown(socket, Int32(SHUT_WR))  // a no-op when sendExec did it
        var captured: [UInt8] = []
        if let output, let captureLimit {
            collect(output: output, limit: captureLimit, into: &captured, until: socket)
        }
        let text = FileIO.readAll(socket, limit: 64 * 1024) ?? ""
        if let output, let captureLimit {
            // The process has ended: take what it wrote; anything it left running may keep the
            // pipe open, so no waiting for its end.
            drain(output, limit: captureLimit, into: &captured)
        }
        return (try exitRecord(fromReply: text), captured)
    }

    static func exitRecord(fromReply text: String) throws -> ExitRecord {
        if text.hasPrefix("error ") {
            throw RuntimeError.monitor(String(text.dropFirst(6)).trimmingCharacters(in: .newlines))
        }
        guard let record = ExitRecord(parsing: text) else {
            throw RuntimeError.monitor("the monitor reported no exit status")
        }
        return record
    }

    /// Runs `swiftlet-monitor --run` for one process in a container and waits for it: the plan
    /// goes over a socket on the monitor's fd 3, which brings back the process's
    /// ``ExitRecord``. No state directory, no detaching: the caller reaps the monitor.
    /// - Parameters:
    ///   - captureLimit: when set, the process's stdout and stderr (one pipe, in the order
    ///     written) are returned, at most this many bytes; otherwise the output array is empty.
    func runAttachedMonitor(plan: [UInt8], inheritStdio: Bool, captureLimit: Int? = nil) throws -> (ExitRecord, [UInt8]) {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw RuntimeError.system("socketpair: \(errnoText())")
        }
        let (ours, theirs) = (fds[0], fds[1])
        defer { close(ours) }
        var output: (read: Int32, write: Int32)?
        if captureLimit != nil {
            var pipe: [Int32] = [-1, -1]
            guard shim_pipe2(&pipe, O_CLOEXEC | O_NONBLOCK) == 0 else {
                close(theirs)
                throw RuntimeError.system("pipe2: \(errnoText())")
            }
            output = (pipe[0], pipe[1])
        }
        defer { if let output { close(output.read) } }

        let spawned = Result {
            try spawnMonitorProcess([Monitor.attachedArgument], creatorEnd: theirs, inheritStdio: inheritStdio, output: output?.write)
        }
        close(theirs)
        if let output { close(output.write) }
        let pid = try spawned.get()
        defer {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }

        guard FileIO.writeAll(ours, plan) else { throw RuntimeError.monitor("sending the plan to the monitor: \(errnoText())") }
        return try Self.awaitExit(on: ours, output: output?.read, captureLimit: captureLimit)
    }

    /// Reads the output pipe (non-blocking) until `reply` has something to read (the monitor's
    /// report, sent once the process ended), keeping at most `limit` bytes.
    private static func collect(output: Int32, limit: Int, into captured: inout [UInt8], until reply: Int32) {
        var open = true
        while true {
            var fds = [pollfd(fd: reply, events: Int16(POLLIN), revents: 0), pollfd(fd: open ? output : -1, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, -1)
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 || fds[0].revents != 0 { return }
            if fds[1].revents != 0 { open = drain(output, limit: limit, into: &captured) }
        }
    }

    /// Reads what the pipe holds now; false at its end.
    @discardableResult
    private static func drain(_ fd: Int32, limit: Int, into captured: inout [UInt8]) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                captured += buffer[0..<min(n, max(0, limit - captured.count))]
                continue
            }
            if n < 0 && errno == EINTR { continue }
            return n < 0  // EAGAIN: open, nothing more now; 0: end
        }
    }

    /// `posix_spawn`s `swiftlet-monitor ARGUMENTS` with `creatorEnd` as its fd 3, default signal
    /// dispositions and an empty mask, and /dev/null as stdio unless `inheritStdio`; posix_spawn
    /// keeps this safe in a multithreaded caller.
    private func spawnMonitorProcess(_ arguments: [String], creatorEnd: Int32, inheritStdio: Bool, output: Int32? = nil) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, creatorEnd, Monitor.creatorFd)
        if let output {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, output, 1)
            posix_spawn_file_actions_adddup2(&actions, output, 2)
        } else if !inheritStdio {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        shim_spawnattr_clean_signals(&attributes)

        var cArgs = ([monitorPath] + arguments).map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        let environment = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
        var cEnv = environment.map { strdup($0) } + [nil]
        defer { cEnv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, monitorPath, &actions, &attributes, &cArgs, &cEnv)
        guard rc == 0 else { throw RuntimeError.system("posix_spawn(\(monitorPath)): \(errnoText(rc))") }
        return pid
    }
}
