import Foundation
import Glibc
import Testing
@testable import SwiftletImages

/// A two-layer busybox image built with umoci (layer 1: busybox and its applet links, layer 2:
/// /hello), as an OCI layout `<dir>/oci` (tag `img`), an OCI archive and a docker-save archive
/// (both named `busybox:1`) made by skopeo.
struct BusyboxImage {
    let layout: String
    let ociArchive: String
    let dockerArchive: String

    init(_ dir: TestDir) throws {
        let script = """
            set -e
            cd \(dir.path)
            umoci init --layout oci
            umoci new --image oci:img
            umoci unpack --image oci:img b >/dev/null
            mkdir -p b/rootfs/bin b/rootfs/sbin b/rootfs/usr/bin b/rootfs/usr/sbin
            cp /bin/busybox b/rootfs/bin/
            chroot b/rootfs /bin/busybox --install -s
            umoci repack --image oci:img b
            rm -rf b
            umoci unpack --image oci:img b >/dev/null
            echo hi > b/rootfs/hello
            umoci repack --image oci:img b
            rm -rf b
            skopeo copy oci:oci:img oci-archive:\(dir.path)/img.tar:busybox:1 >/dev/null
            skopeo copy --format v2s2 oci:oci:img docker-archive:\(dir.path)/d.tar:busybox:1 >/dev/null
            """
        try #require(try shell(script) == 0)
        layout = dir.sub("oci")
        ociArchive = dir.sub("img.tar")
        dockerArchive = dir.sub("d.tar")
    }
}

struct Stores {
    let root: String
    let content: ContentStore
    let images: ImageStore
    let layers: LayerStore
    let importer: ImageImporter

    init(_ root: String) throws {
        self.root = root
        content = try ContentStore(root: root)
        images = try ImageStore(root: root, content: content)
        layers = try LayerStore(root: root)
        importer = ImageImporter(content: content, images: images, layers: layers)
    }

    func layerDirs() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: layers.layersDir)) ?? []).sorted()
    }
}

@Suite("Image import")
struct ImportTests {
    @Test("an umoci layout imports under its ref.name, re-imports without unpacking, and runs from a snapshot")
    func layout() async throws {
        let dir = TestDir("import")
        let image = try BusyboxImage(dir)
        let stores = try Stores(dir.sub("root"))
        let first = try await stores.importer.importImage(from: image.layout)
        let record = try #require(first.images.first)
        #expect(first.images.count == 1)
        #expect(record.reference == "docker.io/library/img:latest")
        #expect(record.layers.count == 2 && record.chainIDs.count == 2)
        #expect(first.unpackedLayers == 2 && first.reusedLayers == 0)
        #expect(try await stores.images.get("img") == record)
        #expect(Set(stores.content.list()) == Set(record.blobs))
        #expect(stores.layerDirs().count == 2)

        let again = try await stores.importer.importImage(from: image.layout)
        #expect(again.unpackedLayers == 0 && again.reusedLayers == 2)
        #expect(again.images.first?.target == record.target)
        #expect(await stores.images.list().count == 1)

        let snapshotter = try Snapshotter(root: dir.sub("root/snapshots"))
        let lowers = try record.chainIDs.reversed().map { try stores.layers.path(chainID: $0) }
        let snap = try snapshotter.prepare(key: "c1", layers: lowers, readOnly: false)
        defer { try? snapshotter.remove(key: "c1") }
        var st = stat()
        #expect(stat(snap.rootfs + "/bin/busybox", &st) == 0 && st.st_mode & S_IFMT == S_IFREG && st.st_mode & 0o111 != 0)
        #expect(lstat(snap.rootfs + "/bin/sh", &st) == 0 && st.st_mode & S_IFMT == S_IFLNK)
        #expect((try? String(contentsOfFile: snap.rootfs + "/hello", encoding: .utf8)) == "hi\n")
        let output = try shellOutput("chroot \(snap.rootfs) /bin/busybox cat /hello 2>&1")
        #expect(output == "hi")
    }

    @Test("OCI and docker-save archives import as busybox:1 and share the layers a layout unpacked")
    func archives() async throws {
        let dir = TestDir("import")
        let image = try BusyboxImage(dir)
        let stores = try Stores(dir.sub("root"))
        let oci = try await stores.importer.importImage(from: image.ociArchive)
        let ociRecord = try #require(oci.images.first)
        #expect(ociRecord.reference == "docker.io/library/busybox:1")
        #expect(oci.unpackedLayers == 2)

        let docker = try await stores.importer.importImage(from: image.dockerArchive, name: "registry.example:5000/tools/busybox:d")
        let dockerRecord = try #require(docker.images.first)
        #expect(dockerRecord.reference == "registry.example:5000/tools/busybox:d")
        #expect(dockerRecord.target.mediaType == MediaType.dockerManifest)
        #expect(dockerRecord.chainIDs == ociRecord.chainIDs)
        #expect(docker.unpackedLayers == 0 && docker.reusedLayers == 2)

        let otherRoot = try Stores(dir.sub("root2"))
        let fresh = try await otherRoot.importer.importImage(from: image.dockerArchive)
        #expect(fresh.images.map(\.reference) == ["docker.io/library/busybox:1"])
        #expect(fresh.unpackedLayers == 2)
        #expect(FileManager.default.fileExists(atPath: try otherRoot.layers.path(chainID: fresh.images[0].chainIDs[0]) + "/bin/busybox"))
        // The scratch extraction is gone.
        #expect(ingestLeftovers(otherRoot.content).isEmpty)
    }

    @Test("a corrupted layer blob in a layout is rejected and nothing is committed")
    func corruptLayout() async throws {
        let dir = TestDir("import")
        let image = try BusyboxImage(dir)
        let manifestDigest = try shellOutput(
            "sed -e 's/.*\"digest\":\"sha256:\\([0-9a-f]*\\)\".*/\\1/' \(image.layout)/index.json").trimmingCharacters(in: .whitespacesAndNewlines)
        let manifest = try JSONDecoder().decode(ImageManifest.self, from: Data(contentsOf: URL(fileURLWithPath: "\(image.layout)/blobs/sha256/\(manifestDigest)")))
        let layer = "\(image.layout)/blobs/sha256/\(manifest.layers[1].digest.encoded)"
        // Flip one byte in the middle of the top layer.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: layer)))
        bytes[bytes.count / 2] ^= 0xff
        try Data(bytes).write(to: URL(fileURLWithPath: layer))

        let stores = try Stores(dir.sub("root"))
        do {
            _ = try await stores.importer.importImage(from: image.layout)
            Issue.record("a corrupt layout was imported")
        } catch let error as ImageStoreError {
            #expect(error.isMismatch)
            #expect(error.message.contains(manifest.layers[1].digest.description))
            #expect(error.message.contains(image.layout))
        }
        #expect(stores.content.list().isEmpty)
        #expect(await stores.images.list().isEmpty)
        #expect(stores.layerDirs().isEmpty)
        #expect(ingestLeftovers(stores.content).isEmpty)
    }

    @Test("inputs that are not images, or lack a name, fail naming the path")
    func badInputs() async throws {
        let dir = TestDir("import")
        let stores = try Stores(dir.sub("root"))
        try FileManager.default.createDirectory(atPath: dir.sub("empty"), withIntermediateDirectories: true)
        do {
            _ = try await stores.importer.importImage(from: dir.sub("empty"))
            Issue.record("an empty dir was imported")
        } catch let error as ImageStoreError {
            #expect(error.message.contains(dir.sub("empty")))
        }
        await #expect(throws: ImageStoreError.self) { _ = try await stores.importer.importImage(from: dir.sub("missing")) }
        try Data("not a tar archive, just text\n".utf8).write(to: URL(fileURLWithPath: dir.sub("text.tar")))
        do {
            _ = try await stores.importer.importImage(from: dir.sub("text.tar"))
            Issue.record("a text file was imported")
        } catch let error as ImageStoreError {
            #expect(error.message.contains(dir.sub("text.tar")))
        }
        #expect(ingestLeftovers(stores.content).isEmpty)

        let image = try BusyboxImage(dir)
        try shell("sed -i 's/,\"annotations\":{[^}]*}//' \(image.layout)/index.json")
        do {
            _ = try await stores.importer.importImage(from: image.layout)
            Issue.record("an unnamed image was imported")
        } catch let error as ImageStoreError {
            #expect(error.message.contains("name"))
        }
        let named = try await stores.importer.importImage(from: image.layout, name: "mine:2")
        #expect(named.images.map(\.reference) == ["docker.io/library/mine:2"])
    }

    @Test("a layout whose entry is a multi-platform index imports the host's manifest only")
    func platformIndex() async throws {
        let dir = TestDir("import")
        let image = try BusyboxImage(dir)
        let indexPath = image.layout + "/index.json"
        let top = try JSONDecoder().decode(ImageIndex.self, from: Data(contentsOf: URL(fileURLWithPath: indexPath)))
        var hostEntry = top.manifests[0]
        hostEntry.annotations = nil
        hostEntry.platform = Platform.host
        // The other platform's manifest is absent from the layout: it must not be needed.
        let other = Descriptor(mediaType: MediaType.ociManifest,
                               digest: try ImageDigest(parsing: "sha256:" + SHA256Hasher.hex(of: Array("absent".utf8))), size: 6,
                               platform: Platform(os: "linux", architecture: Platform.host.architecture == "arm64" ? "s390x" : "arm64"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let nested = [UInt8](try encoder.encode(ImageIndex(manifests: [other, hostEntry])))
        let nestedDigest = try ImageDigest(parsing: "sha256:" + SHA256Hasher.hex(of: nested))
        try Data(nested).write(to: URL(fileURLWithPath: image.layout + "/blobs/sha256/" + nestedDigest.encoded))
        let entry = Descriptor(mediaType: MediaType.ociIndex, digest: nestedDigest, size: Int64(nested.count),
                               annotations: ["org.opencontainers.image.ref.name": "multi:1"])
        try encoder.encode(ImageIndex(manifests: [entry])).write(to: URL(fileURLWithPath: indexPath))

        let stores = try Stores(dir.sub("root"))
        let result = try await stores.importer.importImage(from: image.layout)
        let record = try #require(result.images.first)
        #expect(record.reference == "docker.io/library/multi:1")
        #expect(record.target.digest == hostEntry.digest)
        #expect(record.platform.architecture == Platform.host.architecture)
        #expect(stores.content.contains(nestedDigest))
        #expect(!stores.content.contains(other.digest))
    }

    @Test("concurrent imports of one layout unpack each layer once and both succeed")
    func concurrentImports() async throws {
        let dir = TestDir("import")
        let image = try BusyboxImage(dir)
        let stores = try Stores(dir.sub("root"))
        let importer = stores.importer
        async let first = importer.importImage(from: image.layout)
        async let second = importer.importImage(from: image.ociArchive)
        let (a, b) = try await (first, second)
        #expect(a.images.first?.target == b.images.first?.target)
        #expect(stores.layerDirs().count == 2)
        #expect(await stores.images.list().map(\.reference) == ["docker.io/library/busybox:1", "docker.io/library/img:latest"])
        #expect(ingestLeftovers(stores.content).isEmpty)
    }
}
