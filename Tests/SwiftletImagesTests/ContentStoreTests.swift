import Foundation
import Glibc
import Testing
@testable import SwiftletImages

func descriptor(for bytes: [UInt8], size: Int64? = nil) throws -> Descriptor {
    Descriptor(mediaType: MediaType.ociLayer, digest: try ImageDigest(parsing: "sha256:" + SHA256Hasher.hex(of: bytes)),
               size: size ?? Int64(bytes.count))
}

func ingestLeftovers(_ store: ContentStore) -> [String] {
    (try? FileManager.default.contentsOfDirectory(atPath: store.ingestDir)) ?? []
}

@Suite("Content store")
struct ContentStoreTests {
    @Test("SHA-512 matches the FIPS 180-2 vectors and sha512sum, whatever the chunking")
    func sha512Vectors() throws {
        #expect(SHA512Hasher.hex(of: Array("".utf8)) ==
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e")
        #expect(SHA512Hasher.hex(of: Array("abc".utf8)) ==
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
        let twoBlocks = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
        #expect(SHA512Hasher.hex(of: Array(twoBlocks.utf8)) ==
            "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909")
        let data = pseudoRandom(300_001, seed: 7)
        var hasher = SHA512Hasher()
        var offset = 0
        for size in [1, 127, 128, 129, 1000, 65_536] + Array(repeating: 77_777, count: 10) where offset < data.count {
            let end = min(data.count, offset + size)
            data[offset..<end].withUnsafeBytes { hasher.update($0) }
            offset = end
        }
        data[offset...].withUnsafeBytes { hasher.update($0) }
        let dir = TestDir("sha512")
        try Data(data).write(to: URL(fileURLWithPath: dir.sub("in")))
        let expected = try shellOutput("sha512sum \(dir.sub("in"))").split(separator: " ").first.map(String.init)
        #expect(hasher.finalizeHex() == expected)
    }

    @Test("an ingested blob is stored under its digest, listed, counted, and deleted")
    func ingestAndManage() async throws {
        let dir = TestDir("content")
        let store = try ContentStore(root: dir.path)
        let bytes = pseudoRandom(600_000, seed: 1)
        let desc = try descriptor(for: bytes)
        let path = try await store.ingest(expected: desc) { DataByteSource(bytes) }
        #expect(path == dir.path + "/images/content/blobs/sha256/" + desc.digest.encoded)
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
        #expect(store.contains(desc.digest))
        #expect(store.size(of: desc.digest) == 600_000)
        let small = Array("hello".utf8)
        let smallDesc = try descriptor(for: small)
        _ = try await store.ingest(expected: smallDesc) { DataByteSource(small) }
        #expect(Set(store.list()) == [desc.digest, smallDesc.digest])
        #expect(store.diskUsage() == 600_005)
        #expect(ingestLeftovers(store).isEmpty)
        try await store.delete(desc.digest)
        #expect(!store.contains(desc.digest))
        #expect(store.list() == [smallDesc.digest])
    }

    @Test("a digest mismatch names both digests and commits nothing")
    func digestMismatch() async throws {
        let dir = TestDir("content")
        let store = try ContentStore(root: dir.path)
        let good = pseudoRandom(10_000, seed: 2)
        var corrupted = good
        corrupted[5000] ^= 1
        let bad = corrupted
        let desc = try descriptor(for: good)
        let actual = "sha256:" + SHA256Hasher.hex(of: bad)
        do {
            _ = try await store.ingest(expected: desc, from: "test-source") { DataByteSource(bad) }
            Issue.record("a corrupt blob was accepted")
        } catch let error as ImageStoreError {
            #expect(error.isMismatch)
            #expect(error.message.contains(desc.digest.description))
            #expect(error.message.contains(actual))
            #expect(error.message.contains("test-source"))
        }
        #expect(!store.contains(desc.digest))
        #expect(store.list().isEmpty)
        #expect(ingestLeftovers(store).isEmpty)
    }

    @Test("a blob shorter or longer than its descriptor says is rejected with nothing committed")
    func sizeMismatch() async throws {
        let dir = TestDir("content")
        let store = try ContentStore(root: dir.path)
        let bytes = pseudoRandom(4096, seed: 3)
        for size: Int64 in [4095, 4097] {
            let desc = try descriptor(for: bytes, size: size)
            await #expect(throws: ImageStoreError.self) {
                _ = try await store.ingest(expected: desc) { DataByteSource(bytes) }
            }
        }
        #expect(store.list().isEmpty)
        #expect(ingestLeftovers(store).isEmpty)
    }

    @Test("sha512 blobs are verified and stored under blobs/sha512")
    func sha512Blob() async throws {
        let dir = TestDir("content")
        let store = try ContentStore(root: dir.path)
        let bytes = pseudoRandom(5000, seed: 4)
        let desc = Descriptor(mediaType: MediaType.ociLayer,
                              digest: try ImageDigest(parsing: "sha512:" + SHA512Hasher.hex(of: bytes)), size: 5000)
        let path = try await store.ingest(expected: desc) { DataByteSource(bytes) }
        #expect(path.hasSuffix("/blobs/sha512/" + desc.digest.encoded))
        var wrong = desc
        wrong.digest = try ImageDigest(parsing: "sha512:" + String(repeating: "ab", count: 64))
        await #expect(throws: ImageStoreError.self) {
            _ = try await store.ingest(expected: wrong) { DataByteSource(bytes) }
        }
        #expect(store.list() == [desc.digest])
    }

    @Test("concurrent ingests of one digest read the source once and all get the path")
    func deduplicated() async throws {
        let dir = TestDir("content")
        let store = try ContentStore(root: dir.path)
        let bytes = pseudoRandom(200_000, seed: 5)
        let desc = try descriptor(for: bytes)
        let opens = OpenCounter()
        let paths = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await store.ingest(expected: desc) {
                        opens.bump()
                        usleep(200_000)
                        return DataByteSource(bytes)
                    }
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(paths.count == 8 && Set(paths).count == 1)
        #expect(opens.count == 1)
        #expect(store.list() == [desc.digest])
    }

    @Test("an async sequence of chunks is ingested and verified like a byte source")
    func asyncChunks() async throws {
        let dir = TestDir("content")
        let store = try ContentStore(root: dir.path)
        let bytes = pseudoRandom(100_000, seed: 6)
        let desc = try descriptor(for: bytes)
        let chunks = AsyncStream<[UInt8]> { continuation in
            var offset = 0
            while offset < bytes.count {
                continuation.yield(Array(bytes[offset..<min(bytes.count, offset + 3333)]))
                offset += 3333
            }
            continuation.finish()
        }
        let path = try await store.ingest(expected: desc, chunks: chunks)
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
        let truncated = AsyncStream<[UInt8]> { continuation in
            continuation.yield(Array(bytes[0..<50_000]))
            continuation.finish()
        }
        let other = try descriptor(for: Array(bytes.reversed()))
        await #expect(throws: ImageStoreError.self) {
            _ = try await store.ingest(expected: other, chunks: truncated)
        }
        #expect(store.list() == [desc.digest])
        #expect(ingestLeftovers(store).isEmpty)
    }
}
