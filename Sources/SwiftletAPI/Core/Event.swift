/// An Event (`core/v1.Event`): a report of something that happened to an object.
public struct Event: Codable, Hashable, Sendable {
    /// API version, `v1`.
    public var apiVersion: String?
    /// Kind, `Event`.
    public var kind: String?
    /// Standard object metadata.
    public var metadata: ObjectMeta
    /// The object the event is about.
    public var involvedObject: ObjectReference
    /// CamelCase machine-readable reason, e.g. `Pulled`.
    public var reason: String?
    /// Human-readable description.
    public var message: String?
    /// Component that reported it.
    public var source: EventSource?
    /// First time it was seen.
    public var firstTimestamp: Time?
    /// Last time it was seen.
    public var lastTimestamp: Time?
    /// Times it occurred.
    public var count: Int32?
    /// `Normal` or `Warning`.
    public var type: String?
    /// When it first occurred, with microseconds.
    public var eventTime: MicroTime?
    /// Data on an ongoing series of the event.
    public var series: EventSeries?
    /// What was done, or failed, e.g. `Pulling`.
    public var action: String?
    /// A secondary object involved.
    public var related: ObjectReference?
    /// Controller that emitted it, e.g. `kubelet`.
    public var reportingComponent: String?
    /// Instance of the controller, e.g. the node name.
    public var reportingInstance: String?

    /// Creates a `Event`; every argument defaults to unset.
    public init(
        apiVersion: String? = "v1",
        kind: String? = "Event",
        metadata: ObjectMeta = ObjectMeta(),
        involvedObject: ObjectReference = ObjectReference(),
        reason: String? = nil,
        message: String? = nil,
        source: EventSource? = nil,
        firstTimestamp: Time? = nil,
        lastTimestamp: Time? = nil,
        count: Int32? = nil,
        type: String? = nil,
        eventTime: MicroTime? = nil,
        series: EventSeries? = nil,
        action: String? = nil,
        related: ObjectReference? = nil,
        reportingComponent: String? = nil,
        reportingInstance: String? = nil
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
        self.involvedObject = involvedObject
        self.reason = reason
        self.message = message
        self.source = source
        self.firstTimestamp = firstTimestamp
        self.lastTimestamp = lastTimestamp
        self.count = count
        self.type = type
        self.eventTime = eventTime
        self.series = series
        self.action = action
        self.related = related
        self.reportingComponent = reportingComponent
        self.reportingInstance = reportingInstance
    }

    private enum CodingKeys: String, CodingKey {
        case apiVersion
        case kind
        case metadata
        case involvedObject
        case reason
        case message
        case source
        case firstTimestamp
        case lastTimestamp
        case count
        case type
        case eventTime
        case series
        case action
        case related
        case reportingComponent
        case reportingInstance
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        self.kind = try c.decodeIfPresent(String.self, forKey: .kind)
        self.metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        self.involvedObject = try c.decodeIfPresent(ObjectReference.self, forKey: .involvedObject) ?? ObjectReference()
        self.reason = try c.decodeIfPresent(String.self, forKey: .reason)
        self.message = try c.decodeIfPresent(String.self, forKey: .message)
        self.source = try c.decodeIfPresent(EventSource.self, forKey: .source)
        self.firstTimestamp = try c.decodeIfPresent(Time.self, forKey: .firstTimestamp)
        self.lastTimestamp = try c.decodeIfPresent(Time.self, forKey: .lastTimestamp)
        self.count = try c.decodeIfPresent(Int32.self, forKey: .count)
        self.type = try c.decodeIfPresent(String.self, forKey: .type)
        self.eventTime = try c.decodeIfPresent(MicroTime.self, forKey: .eventTime)
        self.series = try c.decodeIfPresent(EventSeries.self, forKey: .series)
        self.action = try c.decodeIfPresent(String.self, forKey: .action)
        self.related = try c.decodeIfPresent(ObjectReference.self, forKey: .related)
        self.reportingComponent = try c.decodeIfPresent(String.self, forKey: .reportingComponent)
        self.reportingInstance = try c.decodeIfPresent(String.self, forKey: .reportingInstance)
    }

    /// Encodes set fields only; empty nested objects are omitted.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(apiVersion, forKey: .apiVersion)
        try c.encodeIfPresent(kind, forKey: .kind)
        if metadata != ObjectMeta() { try c.encode(metadata, forKey: .metadata) }
        if involvedObject != ObjectReference() { try c.encode(involvedObject, forKey: .involvedObject) }
        try c.encodeIfPresent(reason, forKey: .reason)
        try c.encodeIfPresent(message, forKey: .message)
        try c.encodeIfPresent(source, forKey: .source)
        try c.encodeIfPresent(firstTimestamp, forKey: .firstTimestamp)
        try c.encodeIfPresent(lastTimestamp, forKey: .lastTimestamp)
        try c.encodeIfPresent(count, forKey: .count)
        try c.encodeIfPresent(type, forKey: .type)
        try c.encodeIfPresent(eventTime, forKey: .eventTime)
        try c.encodeIfPresent(series, forKey: .series)
        try c.encodeIfPresent(action, forKey: .action)
        try c.encodeIfPresent(related, forKey: .related)
        try c.encodeIfPresent(reportingComponent, forKey: .reportingComponent)
        try c.encodeIfPresent(reportingInstance, forKey: .reportingInstance)
    }
}

/// The component that reported an event.
public struct EventSource: Codable, Hashable, Sendable {
    /// Component, e.g. `kubelet`.
    public var component: String?
    /// Node the component runs on.
    public var host: String?

    /// Creates a `EventSource`; every argument defaults to unset.
    public init(component: String? = nil, host: String? = nil) {
        self.component = component
        self.host = host
    }
}

/// An ongoing series of the same event.
public struct EventSeries: Codable, Hashable, Sendable {
    /// Occurrences so far.
    public var count: Int32?
    /// Last occurrence.
    public var lastObservedTime: MicroTime?

    /// Creates a `EventSeries`; every argument defaults to unset.
    public init(count: Int32? = nil, lastObservedTime: MicroTime? = nil) {
        self.count = count
        self.lastObservedTime = lastObservedTime
    }
}
