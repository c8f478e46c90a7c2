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
            connected = bootstrap.connect(to: ip)
        } else {
            connected = bootstrap.connect(host: host, port: port)
        }
        return connected.flatMapErrorThrowing { error in throw Self.describe(error, host: host, address: address) }
    }

    static func describe(_ error: any Error, host: String, address: String) -> DialError {
        switch error {
        case ChannelError.connectTimeout:
            return DialError(description: "dial tcp \(address): i/o timeout", timedOut: true)
        case let io as IOError:
            return DialError(description: "dial tcp \(address): " + ProbeSupport.goConnectError(errno: io.errnoCode), timedOut: io.errnoCode == ETIMEDOUT)
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
