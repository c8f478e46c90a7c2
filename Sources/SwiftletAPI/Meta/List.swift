/// A list of objects as the API returns it (`PodList`, `NodeList`, ...): list metadata and items.
public struct List<Item: Codable & Hashable & Sendable>: Codable, Hashable, Sendable {
    /// API version of the items, e.g. `v1`.
    public var apiVersion: String?
    /// Kind of the list, e.g. `PodList`.
    public var kind: String?
    /// Resource version and paging data.
    public var metadata: ListMeta
    /// The objects.
    public var items: [Item]

    /// Creates a list; optional arguments default to unset.
    public init(apiVersion: String? = nil, kind: String? = nil, metadata: ListMeta = ListMeta(), items: [Item] = []) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
        self.items = items
    }

    private enum CodingKeys: String, CodingKey {
        case apiVersion, kind, metadata, items
    }

    /// Decodes leniently: missing metadata or items (or `items: null`) are empty.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        kind = try c.decodeIfPresent(String.self, forKey: .kind)
        metadata = try c.decodeIfPresent(ListMeta.self, forKey: .metadata) ?? ListMeta()
        items = try c.decodeIfPresent([Item].self, forKey: .items) ?? []
    }

    /// Encodes set fields; `items` is always written, as the API does.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(apiVersion, forKey: .apiVersion)
        try c.encodeIfPresent(kind, forKey: .kind)
        if metadata != ListMeta() { try c.encode(metadata, forKey: .metadata) }
        try c.encode(items, forKey: .items)
    }
}

/// `core/v1.PodList`.
public typealias PodList = List<Pod>
/// `core/v1.NodeList`.
public typealias NodeList = List<Node>
/// `core/v1.EventList`.
public typealias EventList = List<Event>
/// `core/v1.ConfigMapList`.
public typealias ConfigMapList = List<ConfigMap>
/// `core/v1.SecretList`.
public typealias SecretList = List<Secret>
/// `core/v1.NamespaceList`.
public typealias NamespaceList = List<Namespace>
/// `coordination/v1.LeaseList`.
public typealias LeaseList = List<Lease>
/// `core/v1.ServiceList`.
public typealias ServiceList = List<Service>
