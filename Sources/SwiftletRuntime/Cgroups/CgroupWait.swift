#if canImport(Glibc)
import Glibc
#endif

/// Polling and the signal-every-pid kill loop shared by both drivers.
enum CgroupWait {
    /// Monotonic time in nanoseconds.
    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Calls `condition` until it returns true or `timeoutNanos` pass, sleeping with a growing
    /// interval (1 ms up to 20 ms). Returns whether the condition became true.
    static func poll(timeoutNanos: UInt64, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = now() + timeoutNanos
        var sleepMicros: UInt32 = 1_000
        while true {
            if try condition() {
                return true
            }
            if now() >= deadline {
                return false
            }
            usleep(sleepMicros)
            sleepMicros = min(sleepMicros * 2, 20_000)
        }
    }

    /// Kills every task in a cgroup without `cgroup.kill`: freeze (so nothing forks meanwhile),
    /// SIGKILL every pid listed, thaw (frozen tasks only die once thawed), and repeat until the
    /// cgroup is empty.
    ///
    /// - Parameters:
    ///   - freeze: freezes the cgroup, or nil when there is no freezer.
    ///   - thaw: thaws the cgroup, or nil when there is no freezer.
    ///   - readPids: lists the tasks left.
    ///   - describe: names the cgroup in the timeout error.
    /// - Throws: `CgroupError.Code.timeout` when tasks remain after `timeoutNanos`, or the error of `readPids`.
    static func killLoop(
        freeze: (() throws -> Void)?,
        thaw: (() throws -> Void)?,
        readPids: () throws -> [Int32],
        describe: String,
        timeoutNanos: UInt64 = 10_000_000_000
    ) throws {
        let deadline = now() + timeoutNanos
        while true {
            var frozen = false
            if let freeze {
                frozen = (try? freeze()) != nil
            }
            let pids = try readPids()
            for pid in pids where pid > 0 {
                _ = kill(pid, SIGKILL)
            }
            if frozen, let thaw {
                try thaw()
            }
            if pids.isEmpty {
                return
            }
            let empty = try poll(timeoutNanos: 200_000_000) { try readPids().isEmpty }
            if empty {
                return
            }
            if now() >= deadline {
                let left = (try? readPids()) ?? pids
                throw CgroupError(
                    .timeout,
                    "kill all tasks in \(describe): \(left.count) task(s) still present after SIGKILL: \(left.prefix(10).map(String.init).joined(separator: " "))"
                )
            }
        }
    }
}
