import Foundation
import Glibc
import Testing
@testable import SwiftletImages

/// Stores on a private 64 MiB tmpfs, so disk usage is real and small enough to push past
/// the thresholds; the tmpfs goes with the `TestDir`.
private struct GCFixture {
    let dir: TestDir
    let stores: Stores

    init() throws {
        dir = TestDir("gc")
        let fs = dir.sub("fs")
        try FileManager.default.createDirectory(atPath: fs, withIntermediateDirectories: true)
        try #require(try shell("mount -t tmpfs -o size=64m swiftlet-gc-test \(fs)") == 0)
        stores = try Stores(fs + "/root")
    }

    /// Builds a one-layer image holding `mib` MiB of random bytes and imports it as `name`,
    /// stored `created` and last used `lastUsed` seconds ago.
    @discardableResult
    func image(_ name: String, mib: Int, ageSeconds: Double, lastUsedSecondsAgo: Double) async throws -> ImageRecord {
        let work = dir.sub("build-\(name)")
        let script = """
            set -e
            mkdir -p \(work) && cd \(work)
            umoci init --layout oci
            umoci new --image oci:img
            umoci unpack --image oci:img b >/dev/null
            head -c \(mib)M /dev/urandom > b/rootfs/data-\(name)
            umoci repack --image oci:img b
            """
        try #require(try shell(script) == 0)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let result = try await stores.importer.importImage(from: work + "/oci", name: name)
        var record = try #require(result.images.first)
        record.created = Date().addingTimeInterval(-ageSeconds)
        record.lastUsed = Date().addingTimeInterval(-lastUsedSecondsAgo)
        try await stores.images.replace(record)
        return try #require(try await stores.images.get(name))
    }

    func references() async -> [String] { await stores.images.list().map(\.reference) }
}

@Suite("Image garbage collection", .enabled(if: getuid() == 0, "mounts a tmpfs"))
struct ImageGCTests {
    @Test("past the high threshold, unused images go least recently used first until usage is under the low one; in-use images stay")
    func thresholds() async throws {
        let f = try GCFixture()
        let a = try await f.image("a", mib: 6, ageSeconds: 3600, lastUsedSecondsAgo: 3000)
        try await f.image("b", mib: 6, ageSeconds: 3600, lastUsedSecondsAgo: 2000)
        try await f.image("c", mib: 6, ageSeconds: 3600, lastUsedSecondsAgo: 1000)
        try await f.image("d", mib: 6, ageSeconds: 3600, lastUsedSecondsAgo: 10)
        let gc = try ImageGarbageCollector(
            images: f.stores.images, layers: f.stores.layers,
            policy: ImageGCPolicy(highThresholdPercent: 60, lowThresholdPercent: 45, minimumAgeSeconds: 60))
        let usage = try gc.diskUsage()
        // Four images of 6 MiB each, stored twice (blob and unpacked layer): 48 of 64 MiB.
        #expect(usage.capacity == 64 << 20)
        let before = 100 - Int(usage.available * 100 / usage.capacity)
        #expect(before >= 70)

        // "a" is the least recently used but a container uses it.
        let result = try await gc.collect(inUse: [a.reference])
        #expect(result.usagePercentBefore == before)
        #expect(result.removed.map(\.reference) == ["docker.io/library/b:latest", "docker.io/library/c:latest"])
        // Removing "b" leaves 36 MiB (56 %), over the low threshold; "c" brings it to 24 MiB (38 %).
        #expect(result.usagePercentAfter <= 45)
        #expect(result.shortfall == nil)
        #expect(result.freedBytes >= 20 << 20)
        #expect(await f.references() == ["docker.io/library/a:latest", "docker.io/library/d:latest"])
        // The removed images' blobs and layers are gone; the kept ones are intact.
        let kept = await f.stores.images.list()
        #expect(Set(f.stores.content.list()) == Set(kept.flatMap(\.blobs)))
        #expect(Set(f.stores.layerDirs()) == Set(kept.flatMap(\.chainIDs).map { String($0.dropFirst(7)) }))

        // Under the high threshold now: a second run removes nothing.
        let again = try await gc.collect(inUse: [a.reference])
        #expect(again.removed.isEmpty && again.bytesToFree == 0)
    }

    @Test("images younger than imageMinimumGCAge are kept even when that misses the low threshold, and the shortfall is reported")
    func minimumAge() async throws {
        let f = try GCFixture()
        try await f.image("old", mib: 10, ageSeconds: 3600, lastUsedSecondsAgo: 3600)
        try await f.image("new", mib: 10, ageSeconds: 5, lastUsedSecondsAgo: 5)
        let gc = try ImageGarbageCollector(
            images: f.stores.images, layers: f.stores.layers,
            policy: ImageGCPolicy(highThresholdPercent: 20, lowThresholdPercent: 5, minimumAgeSeconds: 120))
        let result = try await gc.collect()
        #expect(result.removed.map(\.reference) == ["docker.io/library/old:latest"])
        #expect(await f.references() == ["docker.io/library/new:latest"])
        let shortfall = try #require(result.shortfall)
        #expect(shortfall.contains("high threshold 20%"))
    }

    @Test("a layer mounted as a container rootfs keeps its image; prune --all removes every other unused image")
    func mountedAndPrune() async throws {
        let f = try GCFixture()
        let mounted = try await f.image("mounted", mib: 1, ageSeconds: 3600, lastUsedSecondsAgo: 3600)
        try await f.image("idle", mib: 1, ageSeconds: 3600, lastUsedSecondsAgo: 60)
        try await f.image("fresh", mib: 1, ageSeconds: 1, lastUsedSecondsAgo: 1)
        let snapshotter = try Snapshotter(root: f.dir.sub("fs/root/snapshots"))
        let lowers = try mounted.chainIDs.reversed().map { try f.stores.layers.path(chainID: $0) }
        _ = try snapshotter.prepare(key: "c1", layers: lowers, readOnly: false)
        defer { try? snapshotter.remove(key: "c1") }

        let gc = try ImageGarbageCollector(
            images: f.stores.images, layers: f.stores.layers, policy: ImageGCPolicy(minimumAgeSeconds: 30))
        let result = try await gc.removeAllUnused()
        #expect(result.removed.map(\.reference) == ["docker.io/library/idle:latest"])
        #expect(await f.references() == ["docker.io/library/fresh:latest", "docker.io/library/mounted:latest"])
        #expect(f.stores.layers.contains(chainID: mounted.chainIDs[0]))

        // Once the snapshot is gone the image is unused.
        try snapshotter.remove(key: "c1")
        let later = try await gc.removeAllUnused()
        #expect(later.removed.map(\.reference) == ["docker.io/library/mounted:latest"])
        #expect(!f.stores.layers.contains(chainID: mounted.chainIDs[0]))
    }

    @Test("with imageMaximumGCAge set, images unused for longer go whatever the disk usage")
    func maximumAge() async throws {
        let f = try GCFixture()
        try await f.image("stale", mib: 1, ageSeconds: 7200, lastUsedSecondsAgo: 7200)
        try await f.image("recent", mib: 1, ageSeconds: 7200, lastUsedSecondsAgo: 60)
        let gc = try ImageGarbageCollector(
            images: f.stores.images, layers: f.stores.layers,
            policy: ImageGCPolicy(highThresholdPercent: 100, lowThresholdPercent: 90, minimumAgeSeconds: 0, maximumAgeSeconds: 3600))
        let result = try await gc.collect()
        #expect(result.bytesToFree == 0)
        #expect(result.removed.map(\.reference) == ["docker.io/library/stale:latest"])
        #expect(await f.references() == ["docker.io/library/recent:latest"])
    }

    @Test("thresholds kubelet rejects are rejected naming the field")
    func invalidPolicy() throws {
        let dir = TestDir("gc-policy")
        let stores = try Stores(dir.sub("root"))
        #expect(throws: ImageStoreError.self) {
            try ImageGarbageCollector(images: stores.images, layers: stores.layers,
                                      policy: ImageGCPolicy(highThresholdPercent: 50, lowThresholdPercent: 60))
        }
        let error = #expect(throws: ImageStoreError.self) {
            try ImageGarbageCollector(images: stores.images, layers: stores.layers,
                                      policy: ImageGCPolicy(highThresholdPercent: 120))
        }
        #expect(error?.description.contains("imageGCHighThresholdPercent") == true)
    }
}
