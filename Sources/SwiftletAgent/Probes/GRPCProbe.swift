import Foundation
import NIOCore
import NIOHTTP2
import SwiftletAPI

/// The grpc handler: one `grpc.health.v1.Health/Check` call over cleartext HTTP/2 (h2c) to the
/// pod IP, as kubelet's `pkg/probe/grpc`; SERVING is success. Speaks the few frames the call needs
/// directly over swift-nio-http2 instead of pulling in a gRPC library.
package struct GRPCProbe: Sendable {
    package let dialer: ProbeDialer

    package init(dialer: ProbeDialer) {
        self.dialer = dialer
    }

    /// `grpc.health.v1.HealthCheckResponse.ServingStatus` names, by number.
    static let servingStatusNames = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"]

    /// gRPC status code names as grpc-go prints them (`rpc error: code = NotFound desc = …`).
    static let codeNames = [
        "OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists",
        "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented",
        "Internal", "Unavailable", "DataLoss", "Unauthenticated",
    ]

    package func run(_ action: GRPCAction, target: ProbeTarget, timeoutSeconds: Int, on loop: any EventLoop) -> EventLoopFuture<ProbeOutcome> {
        let host = ProbeSupport.host(nil, podIP: target.podIP)
        let port = Int(action.port)
        guard port > 0, port < 65536 else { return loop.makeSucceededFuture(.error("invalid port number: \(port)")) }
        return check(host: host, port: port, service: action.service ?? "", timeoutSeconds: timeoutSeconds, on: loop)
    }

    /// One run on one of the dialer's loops.
    package func run(_ action: GRPCAction, target: ProbeTarget, timeoutSeconds: Int) async -> ProbeOutcome {
        let loop = dialer.group.next()
        return (try? await loop.flatSubmit { run(action, target: target, timeoutSeconds: timeoutSeconds, on: loop) }.get()) ?? .error("probe abandoned")
    }

    /// Kubelet's verdict on one health check of `service` at `host:port`.
    package func check(host: String, port: Int, service: String, timeoutSeconds: Int, on loop: any EventLoop) -> EventLoopFuture<ProbeOutcome> {
        let deadline = NIODeadline.now() + .seconds(Int64(timeoutSeconds))
        let timeoutText = "timeout: health rpc did not complete within \(ProbeSupport.goDuration(seconds: timeoutSeconds))"
        let promise = loop.makePromise(of: HealthCall.Reply.self)
        let authority = ProbeSupport.joinHostPort(host, port)
        return dialer.connect(host: host, port: port, deadline: deadline, on: loop) { channel in
            channel.eventLoop.makeCompletedFuture {
                let sync = channel.pipeline.syncOperations
                try sync.addHandler(NIOHTTP2Handler(mode: .client))
                try sync.addHandler(HealthCall(authority: authority, service: service, timeoutSeconds: timeoutSeconds,
                                               promise: promise, deadline: deadline))
            }
        }.flatMap { _ in
            promise.futureResult.map { Self.outcome(of: $0, timeoutText: timeoutText) }.recover { error in
                if case HealthCall.Failure.deadlineExceeded = error { return .failure(timeoutText) }
                return .failure("error: health rpc probe failed: rpc error: code = Unavailable desc = \(error)")
            }
        }.recover { error in
            promise.fail(error)
            if let dial = error as? ProbeDialer.DialError, dial.timedOut { return .failure(timeoutText) }
            return .failure("error: health rpc probe failed: rpc error: code = Unavailable desc = connection error: desc = "
                + ProbeSupport.goQuote("transport: Error while dialing: \(error)"))
        }
    }

    private static func outcome(of reply: HealthCall.Reply, timeoutText: String) -> ProbeOutcome {
        switch reply.code {
        case 0:
            let status = reply.servingStatus ?? 0
            guard status == 1 else {
                let name = status < servingStatusNames.count ? servingStatusNames[status] : "\(status)"
                return .failure("service unhealthy (responded with \(ProbeSupport.goQuote(name)))")
            }
            return .success("service is serving")
        case 4:
            return .failure(timeoutText)
        case 12:
            return .failure("error: this server does not implement the grpc health protocol (grpc.health.v1.Health): \(reply.message)")
        default:
            let name = reply.code < codeNames.count ? codeNames[reply.code] : "Code(\(reply.code))"
            return .failure("error: health rpc probe failed: rpc error: code = \(name) desc = \(reply.message)")
        }
    }

    /// `HealthCheckRequest{service}` in protobuf, in a gRPC length-prefixed message.
    package static func requestMessage(service: String) -> [UInt8] {
        var message: [UInt8] = []
        if !service.isEmpty {
            message.append(0x0A)
            appendVarint(UInt64(service.utf8.count), to: &message)
            message += Array(service.utf8)
        }
        let length = UInt32(message.count)
        return [0, UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)] + message
    }

    /// The `status` field of a length-prefixed `HealthCheckResponse`; nil when malformed.
    package static func servingStatus(fromGRPCBody body: [UInt8]) -> Int? {
        guard body.count >= 5, body[0] == 0 else { return nil }
        let length = Int(body[1]) << 24 | Int(body[2]) << 16 | Int(body[3]) << 8 | Int(body[4])
        guard body.count >= 5 + length else { return nil }
        var index = 5
        let end = 5 + length
        var status = 0
        while index < end {
            guard let tag = readVarint(body, &index, end: end) else { return nil }
            switch tag & 7 {
            case 0:
                guard let value = readVarint(body, &index, end: end) else { return nil }
                if tag >> 3 == 1 { status = Int(value) }
            case 1: index += 8
            case 2:
                guard let count = readVarint(body, &index, end: end) else { return nil }
                index += Int(count)
            case 5: index += 4
            default: return nil
            }
        }
        return index == end ? status : nil
    }

    private static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    private static func readVarint(_ bytes: [UInt8], _ index: inout Int, end: Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while index < end, shift < 64 {
            let byte = bytes[index]
            index += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        return nil
    }
}

/// The single call on stream 1 of a fresh HTTP/2 connection: sends the request when the
/// connection is up, gathers the response and trailers, and closes the connection when done.
private final class HealthCall: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    struct Reply: Sendable {
        /// The grpc-status.
        var code: Int
        /// The grpc-message, percent-decoded.
        var message: String
        /// The response's serving status, when the call succeeded.
        var servingStatus: Int?
    }

    enum Failure: Error, CustomStringConvertible {
        case deadlineExceeded
        case closed(String)

        var description: String {
            switch self {
            case .deadlineExceeded: return "context deadline exceeded"
            case .closed(let why): return why
            }
        }
    }

    private let stream = HTTP2StreamID(1)
    private let authority: String
    private let service: String
    private let timeoutSeconds: Int
    private let promise: EventLoopPromise<Reply>
    private let deadline: NIODeadline
    private var timer: Scheduled<Void>?
    private var httpStatus: String?
    private var body: [UInt8] = []
    private var done = false

    init(authority: String, service: String, timeoutSeconds: Int, promise: EventLoopPromise<Reply>, deadline: NIODeadline) {
        self.authority = authority
        self.service = service
        self.timeoutSeconds = timeoutSeconds
        self.promise = promise
        self.deadline = deadline
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = bound.value
            handler.fail(.deadlineExceeded, context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        if !done {
            done = true
            promise.fail(Failure.closed("transport is closing"))
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        let headers = HTTP2Frame.FramePayload.Headers(headers: [
            ":method": "POST",
            ":scheme": "http",
            ":path": "/grpc.health.v1.Health/Check",
            ":authority": authority,
            "content-type": "application/grpc",
            "te": "trailers",
            "user-agent": ProbeSupport.userAgent,
            "grpc-timeout": "\(timeoutSeconds)S",
        ])
        context.write(wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .headers(headers))), promise: nil)
        let message = context.channel.allocator.buffer(bytes: GRPCProbe.requestMessage(service: service))
        let data = HTTP2Frame.FramePayload.Data(data: .byteBuffer(message), endStream: true)
        context.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .data(data))), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard !done else { return }
        switch frame.payload {
        case .headers(let headers) where frame.streamID == stream:
            if httpStatus == nil, let status = headers.headers.first(name: ":status") {
                httpStatus = status
            }
            if headers.endStream {
                finish(trailers: headers.headers.first(name: "grpc-status"), message: headers.headers.first(name: "grpc-message"),
                       context: context)
            }
        case .data(let payload) where frame.streamID == stream:
            if case .byteBuffer(let buffer) = payload.data { body += buffer.readableBytesView }
            if payload.endStream { finish(trailers: nil, message: nil, context: context) }
        case .rstStream(let code) where frame.streamID == stream:
            fail(.closed("stream terminated by RST_STREAM with error code: \(code)"), context: context)
        case .goAway(let lastStream, let code, _) where lastStream < stream:
            fail(.closed("connection closed by the server (GOAWAY \(code))"), context: context)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(.closed("error reading from server: EOF"), context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(.closed("\(error)"), context: context)
    }

    private func finish(trailers status: String?, message: String?, context: ChannelHandlerContext) {
        guard !done else { return }
        done = true
        timer?.cancel()
        let reply: Reply
        if let status, let code = Int(status) {
            let text = (message ?? "").removingPercentEncoding ?? (message ?? "")
            reply = Reply(code: code, message: text, servingStatus: code == 0 ? GRPCProbe.servingStatus(fromGRPCBody: body) : nil)
        } else if let httpStatus, httpStatus != "200" {
            reply = Reply(code: Self.code(forHTTPStatus: httpStatus),
                          message: "unexpected HTTP status code received from server: \(httpStatus)", servingStatus: nil)
        } else {
            reply = Reply(code: 13, message: "server closed the stream without sending trailers", servingStatus: nil)
        }
        if reply.code == 0, reply.servingStatus == nil {
            promise.succeed(Reply(code: 13, message: "grpc: failed to unmarshal the received message", servingStatus: nil))
        } else {
            promise.succeed(reply)
        }
        context.close(promise: nil)
    }

    private func fail(_ failure: Failure, context: ChannelHandlerContext) {
        guard !done else { return }
        done = true
        timer?.cancel()
        promise.fail(failure)
        context.close(promise: nil)
    }

    /// grpc-go's gRPC code for a non-gRPC HTTP answer.
    private static func code(forHTTPStatus status: String) -> Int {
        switch status {
        case "400": return 13
        case "401": return 16
        case "403": return 7
        case "404": return 12
        case "429", "502", "503", "504": return 14
        default: return 2
        }
    }
}
