import Foundation
import Synchronization
import Testing

@testable import SwiftletImages

/// Stores under a fresh temp root, removed by `remove()`.
private struct PullTestStores {
    let root: String
    let content: ContentStore
    let images: ImageStore
    let layers: LayerStore

    init() throws {
        root = NSTemporaryDirectory() + "swiftlet-pull-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        content = try ContentStore(root: root)
        images = try ImageStore(root: root, content: content)
        layers = try LayerStore(root: root)
    }

    func puller(_ client: RegistryClient, serialize: Bool = false) -> ImagePuller {
        ImagePuller(client: client, content: content, images: images, layers: layers, serialize: serialize)
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }
}

/// Collects progress reports from any task.
private final class ProgressLog: Sendable {
    private let reports = Mutex<[PullProgress]>([])
    func record(_ p: PullProgress) { reports.withLock { $0.append(p) } }
    var all: [PullProgress] { reports.withLock { $0 } }
    /// Bytes actually downloaded (the highest `done` of non-reused reports, per layer).
    var downloaded: Int64 {
        var best: [ImageDigest: Int64] = [:]
        for p in all where !p.reused { best[p.layer] = max(best[p.layer] ?? 0, p.done) }
        return best.values.reduce(0, +)
    }
}

@Suite("ImagePuller against docker-registry")
struct PullTests {
    static let amd64 = Platform(os: "linux", architecture: "amd64")

    @Test("pulls by tag and by digest: record stored, layers unpacked, progress reaches each layer's total; a second pull downloads nothing")
    func pullByTagAndDigest() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let digest = try registry.pushBusybox("busybox:1")
        let stores = try PullTestStores()
        defer { stores.remove() }
        let client = RegistryClient(registries: try registry.registriesConfig)
        do {
            let puller = stores.puller(client)
            let log = ProgressLog()
            let tagRef = try ImageReference(parsing: "\(registry.host)/busybox:1")
            let record = try await puller.pull(tagRef, platform: Self.amd64) { log.record($0) }
            #expect(record.target.digest.description == digest)
            let stored = try await stores.images.get(tagRef.description)
            #expect(stored?.target.digest.description == digest)
            #expect(stores.content.contains(record.configDigest))
            for (layer, chainID) in zip(record.layers, record.chainIDs) {
                #expect(stores.layers.contains(chainID: chainID))
                #expect(stores.content.contains(layer.digest))
                let last = log.all.filter { $0.layer == layer.digest }.map(\.done).max()
                #expect(last == layer.size)
            }
            #expect(log.downloaded == record.layers.reduce(0) { $0 + $1.size })
            #expect(FileManager.default.fileExists(atPath: try stores.layers.path(chainID: record.chainIDs[0]) + "/bin/busybox"))

            let again = ProgressLog()
            let digestRef = try ImageReference(parsing: "\(registry.host)/busybox@\(digest)")
            let second = try await puller.pull(digestRef, platform: Self.amd64) { again.record($0) }
            #expect(second.chainIDs == record.chainIDs)
            #expect(again.downloaded == 0)
            #expect(!again.all.isEmpty && again.all.allSatisfy(\.reused))
            #expect(try await stores.images.get(digestRef.description)?.target.digest.description == digest)
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    @Test("concurrent pulls of the same reference both succeed, serialized or not")
    func concurrentPulls() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let digest = try registry.pushBusybox("busybox:1")
        let client = RegistryClient(registries: try registry.registriesConfig)
        let reference = try ImageReference(parsing: "\(registry.host)/busybox:1")
        do {
            for serialize in [false, true] {
                let stores = try PullTestStores()
                defer { stores.remove() }
                let puller = stores.puller(client, serialize: serialize)
                async let a = puller.pull(reference, platform: Self.amd64)
                async let b = puller.pull(reference, platform: Self.amd64)
                let (ra, rb) = try await (a, b)
                #expect(ra.target.digest.description == digest)
                #expect(rb.target.digest == ra.target.digest)
                #expect(stores.layers.contains(chainID: ra.chainIDs[0]))
            }
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    @Test("a layer blob corrupted in the registry fails the pull with a digest error and commits no blob or record")
    func corruptedLayer() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        try registry.pushBusybox("busybox:1")
        let client = RegistryClient(registries: try registry.registriesConfig)
        let stores = try PullTestStores()
        defer { stores.remove() }
        do {
            let reference = try ImageReference(parsing: "\(registry.host)/busybox:1")
            let resolved = try await client.resolve(reference, platform: Self.amd64)
            let layer = resolved.manifest.layers[0]
            let hex = layer.digest.encoded
            let data = "\(registry.dir)/storage/docker/registry/v2/blobs/sha256/\(hex.prefix(2))/\(hex)/data"
            // Same length, different bytes: only the digest check can catch it.
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: data)))
            for i in stride(from: 0, to: bytes.count, by: 97) { bytes[i] ^= 0xFF }
            try Data(bytes).write(to: URL(fileURLWithPath: data))

            let error = await #expect(throws: ImageStoreError.self) {
                try await stores.puller(client).pull(reference, platform: Self.amd64)
            }
            #expect(error?.isMismatch == true)
            #expect(error?.description.contains(layer.digest.description) == true)
            #expect(!stores.content.contains(layer.digest))
            #expect(stores.content.list().isEmpty)
            #expect(await stores.images.list().isEmpty)
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }
}
