import Foundation
import Glibc
import NIOCore
import SwiftletAPI

/// The tcpSocket handler: success when a connection opens before the timeout, as kubelet's
/// `DoTCPProbe`; the connection is closed at once.
package struct TCPProbe: Sendable {
    package let dialer: ProbeDialer

    package init(dialer: ProbeDialer) {
        self.dialer = dialer
    }

    package func run(_ action: TCPSocketAction, target: ProbeTarget, timeoutSeconds: Int, on loop: any EventLoop) -> EventLoopFuture<ProbeOutcome> {
        let port: Int
        do {
            port = try ProbeSupport.resolvePort(action.port, in: target.container)
        } catch {
            return loop.makeSucceededFuture(.error("\(error)"))
        }
        let host = ProbeSupport.host(action.host, podIP: target.podIP)
        // To an address, most connections settle within connect(2): no channel, no future.
        if let ip = try? SocketAddress(ipAddress: host, port: port) {
            let display = ProbeSupport.joinHostPort(host, port)
            switch ProbeDialer.connectAtOnce(ip) {
            case .connected(let fd):
                close(fd)
                return loop.makeSucceededFuture(.success())
            case .failed(let code):
                return loop.makeSucceededFuture(.failure(ProbeDialer.DialError(address: display, errno: code).description))
            case .inProgress(let fd):
                if let probeLoop = loop as? ProbeEventLoop {
                    return ProbeDialer.awaitConnection(fd, display: display, deadline: .now() + .seconds(Int64(timeoutSeconds)), on: probeLoop)
                        .map { connected -> ProbeOutcome in
                            close(connected)
                            return .success()
                        }
                        .recover { .failure("\($0)") }
                }
                close(fd)  // NIO's channel takes it from here
            }
        }
        return dialer.check(host: host, port: port, deadline: .now() + .seconds(Int64(timeoutSeconds)), on: loop).map {
            ProbeOutcome.success()
        }.recover { error in
            .failure("\(error)")
        }
    }

    /// One run on one of the dialer's loops.
    package func run(_ action: TCPSocketAction, target: ProbeTarget, timeoutSeconds: Int) async -> ProbeOutcome {
        let loop = dialer.group.next()
        return (try? await loop.flatSubmit { run(action, target: target, timeoutSeconds: timeoutSeconds, on: loop) }.get()) ?? .error("probe abandoned")
    }
}
