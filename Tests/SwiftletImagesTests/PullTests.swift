import Foundation
import Synchronization
import Testing

@testable import SwiftletImages

/// Stores under a fresh temp root, removed by `remove()`.
struct PullTestStores {
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

    /// Pushes `repo:1`: one layer of `mib` MiB of random bytes (incompressible, so the blob is that big).
    static func pushRandomLayerImage(_ registry: TestRegistry, _ repo: String, mib: Int) throws {
        let work = registry.dir + "/image-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        try registryTestRun(
            """
            cd \(work) && umoci init --layout oci && umoci new --image oci:img && umoci unpack --image oci:img b >/dev/null \
            && head -c \(mib)M /dev/urandom > b/rootfs/random && umoci repack --image oci:img b \
            && skopeo copy --quiet --dest-tls-verify=false oci:\(work)/oci:img docker://\(registry.host)/\(repo):1
            """)
    }

    @Test("a registry killed in the middle of a layer and restarted: the download resumes where it broke and the pull succeeds; killed for good, the pull fails naming the blob")
    func resumeMidBlob() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        try Self.pushRandomLayerImage(registry, "big", mib: 48)
        let reference = try ImageReference(parsing: "\(registry.host)/big:1")

        for restart in [true, false] {
            let stores = try PullTestStores()
            defer { stores.remove() }
            let client = RegistryClient(
                registries: try registry.registriesConfig,
                options: RegistryClientOptions(connectTimeoutMilliseconds: 2000, maxAttempts: 5, initialBackoffMilliseconds: 300))
            let killed = Mutex(false)
            let log = ProgressLog()
            let puller = stores.puller(client)
            let outcome: Result<ImageRecord, any Error>
            do {
                outcome = .success(try await puller.pull(reference, platform: Self.amd64) { p in
                    log.record(p)
                    // Kill the registry once, a few MiB into the big layer.
                    guard !p.reused, p.total > 40 << 20, p.done > 2 << 20, p.done < p.total else { return }
                    let first = killed.withLock { k in
                        defer { k = true }
                        return !k
                    }
                    guard first else { return }
                    registry.stop()
                    if restart {
                        Thread.detachNewThread {
                            usleep(700_000)
                            try? registry.start()
                        }
                    }
                })
            } catch {
                outcome = .failure(error)
            }
            try await client.shutdown()
            #expect(killed.withLock { $0 })
            let big = log.all.filter { $0.total > 40 << 20 }
            if restart {
                let record = try outcome.get()
                #expect(stores.layers.contains(chainID: record.chainIDs[0]))
                // Progress never went backwards: the resumed request continued from the break.
                let dones = big.map(\.done)
                #expect(dones == dones.sorted())
                #expect(dones.last == big.first?.total)
            } else {
                guard case .failure(let error) = outcome else {
                    Issue.record("the pull succeeded with the registry down")
                    continue
                }
                let registryError = try #require(error as? RegistryError)
                #expect(registryError.isUnreachable)
                #expect(registryError.message.contains(registry.host))
                #expect(stores.content.list().isEmpty)
                #expect(await stores.images.list().isEmpty)
                try registry.start()
            }
        }
    }

    @Test("the pull gate admits maxParallelImagePulls pulls at once and holds the rest until one leaves; serialize admits one")
    func pullGate() async throws {
        for capacity in [1, 2, 3] {
            let gate = PullGate(capacity: capacity)
            let probe = GateProbe()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        await gate.enter()
                        probe.withLock { s in
                            s.running += 1
                            s.peak = max(s.peak, s.running)
                        }
                        // Hold the slot until the test opens the gate.
                        while !probe.withLock({ $0.open }) { try await Task.sleep(for: .milliseconds(2)) }
                        probe.withLock { $0.running -= 1 }
                        await gate.leave()
                    }
                }
                let deadline = ContinuousClock.now + .seconds(30)
                while probe.withLock({ $0.running }) < capacity, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(5))
                }
                // Give a ninth admission every chance to happen; it must not.
                try await Task.sleep(for: .milliseconds(200))
                #expect(probe.withLock { $0.running } == capacity)
                probe.withLock { $0.open = true }
                try await group.waitForAll()
            }
            #expect(probe.withLock { $0.peak } == capacity)
            #expect(probe.withLock { $0.running } == 0)
        }
    }
}

/// Counts pulls inside a `PullGate`, from any task.
private final class GateProbe: Sendable {
    private let state = Mutex((running: 0, peak: 0, open: false))
    func withLock<T>(_ body: (inout (running: Int, peak: Int, open: Bool)) -> T) -> T { state.withLock { body(&$0) } }
}
