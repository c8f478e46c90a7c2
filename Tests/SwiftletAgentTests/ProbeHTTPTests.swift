import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization
import Testing
import SwiftletAgent
import SwiftletAPI

/// A target for a probe against 127.0.0.1, with the given container ports.
func probeLoopbackTarget(ports: [ContainerPort] = [], container name: String = "web") -> ProbeTarget {
    var container = Container(name: name, image: "busybox")
    container.ports = ports
    return ProbeTarget(podUID: "uid-http", podName: "pod", namespace: "default", containerName: name, containerID: "cid",
                       podIP: "127.0.0.1", container: container, startedAt: Date())
}

@Suite("httpGet probes against real servers on loopback")
struct ProbeHTTPTests {
    /// From the prober's own loop, as the agent runs them: plain HTTP with no channel, HTTPS
    /// through NIO's.
    let http = HTTPProbe(dialer: ProbeDialer(group: probeTestLoop))

    func get(_ path: String, port: Int, scheme: String? = nil, headers: [HTTPHeader]? = nil, timeout: Int = 2) async -> ProbeOutcome {
        await http.run(HTTPGetAction(path: path, port: .int(Int32(port)), scheme: scheme, httpHeaders: headers),
                       target: probeLoopbackTarget(), timeoutSeconds: timeout)
    }

    @Test("a server that answers 200 then 500: success with the body, then kubelet's statuscode failure")
    func okThenFailing() async throws {
        let server = try await ProbeTestHTTPServer.start { _, index in index == 0 ? .status(200, body: "healthy") : .status(500, body: "broken") }
        defer { Task { await server.stop() } }
        #expect(await get("/healthz", port: server.port) == .success("healthy"))
        #expect(await get("/healthz", port: server.port) == .failure("HTTP probe failed with statuscode: 500"))
        #expect(server.requests.map(\.uri) == ["/healthz", "/healthz"])
    }

    @Test("399 succeeds (with kubelet's redirect warning) and 400 fails; an empty path asks for /")
    func statusRange() async throws {
        let server = try await ProbeTestHTTPServer.start { head, _ in head.uri == "/" ? .status(399) : .status(400) }
        defer { Task { await server.stop() } }
        #expect(await get("", port: server.port).status == .warning, "3xx without a Location ends as kubelet's redirect warning")
        #expect(await get("/other?x=1", port: server.port) == .failure("HTTP probe failed with statuscode: 400"))
        #expect(server.requests.map(\.uri) == ["/", "/other?x=1"])
    }

    @Test("requests carry kube-probe's User-Agent, Accept */*, the probe's headers and Connection: close")
    func requestHeaders() async throws {
        let server = try await ProbeTestHTTPServer.start { _, _ in .status(200) }
        defer { Task { await server.stop() } }
        _ = await get("/a", port: server.port, headers: [HTTPHeader(name: "x-custom", value: "1")])
        _ = await get("/b", port: server.port, headers: [
            HTTPHeader(name: "User-Agent", value: "mine"), HTTPHeader(name: "Accept", value: ""),
            HTTPHeader(name: "Host", value: "example.test"),
        ])
        let requests = server.requests
        try #require(requests.count == 2)
        #expect(requests[0].headers["User-Agent"] == ["kube-probe/1.32"])
        #expect(requests[0].headers["Accept"] == ["*/*"])
        #expect(requests[0].headers["X-Custom"] == ["1"])
        #expect(requests[0].headers["Host"] == ["127.0.0.1:\(server.port)"])
        #expect(requests[0].headers["Connection"] == ["close"])
        #expect(requests[1].headers["User-Agent"] == ["mine"])
        #expect(requests[1].headers["Accept"].isEmpty, "an Accept header set empty is dropped")
        #expect(requests[1].headers["Host"] == ["example.test"])
    }

    @Test("the prober's own HTTP client and NIO's send the same request and conclude the same from the same answers")
    func sameOnBothLoops() async throws {
        let server = try await ProbeTestHTTPServer.start { head, _ in
            switch head.uri {
            case "/moved": return .status(302, headers: [("Location", "/ok")])
            case "/ok": return .status(200, body: "fine")
            default: return .status(503, body: "no")
            }
        }
        defer { Task { await server.stop() } }
        let nio = HTTPProbe(dialer: ProbeDialer(group: MultiThreadedEventLoopGroup.singleton))
        let headers = [HTTPHeader(name: "x-custom", value: "1"), HTTPHeader(name: "Host", value: "example.test")]
        for path in ["/moved", "/down"] {
            let action = HTTPGetAction(path: path, port: .int(Int32(server.port)), httpHeaders: headers)
            let own = await http.run(action, target: probeLoopbackTarget(), timeoutSeconds: 2)
            let theirs = await nio.run(action, target: probeLoopbackTarget(), timeoutSeconds: 2)
            #expect(own == theirs, "\(path): \(own) against NIO's \(theirs)")
        }
        #expect(await http.run(HTTPGetAction(path: "/moved", port: .int(Int32(server.port))), target: probeLoopbackTarget(),
                               timeoutSeconds: 2) == .success("fine"))
        let requests = server.requests
        try #require(requests.count == 8)
        for (own, theirs) in [(0, 2), (1, 3), (4, 5)] {
            #expect(requests[own].uri == requests[theirs].uri)
            #expect(Array(requests[own].headers.map { "\($0.name): \($0.value)" }) == Array(requests[theirs].headers.map { "\($0.name): \($0.value)" }))
        }
    }

    @Test("a named port resolves from the container's ports; an unknown name errs in kubelet's words")
    func namedPort() async throws {
        let server = try await ProbeTestHTTPServer.start { _, _ in .status(204) }
        defer { Task { await server.stop() } }
        let target = probeLoopbackTarget(ports: [ContainerPort(name: "http", containerPort: Int32(server.port))])
        #expect(await http.run(HTTPGetAction(path: "/", port: .string("http")), target: target, timeoutSeconds: 1) == .success(""))
        #expect(await http.run(HTTPGetAction(path: "/", port: .string("\(server.port)")), target: target, timeoutSeconds: 1) == .success(""))
        #expect(await http.run(HTTPGetAction(path: "/", port: .string("metrics")), target: target, timeoutSeconds: 1)
            == .error("strconv.Atoi: parsing \"metrics\": invalid syntax"))
        #expect(await http.run(HTTPGetAction(path: "/", port: .int(70000)), target: target, timeoutSeconds: 1)
            == .error("invalid port number: 70000"))
    }

    @Test("redirects on the same host are followed, to another path and another port")
    func sameHostRedirects() async throws {
        let other = try await ProbeTestHTTPServer.start { _, _ in .status(200, body: "landed") }
        defer { Task { await other.stop() } }
        let otherPort = other.port
        let server = try await ProbeTestHTTPServer.start { head, _ in
            switch head.uri {
            case "/start": return .status(302, body: "moved", headers: [("Location", "/next")])
            case "/next": return .status(307, headers: [("Location", "http://127.0.0.1:\(otherPort)/final")])
            default: return .status(404)
            }
        }
        defer { Task { await server.stop() } }
        #expect(await get("/start", port: server.port) == .success("landed"))
        #expect(server.requests.map(\.uri) == ["/start", "/next"])
        #expect(other.requests.map(\.uri) == ["/final"])
    }

    @Test("a redirect to another host is not followed: success with kubelet's warning and the redirect's body")
    func otherHostRedirect() async throws {
        let server = try await ProbeTestHTTPServer.start { head, _ in
            head.uri == "/start" ? .status(301, body: "gone elsewhere", headers: [("Location", "http://localhost:1/elsewhere")]) : .status(200)
        }
        defer { Task { await server.stop() } }
        #expect(await get("/start", port: server.port) == .warning("Probe terminated redirects, Response body: gone elsewhere"))
        #expect(server.requests.count == 1)
    }

    @Test("a redirect loop stops after 10 requests with Go's error")
    func redirectLoop() async throws {
        let server = try await ProbeTestHTTPServer.start { _, index in .status(302, headers: [("Location", "/loop\(index + 1)")]) }
        defer { Task { await server.stop() } }
        let outcome = await get("/loop0", port: server.port)
        #expect(outcome == .failure("Get \"http://127.0.0.1:\(server.port)/loop10\": stopped after 10 redirects"))
        #expect(server.requests.count == 10)
    }

    @Test("a body that never ends: success within the timeout with only the first 10 KiB read")
    func endlessBody() async throws {
        let server = try await ProbeTestHTTPServer.start { _, _ in .endless }
        defer { Task { await server.stop() } }
        let started = ContinuousClock.now
        let outcome = await get("/stream", port: server.port, timeout: 5)
        #expect(outcome.status == .success)
        #expect(outcome.output.utf8.count == 10 * 1024)
        #expect(ContinuousClock.now - started < .seconds(3))
    }

    @Test("a 100 KiB body is cut at 10 KiB, and the cut body is what a failure's log would carry")
    func bigBody() async throws {
        let body = String(repeating: "0123456789", count: 10 * 1024)
        let server = try await ProbeTestHTTPServer.start { _, _ in .status(200, body: body) }
        defer { Task { await server.stop() } }
        let outcome = await get("/", port: server.port)
        #expect(outcome == .success(String(body.prefix(10 * 1024))))
    }

    @Test("HTTPS against a self-signed certificate succeeds without verification; plain HTTP to it fails")
    func https() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("probe-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                             "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem", "-days", "1", "-subj", "/CN=probe.test"]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        try #require(openssl.terminationStatus == 0)
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(dir + "/cert.pem").map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: dir + "/key.pem", format: .pem)))
        let server = try await ProbeTestHTTPServer.start(tls: try NIOSSLContext(configuration: configuration)) { _, _ in .status(200, body: "secure") }
        defer { Task { await server.stop() } }
        #expect(await get("/", port: server.port, scheme: "HTTPS") == .success("secure"))
        #expect(await get("/", port: server.port, scheme: "HTTP").status == .failure)
    }

    @Test("a refused connection fails with Go's dial error")
    func refused() async throws {
        let (port, held) = try probeTestRefusingPort()
        defer { close(held) }
        #expect(await get("/healthz", port: port)
            == .failure("Get \"http://127.0.0.1:\(port)/healthz\": dial tcp 127.0.0.1:\(port): connect: connection refused"))
    }

    @Test("a server that never answers fails at the timeout with Go's client timeout message")
    func silent() async throws {
        let server = try await ProbeTestHTTPServer.start { _, _ in .silent }
        defer { Task { await server.stop() } }
        let started = ContinuousClock.now
        let outcome = await get("/slow", port: server.port, timeout: 1)
        let elapsed = ContinuousClock.now - started
        #expect(outcome == .failure("Get \"http://127.0.0.1:\(server.port)/slow\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"))
        #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(3))
    }
}

/// An exec runner for managers whose tests use network probes only.
struct ProbeUnusedExecRunner: ProbeExecRunner {
    func exec(containerID: String, command: [String], timeout: Duration) async throws -> ProbeExecResult {
        throw ProbeTestError("no exec in this test")
    }
}

@Suite("The probe manager with real handlers against an httpd that starts failing")
struct ProbeManagerHTTPTests {
    @Test("readiness flips Ready both ways and liveness asks for a restart once the server fails")
    func readinessAndLiveness() async throws {
        let failing = Atomic<Bool>(false)
        let server = try await ProbeTestHTTPServer.start { _, _ in
            failing.load(ordering: .relaxed) ? .status(503, body: "down") : .status(200, body: "up")
        }
        defer { Task { await server.stop() } }
        let clock = ManualClock(start: Date(timeIntervalSince1970: 1_700_000_000))
        let updates = ProbeUpdateLog()
        var logger = Logger(label: "test.probes.http")
        logger.logLevel = .critical
        let manager = ProbeManager(clock: clock, exec: ProbeUnusedExecRunner(), logger: logger, random: { 0 }) { updates.append($0) }
        let loop = Task { try await manager.run() }
        defer { loop.cancel() }
        clock.advance(by: 60)
        var container = Container(name: "web", image: "httpd")
        container.ports = [ContainerPort(name: "http", containerPort: Int32(server.port))]
        container.readinessProbe = Probe(httpGet: HTTPGetAction(path: "/ready", port: .string("http")), periodSeconds: 5, failureThreshold: 2)
        container.livenessProbe = Probe(httpGet: HTTPGetAction(path: "/live", port: .int(Int32(server.port))), periodSeconds: 5,
                                        failureThreshold: 3, terminationGracePeriodSeconds: 7)
        await manager.add(ProbeTarget(podUID: "uid-web", podName: "web", namespace: "default", containerName: "web", containerID: "c1",
                                      podIP: "127.0.0.1", container: container, startedAt: clock.now()))
        await manager.waitUntilIdle()
        #expect(await manager.state(podUID: "uid-web", containerName: "web") == ProbeState(started: true, ready: true, live: true))
        failing.store(true, ordering: .relaxed)
        clock.advance(by: 5)
        await manager.waitUntilIdle()
        #expect(await manager.state(podUID: "uid-web", containerName: "web")?.ready == true, "one failure is below the threshold")
        clock.advance(by: 5)
        await manager.waitUntilIdle()
        #expect(await manager.state(podUID: "uid-web", containerName: "web") == ProbeState(started: true, ready: false, live: true))
        clock.advance(by: 5)
        await manager.waitUntilIdle()
        let restart = updates.all.compactMap(\.restart).first
        #expect(restart == ProbeRestart(gracePeriodSeconds: 7, message: "Container web failed liveness probe, will be restarted"))
        #expect(updates.of("web", .liveness).last?.events.first
            == ProbeEvent(type: "Warning", reason: "Unhealthy", message: "Liveness probe failed: HTTP probe failed with statuscode: 503"))
        failing.store(false, ordering: .relaxed)
        clock.advance(by: 5)
        await manager.waitUntilIdle()
        #expect(await manager.state(podUID: "uid-web", containerName: "web")?.ready == true, "readiness recovers with the server")
        let totals = await manager.totals()
        #expect(totals[ProbeCounterKey(kind: .readiness, result: .failure)] == 3)
        #expect(totals[ProbeCounterKey(kind: .liveness, result: .success)] == 1)
        #expect(totals[ProbeCounterKey(kind: .liveness, result: .failure)] == 3)
    }
}
