import Foundation
import Testing
@testable import SwiftletImages

@Suite("Image metadata store")
struct ImageStoreTests {
    /// Stores the blobs of a fake image (manifest, config, one layer per entry of `layerBytes`).
    func fakeImage(_ content: ContentStore, reference: String, config: String, layerBytes: [[UInt8]]) async throws -> ImageRecord {
        var layers: [Descriptor] = []
        for bytes in layerBytes {
            let desc = try descriptor(for: bytes)
            _ = try await content.ingest(expected: desc) { DataByteSource(bytes) }
            layers.append(desc)
        }
        let configBytes = Array(config.utf8)
        let configDesc = try descriptor(for: configBytes)
        _ = try await content.ingest(expected: configDesc) { DataByteSource(configBytes) }
        let manifestBytes = Array("{\"config\":\"\(config)\"}".utf8)
        let manifestDesc = try descriptor(for: manifestBytes)
        _ = try await content.ingest(expected: manifestDesc) { DataByteSource(manifestBytes) }
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        return ImageRecord(reference: reference, target: manifestDesc, configDigest: configDesc.digest, layers: layers,
                           chainIDs: try LayerStore.chainIDs(diffIDs: layers.map(\.digest.description)),
                           platform: Platform(os: "linux", architecture: "amd64"), size: 100, created: start, lastUsed: start)
    }

    @Test("records are found by reference, short name, digests and ID prefix, and survive a reopen")
    func lookups() async throws {
        let dir = TestDir("imgstore")
        let content = try ContentStore(root: dir.path)
        let store = try ImageStore(root: dir.path, content: content)
        let a = try await fakeImage(content, reference: "docker.io/library/busybox:1.36", config: "a", layerBytes: [[1, 2, 3]])
        let b = try await fakeImage(content, reference: "registry.example:5000/team/app:v1", config: "b", layerBytes: [[4, 5]])
        try await store.put(a)
        try await store.put(b)
        #expect(try await store.get("busybox:1.36") == a)
        #expect(try await store.get("docker.io/library/busybox:1.36") == a)
        #expect(try await store.get("registry.example:5000/team/app:v1") == b)
        #expect(try await store.get(b.target.digest.description) == b)
        #expect(try await store.get(a.configDigest.description) == a)
        #expect(try await store.get(String(a.id.prefix(12))) == a)
        #expect(try await store.get("busybox:1.37") == nil)
        #expect(await store.list().map(\.reference) == [a.reference, b.reference])

        let used = Date(timeIntervalSince1970: 1_800_000_000)
        try await store.markUsed("busybox:1.36", at: used)
        let reopened = try ImageStore(root: dir.path, content: content)
        #expect(try await reopened.get(a.reference)?.lastUsed == used)
        #expect(try await reopened.get(b.reference) == b)
        await #expect(throws: ImageStoreError.self) { try await reopened.markUsed("nothere:1") }
    }

    @Test("an ID prefix shared by two images is ambiguous")
    func ambiguousPrefix() async throws {
        let dir = TestDir("imgstore")
        let content = try ContentStore(root: dir.path)
        let store = try ImageStore(root: dir.path, content: content)
        // Search config contents until two IDs share their first hex digits.
        var byPrefix: [String: String] = [:]
        var pair: (String, String)?
        for i in 0..<5000 where pair == nil {
            let prefix = String(SHA256Hasher.hex(of: Array("c\(i)".utf8)).prefix(4))
            if let other = byPrefix[prefix] { pair = (other, "c\(i)") } else { byPrefix[prefix] = "c\(i)" }
        }
        let (c1, c2) = try #require(pair)
        let x = try await fakeImage(content, reference: "docker.io/library/x:1", config: c1, layerBytes: [[1]])
        let y = try await fakeImage(content, reference: "docker.io/library/y:1", config: c2, layerBytes: [[2]])
        try await store.put(x)
        try await store.put(y)
        await #expect(throws: ImageStoreError.self) { _ = try await store.get(String(x.id.prefix(4))) }
        #expect(try await store.get(x.id) == x)
    }

    @Test("remove deletes the record and the blobs no other image uses, keeping shared ones")
    func removeKeepsSharedBlobs() async throws {
        let dir = TestDir("imgstore")
        let content = try ContentStore(root: dir.path)
        let store = try ImageStore(root: dir.path, content: content)
        let shared: [UInt8] = [9, 9, 9]
        let a = try await fakeImage(content, reference: "docker.io/library/a:1", config: "a", layerBytes: [shared, [1]])
        let b = try await fakeImage(content, reference: "docker.io/library/b:1", config: "b", layerBytes: [shared])
        try await store.put(a)
        try await store.put(b)
        let removed = try await store.remove("a:1")
        #expect(removed == a)
        #expect(try await store.get("a:1") == nil)
        #expect(!content.contains(a.target.digest))
        #expect(!content.contains(a.configDigest))
        #expect(!content.contains(a.layers[1].digest))
        #expect(content.contains(a.layers[0].digest))
        #expect(Set(content.list()) == Set(b.blobs))
        do {
            try await store.remove("a:1")
            Issue.record("removing a missing image succeeded")
        } catch let error as ImageStoreError {
            #expect(error.isNotFound)
            #expect(error.message.contains("a:1"))
        }
    }
}
