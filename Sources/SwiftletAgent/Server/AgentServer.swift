import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// The agent's HTTP API, kubelet's `:10250` server and its companions, on SwiftNIO:
/// - HTTPS on `address:port` (every path; client certificates, bearer tokens or anonymous access,
///   then authorization),
/// - plain HTTP on `readOnlyPort` (health and stats, no authentication), if enabled,
/// - plain HTTP on `healthzBindAddress:healthzPort` (`/healthz` only), if enabled.
///
/// Use ``start()`` and ``shutdown()``, or run it as a swift-service-lifecycle `Service`: ``run()``
/// serves until graceful shutdown. The data comes from ``AgentAPIHandlers``; `/metrics` from ``metrics``.
public final class AgentServer: Service, Sendable {
    /// The configuration the server was made with.
    public let options: AgentServerOptions
    /// The agent's own metrics, served on `/metrics`; record into it from anywhere in the agent.
    public let metrics: AgentMetrics
    private let handlers: AgentAPIHandlers
    private let clock: any AgentClock
    private let logger: Logger
    private let state = Mutex(State())

    private enum Phase { case idle, starting, running, stopped }

    private struct State {
        var phase = Phase.idle
        var listeners: [BoundListener] = []
        var connections: [ObjectIdentifier: any Channel] = [:]
        var certificateFile: String?
    }

    private struct BoundListener: Sendable {
        var kind: AgentRouter.Listener
        var channel: any Channel
        var port: Int
        var task: Task<Void, Never>
    }

    private typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    /// A server that will serve `handlers` and `metrics` as `options` say, once started.
    /// - Parameters:
    ///   - clock: the time used for `sinceSeconds` and the self-signed certificate's validity.
    public init(options: AgentServerOptions, handlers: AgentAPIHandlers, metrics: AgentMetrics = AgentMetrics(),
                clock: any AgentClock = SystemClock(), logger: Logger = Logger(label: "swiftlet.server")) {
        self.options = options
        self.handlers = handlers
        self.metrics = metrics
        self.clock = clock
        self.logger = logger
    }

    /// The bound port of the HTTPS server (the kernel's choice when ``AgentServerOptions/port`` is 0); nil until started.
    public var port: Int? { boundPort(.secure) }
    /// The bound port of the read-only server; nil when disabled or not started.
    public var readOnlyPort: Int? { boundPort(.readOnly) }
    /// The bound port of the healthz server; nil when disabled or not started.
    public var healthzPort: Int? { boundPort(.healthz) }
    /// The serving certificate in use (the configured file or the self-signed one); nil until started.
    public var certificateFile: String? { state.withLock { $0.certificateFile } }

    /// Loads the serving certificate (making the self-signed one if needed), the client CA and the
    /// token file, binds every enabled listener and starts serving.
    /// - Throws: ``AgentError`` naming the file or address that is unusable; nothing stays bound then.
    public func start() async throws {
        try state.withLock { s in
            guard s.phase == .idle else { throw AgentError.config("the agent API server was already started or shut down; make a new AgentServer") }
            s.phase = .starting
        }
        do {
            let (sslContext, certificateFile) = try makeTLSContext()
            let router = try makeRouter()
            var bound: [BoundListener] = []
            do {
                bound.append(try await bind(.secure, host: options.address, port: options.port, tls: sslContext, router: router))
                if let port = options.readOnlyPort {
                    bound.append(try await bind(.readOnly, host: options.readOnlyAddress, port: port, tls: nil, router: router))
                }
                if let port = options.healthzPort {
                    bound.append(try await bind(.healthz, host: options.healthzAddress, port: port, tls: nil, router: router))
                }
            } catch {
                for listener in bound { await Self.stop(listener) }
                throw error
            }
            let stoppedMeanwhile = state.withLock { s -> Bool in
                guard s.phase == .starting else { return true }
                s.phase = .running
                s.listeners = bound
                s.certificateFile = certificateFile
                return false
            }
            if stoppedMeanwhile {
                for listener in bound { await Self.stop(listener) }
            }
        } catch {
            state.withLock { if $0.phase == .starting { $0.phase = .idle } }
            throw error
        }
    }

    /// Stops accepting, closes every open connection (ending followed logs) and waits until all
    /// connection tasks are done. Safe to call more than once; a server that was shut down cannot start again.
    public func shutdown() async {
        let (listeners, connections) = state.withLock { s in
            s.phase = .stopped
            let taken = (s.listeners, Array(s.connections.values))
            s.listeners = []
            return taken
        }
        for connection in connections { connection.close(promise: nil) }
        for listener in listeners { await Self.stop(listener) }
        if !listeners.isEmpty { logger.info("agent API server stopped") }
    }

    /// Serves until graceful shutdown (or cancellation), then shuts down.
    /// - Throws: what ``start()`` throws.
    public func run() async throws {
        try await start()
        try? await gracefulShutdown()
        await shutdown()
    }

    private func boundPort(_ kind: AgentRouter.Listener) -> Int? {
        state.withLock { $0.listeners.first { $0.kind == kind }?.port }
    }

    private static func nanoseconds(_ d: Duration) -> Int64 {
        let (seconds, attoseconds) = d.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    private static func stop(_ listener: BoundListener) async {
        try? await listener.channel.close()
        listener.task.cancel()
        await listener.task.value
    }

    // MARK: - Setup

    private func makeRouter() throws -> AgentRouter {
        var tokens: StaticTokenFile?
        if !options.tokenAuthFile.isEmpty { tokens = try StaticTokenFile(path: options.tokenAuthFile) }
        let authenticator = AgentAuthenticator(
            clientCertificates: !options.clientCAFile.isEmpty, tokens: tokens,
            anonymousEnabled: options.anonymousEnabled, authorizationMode: options.authorizationMode)
        if options.authorizationMode != "AlwaysAllow" {
            logger.warning("authorization mode \(options.authorizationMode) needs the API server; authenticated requests to the agent API are answered 403 until authorization.mode is AlwaysAllow")
        }
        return AgentRouter(handlers: handlers, metrics: metrics, authenticator: authenticator, clock: clock,
                           followPollInterval: options.followPollInterval, logger: logger)
    }

    private func makeTLSContext() throws -> (NIOSSLContext, String) {
        var certFile = options.tlsCertFile
        var keyFile = options.tlsPrivateKeyFile
        if certFile.isEmpty {
            let made = try ServingCertificate.ensure(directory: options.pkiDirectory, nodeName: options.nodeName,
                                                     nodeIPs: options.nodeIPs, now: clock.now())
            (certFile, keyFile) = (made.certificateFile, made.keyFile)
            if made.generated {
                logger.info("generated a self-signed serving certificate", metadata: ["file": "\(certFile)", "node": "\(options.nodeName)"])
            }
        } else if keyFile.isEmpty {
            throw AgentError.config("tlsCertFile is set (\(certFile)) but tlsPrivateKeyFile is not")
        }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certFile)
        } catch {
            throw AgentError.config("tlsCertFile \(certFile): cannot load the certificate: \(error)")
        }
        guard !chain.isEmpty else { throw AgentError.config("tlsCertFile \(certFile): no PEM certificate in the file") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            throw AgentError.config("tlsPrivateKeyFile \(keyFile): cannot load the private key: \(error)")
        }
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        if options.clientCAFile.isEmpty {
            tls.certificateVerification = .none
        } else {
            let roots: [NIOSSLCertificate]
            do {
                roots = try NIOSSLCertificate.fromPEMFile(options.clientCAFile)
            } catch {
                throw AgentError.config("authentication.x509.clientCAFile \(options.clientCAFile): cannot load: \(error)")
            }
            guard !roots.isEmpty else {
                throw AgentError.config("authentication.x509.clientCAFile \(options.clientCAFile): no PEM certificate in the file")
            }
            tls.trustRoots = .certificates(roots)
            // Asked for, verified when presented, but not required: token and anonymous users have none.
            tls.certificateVerification = .optionalVerification
            tls.sendCANameList = true
        }
        do {
            return (try NIOSSLContext(configuration: tls), certFile)
        } catch {
            throw AgentError.config("cannot set up TLS with \(certFile) and \(keyFile): \(error)")
        }
    }

    private func bind(_ kind: AgentRouter.Listener, host: String, port: Int, tls: NIOSSLContext?, router: AgentRouter) async throws -> BoundListener {
        let server: NIOAsyncChannel<Connection, Never>
        do {
            server = try await ServerBootstrap(group: NIOSingletons.posixEventLoopGroup)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .bind(host: host, port: port) { [idleTimeout = options.idleTimeout] channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        try pipeline.addHandler(IdleStateHandler(allTimeout: .nanoseconds(Self.nanoseconds(idleTimeout))))
                        if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
                        try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                        try pipeline.addHandler(IdleConnectionCloser())
                        return try Connection(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw AgentError.config("cannot listen on \(host):\(port) for the agent's \(kind == .secure ? "HTTPS" : kind == .readOnly ? "read-only" : "healthz") server: \(error)")
        }
        let channel = server.channel
        let boundPort = channel.localAddress?.port ?? port
        logger.info("agent API listening", metadata: ["server": "\(kind.rawValue)", "address": "\(host)", "port": "\(boundPort)"])
        let task = Task { [logger] in
            await withDiscardingTaskGroup { group in
                do {
                    try await server.executeThenClose { inbound in
                        for try await connection in inbound {
                            group.addTask { await self.serve(connection, on: kind, router: router) }
                        }
                    }
                } catch {
                    logger.debug("listener stopped", metadata: ["server": "\(kind.rawValue)", "error": "\(error)"])
                }
            }
        }
        return BoundListener(kind: kind, channel: channel, port: boundPort, task: task)
    }

    // MARK: - Connections

    private func serve(_ connection: Connection, on kind: AgentRouter.Listener, router: AgentRouter) async {
        let channel = connection.channel
        let id = ObjectIdentifier(channel)
        let accepted = state.withLock { s -> Bool in
            guard s.phase != .stopped else { return false }
            s.connections[id] = channel
            return true
        }
        defer { state.withLock { _ = $0.connections.removeValue(forKey: id) } }
        guard accepted else {
            try? await channel.close()
            return
        }
        do {
            try await connection.executeThenClose { inbound, outbound in
                var peerCertificate: [UInt8]??
                var head: HTTPRequestHead?
                for try await part in inbound {
                    switch part {
                    case .head(let request):
                        head = request
                    case .body:
                        continue
                    case .end:
                        guard let request = head else { continue }
                        head = nil
                        if kind == .secure, peerCertificate == nil {
                            let certificate = try? await channel.nioSSL_peerCertificate().get()
                            peerCertificate = .some(try? certificate?.toDERBytes())
                        }
                        let response = await router.respond(
                            method: request.method.rawValue, uri: request.uri, listener: kind,
                            peerCertificate: peerCertificate ?? nil, authorization: request.headers.first(name: "Authorization"))
                        let keepOpen = try await write(response, for: request, to: outbound, channel: channel)
                        if !keepOpen { return }
                    }
                }
            }
        } catch {
            logger.debug("connection closed", metadata: ["server": "\(kind.rawValue)", "error": "\(error)"])
        }
    }

    /// Writes `response`; returns whether the connection may carry another request.
    private func write(_ response: AgentHTTPResponse, for request: HTTPRequestHead,
                       to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>, channel: any Channel) async throws -> Bool {
        var headers = HTTPHeaders(response.headers)
        let isHead = request.method == .HEAD
        let status = HTTPResponseStatus(statusCode: response.status)
        switch response.body {
        case .bytes(let bytes):
            let keepAlive = request.isKeepAlive
            headers.replaceOrAdd(name: "Content-Length", value: String(bytes.count))
            if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
            try await outbound.write(.head(HTTPResponseHead(version: request.version, status: status, headers: headers)))
            if !isHead, !bytes.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: bytes)))) }
            try await outbound.write(.end(nil))
            return keepAlive
        case .stream(let produce):
            // HTTP/1.1 gets chunked encoding (the encoder adds it); HTTP/1.0 ends the body by closing.
            let chunked = request.version.major > 1 || (request.version.major == 1 && request.version.minor >= 1)
            // A HEAD answer without a length cannot be framed for a next request: close after it.
            let keepAlive = request.isKeepAlive && chunked && !isHead
            if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
            try await outbound.write(.head(HTTPResponseHead(version: request.version, status: status, headers: headers)))
            if !isHead {
                let output = ContainerLogStreamer.Output(
                    write: { bytes in try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: bytes)))) },
                    isOpen: { channel.isActive })
                do {
                    try await produce(output)
                } catch is CancellationError {
                    return false
                } catch {
                    // The status is already sent: dropping the connection is the only way left to signal it.
                    logger.warning("streaming a response failed", metadata: ["uri": "\(request.uri)", "error": "\(error)"])
                    return false
                }
            }
            try await outbound.write(.end(nil))
            return keepAlive
        }
    }
}
