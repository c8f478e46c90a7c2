import CRuntimeShim
import Foundation

/// Runs a helper program (a CNI plugin, `ip`, `iptables-restore`) with data on stdin and
/// collects its stdout and stderr, killing it when it outlives a timeout.
///
/// posix_spawn keeps this safe in the multithreaded agent, and the blocking wait runs on a
/// Dispatch thread, never on one of Swift concurrency's few cooperative threads. Stdin is a
/// socket, not a pipe: a child that exits without reading it gives EPIPE, never SIGPIPE.
struct ChildProcess: Sendable {
    /// What a finished child left behind.
    struct Output: Sendable {
        /// Exit status, or 128 + signal number when a signal ended it.
        var status: Int32
        var stdout: Data
        var stderr: Data
        /// Whether it was killed for running past the timeout.
        var timedOut: Bool

        var stderrText: String {
            String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var stdoutText: String {
            String(decoding: stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// Bytes kept of each output stream; the rest is read and dropped so the child never blocks.
    static let outputLimit = 4 << 20

    var executable: String
    var arguments: [String] = []
    /// `KEY=VALUE` entries, the child's whole environment.
    var environment: [String]
    var stdin = Data()
    var timeout: Duration

    /// Runs the child to completion on a Dispatch thread.
    /// - Throws: `NetworkError.system` when it cannot be started.
    func run() async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try self.runBlocking() })
            }
        }
    }

    /// Runs the child to completion on the calling thread.
    func runBlocking() throws -> Output {
        var inPair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &inPair) == 0 else {
            throw NetworkError.system("socketpair", executable, errno: errno)
        }
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard shim_pipe2(&outPipe, O_CLOEXEC) == 0 else {
            let e = errno
            close(inPair[0]); close(inPair[1])
            throw NetworkError.system("pipe2", executable, errno: e)
        }
        guard shim_pipe2(&errPipe, O_CLOEXEC) == 0 else {
            let e = errno
            [inPair[0], inPair[1], outPipe[0], outPipe[1]].forEach { close($0) }
            throw NetworkError.system("pipe2", executable, errno: e)
        }
        let stdinWrite = inPair[0], stdoutRead = outPipe[0], stderrRead = errPipe[0]
        let childEnds = [inPair[1], outPipe[1], errPipe[1]]

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPair[1], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        // Descriptors the agent opened without O_CLOEXEC stay out of plugins (and out of
        // daemons a plugin may leave behind).
        shim_spawn_file_actions_closefrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        shim_spawnattr_clean_signals(&attributes)

        var cArgs = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var cEnv = environment.map { strdup($0) } + [nil]
        defer { cEnv.forEach { free($0) } }

        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, &cArgs, &cEnv)
        childEnds.forEach { close($0) }
        guard rc == 0 else {
            [stdinWrite, stdoutRead, stderrRead].forEach { close($0) }
            throw NetworkError.system("posix_spawn", executable, errno: rc)
        }
        return collect(pid: pid, stdinWrite: stdinWrite, stdoutRead: stdoutRead, stderrRead: stderrRead)
    }

    private func collect(pid: pid_t, stdinWrite: Int32, stdoutRead: Int32, stderrRead: Int32) -> Output {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var stdinFd: Int32 = stdinWrite
        var stdinOffset = 0
        let input = [UInt8](stdin)
        if input.isEmpty {
            shutdown(stdinFd, Int32(SHUT_WR))
            close(stdinFd)
            stdinFd = -1
        }
        var fds: [Int32] = [stdoutRead, stderrRead]
        var buffers: [Int32: Data] = [stdoutRead: Data(), stderrRead: Data()]
        var chunk = [UInt8](repeating: 0, count: 65536)
        var timedOut = false

        while !fds.isEmpty || stdinFd >= 0 {
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero {
                timedOut = true
                break
            }
            var polls = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if stdinFd >= 0 { polls.append(pollfd(fd: stdinFd, events: Int16(POLLOUT), revents: 0)) }
            let ms = Int32(clamping: max(1, remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000))
            let n = poll(&polls, nfds_t(polls.count), ms)
            if n < 0 {
                if errno == EINTR { continue }
                break
            }
            for p in polls where p.revents != 0 {
                if p.fd == stdinFd {
                    let written = input[stdinOffset...].withUnsafeBytes { raw in
                        send(stdinFd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
                    }
                    if written > 0 { stdinOffset += written }
                    if stdinOffset >= input.count || (written < 0 && errno != EAGAIN && errno != EINTR) {
                        shutdown(stdinFd, Int32(SHUT_WR))
                        close(stdinFd)
                        stdinFd = -1
                    }
                    continue
                }
                let count = read(p.fd, &chunk, chunk.count)
                if count > 0 {
                    if buffers[p.fd, default: Data()].count < Self.outputLimit {
                        buffers[p.fd, default: Data()].append(contentsOf: chunk[0..<count])
                    }
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(p.fd)
                    fds.removeAll { $0 == p.fd }
                }
            }
        }
        if stdinFd >= 0 { close(stdinFd) }
        fds.forEach { close($0) }

        // Both streams closed: the child has exited or is about to; it may also have handed
        // them to a daemon and kept running, so the deadline still applies.
        var status: Int32 = 0
        while !timedOut {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { return Output(status: decode(status), stdout: buffers[stdoutRead] ?? Data(), stderr: buffers[stderrRead] ?? Data(), timedOut: false) }
            if r < 0 && errno != EINTR { return Output(status: -1, stdout: buffers[stdoutRead] ?? Data(), stderr: buffers[stderrRead] ?? Data(), timedOut: false) }
            if ContinuousClock.now >= deadline { timedOut = true; break }
            usleep(1000)
        }
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return Output(status: decode(status), stdout: buffers[stdoutRead] ?? Data(), stderr: buffers[stderrRead] ?? Data(), timedOut: true)
    }

    private func decode(_ status: Int32) -> Int32 {
        if shim_wifexited(status) != 0 { return shim_wexitstatus(status) }
        if shim_wifsignaled(status) != 0 { return 128 + shim_wtermsig(status) }
        return -1
    }

    /// The first executable file named `name` in `directories`.
    static func find(_ name: String, in directories: [String]) -> String? {
        for dir in directories {
            let path = dir.hasSuffix("/") ? dir + name : dir + "/" + name
            if access(path, X_OK) == 0 {
                var st = stat()
                if stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG { return path }
            }
        }
        return nil
    }

    /// Where system tools (ip, iptables) live on Debian.
    static let systemPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    /// The agent's environment with a PATH that reaches the system tools: plugins exec
    /// `iptables` and friends through PATH.
    static func inheritedEnvironment(overriding extra: [(String, String)]) -> [String] {
        var env = ProcessInfo.processInfo.environment
        var parts = (env["PATH"] ?? "").split(separator: ":").map(String.init)
        for dir in systemPath where !parts.contains(dir) { parts.append(dir) }
        env["PATH"] = parts.joined(separator: ":")
        for (key, value) in extra { env[key] = value }
        return env.map { "\($0.key)=\($0.value)" }.sorted()
    }

    /// Runs a system tool found on `systemPath`.
    /// - Throws: `NetworkError` when the tool is missing, fails or times out.
    static func tool(_ name: String, _ arguments: [String], stdin: Data = Data(), timeout: Duration = .seconds(30)) async throws -> Output {
        guard let path = find(name, in: systemPath) else {
            throw NetworkError.notFound("\(name): not found in \(systemPath.joined(separator: ":"))")
        }
        let child = ChildProcess(
            executable: path, arguments: arguments,
            environment: inheritedEnvironment(overriding: [("LC_ALL", "C")]), stdin: stdin, timeout: timeout)
        let output = try await child.run()
        if output.timedOut {
            throw NetworkError.command([name] + arguments, status: output.status, output: "timed out after \(timeout)")
        }
        return output
    }
}
