import Foundation
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL
import Synchronization
import SwiftletAgent

/// An HTTP/1.1 server on 127.0.0.1 (a kernel-chosen port) whose answers a test scripts.
final class ProbeTestHTTPServer: Sendable {
    enum Reply: Sendable {
        /// A complete response with this status, body and headers.
        case status(Int, body: String = "", headers: [(String, String)] = [])
        /// A 200 whose chunked body never ends.
        case endless
        /// No answer at all.
        case silent
    }

    let port: Int
    private let channel: any Channel
    private let seen: Mutex<[HTTPRequestHead]>

    /// Every request received so far.
    var requests: [HTTPRequestHead] { seen.withLock { $0 } }

    private init(port: Int, channel: any Channel) {
        self.port = port
        self.channel = channel
        self.seen = Mutex([])
    }

    /// - Parameter route: the answer to a request, given how many came before it.
    static func start(tls: NIOSSLContext? = nil,
                      route: @escaping @Sendable (HTTPRequestHead, Int) -> Reply) async throws -> ProbeTestHTTPServer {
        let log = Log()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    let sync = child.pipeline.syncOperations
                    if let tls { try sync.addHandler(NIOSSLServerHandler(context: tls)) }
                    try sync.configureHTTPServerPipeline(withErrorHandling: true)
                    try sync.addHandler(Responder(route: route, log: log))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = ProbeTestHTTPServer(port: channel.localAddress?.port ?? 0, channel: channel)
        log.server.withLock { $0 = server }
        return server
    }

    func stop() async {
        try? await channel.close()
    }

    fileprivate func record(_ head: HTTPRequestHead) -> Int {
        seen.withLock { list in
            list.append(head)
            return list.count - 1
        }
    }

    /// Lets the handlers reach the server object made after the bind.
    private final class Log: Sendable {
        let server = Mutex<ProbeTestHTTPServer?>(nil)
    }

    private final class Responder: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let route: @Sendable (HTTPRequestHead, Int) -> Reply
        let log: Log
        var head: HTTPRequestHead?

        init(route: @escaping @Sendable (HTTPRequestHead, Int) -> Reply, log: Log) {
            self.route = route
            self.log = log
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let request): head = request
            case .body: break
            case .end:
                guard let head else { return }
                let index = log.server.withLock { $0?.record(head) } ?? 0
                respond(route(head, index), context: context)
            }
        }

        private func respond(_ reply: Reply, context: ChannelHandlerContext) {
            switch reply {
            case .status(let code, let body, let extra):
                var response = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: code))
                response.headers.add(name: "Content-Length", value: "\(body.utf8.count)")
                response.headers.add(name: "Connection", value: "close")
                for (name, value) in extra { response.headers.add(name: name, value: value) }
                context.write(wrapOutboundOut(.head(response)), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
                let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
            case .endless:
                let response = HTTPResponseHead(version: .http1_1, status: .ok)
                context.writeAndFlush(wrapOutboundOut(.head(response)), promise: nil)
                let chunk = context.channel.allocator.buffer(repeating: UInt8(ascii: "x"), count: 16 * 1024)
                let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                context.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(5)) { task in
                    let (handler, context) = bound.value
                    guard context.channel.isActive else {
                        task.cancel()
                        return
                    }
                    context.writeAndFlush(handler.wrapOutboundOut(.body(.byteBuffer(chunk))), promise: nil)
                }
            case .silent:
                break
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}

/// A `grpc.health.v1.Health` server over h2c on 127.0.0.1, written on swift-nio-http2 frames:
/// services in `statuses` answer with that serving status (1 SERVING, 2 NOT_SERVING), the
/// service `"hang"` never answers, and any other gets NOT_FOUND "unknown service", as the
/// reference health server does.
final class ProbeTestGRPCServer: Sendable {
    let port: Int
    private let channel: any Channel

    private init(port: Int, channel: any Channel) {
        self.port = port
        self.channel = channel
    }

    static func start(statuses: [String: Int]) async throws -> ProbeTestGRPCServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    let sync = child.pipeline.syncOperations
                    try sync.addHandler(NIOHTTP2Handler(mode: .server))
                    try sync.addHandler(HealthResponder(statuses: statuses))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return ProbeTestGRPCServer(port: channel.localAddress?.port ?? 0, channel: channel)
    }

    func stop() async {
        try? await channel.close()
    }

    private final class HealthResponder: ChannelInboundHandler {
        typealias InboundIn = HTTP2Frame
        typealias OutboundOut = HTTP2Frame

        let statuses: [String: Int]
        var bodies: [HTTP2StreamID: [UInt8]] = [:]
        var paths: [HTTP2StreamID: String] = [:]

        init(statuses: [String: Int]) {
            self.statuses = statuses
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = unwrapInboundIn(data)
            switch frame.payload {
            case .headers(let headers):
                paths[frame.streamID] = headers.headers.first(name: ":path")
                bodies[frame.streamID] = []
                if headers.endStream { respond(frame.streamID, context: context) }
            case .data(let payload):
                if case .byteBuffer(let buffer) = payload.data { bodies[frame.streamID, default: []] += buffer.readableBytesView }
                if payload.endStream { respond(frame.streamID, context: context) }
            default:
                break
            }
        }

        private func respond(_ stream: HTTP2StreamID, context: ChannelHandlerContext) {
            let service = Self.service(in: bodies.removeValue(forKey: stream) ?? [])
            guard paths.removeValue(forKey: stream) == "/grpc.health.v1.Health/Check" else {
                trailersOnly(stream, code: "12", message: "unknown%20method", context: context)
                return
            }
            if service == "hang" { return }
            guard let status = statuses[service] else {
                trailersOnly(stream, code: "5", message: "unknown%20service", context: context)
                return
            }
            let head = HTTP2Frame.FramePayload.Headers(headers: [":status": "200", "content-type": "application/grpc"])
            context.write(wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .headers(head))), promise: nil)
            // HealthCheckResponse{status}: field 1, varint.
            let message: [UInt8] = [0, 0, 0, 0, 2, 0x08, UInt8(status)]
            let data = HTTP2Frame.FramePayload.Data(data: .byteBuffer(context.channel.allocator.buffer(bytes: message)))
            context.write(wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .data(data))), promise: nil)
            let trailers = HTTP2Frame.FramePayload.Headers(headers: ["grpc-status": "0"], endStream: true)
            context.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .headers(trailers))), promise: nil)
        }

        private func trailersOnly(_ stream: HTTP2StreamID, code: String, message: String, context: ChannelHandlerContext) {
            let headers = HTTP2Frame.FramePayload.Headers(headers: [
                ":status": "200", "content-type": "application/grpc", "grpc-status": code, "grpc-message": message,
            ], endStream: true)
            context.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .headers(headers))), promise: nil)
        }

        /// The `service` of a length-prefixed HealthCheckRequest (short names only).
        static func service(in body: [UInt8]) -> String {
            guard body.count > 7, body[5] == 0x0A else { return "" }
            let length = Int(body[6])
            return String(decoding: body[7..<min(body.count, 7 + length)], as: UTF8.self)
        }
    }
}

/// Binds 127.0.0.1:`port` without listening, so that nothing takes it while a test expects it
/// refused: not another test's server (they bind without SO_REUSEADDR), nor a connection's own
/// source port. Waits up to 10 s for the connections of a server just closed (or a concurrent
/// test's connection that took the port as its source port) to go; close the result.
func probeTestHoldPort(_ port: Int) async throws -> Int32 {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    let deadline = ContinuousClock.now + .seconds(10)
    while true {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        if bound { return fd }
        close(fd)
        guard ContinuousClock.now < deadline else { throw ProbeTestError("port \(port) stays taken") }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// A TCP port on 127.0.0.1 that refuses connections: bound by the kernel and kept bound, never
/// listening, so no one else gets it meanwhile. Close `fd` when done.
func probeTestRefusingPort() throws -> (port: Int, fd: Int32) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard bound else {
        close(fd)
        throw ProbeTestError("cannot bind a port on 127.0.0.1")
    }
    return (Int(UInt16(bigEndian: address.sin_port)), fd)
}

struct ProbeTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The prober's own event loop, shared by the handler tests (as the agent's probes share one).
let probeTestLoop: ProbeEventLoop = {
    do {
        return try ProbeEventLoop(name: "probe-tests")
    } catch {
        preconditionFailure("cannot start the prober's event loop: \(error)")
    }
}()

/// A port on 127.0.0.1 whose handshakes never finish: it listens with a backlog of 0 and never
/// accepts, and `filler`, connected first, fills that backlog, so the kernel drops the SYNs of
/// later connections. Close both descriptors when done.
func probeTestStalledPort() throws -> (port: Int, listener: Int32, filler: Int32) {
    let (port, listener) = try probeTestRefusingPort()
    guard listen(listener, 0) == 0 else {
        close(listener)
        throw ProbeTestError("cannot listen on port \(port)")
    }
    guard case .connected(let filler) = ProbeDialer.connectAtOnce(try SocketAddress(ipAddress: "127.0.0.1", port: port)) else {
        close(listener)
        throw ProbeTestError("cannot fill the backlog of port \(port)")
    }
    return (port, listener, filler)
}
