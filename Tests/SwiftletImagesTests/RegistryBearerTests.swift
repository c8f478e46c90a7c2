import Foundation
import Glibc
import SwiftletImages
import Testing

/// A tiny HTTP/1.1 server on 127.0.0.1 for protocol tests: one thread, one connection at a
/// time, `Connection: close` on every answer.
final class LoopbackHTTPServer: @unchecked Sendable {
    struct Request: Sendable {
        var method: String
        var target: String
        var headers: [String: String]
        var path: String { String(target.split(separator: "?", maxSplits: 1).first ?? "") }
    }
    struct Response: Sendable {
        var status: Int
        var headers: [String: String] = [:]
        var body: [UInt8] = []
    }

    let port: Int
    private let fd: Int32
    private let thread: Thread

    init(handler: @escaping @Sendable (Request) -> Response) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RegistryTestFailure("socket: errno \(errno)") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Bool in
                bind(fd, p, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, p, &length) == 0
            }
        }
        guard ok else {
            close(fd)
            throw RegistryTestFailure("bind/listen: errno \(errno)")
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
        thread = Thread {
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 {
                    if errno == EINTR { continue }
                    return
                }
                Self.serve(client, handler)
                close(client)
            }
        }
        thread.start()
    }

    /// Stops accepting; the thread ends on the failed accept.
    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    private static func serve(_ client: Int32, _ handler: (Request) -> Response) {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        while !(data.count >= 4 && data.indices.dropLast(3).contains { Array(data[$0..<$0 + 4]) == end }) {
            let n = read(client, &chunk, chunk.count)
            if n <= 0 { return }
            data += chunk[0..<n]
        }
        let text = String(decoding: data, as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ")
        guard requestLine.count >= 2 else { return }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let response = handler(Request(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers))
        var head = "HTTP/1.1 \(response.status) X\r\nContent-Length: \(response.body.count)\r\nConnection: close\r\n"
        for (name, value) in response.headers { head += "\(name): \(value)\r\n" }
        let bytes = Array((head + "\r\n").utf8) + response.body
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            written += n
        }
    }
}

/// Counts what the fake registry saw.
final class BearerTestLog: @unchecked Sendable {
    private let lock = NSLock()
    private var _tokenRequests: [String] = []
    func record(_ target: String) { lock.withLock { _tokenRequests.append(target) } }
    var tokenRequests: [String] { lock.withLock { _tokenRequests } }
}

@Suite("RegistryClient Bearer token flow")
struct RegistryBearerTests {
    static let config = Array(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8)

    static func manifest() -> [UInt8] {
        var hasher = SHA256Hasher()
        hasher.update(config)
        return Array(
            """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
            "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:\(hasher.finalizeHex())","size":\(config.count)},\
            "layers":[]}
            """.utf8)
    }

    /// A registry whose manifests need `Bearer tok-1`, and a token endpoint that wants `user:pass`.
    static func startServer(log: BearerTestLog) throws -> LoopbackHTTPServer {
        let body = manifest()
        let portBox = PortBox()
        let server = try LoopbackHTTPServer { request in
            if request.path == "/token" {
                log.record(request.target)
                let expected = "Basic " + Data("user:pass".utf8).base64EncodedString()
                guard request.headers["authorization"] == expected,
                    request.target.contains("scope=repository:team/app:pull"),
                    request.target.contains("service=fake,registry") || request.target.contains("service=fake%2Cregistry")
                else { return .init(status: 401) }
                return .init(status: 200, body: Array(#"{"access_token":"tok-1","expires_in":300}"#.utf8))
            }
            guard request.headers["authorization"] == "Bearer tok-1" else {
                return .init(
                    status: 401,
                    headers: [
                        "WWW-Authenticate":
                            #"Bearer realm="http://127.0.0.1:\#(portBox.port)/token",service="fake,registry",scope="repository:team/app:pull""#
                    ])
            }
            guard request.path == "/v2/team/app/manifests/v1" else { return .init(status: 404) }
            return .init(status: 200, headers: ["Content-Type": "application/vnd.oci.image.manifest.v1+json"], body: body)
        }
        portBox.port = server.port
        return server
    }

    @Test("a 401 challenge leads to a token request with Basic credentials; the token is cached and reused")
    func bearerFlow() async throws {
        let log = BearerTestLog()
        let server = try Self.startServer(log: log)
        defer { server.stop() }
        var registries = RegistriesConfig()
        try registries.addInsecureRegistries(["127.0.0.1:\(server.port)"])
        let reference = try ImageReference(parsing: "127.0.0.1:\(server.port)/team/app:v1")

        let keyring = CredentialKeyring(["127.0.0.1:\(server.port)": RegistryAuth(username: "user", password: "pass")])
        let client = RegistryClient(registries: registries, keyring: keyring)
        do {
            let first = try await client.resolve(reference, platform: Platform(os: "linux", architecture: "amd64"))
            let second = try await client.resolve(reference, platform: Platform(os: "linux", architecture: "amd64"))
            #expect(first.descriptor == second.descriptor)
            #expect(first.config.size == Int64(Self.config.count))
            #expect(log.tokenRequests.count == 1)
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()

        let wrong = RegistryClient(
            registries: registries,
            keyring: CredentialKeyring(["127.0.0.1:\(server.port)": RegistryAuth(username: "user", password: "nope")]))
        let error = await #expect(throws: RegistryError.self) {
            try await wrong.resolve(reference, platform: Platform(os: "linux", architecture: "amd64"))
        }
        #expect(error?.isUnauthorized == true)
        #expect(error?.message.contains("rejected") == true)
        try await wrong.shutdown()
    }

    @Test("WWW-Authenticate challenges parse quoted values with commas and several schemes")
    func challengeParsing() {
        let parsed = AuthChallenge.parse(
            #"Bearer realm="https://auth.example/token",service="registry,example",scope="repository:a/b:pull,push", Basic realm="x y""#)
        #expect(parsed.count == 2)
        #expect(parsed.first?.scheme == "bearer")
        #expect(parsed.first?.parameters["realm"] == "https://auth.example/token")
        #expect(parsed.first?.parameters["service"] == "registry,example")
        #expect(parsed.first?.parameters["scope"] == "repository:a/b:pull,push")
        #expect(parsed.last == AuthChallenge(scheme: "basic", parameters: ["realm": "x y"]))
        #expect(AuthChallenge.parse(#"Bearer realm=unquoted,error="in\"valid""#).first?.parameters
            == ["realm": "unquoted", "error": "in\"valid"])
    }
}

/// The server's port, known only after it started, for the challenge it sends.
final class PortBox: @unchecked Sendable {
    private let lock = NSLock()
    private var _port = 0
    var port: Int {
        get { lock.withLock { _port } }
        set { lock.withLock { _port = newValue } }
    }
}
