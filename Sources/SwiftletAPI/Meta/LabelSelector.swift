/// A label query over objects (`meta/v1.LabelSelector`); all requirements are ANDed.
public struct LabelSelector: Codable, Hashable, Sendable {
    /// Labels that must match exactly.
    public var matchLabels: [String: String]?
    /// Set-based requirements.
    public var matchExpressions: [LabelSelectorRequirement]?

    /// Creates a `LabelSelector`; every argument defaults to unset.
    public init(
        matchLabels: [String: String]? = nil,
        matchExpressions: [LabelSelectorRequirement]? = nil
    ) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }
}

/// One set-based label requirement such as `tier In (web, api)`.
public struct LabelSelectorRequirement: Codable, Hashable, Sendable {
    /// The label key.
    public var key: String
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    public var `operator`: String
    /// Values for `In`/`NotIn`; empty for `Exists`/`DoesNotExist`.
    public var values: [String]?

    /// Creates a `LabelSelectorRequirement`; every argument defaults to unset.
    public init(key: String = "", `operator`: String = "", values: [String]? = nil) {
        self.key = key
        self.operator = `operator`
        self.values = values
    }

    private enum CodingKeys: String, CodingKey {
        case key
        case `operator`
        case values
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.key = try c.decodeIfPresent(String.self, forKey: .key) ?? ""
        self.operator = try c.decodeIfPresent(String.self, forKey: .operator) ?? ""
        self.values = try c.decodeIfPresent([String].self, forKey: .values)
    }
}
