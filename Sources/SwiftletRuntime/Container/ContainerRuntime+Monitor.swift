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

    /// Runs `swiftlet-monitor --run` for one process in a container and waits for it: the plan
    /// goes over a socket on the monitor's fd 3, which brings back the process's
    /// ``ExitRecord``. No state directory, no detaching: the caller reaps the monitor.
    func runAttachedMonitor(plan: [UInt8], inheritStdio: Bool) throws -> ExitRecord {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw RuntimeError.system("socketpair: \(errnoText())")
        }
        let (ours, theirs) = (fds[0], fds[1])
        defer { close(ours) }

        let spawned = Result { try spawnMonitorProcess([Monitor.attachedArgument], creatorEnd: theirs, inheritStdio: inheritStdio) }
        close(theirs)
        let pid = try spawned.get()
        defer {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }

        guard FileIO.writeAll(ours, plan) else { throw RuntimeError.monitor("sending the plan to the monitor: \(errnoText())") }
        _ = shutdown(ours, Int32(SHUT_WR))
        let text = FileIO.readAll(ours, limit: 64 * 1024) ?? ""
        if text.hasPrefix("error ") {
            throw RuntimeError.monitor(String(text.dropFirst(6)).trimmingCharacters(in: .newlines))
        }
        guard let record = ExitRecord(parsing: text) else {
            throw RuntimeError.monitor("the monitor reported no exit status")
        }
        return record
    }

    /// `posix_spawn`s `swiftlet-monitor ARGUMENTS` with `creatorEnd` as its fd 3, default signal
    /// dispositions and an empty mask, and /dev/null as stdio unless `inheritStdio`; posix_spawn
    /// keeps this safe in a multithreaded caller.
    private func spawnMonitorProcess(_ arguments: [String], creatorEnd: Int32, inheritStdio: Bool) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, creatorEnd, Monitor.creatorFd)
        if !inheritStdio {
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
