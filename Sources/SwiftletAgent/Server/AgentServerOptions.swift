import Foundation

/// How the agent's API server listens, proves its identity and authenticates callers.
///
/// ``init(configuration:rootDir:nodeName:nodeIPs:tokenAuthFile:)`` takes everything from the
/// `KubeletConfiguration`; tests set the fields directly (ports 0 let the kernel choose).
public struct AgentServerOptions: Sendable {
    /// Address of the authenticated HTTPS server (kubelet's `address`).
    public var address: String
    /// Port of the HTTPS server; 0 lets the kernel choose (read it back from `AgentServer.port`).
    public var port: Int
    /// Address of the read-only plain-HTTP server: kubelet binds it to `address` too.
    public var readOnlyAddress: String
    /// Port of the read-only plain-HTTP server (no authentication); nil disables it.
    public var readOnlyPort: Int?
    /// Address of the plain `/healthz` server (kubelet's `healthzBindAddress`).
    public var healthzAddress: String
    /// Port of the plain `/healthz` server; nil disables it.
    public var healthzPort: Int?
    /// PEM serving certificate (chain); empty: a self-signed one is kept under ``pkiDirectory``.
    public var tlsCertFile: String
    /// PEM private key of ``tlsCertFile``.
    public var tlsPrivateKeyFile: String
    /// Where the self-signed serving certificate lives (`<rootDir>/pki`, as kubelet's `--cert-dir`).
    public var pkiDirectory: String
    /// PEM CA bundle client certificates must chain to; empty: client certificates are not used.
    public var clientCAFile: String
    /// kube-apiserver's static token CSV (`token,user,uid,"group1,group2"`); empty: no bearer tokens.
    public var tokenAuthFile: String
    /// Let requests without credentials through as `system:anonymous` (kubelet's `authentication.anonymous.enabled`).
    public var anonymousEnabled: Bool
    /// `AlwaysAllow` or `Webhook` (kubelet's `authorization.mode`). Webhook needs the API server's
    /// SubjectAccessReview, which this agent cannot ask yet: every authenticated request is then
    /// answered 403 with a message saying so.
    public var authorizationMode: String
    /// The node's name: a DNS SAN of the self-signed certificate.
    public var nodeName: String
    /// The node's addresses: IP SANs of the self-signed certificate (besides 127.0.0.1).
    public var nodeIPs: [String]
    /// How often a followed log (`follow=true`) is checked for new lines and rotation.
    public var followPollInterval: Duration
    /// How long a connection may sit idle between requests before it is closed (kubelet: 90 s).
    public var idleTimeout: Duration

    /// Options with every field given; defaults match kubelet's except that nothing else is enabled.
    public init(
        address: String = "0.0.0.0",
        port: Int = 10250,
        readOnlyAddress: String? = nil,
        readOnlyPort: Int? = nil,
        healthzAddress: String = "127.0.0.1",
        healthzPort: Int? = nil,
        tlsCertFile: String = "",
        tlsPrivateKeyFile: String = "",
        pkiDirectory: String,
        clientCAFile: String = "",
        tokenAuthFile: String = "",
        anonymousEnabled: Bool = false,
        authorizationMode: String = "AlwaysAllow",
        nodeName: String,
        nodeIPs: [String] = [],
        followPollInterval: Duration = .milliseconds(200),
        idleTimeout: Duration = .seconds(90)
    ) {
        self.address = address
        self.port = port
        self.readOnlyAddress = readOnlyAddress ?? address
        self.readOnlyPort = readOnlyPort
        self.healthzAddress = healthzAddress
        self.healthzPort = healthzPort
        self.tlsCertFile = tlsCertFile
        self.tlsPrivateKeyFile = tlsPrivateKeyFile
        self.pkiDirectory = pkiDirectory
        self.clientCAFile = clientCAFile
        self.tokenAuthFile = tokenAuthFile
        self.anonymousEnabled = anonymousEnabled
        self.authorizationMode = authorizationMode
        self.nodeName = nodeName
        self.nodeIPs = nodeIPs
        self.followPollInterval = followPollInterval
        self.idleTimeout = idleTimeout
    }

    /// The options kubelet would derive from `configuration`: `address:port`, `readOnlyPort` and
    /// `healthzPort` (0 disables either), the TLS files, `authentication` and `authorization.mode`.
    /// - Parameters:
    ///   - rootDir: the agent's `--root-dir`; the self-signed certificate goes to `<rootDir>/pki`.
    ///   - nodeName: the node's name (a SAN of the self-signed certificate).
    ///   - nodeIPs: the node's addresses (SANs of the self-signed certificate).
    ///   - tokenAuthFile: the `--token-auth-file` CSV; empty for none.
    public init(configuration: KubeletConfiguration, rootDir: String, nodeName: String, nodeIPs: [String], tokenAuthFile: String = "") {
        self.init(
            address: configuration.address,
            port: Int(configuration.port),
            readOnlyPort: configuration.readOnlyPort > 0 ? Int(configuration.readOnlyPort) : nil,
            healthzAddress: configuration.healthzBindAddress,
            healthzPort: configuration.healthzPort > 0 ? Int(configuration.healthzPort) : nil,
            tlsCertFile: configuration.tlsCertFile,
            tlsPrivateKeyFile: configuration.tlsPrivateKeyFile,
            pkiDirectory: (rootDir as NSString).appendingPathComponent("pki"),
            clientCAFile: configuration.authentication.x509.clientCAFile,
            tokenAuthFile: tokenAuthFile,
            anonymousEnabled: configuration.authentication.anonymous.enabled,
            authorizationMode: configuration.authorization.mode,
            nodeName: nodeName,
            nodeIPs: nodeIPs
        )
    }
}
