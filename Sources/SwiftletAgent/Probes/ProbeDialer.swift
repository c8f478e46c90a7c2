import Foundation
import Glibc
import NIOCore
import NIOPosix

/// Opens the TCP connections of tcpSocket, httpGet and grpc probes, and words failures as Go's
/// dialer does (`dial tcp 10.0.0.5:80: connect: connection refused`), since kubelet's messages
/// carry them.
package struct ProbeDialer: Sendable {
    /// Where probes run when the caller names no event loop.
    package let group: any EventLoopGroup

    package init(group: any EventLoopGroup) {
        self.group = group
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
        let bootstrap = ClientBootstrap(group: loop)
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
            case .pending:
                connected = bootstrap.connect(to: ip)
            }
        } else {
            connected = bootstrap.connect(host: host, port: port)
        }
        return connected.flatMapErrorThrowing { error in throw Self.describe(error, host: host, address: address) }
    }

    /// Only checks that `host:port` takes a connection, and closes it (tcpSocket probes): no
    /// channel when the connection is made at once.
    package func check(host: String, port: Int, deadline: NIODeadline, on loop: any EventLoop) -> EventLoopFuture<Void> {
        if let ip = try? SocketAddress(ipAddress: host, port: port), deadline > .now() {
            switch Self.connectAtOnce(ip) {
            case .connected(let fd):
                close(fd)
                return loop.makeSucceededVoidFuture()
            case .failed(let code):
                return loop.makeFailedFuture(DialError(address: ProbeSupport.joinHostPort(host, port), errno: code))
            case .pending:
                break
            }
        }
        return connect(host: host, port: port, deadline: deadline, on: loop) { $0.eventLoop.makeSucceededVoidFuture() }
            .map { $0.close(promise: nil) }
    }

    package enum Immediate: Equatable {
        /// Connected: the caller owns the descriptor.
        case connected(Int32)
        /// Refused (or otherwise failed) at once, with this errno.
        case failed(Int32)
        /// The handshake did not finish within the call: take the event loop's way.
        case pending
    }

    /// A non-blocking connect(2) and a zero-timeout poll: when the peer is on this host, as
    /// every pod's address is to its node's agent (loopback, or a veth into the pod's network
    /// namespace), the kernel has run both ends of the handshake by the time connect returns, so
    /// the connection is made (or refused) at once. That spares the event loop a socket's whole
    /// registration dance for most probes; anything slower is left to the event loop.
    package static func connectAtOnce(_ address: SocketAddress) -> Immediate {
        let fd = socket(address.protocolFamily, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .pending }
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let rc = address.withSockAddr { Glibc.connect(fd, $0, socklen_t($1)) }
        if rc == 0 { return .connected(fd) }
        var code = errno
        if code == EINPROGRESS {
            // Even to this host connect(2) returns EINPROGRESS, but the handshake (or the
            // refusal) is done by the time it returns: a zero-timeout poll tells.
            var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            if poll(&entry, 1, 0) == 1 {
                var length = socklen_t(MemoryLayout<Int32>.size)
                code = 0
                if getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) != 0 { code = errno }
                if code == 0 { return .connected(fd) }
            }
        }
        close(fd)
        switch code {
        case ECONNREFUSED, ENETUNREACH, EHOSTUNREACH: return .failed(code)
        default: return .pending  // still in progress: a peer elsewhere
        }
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
