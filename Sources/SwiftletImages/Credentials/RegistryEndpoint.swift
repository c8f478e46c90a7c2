/// One place to fetch a repository from: a mirror or the registry itself.
public struct RegistryEndpoint: Hashable, Sendable, CustomStringConvertible {
    /// `https`, or `http` for registries configured as insecure.
    public var scheme: String
    /// `host[:port]` to connect to.
    public var host: String
    /// A path prefix before `/v2/` (mirrors behind a proxy path); empty for none.
    public var pathPrefix: String
    /// Whether to accept any TLS certificate.
    public var skipTLSVerify: Bool
    /// Whether this is a mirror rather than the registry named by the image.
    public var isMirror: Bool

    /// Creates an endpoint.
    public init(scheme: String, host: String, pathPrefix: String = "", skipTLSVerify: Bool = false, isMirror: Bool = false) {
        self.scheme = scheme
        self.host = host
        self.pathPrefix = pathPrefix
        self.skipTLSVerify = skipTLSVerify
        self.isMirror = isMirror
    }

    /// `scheme://host[/prefix]`, to which `/v2/…` is appended.
    public var baseURL: String { "\(scheme)://\(host)\(pathPrefix)" }

    public var description: String { baseURL }
}
