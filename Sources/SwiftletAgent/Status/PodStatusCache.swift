import Foundation
import SwiftletAPI
import Synchronization

/// The node's pods with their latest status, each with a version that goes up only when the
/// status really changed: the `/pods` endpoint reads it, and the control-plane source will
/// patch exactly these statuses upstream, newest version per pod, skipping unchanged ones.
public final class PodStatusCache: Sendable {
    /// A pod (its `status` set) and the version of that status.
    public struct Entry: Sendable {
        public var pod: Pod
        public var version: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var version: UInt64 = 0
        var subscribers: [UInt64: AsyncStream<(uid: String, version: UInt64)>.Continuation] = [:]
        var nextSubscriber: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Stores `pod` (with its status); returns the new version when the status or the pod
    /// changed, nil when it is the same as stored.
    @discardableResult
    public func update(_ pod: Pod) -> UInt64? {
        let uid = pod.metadata.uid ?? ""
        let (version, subscribers): (UInt64?, [AsyncStream<(uid: String, version: UInt64)>.Continuation]) = state.withLock { s in
            if let old = s.entries[uid], old.pod == pod { return (nil, []) }
            s.version += 1
            s.entries[uid] = Entry(pod: pod, version: s.version)
            return (s.version, Array(s.subscribers.values))
        }
        if let version {
            for subscriber in subscribers { subscriber.yield((uid, version)) }
        }
        return version
    }

    /// Drops the pod `uid` (it was removed from the node).
    public func remove(uid: String) {
        state.withLock { _ = $0.entries.removeValue(forKey: uid) }
    }

    /// The entry of pod `uid`.
    public func entry(uid: String) -> Entry? { state.withLock { $0.entries[uid] } }

    /// Every pod with its status, by namespace and name.
    public func pods() -> [Pod] {
        state.withLock { s in
            s.entries.values.map(\.pod).sorted {
                ($0.metadata.namespace ?? "", $0.metadata.name ?? "") < ($1.metadata.namespace ?? "", $1.metadata.name ?? "")
            }
        }
    }

    /// Changes from now on: the pod UID and its new version (a slow reader sees the newest
    /// only, as older versions are superseded).
    public func changes() -> AsyncStream<(uid: String, version: UInt64)> {
        let (stream, continuation) = AsyncStream<(uid: String, version: UInt64)>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        let id = state.withLock { s in
            s.nextSubscriber += 1
            s.subscribers[s.nextSubscriber] = continuation
            return s.nextSubscriber
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }
}

/// What changed between two statuses of a pod, in words, for its timeline.
public enum PodStatusDiff {
    /// One change: the container it is about (nil for the pod), the field, and the message.
    public struct Change: Equatable, Sendable {
        public var container: String?
        public var field: String
        public var message: String
    }

    public static func changes(from old: PodStatus?, to new: PodStatus) -> [Change] {
        var changes: [Change] = []
        if old?.phase != new.phase, let phase = new.phase {
            changes.append(Change(field: "phase", message: old?.phase.map { "phase \($0) -> \(phase)" } ?? "phase \(phase)"))
        }
        for condition in new.conditions ?? [] {
            let before = old?.conditions?.first { $0.type == condition.type }
            guard let before, before.status != condition.status else { continue }
            var text = "\(condition.type) \(before.status) -> \(condition.status)"
            if let reason = condition.reason { text += " (\(reason)" + (condition.message.map { ": \($0)" } ?? "") + ")" }
            changes.append(Change(field: "condition", message: text))
        }
        let oldContainers = (old?.initContainerStatuses ?? []) + (old?.containerStatuses ?? [])
        for status in (new.initContainerStatuses ?? []) + (new.containerStatuses ?? []) {
            let before = oldContainers.first { $0.name == status.name }
            let now = describe(status.state)
            if before.map({ describe($0.state) }) != now {
                changes.append(Change(container: status.name, field: "state", message: now))
            }
            if let before, before.ready != status.ready {
                changes.append(Change(container: status.name, field: "ready", message: status.ready ? "ready" : "not ready"))
            }
        }
        return changes
    }

    /// `running`, `waiting: CrashLoopBackOff (back-off 10s ...)`, `terminated: Error, exit code 3`.
    public static func describe(_ state: ContainerState?) -> String {
        if let running = state?.running {
            return "running" + (running.startedAt.map { " since \($0)" } ?? "")
        }
        if let waiting = state?.waiting {
            return "waiting: \(waiting.reason ?? "")" + (waiting.message.map { " (\($0))" } ?? "")
        }
        if let terminated = state?.terminated {
            var text = "terminated: \(terminated.reason ?? ""), exit code \(terminated.exitCode)"
            if let signal = terminated.signal { text += ", signal \(signal)" }
            if let message = terminated.message, !message.isEmpty { text += " (\(message.prefix(200)))" }
            return text
        }
        return "unknown"
    }
}
