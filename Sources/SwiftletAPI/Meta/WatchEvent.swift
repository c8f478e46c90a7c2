/// The type of a watch event. A struct rather than an enum so that a type a newer server sends
/// still decodes.
public struct WatchEventType: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The object was created (or existed when the watch started).
    public static let added = WatchEventType(rawValue: "ADDED")
    /// The object changed.
    public static let modified = WatchEventType(rawValue: "MODIFIED")
    /// The object was deleted; the object is its last state.
    public static let deleted = WatchEventType(rawValue: "DELETED")
    /// A progress marker: only the object's `metadata.resourceVersion` is meaningful.
    public static let bookmark = WatchEventType(rawValue: "BOOKMARK")
    /// The watch failed; `error` holds the `Status`, typically 410 Gone (resource version too old).
    public static let error = WatchEventType(rawValue: "ERROR")

    public init(from decoder: Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
    public var description: String { rawValue }
}

/// One event of a watch stream (`meta/v1.WatchEvent`): `{"type": "ADDED", "object": {...}}`.
///
/// For `ERROR` events the server sends a `Status` instead of an `Object`; it is decoded into
/// `error` and `object` is nil.
public struct WatchEvent<Object: Codable & Sendable>: Codable, Sendable {
    /// What happened.
    public var type: WatchEventType
    /// The object, for every type but `ERROR`.
    public var object: Object?
    /// The failure, for `ERROR`.
    public var error: Status?

    /// Creates an event carrying `object`.
    public init(type: WatchEventType, object: Object) {
        self.type = type
        self.object = object
        self.error = nil
    }

    /// Creates an `ERROR` event carrying `status`.
    public init(error status: Status) {
        self.type = .error
        self.object = nil
        self.error = status
    }

    private enum CodingKeys: String, CodingKey {
        case type, object
    }

    /// Decodes the object as `Object`, or as `Status` for `ERROR` events.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decode(WatchEventType.self, forKey: .type)
        if type == .error {
            error = try c.decodeIfPresent(Status.self, forKey: .object) ?? Status()
            object = nil
        } else {
            object = try c.decode(Object.self, forKey: .object)
            error = nil
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type, forKey: .type)
        if let error {
            try c.encode(error, forKey: .object)
        } else {
            try c.encodeIfPresent(object, forKey: .object)
        }
    }
}

extension WatchEvent: Equatable where Object: Equatable {}
extension WatchEvent: Hashable where Object: Hashable {}
