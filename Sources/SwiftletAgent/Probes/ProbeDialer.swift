import Foundation
import CRuntimeShim
import Glibc
import NIOCore
import NIOPosix

/// Opens the TCP connections of tcpSocket, httpGet and grpc probes, and words failures as Go's
/// dialer does (`dial tcp 10.0.0.5:80: connect: connection refused`), since kubelet's messages
/// carry them.
package struct ProbeDialer: Sendable {
    /// Where probes run when the caller names no event loop.
    package let group: any EventLoopGroup
    /// NIO's loops, for the channels of probes run from a ``ProbeEventLoop`` (HTTPS, gRPC, names).
    package let channelGroup: any EventLoopGroup

    package init(group: any EventLoopGroup, channelGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.group = group
        self.channelGroup = channelGroup
    }

    /// A connection that could not be made.
    package struct DialError: Error, CustomStringConvertible {
        /// Go's text: `dial tcp ADDR: connect: connection refused`, `dial tcp ADDR: i/o timeout`.
        package var description: String
        /// True when the time ran out rather than the peer refusing.
        package var timedOut: Bool

        package init(description: String, timedOut: Bool) {
            self.description = description
            self.timedOut = timedOut
        }

        /// A connect(2) to `address` that failed with `code`, in Go's words.
        init(address: String, errno code: Int32) {
            self.init(description: "dial tcp \(address): " + ProbeSupport.goConnectError(errno: code), timedOut: code == ETIMEDOUT)
        }
    }

    /// Connects to `host:port` on `loop` before `deadline`; `initializer` sets up the pipeline
    /// first. An IP literal is dialled directly; a name is resolved first. Fails with a ``DialError``.
    package func connect(host: String, port: Int, deadline: NIODeadline, on loop: any EventLoop,
                         initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>) -> EventLoopFuture<any Channel> {
        let address = ProbeSupport.joinHostPort(host, port)
        let remaining = deadline - .now()
        guard remaining > .zero else {
            return loop.makeFailedFuture(DialError(description: "dial tcp \(address): i/o timeout", timedOut: true))
        }
        // Channels need one of NIO's own loops: from the prober's loop, the future hops back.
        let bootstrap = ClientBootstrap(group: loop is ProbeEventLoop ? channelGroup.next() : loop)
            .connectTimeout(remaining)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer(initializer)
        let connected: EventLoopFuture<any Channel>
        if let ip = try? SocketAddress(ipAddress: host, port: port) {
            switch Self.connectAtOnce(ip) {
            case .connected(let fd):
                connected = bootstrap.withConnectedSocket(fd)
            case .failed(let code):
                return loop.makeFailedFuture(DialError(address: ProbeSupport.joinHostPort(host, port), errno: code))
            case .inProgress(let fd):
                close(fd)
                connected = bootstrap.connect(to: ip)
            }
        } else {
            connected = bootstrap.connect(host: host, port: port)
        }
        return connected.flatMapErrorThrowing { error in throw Self.describe(error, host: host, address: address) }
    }

    /// Only checks that `host:port` takes a connection through a channel of NIO's, and closes it:
    /// the way of a tcpSocket probe to a host name, or to a peer slower than ``connectAtOnce(_:)``
    /// from one of NIO's loops.
    package func check(host: String, port: Int, deadline: NIODeadline, on loop: any EventLoop) -> EventLoopFuture<Void> {
        connect(host: host, port: port, deadline: deadline, on: loop) { $0.eventLoop.makeSucceededVoidFuture() }
            .map { $0.close(promise: nil) }
    }

    /// Waits on the prober's loop for a connect(2) in progress on `fd` to finish before
    /// `deadline`: `fd` once connected, else a ``DialError`` (and `fd` is closed).
    package static func awaitConnection(_ fd: Int32, display: String, deadline: NIODeadline,
                                        on loop: ProbeEventLoop) -> EventLoopFuture<Int32> {
        let promise = loop.makePromise(of: Int32.self)
        var timer: ProbeEventLoop.LoopTimer?
        let watching = loop.watch(fd, events: SHIM_EPOLLOUT) { _ in
            timer?.cancel()
            loop.unwatch(fd)
            var code: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            if getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) != 0 { code = errno }
            if code == 0 {
                promise.succeed(fd)
            } else {
                close(fd)
                promise.fail(DialError(address: display, errno: code))
            }
        }
        guard watching else {
            let code = errno
            close(fd)
            return loop.makeFailedFuture(DialError(address: display, errno: code))
        }
        timer = loop.scheduleOnLoop(deadline: deadline) {
            loop.unwatch(fd)
            close(fd)
            promise.fail(DialError(description: "dial tcp \(display): i/o timeout", timedOut: true))
        }
        return promise.futureResult
    }

    package enum Immediate: Equatable {
        /// Connected: the caller owns the descriptor.
        case connected(Int32)
        /// Refused (or otherwise failed) at once, with this errno.
        case failed(Int32)
        /// The handshake did not finish within the call (a peer elsewhere): the caller owns the
        /// connecting descriptor, to wait on or close.
        case inProgress(Int32)
    }

    /// A non-blocking connect(2) and a zero-timeout poll: when the peer is on this host, as
    /// every pod's address is to its node's agent (loopback, or a veth into the pod's network
    /// namespace), the kernel has run both ends of the handshake by the time connect returns, so
    /// the connection is made (or refused) at once. That spares an event loop a socket's whole
    /// registration dance for most probes.
    package static func connectAtOnce(_ address: SocketAddress) -> Immediate {
        let fd = socket(address.protocol.rawValue, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failed(errno) }
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let rc = address.withSockAddr { Glibc.connect(fd, $0, socklen_t($1)) }
        if rc == 0 { return .connected(fd) }
        var code = errno
        if code == EINPROGRESS {
            // Even to this host connect(2) returns EINPROGRESS, but the handshake (or the
            // refusal) is done by the time it returns: a zero-timeout poll tells.
            var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard poll(&entry, 1, 0) == 1 else { return .inProgress(fd) }
            var length = socklen_t(MemoryLayout<Int32>.size)
            code = 0
            if getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) != 0 { code = errno }
            if code == 0 { return .connected(fd) }
        }
        close(fd)
        return .failed(code)
    }

    static func describe(_ error: any Error, host: String, address: String) -> DialError {
        switch error {
        case ChannelError.connectTimeout:
            return DialError(description: "dial tcp \(address): i/o timeout", timedOut: true)
        case let io as IOError:
            return DialError(address: address, errno: io.errnoCode)
        case let failure as NIOConnectionError:
            if let first = failure.connectionErrors.first {
                return describe(first.error, host: host, address: address)
            }
            return DialError(description: "dial tcp: lookup \(host): no such host", timedOut: false)
        default:
            return DialError(description: "dial tcp \(address): \(error)", timedOut: false)
        }
    }
}
