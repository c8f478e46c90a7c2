/// A health check of a container.
public struct Probe: Codable, Hashable, Sendable {
    /// Run a command; exit status 0 is success.
    public var exec: ExecAction?
    /// HTTP GET; status 200-399 is success.
    public var httpGet: HTTPGetAction?
    /// TCP connect; a connection is success.
    public var tcpSocket: TCPSocketAction?
    /// gRPC health check; SERVING is success.
    public var grpc: GRPCAction?
    /// Seconds after start before the first probe.
    public var initialDelaySeconds: Int32?
    /// Seconds before a probe times out (default 1).
    public var timeoutSeconds: Int32?
    /// Seconds between probes (default 10).
    public var periodSeconds: Int32?
    /// Consecutive successes to count as success (default 1).
    public var successThreshold: Int32?
    /// Consecutive failures to count as failure (default 3).
    public var failureThreshold: Int32?
    /// Grace period when a liveness or startup failure kills the container.
    public var terminationGracePeriodSeconds: Int64?

    /// Creates a `Probe`; every argument defaults to unset.
    public init(
        exec: ExecAction? = nil,
        httpGet: HTTPGetAction? = nil,
        tcpSocket: TCPSocketAction? = nil,
        grpc: GRPCAction? = nil,
        initialDelaySeconds: Int32? = nil,
        timeoutSeconds: Int32? = nil,
        periodSeconds: Int32? = nil,
        successThreshold: Int32? = nil,
        failureThreshold: Int32? = nil,
        terminationGracePeriodSeconds: Int64? = nil
    ) {
        self.exec = exec
        self.httpGet = httpGet
        self.tcpSocket = tcpSocket
        self.grpc = grpc
        self.initialDelaySeconds = initialDelaySeconds
        self.timeoutSeconds = timeoutSeconds
        self.periodSeconds = periodSeconds
        self.successThreshold = successThreshold
        self.failureThreshold = failureThreshold
        self.terminationGracePeriodSeconds = terminationGracePeriodSeconds
    }
}

/// Runs a command in the container; not run in a shell.
public struct ExecAction: Codable, Hashable, Sendable {
    /// Command and arguments.
    public var command: [String]?

    /// Creates a `ExecAction`; every argument defaults to unset.
    public init(command: [String]? = nil) {
        self.command = command
    }
}

/// An HTTP GET request.
public struct HTTPGetAction: Codable, Hashable, Sendable {
    /// Request path.
    public var path: String?
    /// Port number or named container port.
    public var port: IntOrString
    /// Host to connect to; defaults to the pod IP.
    public var host: String?
    /// `HTTP` (default) or `HTTPS`.
    public var scheme: String?
    /// Extra request headers.
    public var httpHeaders: [HTTPHeader]?

    /// Creates a `HTTPGetAction`; every argument defaults to unset.
    public init(
        path: String? = nil,
        port: IntOrString = .int(0),
        host: String? = nil,
        scheme: String? = nil,
        httpHeaders: [HTTPHeader]? = nil
    ) {
        self.path = path
        self.port = port
        self.host = host
        self.scheme = scheme
        self.httpHeaders = httpHeaders
    }

    private enum CodingKeys: String, CodingKey {
        case path
        case port
        case host
        case scheme
        case httpHeaders
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.path = try c.decodeIfPresent(String.self, forKey: .path)
        self.port = try c.decodeIfPresent(IntOrString.self, forKey: .port) ?? .int(0)
        self.host = try c.decodeIfPresent(String.self, forKey: .host)
        self.scheme = try c.decodeIfPresent(String.self, forKey: .scheme)
        self.httpHeaders = try c.decodeIfPresent([HTTPHeader].self, forKey: .httpHeaders)
    }
}

/// An HTTP header.
public struct HTTPHeader: Codable, Hashable, Sendable {
    /// Header name.
    public var name: String
    /// Header value.
    public var value: String

    /// Creates a `HTTPHeader`; every argument defaults to unset.
    public init(name: String = "", value: String = "") {
        self.name = name
        self.value = value
    }

    private enum CodingKeys: String, CodingKey {
        case name
        case value
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        self.value = try c.decodeIfPresent(String.self, forKey: .value) ?? ""
    }
}

/// A TCP connection.
public struct TCPSocketAction: Codable, Hashable, Sendable {
    /// Port number or named container port.
    public var port: IntOrString
    /// Host to connect to; defaults to the pod IP.
    public var host: String?

    /// Creates a `TCPSocketAction`; every argument defaults to unset.
    public init(port: IntOrString = .int(0), host: String? = nil) {
        self.port = port
        self.host = host
    }

    private enum CodingKeys: String, CodingKey {
        case port
        case host
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.port = try c.decodeIfPresent(IntOrString.self, forKey: .port) ?? .int(0)
        self.host = try c.decodeIfPresent(String.self, forKey: .host)
    }
}

/// A gRPC health check (`grpc.health.v1`).
public struct GRPCAction: Codable, Hashable, Sendable {
    /// Port number.
    public var port: Int32
    /// Service name sent in the request.
    public var service: String?

    /// Creates a `GRPCAction`; every argument defaults to unset.
    public init(port: Int32 = 0, service: String? = nil) {
        self.port = port
        self.service = service
    }

    private enum CodingKeys: String, CodingKey {
        case port
        case service
    }

    /// Decodes leniently, as Kubernetes does: a missing or null field takes its zero value,
    /// so validation (not decoding) reports it with its field path.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.port = try c.decodeIfPresent(Int32.self, forKey: .port) ?? 0
        self.service = try c.decodeIfPresent(String.self, forKey: .service)
    }
}
