import Foundation
import Glibc
import Logging
import Synchronization
import Testing

@testable import SwiftletImages

/// Keeps the "unpacked layer" messages a `LayerStore` logs: one per unpack it runs.
private final class UnpackLog: Sendable {
    private let chainIDs = Mutex<[String]>([])
    func record(_ chainID: String) { chainIDs.withLock { $0.append(chainID) } }
    var all: [String] { chainIDs.withLock { $0 } }
}

private struct UnpackLogHandler: LogHandler {
    let sink: UnpackLog
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        guard event.message.description == "unpacked layer", let chainID = event.metadata?["chainID"] else { return }
        sink.record(chainID.description)
    }
}

@Suite("ImagePuller with the test image set", .timeLimit(.minutes(10)))
struct PullImageSetTests {
    static let amd64 = Platform(os: "linux", architecture: "amd64")

    /// Runs `body` with a client for `registry`, shutting the client down however `body` ends.
    func withClient<T>(_ registry: TestRegistry, _ body: (RegistryClient) async throws -> T) async throws -> T {
        let client = RegistryClient(registries: try registry.registriesConfig)
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// The unpacked dir of each layer of `record`, bottom first.
    func layerDirs(_ layers: LayerStore, _ record: ImageRecord) throws -> [String] {
        try record.chainIDs.map { try layers.path(chainID: $0) }
    }

    @Test("a three-layer image pulls: every layer unpacked under its chain ID, and the merged overlay shows the top layer's version of a modified file")
    func multiLayer() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let digest = try registry.pushMultiLayer("multi:1")
        let stores = try PullTestStores()
        defer { stores.remove() }
        let record = try await withClient(registry) { client in
            try await stores.puller(client).pull(
                ImageReference(parsing: "\(registry.host)/multi:1"), platform: Self.amd64)
        }
        #expect(record.target.digest.description == digest)
        #expect(record.target.mediaType == MediaType.ociManifest)
        try #require(record.layers.count == 3 && record.chainIDs.count == 3)

        // Chain IDs recomputed outside the library: diff_id = sha256 of the gunzipped blob,
        // chain(n) = sha256("chain(n-1) diff(n)").
        var expectedChain: [String] = []
        for layer in record.layers {
            #expect(layer.mediaType == MediaType.ociLayerGzip)
            let diffID = "sha256:" + (try registryTestRun("gzip -dc \(stores.content.path(for: layer.digest)) | sha256sum | cut -d' ' -f1"))
            if let parent = expectedChain.last {
                expectedChain.append("sha256:" + (try registryTestRun("printf '%s' '\(parent) \(diffID)' | sha256sum | cut -d' ' -f1")))
            } else {
                expectedChain.append(diffID)
            }
        }
        #expect(record.chainIDs == expectedChain)
        #expect(try await stores.images.get("\(registry.host)/multi:1")?.chainIDs == expectedChain)
        for chainID in record.chainIDs { #expect(stores.layers.contains(chainID: chainID)) }

        let dirs = try layerDirs(stores.layers, record)
        #expect(lstatOf(dirs[0] + "/bin/busybox")?.st_size == lstatOf("/bin/busybox")?.st_size)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dirs[0] + "/bin/sh") == "/bin/busybox")
        #expect(listing(dirs[1] + "/data") == ["blob", "keep", "old"])
        #expect(lstatOf(dirs[1] + "/data/blob")?.st_size == off_t(TestImageSet.blobSize))
        #expect(try String(contentsOfFile: dirs[1] + "/etc/app.conf", encoding: .utf8) == TestImageSet.appConfV1)
        #expect(try String(contentsOfFile: dirs[2] + "/etc/app.conf", encoding: .utf8) == TestImageSet.appConfV2)
        #expect(!FileManager.default.fileExists(atPath: dirs[2] + "/data"), "layer 3 holds only what it changed")

        let snapshotter = try Snapshotter(root: stores.root + "/snapshots")
        let snap = try snapshotter.prepare(key: "multi", layers: dirs.reversed(), readOnly: false)
        defer { try? snapshotter.remove(key: "multi") }
        #expect(try String(contentsOfFile: snap.rootfs + "/etc/app.conf", encoding: .utf8) == TestImageSet.appConfV2)
        for (name, text) in TestImageSet.dataFiles {
            #expect(try String(contentsOfFile: snap.rootfs + "/data/" + name, encoding: .utf8) == text)
        }
        #expect(listing(snap.rootfs + "/etc") == ["app.conf", "group", "passwd"])
        #expect(FileManager.default.isExecutableFile(atPath: snap.rootfs + "/bin/busybox"))
        #expect(listing(snap.upper!).isEmpty, "reading the merged view writes nothing")
        try snapshotter.remove(key: "multi")
        #expect(!isMounted(snap.rootfs))
    }

    @Test("whiteouts: the pushed layer carries .wh.a and an opaque marker, unpacked as a 0:0 char device and trusted.overlay.opaque=y; the merged view lacks /data/a and shows only /opq/z")
    func whiteouts() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        try registry.pushWhiteouts("whiteouts:1")
        let stores = try PullTestStores()
        defer { stores.remove() }
        let record = try await withClient(registry) { client in
            try await stores.puller(client).pull(
                ImageReference(parsing: "\(registry.host)/whiteouts:1"), platform: Self.amd64)
        }
        try #require(record.layers.count == 2)
        let entries = try registryTestRun("tar tvzf \(registry.blobPath(record.layers[1].digest))")
            .split(separator: "\n").map { String($0.split(separator: " ").last ?? "") }
        #expect(entries.contains("data/.wh.a"), "\(entries)")
        #expect(entries.contains("opq/.wh..wh..opq"), "\(entries)")
        #expect(entries.contains("opq/z"), "\(entries)")

        let dirs = try layerDirs(stores.layers, record)
        #expect(listing(dirs[0] + "/data") == ["a", "b"])
        #expect(listing(dirs[0] + "/opq") == ["x", "y"])
        let whiteout = try #require(lstatOf(dirs[1] + "/data/a"))
        #expect(whiteout.st_mode & S_IFMT == S_IFCHR)
        #expect(whiteout.st_rdev == 0 && whiteout.st_uid == 0 && whiteout.st_gid == 0)
        #expect(listing(dirs[1] + "/data") == ["a"])
        #expect(xattr(dirs[1] + "/opq", "trusted.overlay.opaque") == Array("y".utf8))
        #expect(listing(dirs[1] + "/opq") == ["z"], "the marker itself is not left as a file")
        #expect(xattr(dirs[1] + "/data", "trusted.overlay.opaque") == nil)

        let snapshotter = try Snapshotter(root: stores.root + "/snapshots")
        let snap = try snapshotter.prepare(key: "wh", layers: dirs.reversed(), readOnly: true)
        defer { try? snapshotter.remove(key: "wh") }
        #expect(listing(snap.rootfs + "/data") == ["b"])
        #expect(!FileManager.default.fileExists(atPath: snap.rootfs + "/data/a"))
        #expect(listing(snap.rootfs + "/opq") == ["z"])
        #expect(try String(contentsOfFile: snap.rootfs + "/opq/z", encoding: .utf8) == "z\n")
    }

    @Test("a hardlink shares busybox's inode in the layer dir; file and directory symlinks keep their targets")
    func links() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        try registry.pushLinks("links:1")
        let stores = try PullTestStores()
        defer { stores.remove() }
        let record = try await withClient(registry) { client in
            try await stores.puller(client).pull(
                ImageReference(parsing: "\(registry.host)/links:1"), platform: Self.amd64)
        }
        let entries = try registryTestRun("tar tvzf \(registry.blobPath(record.layers[0].digest))")
        #expect(entries.contains("bin/hl link to bin/busybox"), "umoci wrote a hardlink entry")

        let dir = try #require(try layerDirs(stores.layers, record).first)
        let busybox = try #require(lstatOf(dir + "/bin/busybox"))
        let hardlink = try #require(lstatOf(dir + "/bin/hl"))
        #expect(hardlink.st_ino == busybox.st_ino && hardlink.st_dev == busybox.st_dev)
        #expect(busybox.st_nlink == 2 && busybox.st_mode & S_IFMT == S_IFREG)
        let fm = FileManager.default
        #expect(try fm.destinationOfSymbolicLink(atPath: dir + "/link") == "/etc/target")
        #expect(try fm.destinationOfSymbolicLink(atPath: dir + "/etclink") == "etc")
        #expect(try fm.destinationOfSymbolicLink(atPath: dir + "/abslink") == "/etc")
        for link in ["link", "etclink", "abslink"] { #expect(lstatOf(dir + "/" + link)!.st_mode & S_IFMT == S_IFLNK) }
        #expect(try String(contentsOfFile: dir + "/etclink/target", encoding: .utf8) == TestImageSet.linkTarget)

        let snapshotter = try Snapshotter(root: stores.root + "/snapshots")
        let snap = try snapshotter.prepare(key: "links", layers: [dir], readOnly: true)
        defer { try? snapshotter.remove(key: "links") }
        #expect(try fm.destinationOfSymbolicLink(atPath: snap.rootfs + "/link") == "/etc/target")
        #expect(try String(contentsOfFile: snap.rootfs + "/etclink/target", encoding: .utf8) == TestImageSet.linkTarget)
        #expect(lstatOf(snap.rootfs + "/bin/hl")?.st_ino == lstatOf(snap.rootfs + "/bin/busybox")?.st_ino)
    }

    @Test("the multi-layer image pushed as Docker v2s2 pulls, recorded with Docker's manifest and layer media types")
    func dockerV2s2() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let digest = try registry.pushMultiLayer("multi-docker:1", v2s2: true)
        let stores = try PullTestStores()
        defer { stores.remove() }
        let reference = "\(registry.host)/multi-docker:1"
        let record = try await withClient(registry) { client in
            try await stores.puller(client).pull(ImageReference(parsing: reference), platform: Self.amd64)
        }
        #expect(record.target.digest.description == digest)
        #expect(record.target.mediaType == MediaType.dockerManifest)
        #expect(try await stores.images.get(reference)?.target.mediaType == MediaType.dockerManifest)
        #expect(record.layers.count == 3)
        #expect(record.layers.allSatisfy { $0.mediaType == MediaType.dockerLayerGzip })
        let raw = try registryTestRun("skopeo inspect --raw --tls-verify=false docker://\(reference)")
        let mediaType = (try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any])?["mediaType"] as? String
        #expect(mediaType == MediaType.dockerManifest, "the registry holds a Docker manifest")

        let dirs = try layerDirs(stores.layers, record)
        let snapshotter = try Snapshotter(root: stores.root + "/snapshots")
        let snap = try snapshotter.prepare(key: "docker", layers: dirs.reversed(), readOnly: true)
        defer { try? snapshotter.remove(key: "docker") }
        #expect(try String(contentsOfFile: snap.rootfs + "/etc/app.conf", encoding: .utf8) == TestImageSet.appConfV2)
        #expect(lstatOf(snap.rootfs + "/data/blob")?.st_size == off_t(TestImageSet.blobSize))
    }

    @Test("an OCI index: arm64, arm/v7 and amd64 each get their own image; an absent platform fails naming the available ones")
    func multiArch() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let indexDigest = try registry.pushMultiArch("multi-arch:1")
        let stores = try PullTestStores()
        defer { stores.remove() }
        let reference = try ImageReference(parsing: "\(registry.host)/multi-arch:1")
        try await withClient(registry) { client in
            let raw = try registryTestRun("skopeo inspect --raw --tls-verify=false docker://\(registry.host)/multi-arch:1")
            let index = try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any]
            #expect(index?["mediaType"] as? String == MediaType.ociIndex)
            #expect((index?["manifests"] as? [Any])?.count == 3)
            #expect(indexDigest.hasPrefix("sha256:"))

            var targets: Set<ImageDigest> = []
            for (asked, expected) in [
                ("linux/arm64", "linux/arm64"), ("linux/arm/v7", "linux/arm/v7"), ("linux/amd64", "linux/amd64"),
                ("linux/arm64/v8", "linux/arm64"), ("linux/arm", "linux/arm/v7"),
            ] {
                let platform = try Platform(parsing: asked)
                let record = try await stores.puller(client).pull(reference, platform: platform)
                let dir = try stores.layers.path(chainID: try #require(record.chainIDs.last))
                #expect(try String(contentsOfFile: dir + "/arch", encoding: .utf8) == expected + "\n", "\(asked)")
                #expect(record.platform.description == expected, "\(asked)")
                #expect(record.target.digest.description != indexDigest)
                targets.insert(record.target.digest)
            }
            #expect(targets.count == 3)

            let byDigest = try ImageReference(parsing: "\(registry.host)/multi-arch@\(indexDigest)")
            let armByDigest = try await stores.puller(client).pull(byDigest, platform: Platform(os: "linux", architecture: "arm", variant: "v7"))
            let armDir = try stores.layers.path(chainID: try #require(armByDigest.chainIDs.last))
            #expect(try String(contentsOfFile: armDir + "/arch", encoding: .utf8) == "linux/arm/v7\n")

            let error = await #expect(throws: RegistryError.self) {
                try await stores.puller(client).pull(reference, platform: Platform(os: "linux", architecture: "s390x"))
            }
            let message = error?.message ?? ""
            #expect(message.contains("linux/s390x"), "\(message)")
            for platform in TestImageSet.indexPlatforms {
                #expect(message.contains(platform.description), "\(message)")
            }
        }
    }

    @Test("two pullers sharing the stores pull the multi-layer image at once: both succeed and each layer is unpacked exactly once")
    func concurrentPullers() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let digest = try registry.pushMultiLayer("multi:1")
        let dir = TestDir("pullset")
        let unpacks = UnpackLog()
        let content = try ContentStore(root: dir.path)
        let images = try ImageStore(root: dir.path, content: content)
        let layers = try LayerStore(root: dir.path, logger: Logger(label: "test.layers") { _ in UnpackLogHandler(sink: unpacks) })
        let reference = try ImageReference(parsing: "\(registry.host)/multi:1")
        let first = RegistryClient(registries: try registry.registriesConfig)
        let second = RegistryClient(registries: try registry.registriesConfig)
        do {
            let a = ImagePuller(client: first, content: content, images: images, layers: layers)
            let b = ImagePuller(client: second, content: content, images: images, layers: layers)
            async let ra = a.pull(reference, platform: Self.amd64)
            async let rb = b.pull(reference, platform: Self.amd64)
            let (recordA, recordB) = try await (ra, rb)
            #expect(recordA.target.digest.description == digest)
            #expect(recordB.target.digest == recordA.target.digest)
            #expect(recordA.chainIDs.count == 3 && recordB.chainIDs == recordA.chainIDs)
            #expect(unpacks.all.sorted() == recordA.chainIDs.sorted(), "one unpack per layer: \(unpacks.all)")
            for chainID in recordA.chainIDs { #expect(layers.contains(chainID: chainID)) }
            #expect(listing(layers.layersDir).count == 3)
            for layer in recordA.layers { #expect(content.contains(layer.digest)) }
            #expect(await images.list().count == 1)
        } catch {
            try? await first.shutdown()
            try? await second.shutdown()
            throw error
        }
        try await first.shutdown()
        try await second.shutdown()
    }

    @Test("a pull that fails while another pull of an image sharing its base layer succeeds leaves the successful image's layers in place")
    func failedPullKeepsSharedLayers() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        // Two images on one base: `good` adds a small layer; `bad` adds one that is corrupted in
        // the registry below. The base is big enough that both pulls meet in its unpack.
        let builder = try TestImageBuilder(in: registry.dir)
        defer { builder.remove() }
        try builder.newImage("good")
        try builder.addBusyboxLayer("good", extra: "head -c 30000000 /dev/urandom > big")
        try builder.tag("good", as: "bad")
        try builder.addLayer("good", "echo good > marker")
        try builder.addLayer("bad", "head -c 200000 /dev/urandom > marker")
        _ = try builder.push("good", to: registry, as: "shared/good:1")
        _ = try builder.push("bad", to: registry, as: "shared/bad:1")

        try await withClient(registry) { client in
            let good = try ImageReference(parsing: "\(registry.host)/shared/good:1")
            let bad = try ImageReference(parsing: "\(registry.host)/shared/bad:1")
            let badTop = try #require(try await client.resolve(bad, platform: Self.amd64).manifest.layers.last)
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: registry.blobPath(badTop.digest))))
            for i in stride(from: 0, to: bytes.count, by: 97) { bytes[i] ^= 0xFF }
            try Data(bytes).write(to: URL(fileURLWithPath: registry.blobPath(badTop.digest)))

            let stores = try PullTestStores()
            defer { stores.remove() }
            async let goodPull = stores.puller(client).pull(good, platform: Self.amd64)
            async let badPull: Void = {
                await #expect(throws: ImageStoreError.self) {
                    try await stores.puller(client).pull(bad, platform: Self.amd64)
                }
            }()
            let record = try await goodPull
            await badPull
            #expect(try await stores.images.get(good.description) != nil)
            #expect(try await stores.images.get(bad.description) == nil)
            for (i, chainID) in record.chainIDs.enumerated() {
                #expect(stores.layers.contains(chainID: chainID), "layer \(i) (\(chainID)) of the recorded image was removed")
            }
            #expect(stores.content.contains(record.configDigest), "the recorded image's config was removed")
            for (i, layer) in record.layers.enumerated() {
                #expect(stores.content.contains(layer.digest), "blob of layer \(i) (\(layer.digest)) of the recorded image was removed")
            }
        }
    }
}
