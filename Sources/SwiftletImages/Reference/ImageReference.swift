/// An image reference as Pods name images (`busybox:1.36`, `registry.example:5000/team/app@sha256:…`),
/// parsed and normalised the way Docker and kubelet do (distribution/reference
/// `ParseNormalizedNamed`):
///
/// - a first path element is a registry domain when it is `localhost` or contains `.` or `:`
///   (or has uppercase letters); otherwise the registry is `docker.io`;
/// - `index.docker.io` is an alias of `docker.io`, and single-element Docker Hub names live under
///   `library/` (`busybox` is `docker.io/library/busybox`);
/// - a reference may carry a tag, a digest, or both; with neither, the tag is `latest`.
///
/// `description` is the fully qualified form (`docker.io/library/busybox:latest`);
/// `familiarString` is the short form Docker shows (`busybox`).
public struct ImageReference: Hashable, Sendable, CustomStringConvertible, Codable {
    /// Longest repository path accepted, in characters.
    public static let maxNameLength = 255
    /// The registry of names that give none.
    public static let defaultDomain = "docker.io"
    /// The tag of references that give neither tag nor digest.
    public static let defaultTag = "latest"
    /// The host that serves Docker Hub's registry API.
    public static let dockerHubRegistryHost = "registry-1.docker.io"

    private static let legacyDefaultDomain = "index.docker.io"
    private static let officialRepoPrefix = "library/"

    /// Registry host with optional port (`docker.io`, `localhost:5000`, `[::1]:5000`).
    public let domain: String
    /// Repository path within the registry (`library/busybox`).
    public let path: String
    /// The tag as written, nil when the reference gave none.
    public let tag: String?
    /// The digest as written, nil when the reference gave none.
    public let digest: ImageDigest?

    /// Parses and normalises `input`.
    /// - Throws: `ImageReferenceError` quoting `input` and naming the broken rule.
    public init(parsing input: String) throws {
        if input.isEmpty { throw ImageReferenceError.empty(input) }
        if input.utf8.count == 64, input.utf8.allSatisfy(ReferenceGrammar.isLowerHexDigit) {
            throw ImageReferenceError.identifier(input)
        }

        var namePart = Substring(input)
        var digest: ImageDigest?
        if let at = input.firstIndex(of: "@") {
            namePart = input[..<at]
            let digestPart = input[input.index(after: at)...]
            if digestPart.contains("@") {
                throw ImageReferenceError.invalidFormat(input, "more than one '@'")
            }
            digest = try ImageDigest(parsing: String(digestPart), reportingAs: input)
        }

        // A tag follows the last ':' after the last '/': a ':' before it belongs to a port.
        var tag: Substring?
        let tailStart = namePart.lastIndex(of: "/").map { namePart.index(after: $0) } ?? namePart.startIndex
        if let colon = namePart[tailStart...].lastIndex(of: ":") {
            tag = namePart[namePart.index(after: colon)...]
            namePart = namePart[..<colon]
        }
        if namePart.isEmpty { throw ImageReferenceError.invalidFormat(input, "repository name is missing") }

        let (domain, path) = Self.splitDomain(namePart)
        if !ReferenceGrammar.isDomain(domain[...]) {
            throw ImageReferenceError.invalidFormat(input, "\"\(domain)\" is not a valid registry host[:port]")
        }
        if path.utf8.contains(where: ReferenceGrammar.isUpper) {
            throw ImageReferenceError.uppercase(input)
        }
        for component in path.split(separator: "/", omittingEmptySubsequences: false)
        where !ReferenceGrammar.isPathComponent(component) {
            throw ImageReferenceError.invalidFormat(
                input,
                component.isEmpty
                    ? "repository path \"\(path)\" has an empty component"
                    : "path component \"\(component)\" must be lowercase letters and digits separated by '.', '_', '__' or '-'")
        }
        if path.count > Self.maxNameLength { throw ImageReferenceError.nameTooLong(input) }
        if let tag, !ReferenceGrammar.isTag(tag) { throw ImageReferenceError.tagInvalid(input) }

        self.domain = domain
        self.path = path
        self.tag = tag.map(String.init)
        self.digest = digest
    }

    /// Builds a reference from parts that are already valid and normalised.
    package init(domain: String, path: String, tag: String?, digest: ImageDigest?) {
        self.domain = domain
        self.path = path
        self.tag = tag
        self.digest = digest
    }

    /// Splits `name` into registry domain and repository path, applying Docker Hub defaults.
    private static func splitDomain(_ name: Substring) -> (String, String) {
        guard let slash = name.firstIndex(of: "/") else {
            return (defaultDomain, officialRepoPrefix + name)
        }
        let first = name[..<slash]
        let rest = String(name[name.index(after: slash)...])
        var domain: String
        var path: String
        if first == "localhost" || first.contains(".") || first.contains(":")
            || first.utf8.contains(where: ReferenceGrammar.isUpper)
        {
            domain = first == legacyDefaultDomain ? defaultDomain : String(first)
            path = rest
        } else {
            domain = defaultDomain
            path = String(name)
        }
        if domain == defaultDomain, !path.contains("/") { path = officialRepoPrefix + path }
        return (domain, path)
    }

    /// `domain/path`, e.g. `docker.io/library/busybox`.
    public var name: String { "\(domain)/\(path)" }

    /// The tag to use: the one given, or `latest` when neither tag nor digest was given, else nil.
    public var effectiveTag: String? { tag ?? (digest == nil ? Self.defaultTag : nil) }

    /// What to ask the registry for at `/v2/<path>/manifests/<reference>`: the digest when
    /// given (it pins the content), else the effective tag.
    public var manifestReference: String { digest?.description ?? effectiveTag ?? Self.defaultTag }

    /// The host to contact for the registry API (`registry-1.docker.io` for Docker Hub).
    public var registryHost: String { domain == Self.defaultDomain ? Self.dockerHubRegistryHost : domain }

    /// Fully qualified: `docker.io/library/busybox:latest`, `r:5000/app:v1@sha256:…`.
    public var description: String {
        var s = name
        if let effectiveTag { s += ":" + effectiveTag }
        if let digest { s += "@" + digest.description }
        return s
    }

    /// The name without `docker.io/` and, for official images, `library/` (`busybox`, `user/app`).
    public var familiarName: String {
        guard domain == Self.defaultDomain else { return name }
        if path.hasPrefix(Self.officialRepoPrefix) {
            let rest = path.dropFirst(Self.officialRepoPrefix.count)
            if !rest.contains("/") { return String(rest) }
        }
        return path
    }

    /// The short form Docker shows: familiar name, tag unless it is a bare `latest`, digest.
    public var familiarString: String {
        var s = familiarName
        if let tag, !(tag == Self.defaultTag && digest == nil) { s += ":" + tag }
        if let digest { s += "@" + digest.description }
        return s
    }

    /// Decodes from the string form, normalising it.
    public init(from decoder: Decoder) throws {
        let string = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(parsing: string)
        } catch let error as ImageReferenceError {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    /// Encodes the fully qualified string form.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
