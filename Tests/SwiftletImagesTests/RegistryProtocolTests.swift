import Foundation
import SwiftletImages
import Testing

/// Counts requests per path for the fake registries below.
final class RequestCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    /// Records one request to `path`; returns how many there were, this one included.
    func hit(_ path: String) -> Int {
        lock.withLock {
            counts[path, default: 0] += 1
            return counts[path]!
        }
    }
    func count(_ path: String) -> Int { lock.withLock { counts[path] ?? 0 } }
}

@Suite("RegistryClient protocol edge cases against a fake registry")
struct RegistryProtocolTests {
    static let amd64 = Platform(os: "linux", architecture: "amd64")
    static let blob = Array("not really a layer, but bytes with a digest".utf8)
    static var blobDigest: String {
        var hasher = SHA256Hasher()
        hasher.update(blob)
        return "sha256:" + hasher.finalizeHex()
    }

    static func withServer(
        _ handler: @escaping @Sendable (LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response,
        options: RegistryClientOptions = RegistryClientOptions(initialBackoffMilliseconds: 20),
        _ body: (RegistryClient, String) async throws -> Void
    ) async throws {
        let server = try LoopbackHTTPServer(handler: handler)
        defer { server.stop() }
        var registries = RegistriesConfig()
        try registries.addInsecureRegistries(["127.0.0.1:\(server.port)"])
        let client = RegistryClient(registries: registries, options: options)
        do {
            try await body(client, "127.0.0.1:\(server.port)")
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    @Test("a schema 1 manifest is refused with a message telling how to fix the image")
    func schema1() async throws {
        try await Self.withServer({ _ in
            .init(
                status: 200, headers: ["Content-Type": MediaType.dockerSchema1SignedManifest],
                body: Array(#"{"schemaVersion":1,"name":"old/app","tag":"v1","fsLayers":[]}"#.utf8))
        }) { client, host in
            let error = await #expect(throws: RegistryError.self) {
                try await client.resolve(ImageReference(parsing: "\(host)/old/app:v1"), platform: Self.amd64)
            }
            #expect(error?.message.contains("schema 1 manifests are not supported") == true)
        }
    }

    @Test("manifest bytes that do not hash to the requested digest are rejected")
    func digestMismatch() async throws {
        let manifest = Array(
            #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":2},"layers":[]}"#
                .utf8)
        try await Self.withServer({ _ in
            .init(status: 200, headers: ["Content-Type": MediaType.ociManifest], body: manifest)
        }) { client, host in
            let wanted = "sha256:" + String(repeating: "ab", count: 32)
            let error = await #expect(throws: RegistryError.self) {
                try await client.resolve(ImageReference(parsing: "\(host)/app@\(wanted)"), platform: Self.amd64)
            }
            #expect(error?.isDigestMismatch == true)
            #expect(error?.message.contains(wanted) == true)
        }
    }

    @Test("an index selects the platform's manifest and fetches it by digest; a missing platform lists the available ones")
    func indexSelection() async throws {
        let manifest = Array(
            #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":2},"layers":[]}"#
                .utf8)
        var hasher = SHA256Hasher()
        hasher.update(manifest)
        let digest = "sha256:" + hasher.finalizeHex()
        let other = "sha256:" + String(repeating: "cd", count: 32)
        let index = Array(
            """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[\
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(other)","size":10,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}},\
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(digest)","size":\(manifest.count),"platform":{"os":"linux","architecture":"amd64"}}]}
            """.utf8)
        let counter = RequestCounter()
        try await Self.withServer({ request in
            _ = counter.hit(request.path)
            switch request.path {
            case "/v2/multi/manifests/v1":
                return .init(status: 200, headers: ["Content-Type": MediaType.ociIndex], body: index)
            case "/v2/multi/manifests/\(digest)":
                return .init(status: 200, headers: ["Content-Type": MediaType.ociManifest], body: manifest)
            default:
                return .init(status: 404)
            }
        }) { client, host in
            let reference = try ImageReference(parsing: "\(host)/multi:v1")
            let resolved = try await client.resolve(reference, platform: Self.amd64)
            #expect(resolved.descriptor.digest.description == digest)
            #expect(resolved.descriptor.size == Int64(manifest.count))
            #expect(counter.count("/v2/multi/manifests/\(other)") == 0)
            let error = await #expect(throws: RegistryError.self) {
                try await client.resolve(reference, platform: Platform(os: "linux", architecture: "s390x"))
            }
            #expect(error?.message.contains("linux/arm64/v8") == true)
        }
    }

    @Test("5xx answers are retried with backoff; blob downloads follow redirects and stream the exact bytes")
    func retriesAndRedirects() async throws {
        let counter = RequestCounter()
        let digest = Self.blobDigest
        try await Self.withServer({ request in
            let n = counter.hit(request.path)
            switch request.path {
            case "/v2/app/blobs/\(digest)":
                if n <= 2 { return .init(status: 503, body: Array("busy".utf8)) }
                return .init(status: 307, headers: ["Location": "/storage/blob-data"])
            case "/storage/blob-data":
                return .init(status: 200, headers: ["Content-Type": "application/octet-stream"], body: Self.blob)
            default:
                return .init(status: 404)
            }
        }) { client, host in
            let descriptor = Descriptor(
                mediaType: MediaType.ociLayerGzip, digest: try ImageDigest(parsing: digest), size: Int64(Self.blob.count))
            var received: [UInt8] = []
            try await client.fetchBlob(ImageReference(parsing: "\(host)/app:v1"), descriptor, to: { received += $0 })
            #expect(received == Self.blob)
            #expect(counter.count("/v2/app/blobs/\(digest)") == 3)
            #expect(counter.count("/storage/blob-data") == 1)

            var short = descriptor
            short.size -= 1
            let error = await #expect(throws: RegistryError.self) {
                try await client.fetchBlob(ImageReference(parsing: "\(host)/app:v1"), short, to: { _ in })
            }
            #expect(error?.message.contains("longer than") == true)
        }
    }

    @Test("a registry answering 503 every time fails after the configured attempts, naming the last status")
    func persistent5xx() async throws {
        let counter = RequestCounter()
        try await Self.withServer(
            { request in
                _ = counter.hit(request.path)
                return .init(status: 503, body: Array("maintenance".utf8))
            }, options: RegistryClientOptions(maxAttempts: 4, initialBackoffMilliseconds: 10)
        ) { client, host in
            let error = await #expect(throws: RegistryError.self) {
                try await client.resolve(ImageReference(parsing: "\(host)/app:v1"), platform: Self.amd64)
            }
            #expect(error?.isUnreachable == true)
            #expect(error?.message.contains("HTTP 503: maintenance") == true)
            #expect(counter.count("/v2/app/manifests/v1") == 4)
        }
    }
}
