import Foundation
import Logging

/// Progress of one layer of a pull.
public struct PullProgress: Sendable, Equatable {
    /// The layer blob's digest.
    public var layer: ImageDigest
    /// Bytes received so far.
    public var done: Int64
    /// The layer blob's size in bytes.
    public var total: Int64
    /// True when the layer was already stored and nothing was downloaded.
    public var reused: Bool
}

/// Pulls images from registries into the content, layer and image stores.
///
/// Each blob is verified by digest and size before it is committed, each layer's uncompressed
/// stream against the config's diff_id; the image record is written last. When a pull fails,
/// the blobs and layers it added (and that no recorded image uses) are removed again.
public struct ImagePuller: Sendable {
    private let client: RegistryClient
    private let content: ContentStore
    private let images: ImageStore
    private let layers: LayerStore
    private let maxParallelLayers: Int
    private let gate: PullGate?
    private let logger: Logger

    /// A puller fetching through `client` into the given stores.
    ///
    /// The image-level limits follow kubelet's `serializeImagePulls` and
    /// `maxParallelImagePulls`: serialized pulls run one image at a time; otherwise at most
    /// `maxParallelImagePulls` images (unlimited when nil) are pulled at once, the rest wait in
    /// arrival order.
    /// - Parameters:
    ///   - maxParallelLayers: layer downloads running at once per pull (at least 1).
    ///   - serialize: when true, pulls through this puller run one image at a time.
    ///   - maxParallelImagePulls: when not serialized, the most images pulled at once (at least 1; nil: no limit).
    public init(client: RegistryClient, content: ContentStore, images: ImageStore, layers: LayerStore,
                maxParallelLayers: Int = 3, serialize: Bool = false, maxParallelImagePulls: Int? = nil,
                logger: Logger = Logger(label: "swiftlet.images.pull")) {
        self.client = client
        self.content = content
        self.images = images
        self.layers = layers
        self.maxParallelLayers = max(1, maxParallelLayers)
        if serialize {
            gate = PullGate(capacity: 1)
        } else if let limit = maxParallelImagePulls {
            gate = PullGate(capacity: max(1, limit))
        } else {
            gate = nil
        }
        self.logger = logger
    }

    /// Pulls `reference` for `platform` and records it under the reference.
    /// - Parameter progress: per-layer bytes done and total, called from any task.
    /// - Returns: the image record written.
    /// - Throws: `RegistryError` for registry failures; `ImageStoreError` for a digest or size
    ///   mismatch or a malformed config; `UnpackError` for a layer that fails to unpack or
    ///   whose diff_id does not match.
    public func pull(_ reference: ImageReference, platform: Platform = .host,
                     progress: @escaping @Sendable (PullProgress) -> Void = { _ in }) async throws -> ImageRecord {
        if let gate {
            await gate.enter()
            do {
                let record = try await pullUngated(reference, platform: platform, progress: progress)
                await gate.leave()
                return record
            } catch {
                await gate.leave()
                throw error
            }
        }
        return try await pullUngated(reference, platform: platform, progress: progress)
    }

    private func pullUngated(_ reference: ImageReference, platform: Platform,
                             progress: @escaping @Sendable (PullProgress) -> Void) async throws -> ImageRecord {
        let added = AddedContent()
        let lease = await images.beginLease()
        do {
            let record = try await pullCommitting(reference, platform: platform, progress: progress, added: added, lease: lease)
            await images.endLease(lease)
            return record
        } catch {
            // What a record or another pull in progress holds stays.
            for digest in await added.blobs where !(await images.holds(blob: digest, except: lease)) {
                try? await content.delete(digest)
            }
            for chainID in await added.layers where !(await images.holds(layer: chainID, except: lease)) {
                try? await layers.remove(chainID: chainID)
            }
            await images.endLease(lease)
            throw error
        }
    }

    private func pullCommitting(_ reference: ImageReference, platform: Platform,
                                progress: @escaping @Sendable (PullProgress) -> Void,
                                added: AddedContent, lease: UInt64) async throws -> ImageRecord {
        let source = reference.description
        let resolved = try await client.resolve(reference, platform: platform)
        let manifest = resolved.manifest, descriptor = resolved.descriptor, configDescriptor = resolved.config
        await images.extendLease(
            lease, blobs: [descriptor.digest, configDescriptor.digest] + manifest.layers.map(\.digest))
        // The manifest's exact bytes, so the stored image is complete and verifiable offline.
        if !content.contains(descriptor.digest) {
            _ = try await content.ingest(
                expected: descriptor, from: "\(source): manifest \(descriptor.digest)",
                chunks: BytesChunk(bytes: resolved.manifestBytes))
            await added.addBlob(descriptor.digest)
        }
        let configPath = try await ingestBlob(reference, configDescriptor, source: source, added: added)
        guard configDescriptor.size <= 4 << 20, let configData = FileManager.default.contents(atPath: configPath) else {
            throw ImageStoreError.invalid("\(source): config \(configDescriptor.digest) is unreadable or larger than 4 MiB")
        }
        let config: ImageConfig
        do {
            config = try JSONDecoder().decode(ImageConfig.self, from: configData)
        } catch {
            throw ImageStoreError.invalid("\(source): config \(configDescriptor.digest): not a valid image config: \(error)")
        }
        let diffIDs = config.rootfs.diffIDs.map(\.description)
        guard diffIDs.count == manifest.layers.count, !diffIDs.isEmpty else {
            throw ImageStoreError.invalid(
                "\(source): manifest \(descriptor.digest) has \(manifest.layers.count) layers but its config lists \(diffIDs.count) diff_ids")
        }
        let chainIDs = try LayerStore.chainIDs(diffIDs: diffIDs)
        await images.extendLease(lease, layers: chainIDs)
        let limit = maxParallelLayers
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (i, layer) in manifest.layers.enumerated() {
                if i >= limit { _ = try await group.next() }
                group.addTask {
                    try await self.pullLayer(reference, layer, chainID: chainIDs[i], diffID: diffIDs[i],
                                             source: source, added: added, progress: progress)
                }
            }
            try await group.waitForAll()
        }
        // A failing pull that decided to clean up just before this one took its lease may have
        // removed a layer this one found present; fetch any such layer again.
        for (i, layer) in manifest.layers.enumerated() where !layers.contains(chainID: chainIDs[i]) {
            logger.debug("layer removed by a concurrent cleanup, pulling it again", metadata: ["chainID": "\(chainIDs[i])"])
            try await pullLayer(reference, layer, chainID: chainIDs[i], diffID: diffIDs[i],
                                source: source, added: added, progress: progress)
        }
        let now = Date()
        let size = descriptor.size + configDescriptor.size + manifest.layers.reduce(0) { $0 + $1.size }
        let record = ImageRecord(
            reference: reference.description, target: descriptor, configDigest: configDescriptor.digest,
            layers: manifest.layers, chainIDs: chainIDs, platform: config.platform, size: size, created: now, lastUsed: now)
        try await images.put(record)
        logger.info("pulled image", metadata: ["reference": "\(reference)", "digest": "\(descriptor.digest)"])
        return record
    }

    private func pullLayer(_ reference: ImageReference, _ layer: Descriptor, chainID: String, diffID: String,
                           source: String, added: AddedContent,
                           progress: @escaping @Sendable (PullProgress) -> Void) async throws {
        if layers.contains(chainID: chainID) {
            progress(PullProgress(layer: layer.digest, done: layer.size, total: layer.size, reused: true))
            return
        }
        if content.contains(layer.digest) {
            let blob = try await ingestBlob(reference, layer, source: source, added: added, progress: progress)
            let stored = try await layers.ensureLayer(chainID: chainID, diffID: diffID, mediaType: layer.mediaType) {
                try OwnedFileSource(path: blob)
            }
            if !stored.alreadyExisted { await added.addLayer(chainID) }
            return
        }
        // Unpack while downloading: the unpack reads the ingest file behind the download and
        // sees its end only once the blob is verified and committed (see BlobFollower).
        let follower = BlobFollower()
        async let blob: Void = {
            do {
                let path = try await ingestBlob(reference, layer, source: source, added: added,
                                                observer: follower, progress: progress)
                follower.ingestReturned(path: path)
            } catch {
                follower.ingestFailed(error)
                throw error
            }
        }()
        let unpacked: Result<LayerStore.Layer, any Error>
        do {
            unpacked = .success(try await layers.ensureLayer(chainID: chainID, diffID: diffID, mediaType: layer.mediaType) {
                follower.makeSource()
            })
        } catch {
            unpacked = .failure(error)
        }
        // The download's failure (a digest mismatch, a registry error) is the cause of any
        // unpack failure it led to, so it is the one to report.
        try await blob
        let stored = try unpacked.get()
        if !stored.alreadyExisted { await added.addLayer(chainID) }
    }

    /// Streams the blob into the content store unless it is there already.
    @discardableResult
    private func ingestBlob(_ reference: ImageReference, _ descriptor: Descriptor, source: String, added: AddedContent,
                            observer: (any BlobIngestObserver)? = nil,
                            progress: (@Sendable (PullProgress) -> Void)? = nil) async throws -> String {
        if content.contains(descriptor.digest) {
            progress?(PullProgress(layer: descriptor.digest, done: descriptor.size, total: descriptor.size, reused: true))
            return try await content.ingest(expected: descriptor, from: source, chunks: EmptyChunks())
        }
        let client = client
        let path = try await content.ingest(
            expected: descriptor, from: "\(source): blob \(descriptor.digest)", observer: observer
        ) { writer in
            // The network's buffers go straight to the writer (hash and write), uncopied.
            try await client.fetchBlobBuffers(reference, descriptor, to: { buffer in
                try buffer.withUnsafeReadableBytes { try writer.write($0) }
            }, progress: { done, total in
                progress?(PullProgress(layer: descriptor.digest, done: done, total: total, reused: false))
            })
        }
        await added.addBlob(descriptor.digest)
        return path
    }
}

/// What one pull added, for removal when it fails.
private actor AddedContent {
    var blobs: [ImageDigest] = []
    var layers: [String] = []
    func addBlob(_ digest: ImageDigest) { blobs.append(digest) }
    func addLayer(_ chainID: String) { layers.append(chainID) }
}

/// Lets `capacity` pulls run at once; the others wait in arrival order.
actor PullGate {
    private let capacity: Int
    private var running = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(capacity: Int) { self.capacity = capacity }

    func enter() async {
        if running < capacity {
            running += 1
            return
        }
        // `leave` hands its slot straight to the first waiter, so `running` stays counted.
        await withCheckedContinuation { waiters.append($0) }
    }

    func leave() {
        if waiters.isEmpty {
            running -= 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}

/// One buffer as a one-element async sequence, for ingesting bytes already in memory.
private struct BytesChunk: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let bytes: [UInt8]
    struct AsyncIterator: AsyncIteratorProtocol {
        var bytes: [UInt8]?
        mutating func next() async throws -> [UInt8]? {
            defer { bytes = nil }
            return bytes
        }
    }
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(bytes: bytes) }
}

/// No bytes: for blobs already stored, where the content store returns without reading.
private struct EmptyChunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    struct AsyncIterator: AsyncIteratorProtocol {
        mutating func next() async throws -> [UInt8]? { nil }
    }
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator() }
}
