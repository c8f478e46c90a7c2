import Foundation

/// Kubelet's container restart backoff (CrashLoopBackOff), per container:
///
/// - The first exit restarts at once and arms a 10 s backoff.
/// - Each later exit must wait out the current backoff, measured from when the container
///   finished, and then doubles it, up to 300 s.
/// - A container that ran cleanly for longer than twice the cap (10 minutes) since the backoff
///   was last raised starts again from 10 s.
public struct CrashLoopBackoff: Sendable {
    /// The first backoff, in seconds.
    public let initial: TimeInterval
    /// The cap, in seconds.
    public let maximum: TimeInterval
    private var entries: [String: Entry] = [:]

    private struct Entry: Sendable {
        var backoff: TimeInterval
        var lastUpdate: Date
    }

    /// Kubelet's values: 10 s doubling to 300 s.
    public init(initial: TimeInterval = 10, maximum: TimeInterval = 300) {
        self.initial = initial
        self.maximum = maximum
    }

    /// When a container of `key` that finished at `finishedAt` may start again: `nil` means now
    /// (and the backoff for the next exit is armed); a date means it is in CrashLoopBackOff
    /// until then.
    /// - Parameter now: the current time from the agent's clock.
    public mutating func restartTime(key: String, finishedAt: Date, now: Date) -> Date? {
        if let entry = entries[key], now.timeIntervalSince(finishedAt) < entry.backoff,
           !expired(entry, at: finishedAt) {
            return finishedAt.addingTimeInterval(entry.backoff)
        }
        advance(key: key, eventTime: finishedAt, now: now)
        return nil
    }

    /// The backoff the next exit of `key` will wait, in seconds (0 when none is armed).
    public func currentBackoff(key: String) -> TimeInterval { entries[key]?.backoff ?? 0 }

    /// Forgets `key` (the pod or container is gone).
    public mutating func reset(key: String) { entries[key] = nil }

    /// Forgets every key for which `keep` is false.
    public mutating func prune(keep: (String) -> Bool) {
        entries = entries.filter { keep($0.key) }
    }

    /// Arms the next backoff: doubled, or back to the start when the last raise is older than
    /// twice the cap at `eventTime` (the container ran cleanly that long).
    private mutating func advance(key: String, eventTime: Date, now: Date) {
        if let entry = entries[key], !expired(entry, at: eventTime) {
            entries[key] = Entry(backoff: min(entry.backoff * 2, maximum), lastUpdate: now)
        } else {
            entries[key] = Entry(backoff: initial, lastUpdate: now)
        }
    }

    private func expired(_ entry: Entry, at date: Date) -> Bool {
        date.timeIntervalSince(entry.lastUpdate) > 2 * maximum
    }
}

/// Whether a container that exited with `exitCode` runs again, by Kubernetes' rules.
public enum RestartRule {
    /// - Parameters:
    ///   - podRestartPolicy: `Always` (default), `OnFailure` or `Never`.
    ///   - containerRestartPolicy: the container's own `restartPolicy`; `Always` on an init
    ///     container makes it a sidecar, which always restarts while the pod runs.
    public static func shouldRestart(exitCode: Int32, podRestartPolicy: String?, containerRestartPolicy: String? = nil) -> Bool {
        if containerRestartPolicy == "Always" { return true }
        switch podRestartPolicy ?? "Always" {
        case "Never": return false
        case "OnFailure": return exitCode != 0
        default: return true
        }
    }

    /// Whether a regular init container that exited with `exitCode` is retried: init
    /// containers run to success, so only a failure under a policy other than `Never` retries.
    public static func shouldRetryInit(exitCode: Int32, podRestartPolicy: String?) -> Bool {
        exitCode != 0 && (podRestartPolicy ?? "Always") != "Never"
    }
}
