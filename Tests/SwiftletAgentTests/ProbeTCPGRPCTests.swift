import Foundation
import NIOCore
import NIOPosix
import Testing
import SwiftletAgent
import SwiftletAPI

@Suite("tcpSocket probes on loopback")
struct ProbeTCPTests {
    let tcp = TCPProbe(dialer: ProbeDialer(group: probeTestLoop))

    @Test("an open port succeeds; once it closes the probe fails with Go's connection refused")
    func portThatCloses() async throws {
        let server = try await ProbeTestHTTPServer.start { _, _ in .status(200) }
        let port = server.port
        let target = probeLoopbackTarget(ports: [ContainerPort(name: "svc", containerPort: Int32(port))])
        #expect(await tcp.run(TCPSocketAction(port: .int(Int32(port))), target: target, timeoutSeconds: 1) == .success(""))
        #expect(await tcp.run(TCPSocketAction(port: .string("svc"), host: "127.0.0.1"), target: target, timeoutSeconds: 1) == .success(""))
        await server.stop()
        let holder = try await probeTestHoldPort(port)
        defer { close(holder) }
        let closed = await tcp.run(TCPSocketAction(port: .int(Int32(port))), target: target, timeoutSeconds: 1)
        #expect(closed == .failure("dial tcp 127.0.0.1:\(port): connect: connection refused"), "\(closed)")
        #expect(server.requests.isEmpty, "a TCP probe sends nothing")
    }

    @Test("a connection to this host is made (or refused) within connect(2), so the event loop is not involved")
    func immediateConnect() async throws {
        let server = try await ProbeTestHTTPServer.start { _, _ in .status(200) }
        let result = ProbeDialer.connectAtOnce(try SocketAddress(ipAddress: "127.0.0.1", port: server.port))
        guard case .connected(let fd) = result else {
            Issue.record("expected a connection at once, got \(result)")
            await server.stop()
            return
        }
        close(fd)
        await server.stop()
        let (port, held) = try probeTestRefusingPort()
        defer { close(held) }
        #expect(ProbeDialer.connectAtOnce(try SocketAddress(ipAddress: "127.0.0.1", port: port)) == .failed(ECONNREFUSED))
    }

    @Test("a handshake that does not finish fails at the timeout with Go's i/o timeout, on the prober's loop and on NIO's")
    func stalledHandshake() async throws {
        let (port, listener, filler) = try probeTestStalledPort()
        defer {
            close(filler)
            close(listener)
        }
        let expected = ProbeOutcome.failure("dial tcp 127.0.0.1:\(port): i/o timeout")
        let started = ContinuousClock.now
        #expect(await tcp.run(TCPSocketAction(port: .int(Int32(port))), target: probeLoopbackTarget(), timeoutSeconds: 1) == expected)
        let nio = TCPProbe(dialer: ProbeDialer(group: MultiThreadedEventLoopGroup.singleton))
        #expect(await nio.run(TCPSocketAction(port: .int(Int32(port))), target: probeLoopbackTarget(), timeoutSeconds: 1) == expected)
        #expect(ContinuousClock.now - started < .seconds(4))
    }

    @Test("an unknown port name errs; the host defaults to the pod IP")
    func portsAndHosts() async throws {
        let target = probeLoopbackTarget()
        #expect(await tcp.run(TCPSocketAction(port: .string("db")), target: target, timeoutSeconds: 1)
            == .error("strconv.Atoi: parsing \"db\": invalid syntax"))
        var elsewhere = target
        elsewhere.podIP = "127.0.0.2"
        let (port, held) = try probeTestRefusingPort()
        defer { close(held) }
        #expect(await tcp.run(TCPSocketAction(port: .int(Int32(port))), target: elsewhere, timeoutSeconds: 1)
            == .failure("dial tcp 127.0.0.2:\(port): connect: connection refused"))
    }
}

@Suite("grpc probes against a grpc.health.v1 server written on swift-nio-http2")
struct ProbeGRPCTests {
    /// Run from the prober's own loop, with the channel on one of NIO's.
    let grpc = GRPCProbe(dialer: ProbeDialer(group: probeTestLoop))

    @Test("SERVING succeeds, NOT_SERVING fails, an unknown service fails with the server's NotFound, each in kubelet's words")
    func statuses() async throws {
        let server = try await ProbeTestGRPCServer.start(statuses: ["": 1, "db": 2, "cache": 1])
        defer { Task { await server.stop() } }
        let target = probeLoopbackTarget()
        let port = Int32(server.port)
        #expect(await grpc.run(GRPCAction(port: port), target: target, timeoutSeconds: 2) == .success("service is serving"))
        #expect(await grpc.run(GRPCAction(port: port, service: "cache"), target: target, timeoutSeconds: 2) == .success("service is serving"))
        #expect(await grpc.run(GRPCAction(port: port, service: "db"), target: target, timeoutSeconds: 2)
            == .failure("service unhealthy (responded with \"NOT_SERVING\")"))
        #expect(await grpc.run(GRPCAction(port: port, service: "nope"), target: target, timeoutSeconds: 2)
            == .failure("error: health rpc probe failed: rpc error: code = NotFound desc = unknown service"))
    }

    @Test("a call that never completes fails at the timeout; a closed port fails as grpc-go's dial error")
    func timeoutsAndRefusals() async throws {
        let server = try await ProbeTestGRPCServer.start(statuses: [:])
        defer { Task { await server.stop() } }
        let started = ContinuousClock.now
        #expect(await grpc.run(GRPCAction(port: Int32(server.port), service: "hang"), target: probeLoopbackTarget(), timeoutSeconds: 1)
            == .failure("timeout: health rpc did not complete within 1s"))
        #expect(ContinuousClock.now - started < .seconds(3))
        let (closed, held) = try probeTestRefusingPort()
        defer { close(held) }
        #expect(await grpc.run(GRPCAction(port: Int32(closed)), target: probeLoopbackTarget(), timeoutSeconds: 1)
            == .failure("error: health rpc probe failed: rpc error: code = Unavailable desc = connection error: desc = "
                + "\"transport: Error while dialing: dial tcp 127.0.0.1:\(closed): connect: connection refused\""))
    }

    @Test("a server that is not gRPC fails the probe rather than hanging")
    func notGRPC() async throws {
        let server = try await ProbeTestHTTPServer.start { _, _ in .status(200) }
        defer { Task { await server.stop() } }
        let outcome = await grpc.run(GRPCAction(port: Int32(server.port)), target: probeLoopbackTarget(), timeoutSeconds: 2)
        #expect(outcome.status == .failure)
        #expect(outcome.output.hasPrefix("error: health rpc probe failed") || outcome.output.hasPrefix("timeout:"), "\(outcome.output)")
    }

    @Test("HealthCheckRequest and HealthCheckResponse in protobuf with gRPC's length prefix")
    func wireFormat() {
        #expect(GRPCProbe.requestMessage(service: "") == [0, 0, 0, 0, 0])
        #expect(GRPCProbe.requestMessage(service: "db") == [0, 0, 0, 0, 4, 0x0A, 2, UInt8(ascii: "d"), UInt8(ascii: "b")])
        #expect(GRPCProbe.servingStatus(fromGRPCBody: [0, 0, 0, 0, 2, 0x08, 1]) == 1)
        #expect(GRPCProbe.servingStatus(fromGRPCBody: [0, 0, 0, 0, 0]) == 0, "an empty message is status UNKNOWN")
        #expect(GRPCProbe.servingStatus(fromGRPCBody: [0, 0, 0, 0, 6, 0x12, 2, 0x61, 0x62, 0x08, 2]) == 2, "unknown fields are skipped")
        #expect(GRPCProbe.servingStatus(fromGRPCBody: [0, 0, 0, 0, 3, 0x08]) == nil)
    }
}
