import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import SwiftletAPI

/// The httpGet handler, as kubelet's `pkg/probe/http`: one GET per run on a fresh connection
/// (`Connection: close`), HTTPS without certificate verification, `kube-probe/1.32` and
/// `Accept: */*` unless the probe sets them, 200–399 success, at most 10 KiB of body read.
/// Redirects are followed while they stay on the first request's host name (at most 10 requests);
/// a redirect elsewhere ends the run as a success with a `ProbeWarning`. The timeout covers the
/// whole run, redirects included.
package struct HTTPProbe: Sendable {
    package let dialer: ProbeDialer
    /// One TLS context for every HTTPS probe: building one costs far more than a probe.
    private let tls: Result<NIOSSLContext, ProbeSupport.Failure>

    package init(dialer: ProbeDialer) {
        self.dialer = dialer
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        do {
            tls = .success(try NIOSSLContext(configuration: configuration))
        } catch {
            tls = .failure(ProbeSupport.Failure("cannot set up TLS for HTTPS probes: \(error)"))
        }
    }

    /// Where a request goes.
    package struct Location: Equatable, CustomStringConvertible {
        package var scheme: String
        package var host: String
        package var port: Int
        /// The path and query as the probe gave them; empty means `/`.
        package var path: String

        package init(scheme: String, host: String, port: Int, path: String) {
            self.scheme = scheme
            self.host = host
            self.port = port
            self.path = path
        }

        package var description: String {
            let shown = path.isEmpty || path.hasPrefix("/") ? path : "/" + path
            return "\(scheme)://\(ProbeSupport.joinHostPort(host, port))\(shown)"
        }

        package var requestTarget: String {
            if path.isEmpty { return "/" }
            return path.hasPrefix("/") ? path : "/" + path
        }

        /// Where a `Location` header points from here; nil when it cannot be parsed.
        package func resolve(_ reference: String) -> Location? {
            let lower = reference.lowercased()
            if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
                let scheme = lower.hasPrefix("https://") ? "https" : "http"
                return Self.parse(authorityAndPath: String(reference.dropFirst(scheme.count + 3)), scheme: scheme)
            }
            if reference.hasPrefix("//") {
                return Self.parse(authorityAndPath: String(reference.dropFirst(2)), scheme: scheme)
            }
            var next = self
            if reference.hasPrefix("/") {
                next.path = reference
            } else if reference.hasPrefix("?") {
                next.path = String(requestTarget.prefix { $0 != "?" }) + reference
            } else {
                let base = requestTarget.prefix { $0 != "?" }
                let directory = base.lastIndex(of: "/").map { base[...$0] } ?? "/"
                next.path = String(directory) + reference
            }
            return next
        }

        private static func parse(authorityAndPath: String, scheme: String) -> Location? {
            let authorityEnd = authorityAndPath.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? authorityAndPath.endIndex
            let authority = authorityAndPath[..<authorityEnd]
            let path = String(authorityAndPath[authorityEnd...].prefix { $0 != "#" })
            let defaultPort = scheme == "https" ? 443 : 80
            var host = Substring(authority), port = defaultPort
            if authority.hasPrefix("[") {
                guard let close = authority.firstIndex(of: "]") else { return nil }
                host = authority[authority.index(after: authority.startIndex)..<close]
                let rest = authority[authority.index(after: close)...]
                if rest.hasPrefix(":") {
                    guard let parsed = Int(rest.dropFirst()) else { return nil }
                    port = parsed
                }
            } else if let colon = authority.lastIndex(of: ":") {
                host = authority[..<colon]
                guard let parsed = Int(authority[authority.index(after: colon)...]) else { return nil }
                port = parsed
            }
            guard !host.isEmpty else { return nil }
            return Location(scheme: scheme, host: String(host), port: port, path: path)
        }
    }

    package func run(_ action: HTTPGetAction, target: ProbeTarget, timeoutSeconds: Int, on loop: any EventLoop) -> EventLoopFuture<ProbeOutcome> {
        let port: Int
        do {
            port = try ProbeSupport.resolvePort(action.port, in: target.container)
        } catch {
            return loop.makeSucceededFuture(.error("\(error)"))
        }
        let scheme = (action.scheme ?? "").lowercased()
        let location = Location(scheme: scheme.isEmpty ? "http" : scheme, host: ProbeSupport.host(action.host, podIP: target.podIP),
                                port: port, path: action.path ?? "")
        return get(location, headers: action.httpHeaders ?? [], deadline: .now() + .seconds(Int64(timeoutSeconds)), on: loop)
    }

    /// One run on one of the dialer's loops.
    package func run(_ action: HTTPGetAction, target: ProbeTarget, timeoutSeconds: Int) async -> ProbeOutcome {
        let loop = dialer.group.next()
        return (try? await loop.flatSubmit { run(action, target: target, timeoutSeconds: timeoutSeconds, on: loop) }.get()) ?? .error("probe abandoned")
    }

    /// What kubelet's `DoHTTPProbe` concludes from a GET of `start`, following redirects.
    package func get(_ start: Location, headers: [HTTPHeader], deadline: NIODeadline, on loop: any EventLoop) -> EventLoopFuture<ProbeOutcome> {
        let (requestHeaders, hostOverride) = Self.requestHeaders(headers)
        return follow(start, from: start, headers: requestHeaders, host: hostOverride, requests: 1, deadline: deadline, on: loop)
    }

    private func follow(_ location: Location, from start: Location, headers: [(name: String, value: String)], host: String?,
                        requests: Int, deadline: NIODeadline, on loop: any EventLoop) -> EventLoopFuture<ProbeOutcome> {
        exchange(location, headers: headers, host: host, deadline: deadline, on: loop)
            .map { Result<HTTPProbeResponse, any Error>.success($0) }
            .recover { .failure($0) }
            .flatMap { result -> EventLoopFuture<ProbeOutcome> in
                let response: HTTPProbeResponse
                switch result {
                case .success(let value):
                    response = value
                case .failure(HTTPProbeFailure.readingBody):
                    return loop.makeSucceededFuture(.error(HTTPProbeFailure.readingBody.description))
                case .failure(let error):
                    return loop.makeSucceededFuture(.failure("Get \(ProbeSupport.goQuote(location.description)): \(error)"))
                }
                if [301, 302, 303, 307, 308].contains(response.status), let header = response.location, !header.isEmpty {
                    guard let next = location.resolve(header) else {
                        return loop.makeSucceededFuture(.failure(
                            "Get \(ProbeSupport.goQuote(location.description)): failed to parse Location header \(ProbeSupport.goQuote(header))"))
                    }
                    if next.host == start.host {
                        guard requests < 10 else {
                            return loop.makeSucceededFuture(.failure("Get \(ProbeSupport.goQuote(next.description)): stopped after 10 redirects"))
                        }
                        // Go keeps a caller's Host header only through relative redirects.
                        let lower = header.lowercased()
                        let absolute = lower.hasPrefix("http://") || lower.hasPrefix("https://") || header.hasPrefix("//")
                        return follow(next, from: start, headers: headers, host: absolute ? nil : host, requests: requests + 1,
                                      deadline: deadline, on: loop)
                    }
                }
                let body = String(decoding: response.body, as: UTF8.self)
                switch response.status {
                case 200..<300:
                    return loop.makeSucceededFuture(.success(body))
                case 300..<400:
                    return loop.makeSucceededFuture(.warning("Probe terminated redirects, Response body: \(body)"))
                default:
                    return loop.makeSucceededFuture(.failure("HTTP probe failed with statuscode: \(response.status)"))
                }
            }
    }

    /// The request headers as kubelet builds them: the probe's (names canonicalised as Go does),
    /// then `User-Agent` and `Accept: */*` unless given; an `Accept` given empty is dropped.
    /// A `Host` header becomes the request's host instead.
    static func requestHeaders(_ given: [HTTPHeader]) -> (headers: [(name: String, value: String)], host: String?) {
        var headers = given.map { (name: canonical($0.name), value: $0.value) }
        let host = headers.first { $0.name == "Host" }?.value
        headers.removeAll { $0.name == "Host" }
        if !headers.contains(where: { $0.name == "User-Agent" }) {
            headers.append((name: "User-Agent", value: ProbeSupport.userAgent))
        }
        if !headers.contains(where: { $0.name == "Accept" }) {
            headers.append((name: "Accept", value: "*/*"))
        } else if headers.first(where: { $0.name == "Accept" })?.value.isEmpty == true {
            headers.removeAll { $0.name == "Accept" }
        }
        return (headers, host)
    }

    /// Go's canonical MIME header key: `x-custom-header` becomes `X-Custom-Header`.
    static func canonical(_ name: String) -> String {
        guard name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: ":") }) else { return name }
        var upper = true
        return String(name.map { char -> Character in
            defer { upper = char == "-" }
            return upper ? Character(char.uppercased()) : Character(char.lowercased())
        })
    }

    private func exchange(_ location: Location, headers: [(name: String, value: String)], host: String?,
                          deadline: NIODeadline, on loop: any EventLoop) -> EventLoopFuture<HTTPProbeResponse> {
        let sslContext: NIOSSLContext?
        switch location.scheme {
        case "http":
            sslContext = nil
        case "https":
            switch tls {
            case .success(let context): sslContext = context
            case .failure(let error): return loop.makeFailedFuture(error)
            }
        default:
            return loop.makeFailedFuture(ProbeSupport.Failure("unsupported protocol scheme \(ProbeSupport.goQuote(location.scheme))"))
        }
        let hostHeader = host ?? ProbeSupport.joinHostPort(location.host, location.port)
        if sslContext == nil, let probeLoop = loop as? ProbeEventLoop,
           let ip = try? SocketAddress(ipAddress: location.host, port: location.port) {
            // Plain HTTP to an address, from the prober's own loop: no channel.
            let request: [UInt8]
            do {
                request = try PlainHTTPExchange.request(target: location.requestTarget, host: hostHeader, headers: headers)
            } catch {
                return loop.makeFailedFuture(error)
            }
            let display = ProbeSupport.joinHostPort(location.host, location.port)
            switch ProbeDialer.connectAtOnce(ip) {
            case .connected(let fd):
                return PlainHTTPExchange.run(fd: fd, request: request, deadline: deadline, on: probeLoop)
            case .failed(let code):
                return loop.makeFailedFuture(Self.dialFailure(ProbeDialer.DialError(address: display, errno: code)))
            case .inProgress(let fd):
                return ProbeDialer.awaitConnection(fd, display: display, deadline: deadline, on: probeLoop)
                    .flatMapErrorThrowing { error in throw Self.dialFailure(error) }
                    .flatMap { fd in PlainHTTPExchange.run(fd: fd, request: request, deadline: deadline, on: probeLoop) }
            }
        }
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: location.requestTarget)
        head.headers.add(name: "Host", value: hostHeader)
        for header in headers { head.headers.add(name: header.name, value: header.value) }
        head.headers.add(name: "Connection", value: "close")
        let promise = loop.makePromise(of: HTTPProbeResponse.self)
        let serverName = (try? SocketAddress(ipAddress: location.host, port: 0)) == nil ? location.host : nil
        let request = head
        return dialer.connect(host: location.host, port: location.port, deadline: deadline, on: loop) { channel in
            channel.eventLoop.makeCompletedFuture {
                let sync = channel.pipeline.syncOperations
                if let sslContext {
                    try sync.addHandler(try NIOSSLClientHandler(context: sslContext, serverHostname: serverName))
                }
                try sync.addHTTPClientHandlers()
                try sync.addHandler(Exchange(request: request, promise: promise, deadline: deadline))
            }
        }.flatMapErrorThrowing { error -> any Channel in
            promise.fail(error)
            throw Self.dialFailure(error)
        }.flatMap { _ in
            promise.futureResult
        }
    }

    /// A failed dial as Go's client words it: a timeout is the client's.
    private static func dialFailure(_ error: any Error) -> any Error {
        if let dial = error as? ProbeDialer.DialError, dial.timedOut {
            return ProbeSupport.Failure("\(dial) (Client.Timeout exceeded while awaiting headers)")
        }
        return error
    }
}

/// What an httpGet exchange brought back.
package struct HTTPProbeResponse: Sendable {
    package var status: Int
    package var location: String?
    /// The first 10 KiB of the body.
    package var body: [UInt8]
}

/// Why an httpGet exchange brought nothing back, in Go's client's words.
package enum HTTPProbeFailure: Error, CustomStringConvertible {
    case awaitingHeaders
    case readingBody
    case eof
    case other(String)

    /// What Go's client says of a response it cannot parse.
    static let malformed = HTTPProbeFailure.other("net/http: HTTP/1.x transport connection broken: malformed HTTP response")

    package var description: String {
        switch self {
        case .awaitingHeaders: return "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
        case .readingBody: return "context deadline exceeded (Client.Timeout or context cancellation while reading body)"
        case .eof: return "EOF"
        case .other(let text): return text
        }
    }
}

/// One request and its response on one connection: sends the GET once the connection is up,
/// keeps the first 10 KiB of the body, and closes the connection when done, failed or late.
private final class Exchange: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let request: HTTPRequestHead
    private let promise: EventLoopPromise<HTTPProbeResponse>
    private let deadline: NIODeadline
    private var head: HTTPResponseHead?
    private var body: [UInt8] = []
    private var done = false
    private var timer: Scheduled<Void>?

    init(request: HTTPRequestHead, promise: EventLoopPromise<HTTPProbeResponse>, deadline: NIODeadline) {
        self.request = request
        self.promise = promise
        self.deadline = deadline
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = bound.value
            handler.fail(handler.head == nil ? .awaitingHeaders : .readingBody, context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        if !done {
            done = true
            promise.fail(HTTPProbeFailure.eof)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(request)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        switch unwrapInboundIn(data) {
        case .head(let response):
            head = response
        case .body(let buffer):
            let room = ProbeSupport.maxOutputBytes - body.count
            body += buffer.readableBytesView.prefix(room)
            if body.count >= ProbeSupport.maxOutputBytes { finish(context: context) }
        case .end:
            finish(context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if head != nil { finish(context: context) } else { fail(.eof, context: context) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError {
            fail(.malformed, context: context)
        } else if let io = error as? IOError {
            fail(.other(ProbeSupport.goConnectError(errno: io.errnoCode)), context: context)
        } else {
            fail(.other("\(error)"), context: context)
        }
    }

    private func finish(context: ChannelHandlerContext) {
        guard !done, let head else { return }
        done = true
        timer?.cancel()
        promise.succeed(HTTPProbeResponse(status: Int(head.status.code), location: head.headers.first(name: "Location"), body: body))
        context.close(promise: nil)
    }

    private func fail(_ failure: HTTPProbeFailure, context: ChannelHandlerContext) {
        guard !done else { return }
        done = true
        timer?.cancel()
        promise.fail(failure)
        context.close(promise: nil)
    }
}
