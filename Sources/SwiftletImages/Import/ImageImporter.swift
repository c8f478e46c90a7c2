import Foundation
import Glibc
import Logging

/// Imports images for air-gapped nodes from an OCI image layout directory, an OCI archive
/// (a tar of a layout) or a `docker save` tarball (`manifest.json` with Config, RepoTags and
/// Layers). Every blob is verified against its digest and size, each layer's uncompressed
/// stream against the config's diff_id; blobs go into the `ContentStore`, layers into the
/// `LayerStore`, and the image record into the `ImageStore` last. When an import fails, the
/// blobs and layers it added are removed again, so a failed import commits nothing.
public struct ImageImporter: Sendable {
    /// What an import did.
    public struct Result: Sendable, Equatable {
        /// The records written, one per reference.
        public var images: [ImageRecord]
        /// Layers this import unpacked.
        public var unpackedLayers: Int
        /// Layers that were already unpacked and were reused.
        public var reusedLayers: Int
    }

    /// Where a blob's bytes are during an import.
    enum BlobLocation: Sendable {
        case file(String)
        case bytes([UInt8])
    }

    private let content: ContentStore
    private let images: ImageStore
    private let layers: LayerStore
    private let platform: Platform
    private let logger: Logger

    /// An importer into the given stores, picking `platform` from multi-platform indexes.
    public init(content: ContentStore, images: ImageStore, layers: LayerStore, platform: Platform = .host,
                logger: Logger = Logger(label: "swiftlet.images.import")) {
        self.content = content
        self.images = images
        self.layers = layers
        self.platform = platform
        self.logger = logger
    }

    /// Imports every image in the layout or archive at `path`.
    /// - Parameters:
    ///   - path: an OCI layout directory, or an OCI or docker-save tar file.
    ///   - name: the reference to record the image under, replacing the names the input gives;
    ///     only for inputs that hold one image.
    /// - Throws: `ImageStoreError` naming `path` for unreadable or malformed input, a digest or
    ///   size mismatch, a missing name; `UnpackError` for a layer that fails to unpack.
    public func importImage(from path: String, name: String? = nil) async throws -> Result {
        var st = stat()
        guard stat(path, &st) == 0 else { throw ImageStoreError.system("stat", path, errno: errno) }
        if st.st_mode & S_IFMT == S_IFDIR { return try await importDirectory(path, source: path, name: name) }
        let scratch = try makeScratchDirectory()
        defer { try? UnpackSys.removeTree(path: scratch) }
        do {
            try ArchiveExtractor.extract(path, into: scratch)
        } catch let error as UnpackError {
            throw ImageStoreError.invalid("\(path): not a readable image archive (a tar file): \(error)")
        }
        return try await importDirectory(scratch, source: path, name: name)
    }

    private func makeScratchDirectory() throws -> String {
        var template = Array("\(content.ingestDir)/import-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw ImageStoreError.system("mkdtemp", content.ingestDir, errno: errno)
        }
        return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    private func importDirectory(_ dir: String, source: String, name: String?) async throws -> Result {
        let fm = FileManager.default
        if fm.fileExists(atPath: dir + "/index.json") {
            return try await importLayout(dir, source: source, name: name)
        }
        if fm.fileExists(atPath: dir + "/manifest.json") {
            return try await importDockerSave(dir, source: source, name: name)
        }
        throw ImageStoreError.invalid(
            "\(source): neither an OCI image layout (oci-layout and index.json) nor a docker save archive (manifest.json)")
    }

    // MARK: OCI layout

    private struct LayoutMarker: Decodable { var imageLayoutVersion: String }

    private func importLayout(_ dir: String, source: String, name: String?) async throws -> Result {
        if let data = FileManager.default.contents(atPath: dir + "/oci-layout") {
            let marker = try decode(LayoutMarker.self, data, what: "\(source): oci-layout")
            guard marker.imageLayoutVersion.hasPrefix("1.") else {
                throw ImageStoreError.invalid("\(source): unsupported image layout version \(marker.imageLayoutVersion)")
            }
        }
        let index = try decode(ImageIndex.self, try read(dir + "/index.json", source: source), what: "\(source): index.json")
        // Entries sharing a name are the platforms of one image; pick ours among them.
        var groups: [(name: String?, entries: [Descriptor])] = []
        for entry in index.manifests {
            let entryName = entry.annotations?["io.containerd.image.name"] ?? entry.annotations?["org.opencontainers.image.ref.name"]
            if let i = groups.firstIndex(where: { $0.name == entryName }) {
                groups[i].entries.append(entry)
            } else {
                groups.append((entryName, [entry]))
            }
        }
        guard !groups.isEmpty else { throw ImageStoreError.invalid("\(source): index.json lists no images") }
        if name != nil && groups.count > 1 {
            throw ImageStoreError.invalid("\(source): holds \(groups.count) images; a name can be given only for one")
        }
        let locate: @Sendable (ImageDigest) -> BlobLocation = { .file("\(dir)/blobs/\($0.algorithm)/\($0.encoded)") }
        var plan: [(manifest: Descriptor, references: [String])] = []
        for group in groups {
            guard let raw = name ?? group.name else {
                throw ImageStoreError.invalid(
                    "\(source): an image has no org.opencontainers.image.ref.name annotation; give it a name")
            }
            let entry = group.entries.count == 1
                ? group.entries[0] : selectManifest(from: ImageIndex(manifests: group.entries), for: platform)
            guard let entry else {
                throw ImageStoreError.notFound("\(source): image \(raw) for platform \(platform)")
            }
            plan.append((entry, [try normalize(raw, source: source)]))
        }
        return try await commit(plan, source: source, locate: locate)
    }

    // MARK: docker save

    private struct DockerSaveEntry: Decodable {
        var config: String
        var repoTags: [String]?
        var layers: [String]
        enum CodingKeys: String, CodingKey {
            case config = "Config", repoTags = "RepoTags", layers = "Layers"
        }
    }

    private func importDockerSave(_ dir: String, source: String, name: String?) async throws -> Result {
        let entries = try decode([DockerSaveEntry].self, try read(dir + "/manifest.json", source: source), what: "\(source): manifest.json")
        guard !entries.isEmpty else { throw ImageStoreError.invalid("\(source): manifest.json lists no images") }
        if name != nil && entries.count > 1 {
            throw ImageStoreError.invalid("\(source): holds \(entries.count) images; a name can be given only for one")
        }
        var locations: [ImageDigest: BlobLocation] = [:]
        var plan: [(manifest: Descriptor, references: [String])] = []
        for entry in entries {
            let configPath = try member(dir, entry.config, source: source)
            let config = try OwnedFileSource.digest(ofFile: configPath)
            // docker save names the config after its digest; a different name means corruption.
            let base = (entry.config as NSString).lastPathComponent.replacingOccurrences(of: ".json", with: "")
            if base.count == 64, base.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }),
               base != config.digest.encoded {
                throw ImageStoreError.digestMismatch(expected: "sha256:" + base, actual: config.digest.description, source: "\(source): \(entry.config)")
            }
            locations[config.digest] = .file(configPath)
            var layerDescriptors: [Descriptor] = []
            for layer in entry.layers {
                let layerPath = try member(dir, layer, source: source)
                let info = try OwnedFileSource.digest(ofFile: layerPath)
                locations[info.digest] = .file(layerPath)
                layerDescriptors.append(Descriptor(
                    mediaType: info.gzip ? MediaType.dockerLayerGzip : "application/vnd.docker.image.rootfs.diff.tar", digest: info.digest, size: info.size))
            }
            let manifest = ImageManifest(
                mediaType: MediaType.dockerManifest,
                config: Descriptor(mediaType: MediaType.dockerConfig, digest: config.digest, size: config.size),
                layers: layerDescriptors)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let bytes = [UInt8](try encoder.encode(manifest))
            let digest = try ImageDigest(parsing: "sha256:" + SHA256Hasher.hex(of: bytes))
            locations[digest] = .bytes(bytes)
            let names = name.map { [$0] } ?? entry.repoTags ?? []
            guard !names.isEmpty else {
                throw ImageStoreError.invalid("\(source): image \(entry.config) has no RepoTags; give it a name")
            }
            plan.append((Descriptor(mediaType: MediaType.dockerManifest, digest: digest, size: Int64(bytes.count)),
                         try names.map { try normalize($0, source: source) }))
        }
        let located = locations
        return try await commit(plan, source: source) { located[$0] ?? .bytes([]) }
    }

    /// The path of archive member `name`, which must stay inside `dir` and exist.
    private func member(_ dir: String, _ name: String, source: String) throws -> String {
        let path = dir + "/" + (try ArchiveExtractor.clean(name, archive: source))
        guard FileManager.default.fileExists(atPath: path) else {
            throw ImageStoreError.invalid("\(source): manifest.json names \(name), which the archive does not hold")
        }
        return path
    }

    // MARK: common

    private func commit(_ plan: [(manifest: Descriptor, references: [String])], source: String,
                        locate: @escaping @Sendable (ImageDigest) -> BlobLocation) async throws -> Result {
        var addedBlobs: [ImageDigest] = []
        var addedLayers: [String] = []
        var result = Result(images: [], unpackedLayers: 0, reusedLayers: 0)
        do {
            var records: [ImageRecord] = []
            for (entry, references) in plan {
                let records1 = try await importManifest(
                    entry, references: references, source: source, locate: locate,
                    addedBlobs: &addedBlobs, addedLayers: &addedLayers, result: &result)
                records += records1
            }
            for record in records { try await images.put(record) }
            result.images = records
            return result
        } catch {
            // A blob an image recorded meanwhile (a concurrent import) stays.
            let referenced = Set(await images.list().flatMap(\.blobs))
            for digest in addedBlobs where !referenced.contains(digest) { try? await content.delete(digest) }
            for chainID in addedLayers { try? await layers.remove(chainID: chainID) }
            throw error
        }
    }

    private func importManifest(
        _ entry: Descriptor, references: [String], source: String, locate: @escaping @Sendable (ImageDigest) -> BlobLocation,
        addedBlobs: inout [ImageDigest], addedLayers: inout [String], result: inout Result
    ) async throws -> [ImageRecord] {
        var target = entry
        var manifestData = try await ingest(target, source: source, locate: locate, added: &addedBlobs)
        // A nested index (one image, many platforms) resolves to our platform's manifest.
        var depth = 0
        while MediaType.isIndex(target.mediaType) {
            depth += 1
            guard depth <= 4 else { throw ImageStoreError.invalid("\(source): indexes nested too deep") }
            let index = try decode(ImageIndex.self, manifestData, what: "\(source): index \(target.digest)")
            guard let chosen = selectManifest(from: index, for: platform) else {
                throw ImageStoreError.notFound("\(source): index \(target.digest) has no manifest for platform \(platform)")
            }
            target = chosen
            manifestData = try await ingest(target, source: source, locate: locate, added: &addedBlobs)
        }
        if MediaType.isSchema1(target.mediaType) {
            throw ImageStoreError.invalid("\(source): manifest \(target.digest) is Docker schema 1, which is not supported; convert it with skopeo")
        }
        let manifest = try decode(ImageManifest.self, manifestData, what: "\(source): manifest \(target.digest)")
        guard MediaType.isConfig(manifest.config.mediaType) else {
            throw ImageStoreError.invalid("\(source): manifest \(target.digest) has config media type \(manifest.config.mediaType), not an image config")
        }
        let configData = try await ingest(manifest.config, source: source, locate: locate, added: &addedBlobs)
        let config = try decode(ImageConfig.self, configData, what: "\(source): config \(manifest.config.digest)")
        let diffIDs = config.rootfs.diffIDs.map(\.description)
        guard diffIDs.count == manifest.layers.count, !diffIDs.isEmpty else {
            throw ImageStoreError.invalid(
                "\(source): manifest \(target.digest) has \(manifest.layers.count) layers but its config lists \(diffIDs.count) diff_ids")
        }
        for layer in manifest.layers {
            _ = try await ingest(layer, source: source, locate: locate, added: &addedBlobs, readBack: false)
        }
        let chainIDs = try LayerStore.chainIDs(diffIDs: diffIDs)
        for (i, layer) in manifest.layers.enumerated() {
            let blob = content.path(for: layer.digest)
            let stored = try await layers.ensureLayer(chainID: chainIDs[i], diffID: diffIDs[i], mediaType: layer.mediaType) {
                try OwnedFileSource(path: blob)
            }
            if stored.alreadyExisted {
                result.reusedLayers += 1
            } else {
                result.unpackedLayers += 1
                addedLayers.append(chainIDs[i])
            }
        }
        // Annotations such as ref.name belong to the index entry, not to the image.
        var recorded = target
        recorded.annotations = nil
        let now = Date()
        let size = target.size + manifest.config.size + manifest.layers.reduce(0) { $0 + $1.size }
        logger.info("imported image", metadata: ["reference": "\(references.joined(separator: ","))", "digest": "\(target.digest)"])
        return references.map {
            ImageRecord(reference: $0, target: recorded, configDigest: manifest.config.digest, layers: manifest.layers,
                        chainIDs: chainIDs, platform: config.platform, size: size, created: now, lastUsed: now)
        }
    }

    /// Stores the blob `descriptor` names and returns its bytes (when `readBack`).
    private func ingest(_ descriptor: Descriptor, source: String, locate: @Sendable (ImageDigest) -> BlobLocation,
                        added: inout [ImageDigest], readBack: Bool = true) async throws -> Data {
        // Manifests and configs are small; cap them so a hostile descriptor cannot exhaust memory.
        guard !readBack || descriptor.size <= 4 << 20 else {
            throw ImageStoreError.invalid("\(source): blob \(descriptor.digest) is \(descriptor.size) bytes, too big for a manifest or config")
        }
        let existed = content.contains(descriptor.digest)
        let path: String
        switch locate(descriptor.digest) {
        case .file(let file):
            guard existed || FileManager.default.fileExists(atPath: file) else {
                throw ImageStoreError.invalid("\(source): blob \(descriptor.digest) is missing")
            }
            path = try await content.ingest(expected: descriptor, from: "\(source): blob \(descriptor.digest)") {
                try OwnedFileSource(path: file)
            }
        case .bytes(let bytes):
            path = try await content.ingest(expected: descriptor, from: "\(source): blob \(descriptor.digest)") {
                DataByteSource(bytes)
            }
        }
        if !existed { added.append(descriptor.digest) }
        guard readBack else { return Data() }
        return try read(path, source: source)
    }

    private func read(_ path: String, source: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ImageStoreError.invalid("\(source): cannot read \(path)")
        }
        return data
    }

    private func decode<T: Decodable>(_ type: T.Type, _ data: Data, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw ImageStoreError.invalid("\(what): not valid JSON for its type: \(error)")
        }
    }

    private func normalize(_ name: String, source: String) throws -> String {
        do {
            return try ImageReference(parsing: name).description
        } catch {
            throw ImageStoreError.invalid("\(source): image name \"\(name)\" is not a valid reference: \(error)")
        }
    }
}
