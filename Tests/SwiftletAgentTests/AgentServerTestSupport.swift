import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing

@testable import SwiftletAgent

/// A temporary directory removed when the test is done.
struct ServerTestDir: ~Copyable {
    let path: String

    init() throws {
        var template = Array("/tmp/swiftlet-server-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw ServerTestFailure("mkdtemp failed: \(errno)") }
        path = String(cString: made)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

struct ServerTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs a program to completion on a thread of its own (never blocking the concurrency pool the
/// server under test runs on); returns its exit status, stdout and stderr.
@discardableResult
func runServerTool(_ tool: String, _ arguments: [String], cwd: String? = nil) async throws -> (status: Int32, out: String, err: String) {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try runServerToolBlocking(tool, arguments, cwd: cwd) })
        }
    }
}

private func runServerToolBlocking(_ tool: String, _ arguments: [String], cwd: String?) throws -> (status: Int32, out: String, err: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Read both pipes before waiting so a full pipe cannot block the child.
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// A client CA with a client certificate (CN alice, O devs and ops), a stranger CA with its own
/// client certificate, and a server certificate for 127.0.0.1 signed by the client CA; made with openssl.
struct TestPKI {
    let caCert: String
    let clientCert: String
    let clientKey: String
    let strangerCert: String
    let strangerKey: String
    let serverCert: String
    let serverKey: String

    init(in dir: String) async throws {
        func openssl(_ args: [String]) async throws {
            let r = try await runServerTool("/usr/bin/openssl", args, cwd: dir)
            guard r.status == 0 else { throw ServerTestFailure("openssl \(args.joined(separator: " ")): \(r.err)") }
        }
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try "extendedKeyUsage=clientAuth\n".write(toFile: dir + "/client.ext", atomically: true, encoding: .utf8)
        try "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n"
            .write(toFile: dir + "/server.ext", atomically: true, encoding: .utf8)
        for ca in ["ca", "stranger-ca"] {
            try await openssl(["req", "-x509"] + ec + ["-keyout", "\(ca).key", "-out", "\(ca).crt", "-days", "2", "-subj", "/CN=\(ca)"])
        }
        func issue(_ name: String, subject: String, ca: String, ext: String) async throws {
            try await openssl(["req"] + ec + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", subject])
            try await openssl(["x509", "-req", "-in", "\(name).csr", "-CA", "\(ca).crt", "-CAkey", "\(ca).key", "-CAcreateserial",
                         "-out", "\(name).crt", "-days", "2", "-extfile", ext])
        }
        try await issue("client", subject: "/CN=alice/O=devs/O=ops", ca: "ca", ext: "client.ext")
        try await issue("stranger", subject: "/CN=mallory", ca: "stranger-ca", ext: "client.ext")
        try await issue("server", subject: "/CN=test-node", ca: "ca", ext: "server.ext")
        caCert = dir + "/ca.crt"
        clientCert = dir + "/client.crt"
        clientKey = dir + "/client.key"
        strangerCert = dir + "/stranger.crt"
        strangerKey = dir + "/stranger.key"
        serverCert = dir + "/server.crt"
        serverKey = dir + "/server.key"
    }
}

/// An HTTP answer as curl saw it; `status` is 0 when no HTTP response came (e.g. the TLS handshake failed).
struct CurlResult {
    var exitCode: Int32
    var status: Int
    var body: String
    var headers: String
    var stderr: String
}

/// Requests `url` with curl; `extra` adds options (`--cert`, `-H`, ...). Trusts `caFile` for the server.
func serverCurl(_ url: String, caFile: String? = nil, _ extra: [String] = []) async throws -> CurlResult {
    let dir = try ServerTestDir()
    let headerFile = dir.file("headers")
    var args = ["-sS", "--max-time", "20", "-D", headerFile, "-o", "-", "-w", "\n%{http_code}"]
    if let caFile { args += ["--cacert", caFile] }
    let r = try await runServerTool("/usr/bin/curl", args + extra + [url])
    var body = r.out
    var status = 0
    if let cut = body.lastIndex(of: "\n") {
        status = Int(body[body.index(after: cut)...]) ?? 0
        body = String(body[..<cut])
    }
    let headers = (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? ""
    return CurlResult(exitCode: r.status, status: status, body: body, headers: headers, stderr: r.err)
}

/// A curl process whose output is read as it arrives (for `follow`).
final class StreamingCurl {
    private final class Sink: Sendable {
        let bytes = Mutex<[UInt8]>([])
    }
    private let process: Process
    private let output = Sink()
    private let reader: Thread

    init(_ url: String, caFile: String, _ extra: [String] = []) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-sS", "-N", "--max-time", "30", "--cacert", caFile] + extra + [url]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        self.process = process
        let handle = pipe.fileHandleForReading
        let output = self.output
        reader = Thread {
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                output.bytes.withLock { $0.append(contentsOf: data) }
            }
        }
        try process.run()
        reader.start()
    }

    var text: String { output.bytes.withLock { String(decoding: $0, as: UTF8.self) } }
    var isRunning: Bool { process.isRunning }

    /// Waits until the output contains `needle` (true) or `timeout` passes (false).
    func waitFor(_ needle: String, timeout: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if text.contains(needle) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return text.contains(needle)
    }

    /// Waits for curl to exit by itself; returns its status, or nil after `timeout`.
    func waitForExit(timeout: Duration = .seconds(10)) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if !process.isRunning { return process.terminationStatus }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Kills curl (SIGKILL: the test runner may pass SIGTERM on as ignored) and reaps it.
    func kill() {
        if process.isRunning { _ = Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { kill() }
}

/// Options for a test server on 127.0.0.1 with a kernel-chosen port and its PKI in `dir`.
func testServerOptions(_ dir: borrowing ServerTestDir) -> AgentServerOptions {
    AgentServerOptions(address: "127.0.0.1", port: 0, pkiDirectory: dir.file("pki"), nodeName: "test-node",
                       nodeIPs: ["127.0.0.1"], followPollInterval: .milliseconds(50))
}

/// Starts `server`, runs `body`, and shuts the server down even when `body` throws.
func withServer<T>(_ server: AgentServer, _ body: (AgentServer) async throws -> T) async throws -> T {
    try await server.start()
    do {
        let result = try await body(server)
        await server.shutdown()
        return result
    } catch {
        await server.shutdown()
        throw error
    }
}

extension AgentServer {
    /// `https://127.0.0.1:<port><path>`.
    func url(_ path: String) -> String { "https://127.0.0.1:\(port ?? 0)\(path)" }
}

/// A counter shared with handler closures.
final class ServerCallCounter: Sendable {
    private let value = Mutex(0)
    func increment() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}

/// A flag shared with handler closures.
final class ServerFlag: Sendable {
    private let value: Mutex<Bool>
    init(_ initial: Bool) { value = Mutex(initial) }
    func set(_ v: Bool) { value.withLock { $0 = v } }
    var isSet: Bool { value.withLock { $0 } }
}

/// Connects to 127.0.0.1:`port`, sends nothing, and waits (on a thread of its own) until the server
/// closes the connection; returns how long that took, or nil when it stayed open for `limit` seconds.
func secondsUntilServerCloses(port: Int, limit: Int = 10) async throws -> Double? {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                guard fd >= 0 else { throw ServerTestFailure("socket: \(errno)") }
                defer { close(fd) }
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = in_port_t(UInt16(port).bigEndian)
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                let connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                guard connected == 0 else { throw ServerTestFailure("connect: \(errno)") }
                var timeout = timeval(tv_sec: limit, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                let start = Date()
                var byte: UInt8 = 0
                let n = recv(fd, &byte, 1, 0)
                return n == 0 ? Date().timeIntervalSince(start) : nil
            })
        }
    }
}
