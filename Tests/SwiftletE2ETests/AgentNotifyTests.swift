import Foundation
import Testing

/// A datagram socket standing in for systemd's notify socket.
final class NotifySocket {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = byte }
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard rc == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
    }

    deinit { close(fd); unlink(path) }

    /// The next datagram, or nil after `timeout` seconds.
    func receive(timeout: Double) -> String? {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Int32(timeout * 1000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n], as: UTF8.self)
    }
}

@Suite("swiftlet agent under systemd's notify protocol")
struct AgentNotifyTests {
    @Test(
        "READY=1 once serving, WATCHDOG=1 at half of WATCHDOG_USEC, STOPPING=1 and exit 0 on SIGTERM",
        .enabled(if: isRoot, "the agent manages /run and cgroups as root")
    )
    func notifyLifecycle() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        // An invalid manifest: the scan reports it in STATUS, and no pod (cgroup, namespaces)
        // is left behind by an agent that is stopped with its pods running.
        _ = try dir.write("manifests/web.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: web}
            spec:
              containers:
              - {name: c, image: ""}
            """)
        let config = try dir.write("config.yaml", """
            apiVersion: kubelet.config.k8s.io/v1beta1
            kind: KubeletConfiguration
            staticPodPath: manifests
            fileCheckFrequency: 1s
            healthzPort: 0
            """)
        let notify = try NotifySocket(path: dir.file("notify.sock"))

        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = notify.path
        environment["WATCHDOG_USEC"] = "400000"  // pings expected every 200 ms
        environment.removeValue(forKey: "WATCHDOG_PID")
        environment.removeValue(forKey: "JOURNAL_STREAM")

        let agent = Process()
        agent.executableURL = URL(fileURLWithPath: Swiftlet.binary)
        agent.arguments = [
            "agent", "--config", config, "--root-dir", dir.file("root"), "--run-dir", dir.file("run"),
            "--hostname-override", "e2e-node", "--port", "\(try ImagePullCLITests.freePort())",
        ]
        agent.environment = environment
        let stderr = Pipe()
        agent.standardError = stderr
        agent.standardOutput = FileHandle.nullDevice
        let started = ContinuousClock.now
        try agent.run()
        defer {
            if agent.isRunning { kill(agent.processIdentifier, SIGKILL) }
            agent.waitUntilExit()
        }

        var messages: [String] = []
        var readyAfter: Duration?
        while readyAfter == nil, let message = notify.receive(timeout: 10) {
            messages.append(message)
            if message.split(separator: "\n").contains("READY=1") { readyAfter = ContinuousClock.now - started }
        }
        let ready = try #require(readyAfter, "no READY=1; got \(messages)")
        // Reported, not asserted: timing belongs to benchmarks (bench/startup.sh).
        let status = messages.joined(separator: "\n").split(separator: "\n").first { $0.hasPrefix("STATUS=") }
        #expect(status != nil, "READY=1 comes with a STATUS= line; got \(messages)")
        _ = ready

        var pings = 0
        let watchdogDeadline = ContinuousClock.now + .seconds(5)
        while pings < 3, ContinuousClock.now < watchdogDeadline, let message = notify.receive(timeout: 2) {
            if message.split(separator: "\n").contains("WATCHDOG=1") { pings += 1 }
        }
        #expect(pings >= 3, "expected periodic WATCHDOG=1")

        kill(agent.processIdentifier, SIGTERM)
        var stopping = false
        while !stopping, let message = notify.receive(timeout: 10) {
            if message.split(separator: "\n").contains("STOPPING=1") { stopping = true }
        }
        #expect(stopping, "no STOPPING=1 after SIGTERM")
        agent.waitUntilExit()
        #expect(agent.terminationReason == .exit)
        #expect(agent.terminationStatus == 0)
        let log = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("level=info"), "logs logfmt when stderr is not the journal: \(log)")
        #expect(log.contains("node=e2e-node"))
    }

    @Test("runs without NOTIFY_SOCKET, warns once about unknown config fields, and SIGINT stops it cleanly",
          .enabled(if: isRoot, "the agent manages /run and cgroups as root"))
    func noNotifySocket() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let config = try dir.write("config.yaml", """
            apiVersion: kubelet.config.k8s.io/v1beta1
            kind: KubeletConfiguration
            staticPodPath: manifests
            healthzPort: 0
            featureGates: {Foo: true}
            authentication:
              x509: {bogus: 1}
            """)
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "NOTIFY_SOCKET")
        environment.removeValue(forKey: "JOURNAL_STREAM")
        let agent = Process()
        agent.executableURL = URL(fileURLWithPath: Swiftlet.binary)
        agent.arguments = ["agent", "--config", config, "--root-dir", dir.file("root"), "--run-dir", dir.file("run"),
                           "--port", "\(try ImagePullCLITests.freePort())"]
        agent.environment = environment
        let stderr = Pipe()
        agent.standardError = stderr
        try agent.run()
        defer { if agent.isRunning { kill(agent.processIdentifier, SIGKILL) }; agent.waitUntilExit() }
        // Wait until it logs that it is serving, then interrupt it as Ctrl-C would.
        let reader = stderr.fileHandleForReading
        var log = ""
        let deadline = ContinuousClock.now + .seconds(10)
        while !log.contains("agent ready"), ContinuousClock.now < deadline {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            log += String(decoding: chunk, as: UTF8.self)
        }
        #expect(log.contains("agent ready"), "\(log)")
        kill(agent.processIdentifier, SIGINT)
        agent.waitUntilExit()
        #expect(agent.terminationReason == .exit)
        #expect(agent.terminationStatus == 0)
        log += String(decoding: reader.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("agent stopped"), "\(log)")
        let warnings = log.split(separator: "\n").filter { $0.contains("level=warning") && $0.contains("does not support") }
        #expect(warnings.count == 1, "one warning for unknown fields: \(log)")
        #expect(warnings.first?.contains("featureGates") == true && warnings.first?.contains("authentication.x509.bogus") == true)
    }

    @Test("an invalid config exits 1 naming the field; a missing config file is named")
    func invalidConfig() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let bad = try dir.write("bad.yaml", """
            apiVersion: kubelet.config.k8s.io/v1beta1
            kind: KubeletConfiguration
            imageGCHighThresholdPercent: 120
            """)
        let out = try Swiftlet.run(["agent", "--config", bad, "--root-dir", dir.file("root"), "--run-dir", dir.file("run")])
        #expect(out.status == 1)
        #expect(out.stderr.contains("imageGCHighThresholdPercent: Invalid value: 120"), "\(out.stderr)")

        let missing = try Swiftlet.run(["agent", "--config", dir.file("nope.yaml")])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains(dir.file("nope.yaml")), "\(missing.stderr)")
    }
}
