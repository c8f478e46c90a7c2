import Foundation
import Logging
import SwiftletAPI
import Synchronization

/// kubelet's event recorder, kept on the node: core/v1 Events about pods (and the node), with
/// client-go's correlation, plus each pod's timeline of what happened and why.
///
/// Correlation, as client-go's EventCorrelator does it:
/// - an event equal to an earlier one in source, object, type, reason and message is the same
///   Event seen again: `count` goes up and `lastTimestamp` moves, name and `firstTimestamp` stay;
/// - from the 10th distinct message with the same source, object, type and reason within 10
///   minutes of each other, they are combined into one Event with the message
///   `(combined from similar events): <latest message>`.
///
/// Events and timelines are written to `<podDir>/events.json` and `timeline.json` (node events
/// to `<rootDir>/events.json`) by `flush()`, which the agent calls every second; `swiftlet
/// describe` reads them. The control-plane source will ship the same Events upstream.
public final class EventRecorder: Sendable {
    /// `Normal` or `Warning`, as core/v1 has them.
    public enum EventType: String, Sendable { case normal = "Normal", warning = "Warning" }

    /// One line of a pod's timeline.
    public struct TimelineEntry: Codable, Hashable, Sendable {
        /// When it happened.
        public var time: MicroTime
        /// `Normal`/`Warning` for events, `Status` for status changes.
        public var type: String
        /// The event's reason, or the status field that changed.
        public var reason: String
        /// What happened.
        public var message: String
        /// The container it is about, if any.
        public var container: String?
    }

    static let maxSimilarMessages = 10
    static let similarInterval: TimeInterval = 600
    static let maxEventsPerObject = 100
    static let maxTimelineEntries = 300

    private struct Similar {
        var messages: Set<String> = []
        var lastSeen: Date
    }

    private struct Store {
        var events: [String: [String: Event]] = [:]  // object key (pod uid or "") -> dedup key -> event
        var similar: [String: Similar] = [:]
        var timelines: [String: [TimelineEntry]] = [:]
        var podDirs: [String: String] = [:]
        var dirty: Set<String> = []
        var sequence: UInt64 = 0
    }

    private let state = Mutex(Store())
    private let nodeName: String
    private let rootDir: String
    private let clock: any AgentClock
    private let logger: Logger

    /// - Parameters:
    ///   - rootDir: pod directories are `<rootDir>/pods/<uid>`; node events go to `<rootDir>/events.json`.
    public init(nodeName: String, rootDir: String, clock: any AgentClock, logger: Logger) {
        self.nodeName = nodeName
        self.rootDir = rootDir
        self.clock = clock
        self.logger = logger
    }

    /// Records an event about `pod` (and one of its containers, named by `container`).
    public func record(_ pod: Pod, container: String? = nil, _ type: EventType, reason: String, message: String) {
        let uid = pod.metadata.uid ?? ""
        var object = ObjectReference()
        object.kind = "Pod"
        object.apiVersion = "v1"
        object.namespace = pod.metadata.namespace ?? "default"
        object.name = pod.metadata.name
        object.uid = uid
        if let container {
            let isInit = pod.spec.initContainers?.contains { $0.name == container } == true
            object.fieldPath = "spec.\(isInit ? "initContainers" : "containers"){\(container)}"
        }
        let entry = TimelineEntry(time: MicroTime(clock.now()), type: type.rawValue, reason: reason, message: message, container: container)
        emit(objectKey: uid, object: object, type: type, reason: reason, message: message, timeline: entry)
    }

    /// Records an event about the node itself (an invalid manifest, a system OOM).
    public func recordNode(_ type: EventType, reason: String, message: String) {
        var object = ObjectReference()
        object.kind = "Node"
        object.name = nodeName
        object.uid = nodeName
        emit(objectKey: "", object: object, type: type, reason: reason, message: message, timeline: nil)
    }

    /// Adds a status change to `pod`'s timeline (no Event).
    public func noteStatus(_ pod: Pod, container: String? = nil, field: String, message: String) {
        let uid = pod.metadata.uid ?? ""
        let entry = TimelineEntry(time: MicroTime(clock.now()), type: "Status", reason: field, message: message, container: container)
        state.withLock { s in
            append(entry, uid: uid, to: &s)
            s.dirty.insert(uid)
        }
    }

    /// The events about the pod `uid` (`""`: the node), oldest first.
    public func events(podUID uid: String) -> [Event] {
        state.withLock { s in Self.sorted(Array((s.events[uid] ?? [:]).values)) }
    }

    /// Every event held, oldest first.
    public func allEvents() -> [Event] {
        state.withLock { s in Self.sorted(s.events.values.flatMap(\.values)) }
    }

    /// The pod's timeline, oldest first.
    public func timeline(podUID uid: String) -> [TimelineEntry] {
        state.withLock { $0.timelines[uid] ?? [] }
    }

    /// Forgets a pod that is gone (its directory went with it).
    public func forget(podUID uid: String) {
        state.withLock { s in
            s.events[uid] = nil
            s.timelines[uid] = nil
            s.dirty.remove(uid)
            s.similar = s.similar.filter { !$0.key.hasPrefix(uid + "\u{1}") }
        }
    }

    /// Writes the events and timelines that changed since the last flush.
    public func flush() {
        let work: [(uid: String, events: [Event], timeline: [TimelineEntry])] = state.withLock { s in
            defer { s.dirty = [] }
            return s.dirty.map { uid in (uid, Self.sorted(Array((s.events[uid] ?? [:]).values)), s.timelines[uid] ?? []) }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for item in work {
            let dir = item.uid.isEmpty ? rootDir : "\(rootDir)/pods/\(item.uid)"
            // A pod whose directory is gone was removed meanwhile: nothing to write.
            guard FileManager.default.fileExists(atPath: dir) else { continue }
            do {
                try AtomicFile.write(try encoder.encode(item.events), to: dir + "/events.json", mode: 0o644)
                if !item.uid.isEmpty {
                    try AtomicFile.write(try encoder.encode(item.timeline), to: dir + "/timeline.json", mode: 0o644)
                }
            } catch {
                logger.warning("cannot write events", metadata: ["uid": "\(item.uid)", "error": "\(error)"])
            }
        }
    }

    /// Loads what a previous agent wrote for the pod `uid`, so counts continue after a restart.
    public func load(podUID uid: String) {
        let dir = "\(rootDir)/pods/\(uid)"
        let decoder = JSONDecoder()
        let events = FileManager.default.contents(atPath: dir + "/events.json").flatMap { try? decoder.decode([Event].self, from: $0) } ?? []
        let timeline = FileManager.default.contents(atPath: dir + "/timeline.json").flatMap { try? decoder.decode([TimelineEntry].self, from: $0) } ?? []
        state.withLock { s in
            guard s.events[uid] == nil else { return }
            var byKey: [String: Event] = [:]
            for event in events { byKey[Self.dedupKey(event)] = event }
            s.events[uid] = byKey
            s.timelines[uid] = timeline
        }
    }

    // MARK: Correlation

    private func emit(objectKey: String, object: ObjectReference, type: EventType, reason: String, message: String, timeline: TimelineEntry?) {
        let now = clock.now()
        state.withLock { s in
            let similarKey = [objectKey, Self.objectKey(object), type.rawValue, reason].joined(separator: "\u{1}")
            var similar = s.similar[similarKey] ?? Similar(lastSeen: now)
            if now.timeIntervalSince(similar.lastSeen) > Self.similarInterval { similar = Similar(lastSeen: now) }
            similar.messages.insert(message)
            similar.lastSeen = now
            s.similar[similarKey] = similar
            var finalMessage = message
            var key = similarKey + "\u{1}" + message
            if similar.messages.count >= Self.maxSimilarMessages {
                finalMessage = "(combined from similar events): " + message
                key = similarKey
            }
            var events = s.events[objectKey] ?? [:]
            if var existing = events[key] {
                existing.count = (existing.count ?? 1) + 1
                existing.lastTimestamp = Time(now)
                existing.message = finalMessage
                events[key] = existing
            } else {
                s.sequence += 1
                var event = Event()
                let nanos = UInt64(max(0, now.timeIntervalSince1970) * 1e9) &+ s.sequence
                event.metadata = ObjectMeta(name: "\(object.name ?? nodeName).\(String(nanos, radix: 16))",
                                            namespace: object.namespace ?? "default")
                event.involvedObject = object
                event.reason = reason
                event.message = finalMessage
                event.type = type.rawValue
                event.source = EventSource(component: "kubelet", host: nodeName)
                event.firstTimestamp = Time(now)
                event.lastTimestamp = Time(now)
                event.count = 1
                event.reportingComponent = "kubelet"
                event.reportingInstance = nodeName
                events[key] = event
                if events.count > Self.maxEventsPerObject,
                   let oldest = events.min(by: { ($0.value.lastTimestamp?.date ?? .distantPast) < ($1.value.lastTimestamp?.date ?? .distantPast) }) {
                    events[oldest.key] = nil
                }
            }
            s.events[objectKey] = events
            if let timeline { append(timeline, uid: objectKey, to: &s) }
            s.dirty.insert(objectKey)
        }
        var metadata: Logger.Metadata = ["reason": "\(reason)", "object": "\(object.kind ?? "")/\(object.name ?? "")"]
        if let field = object.fieldPath { metadata["field"] = "\(field)" }
        if type == .warning {
            logger.notice("\(message)", metadata: metadata)
        } else {
            logger.debug("\(message)", metadata: metadata)
        }
    }

    private func append(_ entry: TimelineEntry, uid: String, to s: inout Store) {
        var entries = s.timelines[uid] ?? []
        entries.append(entry)
        if entries.count > Self.maxTimelineEntries { entries.removeFirst(entries.count - Self.maxTimelineEntries) }
        s.timelines[uid] = entries
    }

    private static func objectKey(_ o: ObjectReference) -> String {
        [o.kind ?? "", o.namespace ?? "", o.name ?? "", o.uid ?? "", o.apiVersion ?? "", o.fieldPath ?? ""].joined(separator: "\u{2}")
    }

    /// The key a loaded event had when it was recorded (combined ones keep their similar key).
    private static func dedupKey(_ e: Event) -> String {
        let base = [e.involvedObject.uid ?? "", objectKey(e.involvedObject), e.type ?? "", e.reason ?? ""].joined(separator: "\u{1}")
        if e.involvedObject.kind == "Node" {
            let nodeBase = ["", objectKey(e.involvedObject), e.type ?? "", e.reason ?? ""].joined(separator: "\u{1}")
            return (e.message ?? "").hasPrefix("(combined from similar events): ") ? nodeBase : nodeBase + "\u{1}" + (e.message ?? "")
        }
        return (e.message ?? "").hasPrefix("(combined from similar events): ") ? base : base + "\u{1}" + (e.message ?? "")
    }

    private static func sorted(_ events: [Event]) -> [Event] {
        events.sorted { ($0.firstTimestamp?.date ?? .distantPast, $0.metadata.name ?? "") < ($1.firstTimestamp?.date ?? .distantPast, $1.metadata.name ?? "") }
    }
}
