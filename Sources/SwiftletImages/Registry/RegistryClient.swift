import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// A client for OCI Distribution v2 registries (Docker Registry HTTP API v2): resolves image
/// references to verified manifests and streams blobs.
///
/// Endpoints come from the `RegistriesConfig` (mirrors first, then the registry; plain HTTP for
/// insecure registries). Authentication is anonymous until the registry answers 401; then the
/// `WWW-Authenticate` challenge picks Basic (credentials from the keyring) or the Bearer token
/// flow, whose tokens are cached per (host, scope) until they expire. Connection errors, 5xx
/// and 429 are retried with exponential backoff.
///
/// Call `shutdown()` before dropping the client.
public final class RegistryClient: Sendable {
    private let registries: RegistriesConfig
    private let keyring: CredentialKeyring
    private let options: RegistryClientOptions
    private let http: HTTPClient
    /// For endpoints configured to skip TLS verification.
    private let insecureHTTP: HTTPClient
    private let authState = RegistryAuthState()
    private let logger: Logger

    /// Creates a client with its own connection pools.
    /// - Parameters:
    ///   - registries: mirrors, insecure registries and their credentials.
    ///   - keyring: credentials from pull secrets and `config.json`; the registries config's are added after these.
    ///   - options: timeouts and retry policy.
    public init(
        registries: RegistriesConfig = RegistriesConfig(), keyring: CredentialKeyring = CredentialKeyring(),
        options: RegistryClientOptions = RegistryClientOptions(),
        logger: Logger = Logger(label: "swiftlet.images.registry")
    ) {
        self.registries = registries
        self.keyring = keyring.merging(registries.keyring)
        self.options = options
        self.logger = logger
        let timeout = HTTPClient.Configuration.Timeout(
            connect: .milliseconds(options.connectTimeoutMilliseconds), read: .milliseconds(options.readTimeoutMilliseconds))
        // Blob downloads are redirected to storage backends (S3, CDNs) by most registries.
        let redirects = HTTPClient.Configuration.RedirectConfiguration.follow(max: 10, allowCycles: false)
        var verifying = HTTPClient.Configuration(redirectConfiguration: redirects, timeout: timeout)
        var trusting = HTTPClient.Configuration(
            certificateVerification: .none, redirectConfiguration: redirects, timeout: timeout)
        // The pool would otherwise retry a refused connection silently until the connect
        // timeout; our own backoff loop retries instead, so a down registry fails in
        // attempts × (connect time + backoff) and the error names the cause.
        verifying.connectionPool.retryConnectionEstablishment = false
        trusting.connectionPool.retryConnectionEstablishment = false
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: verifying)
        insecureHTTP = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: trusting)
    }

    /// Closes every connection. The client cannot be used afterwards.
    /// - Throws: what the HTTP client reports while closing.
    public func shutdown() async throws {
        try await http.shutdown()
        try await insecureHTTP.shutdown()
    }

    // MARK: Resolve

    /// Resolves `reference` to the image manifest for `platform`.
    ///
    /// Fetches `/v2/<name>/manifests/<tag-or-digest>`, verifies the bytes against the
    /// reference's digest (or the registry's `Docker-Content-Digest`), and for an index or
    /// manifest list selects the platform's manifest and fetches it by digest.
    /// - Returns: the manifest with its exact bytes and descriptor, its config descriptor, and
    ///   the index the reference named, if it named one.
    /// - Throws: `RegistryError` for missing content, schema 1 manifests, digest mismatches,
    ///   refused credentials, unknown platforms and unreachable registries.
    public func resolve(_ reference: ImageReference, platform: Platform) async throws -> ResolvedImage {
        try await withEndpoints(reference) { endpoint in
            let top = try await fetchManifest(
                reference, endpoint: endpoint, tagOrDigest: reference.manifestReference, expected: reference.digest)
            var chosen = top
            var indexBlob: ResolvedImage.Blob?
            if MediaType.isIndex(top.descriptor.mediaType) {
                indexBlob = ResolvedImage.Blob(bytes: top.bytes, descriptor: top.descriptor)
                let index: ImageIndex
                do {
                    index = try JSONDecoder().decode(ImageIndex.self, from: Data(top.bytes))
                } catch {
                    throw RegistryError.protocolViolation(
                        host: endpoint.host, "index \(reference) is not valid JSON: \(error)")
                }
                guard let entry = selectManifest(from: index, for: platform) else {
                    throw RegistryError.noPlatform(
                        reference.description, platform.description,
                        available: index.manifests.compactMap { $0.platform?.description })
                }
                chosen = try await fetchManifest(
                    reference, endpoint: endpoint, tagOrDigest: entry.digest.description, expected: entry.digest)
                if MediaType.isIndex(chosen.descriptor.mediaType) {
                    throw RegistryError.unsupported(
                        "image \(reference): the index entry for \(platform) is itself an index; nested indexes are not supported")
                }
            }
            guard MediaType.isManifest(chosen.descriptor.mediaType) else {
                throw RegistryError.unsupported(
                    "image \(reference): unsupported manifest media type \"\(chosen.descriptor.mediaType)\"; expected an OCI or Docker schema 2 manifest or index")
            }
            let manifest: ImageManifest
            do {
                manifest = try JSONDecoder().decode(ImageManifest.self, from: Data(chosen.bytes))
            } catch {
                throw RegistryError.protocolViolation(host: endpoint.host, "manifest of \(reference) is not valid: \(error)")
            }
            return ResolvedImage(
                manifest: manifest, manifestBytes: chosen.bytes, descriptor: chosen.descriptor, index: indexBlob)
        }
    }

    private struct FetchedManifest {
        var bytes: [UInt8]
        var descriptor: Descriptor
    }

    /// The fields that tell a manifest's kind, whatever its schema.
    private struct ManifestHead: Decodable {
        var schemaVersion: Int?
        var mediaType: String?
        var manifests: [Descriptor]?
    }

    private func fetchManifest(
        _ reference: ImageReference, endpoint: RegistryEndpoint, tagOrDigest: String, expected: ImageDigest?
    ) async throws -> FetchedManifest {
        let url = "\(endpoint.baseURL)/v2/\(reference.path)/manifests/\(tagOrDigest)"
        let what = "manifest \(reference.path):\(tagOrDigest)"
        let response = try await get(
            url, endpoint: endpoint, reference: reference, accept: MediaType.manifestAccept + Self.schema1Types)
        let status = Int(response.status.code)
        if status == 404 {
            await Self.drain(response)
            throw RegistryError.notFound(host: endpoint.host, what)
        }
        guard status == 200 else {
            throw RegistryError.http(host: endpoint.host, status: status, what, body: await Self.errorBody(response))
        }
        let buffer: ByteBuffer
        do {
            buffer = try await response.body.collect(upTo: options.maxManifestBytes)
        } catch let error as NIOTooManyBytesError {
            throw RegistryError.protocolViolation(
                host: endpoint.host, "\(what) is larger than \(options.maxManifestBytes) bytes (\(error))")
        }
        let bytes = Array(buffer.readableBytesView)
        var hasher = SHA256Hasher()
        bytes.withUnsafeBytes { hasher.update($0) }
        let actual = "sha256:" + hasher.finalizeHex()
        let announced = response.headers.first(name: "Docker-Content-Digest")
        if let expected {
            if expected.algorithm == "sha256" {
                guard expected.description == actual else {
                    throw RegistryError.digestMismatch(what, expected: expected.description, actual: actual)
                }
            } else if announced != expected.description {
                throw RegistryError.unsupported(
                    "\(what): cannot verify a \(expected.algorithm) digest and the registry announced \(announced ?? "none")")
            }
        } else if let announced, announced.hasPrefix("sha256:"), announced != actual {
            throw RegistryError.digestMismatch("\(what) (Docker-Content-Digest)", expected: announced, actual: actual)
        }
        let head = try? JSONDecoder().decode(ManifestHead.self, from: Data(bytes))
        let contentType = response.headers.first(name: "Content-Type")
            .map { String($0.split(separator: ";", maxSplits: 1).first ?? "").trimmingCharacters(in: .whitespaces) }
        if head?.schemaVersion == 1 || MediaType.isSchema1(contentType) || MediaType.isSchema1(head?.mediaType) {
            throw RegistryError.unsupported(
                "image \(reference): schema 1 manifests are not supported; push the image with a schema 2 or OCI manifest")
        }
        // OCI documents may omit mediaType; the Content-Type, then the shape, decide.
        var mediaType = head?.mediaType ?? contentType ?? ""
        if !MediaType.isIndex(mediaType), !MediaType.isManifest(mediaType) {
            mediaType = head?.manifests != nil ? MediaType.ociIndex : (head?.mediaType ?? contentType ?? "")
            if mediaType.isEmpty || mediaType == "application/json" { mediaType = MediaType.ociManifest }
        }
        var digest = try ImageDigest(parsing: actual)
        if let expected, expected.algorithm != "sha256" { digest = expected }
        return FetchedManifest(bytes: bytes, descriptor: Descriptor(mediaType: mediaType, digest: digest, size: Int64(bytes.count)))
    }

    private static let schema1Types = [MediaType.dockerSchema1SignedManifest, MediaType.dockerSchema1Manifest]

    // MARK: Blobs

    /// Streams the blob `descriptor` of `reference`'s repository into `sink`, following redirects.
    ///
    /// The size is checked (a longer or shorter body is an error); the digest is the caller's to
    /// verify, since it hashes the bytes it stores anyway. A connection lost mid-body is resumed
    /// where it broke, with a `Range` request (or, from a server that ignores ranges, by
    /// skipping the bytes already delivered), up to the client's attempt limit; `sink` sees
    /// every byte exactly once, in order.
    /// - Parameters:
    ///   - sink: receives the body in order, one network read at a time.
    ///   - progress: bytes received so far and the total (the descriptor's size), after each chunk.
    /// - Throws: `RegistryError`, or what `sink` throws.
    public func fetchBlob(
        _ reference: ImageReference, _ descriptor: Descriptor, to sink: ([UInt8]) async throws -> Void,
        progress: (Int64, Int64) -> Void = { _, _ in }
    ) async throws {
        try await fetchBlobBuffers(reference, descriptor, to: { try await sink(Array($0.readableBytesView)) }, progress: progress)
    }

    /// `fetchBlob` delivering the network's own buffers, so a caller that writes them out
    /// (the content store) copies nothing; the same checks, resumption and errors.
    /// - Parameter sink: receives each buffer's readable bytes, in order; the buffer is the
    ///   caller's to keep or drop.
    func fetchBlobBuffers(
        _ reference: ImageReference, _ descriptor: Descriptor, to sink: (ByteBuffer) async throws -> Void,
        progress: (Int64, Int64) -> Void = { _, _ in }
    ) async throws {
        try await withEndpoints(reference) { endpoint in
            let url = "\(endpoint.baseURL)/v2/\(reference.path)/blobs/\(descriptor.digest)"
            let what = "blob \(reference.path)@\(descriptor.digest)"
            var done: Int64 = 0
            var interruptions = 0
            var delay = options.initialBackoffMilliseconds
            progress(0, descriptor.size)
            while true {
                let range = done > 0 ? "bytes=\(done)-" : nil
                let response = try await get(url, endpoint: endpoint, reference: reference, accept: ["*/*"], range: range)
                let status = Int(response.status.code)
                if status == 404 {
                    await Self.drain(response)
                    throw RegistryError.notFound(host: endpoint.host, what)
                }
                // Bytes of this response that were delivered before the connection broke.
                var skip: Int64 = 0
                switch status {
                case 200:
                    skip = done
                case 206 where done > 0:
                    let start = response.headers.first(name: "Content-Range").flatMap(Self.rangeStart)
                    guard start == done else {
                        throw RegistryError.protocolViolation(
                            host: endpoint.host,
                            "\(what): asked to resume at byte \(done), got Content-Range \(response.headers.first(name: "Content-Range") ?? "missing")")
                    }
                default:
                    throw RegistryError.http(host: endpoint.host, status: status, what, body: await Self.errorBody(response))
                }
                do {
                    for try await var buffer in response.body {
                        if skip > 0 {
                            let dropped = min(Int64(buffer.readableBytes), skip)
                            buffer.moveReaderIndex(forwardBy: Int(dropped))
                            skip -= dropped
                            if buffer.readableBytes == 0 { continue }
                        }
                        done += Int64(buffer.readableBytes)
                        if done > descriptor.size {
                            throw RegistryError.protocolViolation(
                                host: endpoint.host, "\(what) is longer than the \(descriptor.size) bytes its descriptor gives")
                        }
                        do {
                            try await sink(buffer)
                        } catch {
                            throw SinkFailure(underlying: error)
                        }
                        progress(done, descriptor.size)
                    }
                    // A body that ends early (the server went away between reads) is resumed too.
                    if skip == 0, done < descriptor.size { throw ShortBody() }
                } catch let failure as SinkFailure {
                    throw failure.underlying
                } catch let error as RegistryError {
                    throw error
                } catch let error as CancellationError {
                    throw error
                } catch {
                    interruptions += 1
                    guard interruptions < options.maxAttempts else {
                        throw RegistryError.unreachable(
                            host: endpoint.host, attempts: interruptions,
                            lastCause: "\(what) broke off after \(done) of \(descriptor.size) bytes: \(Self.describe(error))")
                    }
                    logger.info(
                        "blob download interrupted, resuming",
                        metadata: ["blob": "\(descriptor.digest)", "done": "\(done)", "total": "\(descriptor.size)",
                                   "cause": "\(Self.describe(error))"])
                    try await Task.sleep(for: .milliseconds(delay))
                    delay *= 2
                    continue
                }
                if skip > 0 || done != descriptor.size {
                    throw RegistryError.protocolViolation(
                        host: endpoint.host, "\(what) ended after \(done) of \(descriptor.size) bytes")
                }
                return
            }
        }
    }

    /// A blob body that ended before its descriptor's size.
    private struct ShortBody: Error, CustomStringConvertible {
        var description: String { "the connection closed before the end of the body" }
    }

    /// An error thrown by a `fetchBlob` caller's sink, passed through without a retry.
    private struct SinkFailure: Error {
        var underlying: any Error
    }

    /// The first byte position of a `Content-Range: bytes START-END/TOTAL` header.
    private static func rangeStart(_ header: String) -> Int64? {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("bytes ") else { return nil }
        let spec = trimmed.dropFirst("bytes ".count)
        guard let dash = spec.firstIndex(of: "-") else { return nil }
        return Int64(spec[..<dash].trimmingCharacters(in: .whitespaces))
    }

    // MARK: Endpoints, auth, retries

    /// Runs `body` against each endpoint in turn: a failing mirror falls through to the next
    /// endpoint, the registry's own failure is final.
    private func withEndpoints<T>(
        _ reference: ImageReference, _ body: (RegistryEndpoint) async throws -> T
    ) async throws -> T {
        let endpoints = registries.endpoints(for: reference)
        for (i, endpoint) in endpoints.enumerated() {
            do {
                return try await body(endpoint)
            } catch let error where endpoint.isMirror && i < endpoints.count - 1 && !(error is CancellationError) {
                logger.warning(
                    "mirror failed, trying the next endpoint",
                    metadata: ["mirror": "\(endpoint.baseURL)", "image": "\(reference)", "error": "\(error)"])
            }
        }
        throw RegistryError.unreachable(host: reference.registryHost, attempts: 0, lastCause: "no endpoint configured")
    }

    private func credentials(for reference: ImageReference, endpoint: RegistryEndpoint) -> RegistryAuth? {
        let found = endpoint.isMirror
            ? keyring.lookup(repository: "\(endpoint.host)/\(reference.path)") : keyring.lookup(reference)
        return found.first { !$0.isEmpty }
    }

    private static func scope(_ reference: ImageReference) -> String { "repository:\(reference.path):pull" }

    /// GETs `url`, answering a 401 challenge once; returns any other response for the caller to judge.
    private func get(
        _ url: String, endpoint: RegistryEndpoint, reference: ImageReference, accept: [String], range: String? = nil
    ) async throws -> HTTPClientResponse {
        let host = endpoint.host
        let scope = Self.scope(reference)
        let creds = credentials(for: reference, endpoint: endpoint)
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "Accept", value: accept.joined(separator: ", "))
        if let range { request.headers.add(name: "Range", value: range) }
        if let authorization = await cachedAuthorization(host: host, scope: scope, credentials: creds) {
            request.headers.replaceOrAdd(name: "Authorization", value: authorization)
        }
        let first = try await send(request, endpoint: endpoint)
        guard first.status == .unauthorized else { return first }
        let challenges = AuthChallenge.parse(first.headers["WWW-Authenticate"].joined(separator: ", "))
        await Self.drain(first)
        await authState.drop(host: host, scope: scope)
        let authorization: String
        if let bearer = challenges.first(where: { $0.scheme == "bearer" }) {
            authorization = "Bearer " + (try await fetchToken(bearer, host: host, scope: scope, credentials: creds))
        } else if challenges.contains(where: { $0.scheme == "basic" }) {
            guard let basic = Self.basicAuthorization(creds) else {
                throw RegistryError.unauthorized(
                    host: host,
                    "authentication required and no credentials are configured for \(reference.name); add them to the pod's imagePullSecrets, <root-dir>/config.json or the registries config")
            }
            await authState.markBasic(host)
            authorization = basic
        } else {
            throw RegistryError.unauthorized(
                host: host, "HTTP 401 without a Basic or Bearer challenge (WWW-Authenticate: \(first.headers.first(name: "WWW-Authenticate") ?? "missing"))")
        }
        request.headers.replaceOrAdd(name: "Authorization", value: authorization)
        let second = try await send(request, endpoint: endpoint)
        if second.status == .unauthorized {
            await Self.drain(second)
            await authState.drop(host: host, scope: scope)
            throw RegistryError.unauthorized(
                host: host,
                creds == nil
                    ? "access to \(reference.name) was denied (HTTP 401) and no credentials are configured"
                    : "credentials for \(reference.name) were rejected (HTTP 401); check the user name and password")
        }
        return second
    }

    /// What to send before any challenge: a cached token, a configured registry token, or
    /// Basic credentials for hosts that asked for Basic before.
    private func cachedAuthorization(host: String, scope: String, credentials: RegistryAuth?) async -> String? {
        if let token = await authState.token(host: host, scope: scope) { return "Bearer " + token }
        if let token = credentials?.registryToken, !token.isEmpty { return "Bearer " + token }
        if await authState.usesBasic(host) { return Self.basicAuthorization(credentials) }
        return nil
    }

    private static func basicAuthorization(_ credentials: RegistryAuth?) -> String? {
        guard let credentials, let user = credentials.username, !user.isEmpty else { return nil }
        return "Basic " + Data("\(user):\(credentials.password ?? "")".utf8).base64EncodedString()
    }

    /// The token server's response (Docker's token spec and OAuth2's field names).
    private struct TokenResponse: Decodable {
        var token: String?
        var access_token: String?
        var expires_in: Int?
    }

    /// Asks the challenge's realm for a pull token for `scope` and caches it.
    private func fetchToken(
        _ challenge: AuthChallenge, host: String, scope: String, credentials: RegistryAuth?
    ) async throws -> String {
        guard let realm = challenge.parameters["realm"], var components = URLComponents(string: realm),
            let realmHost = components.host
        else {
            throw RegistryError.protocolViolation(
                host: host, "Bearer challenge has no usable realm (\(challenge.parameters["realm"] ?? "missing"))")
        }
        var items = components.queryItems ?? []
        if let service = challenge.parameters["service"] { items.append(URLQueryItem(name: "service", value: service)) }
        items.append(URLQueryItem(name: "scope", value: challenge.parameters["scope"] ?? scope))
        components.queryItems = items
        guard let url = components.string else {
            throw RegistryError.protocolViolation(host: host, "cannot build a token request URL from realm \(realm)")
        }
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        if let basic = Self.basicAuthorization(credentials) {
            request.headers.add(name: "Authorization", value: basic)
        }
        let tokenEndpoint = RegistryEndpoint(
            scheme: components.scheme ?? "https", host: components.port.map { "\(realmHost):\($0)" } ?? realmHost)
        let response = try await send(request, endpoint: tokenEndpoint)
        let status = Int(response.status.code)
        if status == 401 || status == 403 {
            await Self.drain(response)
            throw RegistryError.unauthorized(
                host: host,
                credentials == nil
                    ? "the token server \(realm) requires credentials (HTTP \(status)) and none are configured"
                    : "credentials were rejected by the token server \(realm) (HTTP \(status)); check the user name and password")
        }
        guard status == 200 else {
            throw RegistryError.http(host: host, status: status, "token request to \(realm)", body: await Self.errorBody(response))
        }
        let body = try await response.body.collect(upTo: 1 << 20)
        guard let decoded = try? JSONDecoder().decode(TokenResponse.self, from: Data(body.readableBytesView)),
            let token = decoded.token ?? decoded.access_token, !token.isEmpty
        else {
            throw RegistryError.protocolViolation(host: host, "the token server \(realm) returned no token")
        }
        let lifetime = max(decoded.expires_in ?? 60, 1)
        await authState.store(token: token, host: host, scope: scope, lifetimeSeconds: lifetime)
        return token
    }

    /// Sends `request`, retrying connection errors, 5xx and 429 with exponential backoff.
    private func send(_ request: HTTPClientRequest, endpoint: RegistryEndpoint) async throws -> HTTPClientResponse {
        let client = endpoint.skipTLSVerify ? insecureHTTP : http
        var delay = options.initialBackoffMilliseconds
        var lastCause = ""
        for attempt in 1...options.maxAttempts {
            do {
                let response = try await client.execute(request, deadline: .distantFuture, logger: logger)
                let code = Int(response.status.code)
                guard code >= 500 || code == 429 else { return response }
                let body = await Self.errorBody(response)
                lastCause = "HTTP \(code)" + (body.isEmpty ? "" : ": \(body)")
            } catch let error as CancellationError {
                throw error
            } catch {
                lastCause = Self.describe(error)
            }
            if attempt < options.maxAttempts {
                logger.debug(
                    "registry request failed, retrying",
                    metadata: ["url": "\(request.url)", "attempt": "\(attempt)", "cause": "\(lastCause)"])
                try await Task.sleep(for: .milliseconds(delay))
                delay *= 2
            }
        }
        throw RegistryError.unreachable(host: endpoint.host, attempts: options.maxAttempts, lastCause: lastCause)
    }

    private static func describe(_ error: Error) -> String {
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
        return String(describing: error)
    }

    /// Reads and discards the rest of a response we will not use, so its connection can be reused.
    private static func drain(_ response: HTTPClientResponse) async {
        _ = try? await response.body.collect(upTo: 1 << 20)
    }

    /// The start of an error response's body (registries explain errors in JSON there).
    private static func errorBody(_ response: HTTPClientResponse) async -> String {
        guard let buffer = try? await response.body.collect(upTo: 1 << 20) else { return "" }
        return String(decoding: buffer.readableBytesView.prefix(512), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
