import Foundation
import Glibc
import Logging

/// Removes unused images, kubelet's way: when the image filesystem's usage reaches the high
/// threshold, unused images are removed least recently used first until usage is back at the
/// low threshold; images younger than the minimum age are never removed, and with a maximum
/// age set, images unused for longer are removed whatever the usage.
///
/// An image is in use when the caller names it (a reference, digest or image ID: the agent
/// passes the images of every container it knows), or when a layer it needs is mounted, as a
/// container rootfs is. All references of an image ID go together. After the images, unpacked
/// layers no remaining image or mount needs are removed.
public struct ImageGarbageCollector: Sendable {
    private let images: ImageStore
    private let layers: LayerStore
    private let policy: ImageGCPolicy
    private let logger: Logger

    /// A collector over the node's stores.
    /// - Throws: `ImageStoreError.invalid` for thresholds kubelet would reject.
    public init(images: ImageStore, layers: LayerStore, policy: ImageGCPolicy = ImageGCPolicy(),
                logger: Logger = Logger(label: "swiftlet.images.gc")) throws {
        try policy.validate()
        self.images = images
        self.layers = layers
        self.policy = policy
        self.logger = logger
    }

    /// The image filesystem's size and free bytes (as an unprivileged user sees them, like kubelet).
    /// - Throws: `ImageStoreError.system` when statfs fails.
    public func diskUsage() throws -> (capacity: Int64, available: Int64) {
        var st = statvfs()
        guard statvfs(layers.layersDir, &st) == 0 else {
            throw ImageStoreError.system("statvfs", layers.layersDir, errno: errno)
        }
        return (Int64(st.f_blocks) * Int64(st.f_frsize), Int64(st.f_bavail) * Int64(st.f_frsize))
    }

    /// One collection by the policy's thresholds and ages.
    /// - Parameters:
    ///   - inUse: references, digests or image IDs of images containers use.
    ///   - now: the collection's time (ages are measured to it).
    /// - Throws: `ImageStoreError` when the store cannot be read or written; an image that
    ///   cannot be removed is logged and skipped.
    public func collect(inUse: Set<String> = [], now: Date = Date()) async throws -> ImageGCResult {
        let before = try diskUsage()
        let usage = Self.percent(before)
        var bytesToFree: Int64 = 0
        if before.capacity > 0, usage >= policy.highThresholdPercent {
            bytesToFree = before.capacity * Int64(100 - policy.lowThresholdPercent) / 100 - before.available
        }
        let target = before.available + bytesToFree
        let candidates = try await unusedImages(inUse: inUse)
        var removed: [ImageRecord] = []
        var sweptLayers: [String] = []
        var available = before.available
        for image in candidates {
            let expired = policy.maximumAgeSeconds > 0 && now.timeIntervalSince(image.lastUsed) > policy.maximumAgeSeconds
            guard expired || available < target else { continue }
            guard now.timeIntervalSince(image.created) >= policy.minimumAgeSeconds else {
                logger.debug("image younger than the minimum GC age, kept", metadata: ["image": "\(image.references[0])"])
                continue
            }
            removed += await remove(image)
            sweptLayers += (try? await sweepLayers(released: image.chainIDs)) ?? []
            available = (try? diskUsage().available) ?? available
        }
        let layerIDs = sweptLayers + (try await sweepLayers(released: []))
        let after = try diskUsage()
        var shortfall: String?
        if bytesToFree > 0, after.available < target {
            shortfall = "image filesystem usage is \(Self.percent(after))% (high threshold \(policy.highThresholdPercent)%): wanted \(bytesToFree) bytes free, removing every unused image old enough freed \(max(0, after.available - before.available))"
            logger.warning("image garbage collection could not reach the low threshold", metadata: ["detail": "\(shortfall!)"])
        }
        return ImageGCResult(
            removed: removed, removedLayers: layerIDs, availableBefore: before.available, availableAfter: after.available,
            usagePercentBefore: usage, usagePercentAfter: Self.percent(after), bytesToFree: max(0, bytesToFree),
            shortfall: shortfall)
    }

    /// Removes every unused image at least `minimumAgeSeconds` old, whatever the disk usage
    /// (`swiftlet image prune --all`, `crictl rmi --prune`).
    /// - Throws: as `collect`.
    public func removeAllUnused(inUse: Set<String> = [], now: Date = Date()) async throws -> ImageGCResult {
        let before = try diskUsage()
        var removed: [ImageRecord] = []
        var released: [String] = []
        for image in try await unusedImages(inUse: inUse)
        where now.timeIntervalSince(image.created) >= policy.minimumAgeSeconds {
            removed += await remove(image)
            released += image.chainIDs
        }
        let layerIDs = try await sweepLayers(released: released)
        let after = try diskUsage()
        return ImageGCResult(
            removed: removed, removedLayers: layerIDs, availableBefore: before.available, availableAfter: after.available,
            usagePercentBefore: Self.percent(before), usagePercentAfter: Self.percent(after), bytesToFree: 0, shortfall: nil)
    }

    /// One image ID with every reference recorded for it.
    struct Image {
        var id: String
        var references: [String]
        var records: [ImageRecord]
        var created: Date
        var lastUsed: Date
        var chainIDs: [String]
    }

    /// Images nobody uses, least recently used first (then oldest first, then by name).
    func unusedImages(inUse: Set<String>) async throws -> [Image] {
        let records = await images.list()
        var usedIDs: Set<String> = []
        for query in inUse {
            if let record = try? await images.get(query) { usedIDs.insert(record.id) }
        }
        let mounted = MountedLayers.hexChainIDs(layersDir: layers.layersDir)
        var byID: [String: Image] = [:]
        for record in records {
            var image = byID[record.id] ?? Image(
                id: record.id, references: [], records: [], created: record.created, lastUsed: record.lastUsed,
                chainIDs: record.chainIDs)
            image.references.append(record.reference)
            image.records.append(record)
            image.created = min(image.created, record.created)
            image.lastUsed = max(image.lastUsed, record.lastUsed)
            byID[record.id] = image
        }
        return byID.values
            .filter { image in
                !usedIDs.contains(image.id)
                    && !image.chainIDs.contains { mounted.contains(String($0.dropFirst("sha256:".count))) }
            }
            .sorted { ($0.lastUsed, $0.created, $0.references[0]) < ($1.lastUsed, $1.created, $1.references[0]) }
    }

    private func remove(_ image: Image) async -> [ImageRecord] {
        var removed: [ImageRecord] = []
        for record in image.records {
            do {
                removed.append(try await images.remove(record.reference))
                logger.info("garbage-collected image", metadata: [
                    "image": "\(record.reference)", "id": "\(record.id)", "lastUsed": "\(record.lastUsed)"])
            } catch {
                logger.warning("cannot remove image", metadata: ["image": "\(record.reference)", "error": "\(error)"])
            }
        }
        return removed
    }

    /// Removes layer dirs no recorded image lists and no mount uses: those of `released`
    /// (chain IDs of images just removed) at once, any other orphan (left by a crash) only when
    /// its directory is older than the minimum GC age, since it may belong to a pull still in
    /// progress.
    private func sweepLayers(released: [String]) async throws -> [String] {
        let releasedHex = Set(released.map { String($0.dropFirst("sha256:".count)) })
        let needed = Set(await images.list().flatMap(\.chainIDs).map { String($0.dropFirst("sha256:".count)) })
        let mounted = MountedLayers.hexChainIDs(layersDir: layers.layersDir)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: layers.layersDir)) ?? []
        let grace = policy.minimumAgeSeconds
        var removed: [String] = []
        for hex in entries.sorted() where hex.count == 64 && !needed.contains(hex) && !mounted.contains(hex) {
            // A pull in progress holds its layers by lease until its record is written.
            if await images.holds(layer: "sha256:" + hex) { continue }
            var st = stat()
            guard stat("\(layers.layersDir)/\(hex)", &st) == 0 else { continue }
            let age = Date().timeIntervalSince1970 - Double(st.st_mtim.tv_sec)
            guard releasedHex.contains(hex) || age >= grace else { continue }
            do {
                try await layers.remove(chainID: "sha256:" + hex)
                removed.append("sha256:" + hex)
            } catch {
                logger.warning("cannot remove unused layer", metadata: ["chainID": "sha256:\(hex)", "error": "\(error)"])
            }
        }
        return removed
    }

    private static func percent(_ usage: (capacity: Int64, available: Int64)) -> Int {
        guard usage.capacity > 0 else { return 0 }
        return 100 - Int(usage.available * 100 / usage.capacity)
    }
}
