import Foundation
import Glibc
import Logging

/// The node's image metadata, `<root>/images/images.json`: fully qualified reference →
/// `ImageRecord`. The file is rewritten atomically (temp file, fsync, rename, fsync dir) on
/// every change, so a crash leaves either the old or the new set.
public actor ImageStore {
    /// `<root>/images/images.json`.
    public nonisolated let file: String
    /// The blobs the records point to.
    public nonisolated let content: ContentStore
    private var records: [String: ImageRecord]
    private let logger: Logger
    /// Blobs and chain IDs that pulls in progress rely on, by lease.
    private var leases: [UInt64: (blobs: Set<ImageDigest>, layers: Set<String>)] = [:]
    private var nextLease: UInt64 = 1

    private struct FileFormat: Codable {
        var version: Int
        var images: [ImageRecord]
    }

    /// Opens (or starts) the metadata below `root`, using `content` for blob removal.
    /// - Throws: `ImageStoreError.invalid` when images.json exists but cannot be decoded.
    public init(root: String, content: ContentStore, logger: Logger = Logger(label: "swiftlet.images.store")) throws {
        let dir = root + "/images"
        try ContentStore.makeDirectories(dir)
        file = dir + "/images.json"
        self.content = content
        self.logger = logger
        records = [:]
        if let data = FileManager.default.contents(atPath: file) {
            do {
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                let decoded = try decoder.decode(FileFormat.self, from: data)
                for record in decoded.images { records[record.reference] = record }
            } catch {
                throw ImageStoreError.invalid("\(file): cannot decode image records: \(error)")
            }
        }
    }

    /// Stores `record` under its reference, replacing any record there.
    /// - Throws: `ImageStoreError.system` when images.json cannot be written.
    public func put(_ record: ImageRecord) throws {
        var record = record
        if let old = records[record.reference], old.target.digest == record.target.digest {
            record.created = old.created
        }
        records[record.reference] = record
        try save()
    }

    /// Stores `record` exactly as given, creation time included (for restoring state).
    /// - Throws: `ImageStoreError.system` when images.json cannot be written.
    func replace(_ record: ImageRecord) throws {
        records[record.reference] = record
        try save()
    }

    /// The record for `query`: a reference (normalised, so `busybox` finds
    /// `docker.io/library/busybox:latest`), a manifest or config digest, or a unique prefix of the
    /// image ID (at least 4 hex digits).
    /// - Throws: `ImageStoreError.ambiguous` when an ID prefix matches several images.
    public func get(_ query: String) throws -> ImageRecord? {
        if let record = records[query] { return record }
        if let reference = try? ImageReference(parsing: query), let record = records[reference.description] {
            return record
        }
        if let digest = try? ImageDigest(parsing: query) {
            return records.values.sorted { $0.reference < $1.reference }
                .first { $0.target.digest == digest || $0.configDigest == digest }
        }
        let prefix = query.hasPrefix("sha256:") ? String(query.dropFirst(7)) : query
        guard prefix.count >= 4, prefix.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
            return nil
        }
        let matches = records.values.filter { $0.id.hasPrefix(prefix) }
        let ids = Set(matches.map(\.id))
        guard ids.count <= 1 else { throw ImageStoreError.ambiguous(query, ids.sorted()) }
        return matches.sorted { $0.reference < $1.reference }.first
    }

    /// Every record, sorted by reference.
    public func list() -> [ImageRecord] {
        records.values.sorted { $0.reference < $1.reference }
    }

    /// Removes the record `query` names (see `get`), then deletes the blobs no remaining
    /// record references. Unpacked layers stay for the garbage collector, which knows which
    /// snapshots use them.
    /// - Returns: the removed record.
    /// - Throws: `ImageStoreError.notFound` naming `query`; write and unlink failures.
    @discardableResult
    public func remove(_ query: String) async throws -> ImageRecord {
        guard let record = try get(query) else { throw ImageStoreError.notFound("image \(query)") }
        records[record.reference] = nil
        try save()
        let stillUsed = Set(records.values.flatMap(\.blobs)).union(leases.values.flatMap(\.blobs))
        for digest in Set(record.blobs) where !stillUsed.contains(digest) {
            try await content.delete(digest)
        }
        logger.info("removed image", metadata: ["reference": "\(record.reference)"])
        return record
    }

    // MARK: Leases

    /// Starts a lease: while it lasts, the blobs and layers added to it count as in use, so a
    /// failing pull's cleanup and the garbage collector leave them alone (containerd's leases).
    public func beginLease() -> UInt64 {
        defer { nextLease += 1 }
        leases[nextLease] = ([], [])
        return nextLease
    }

    /// Adds blobs and chain IDs to lease `id`.
    public func extendLease(_ id: UInt64, blobs: [ImageDigest] = [], layers: [String] = []) {
        leases[id]?.blobs.formUnion(blobs)
        leases[id]?.layers.formUnion(layers)
    }

    /// Ends lease `id`.
    public func endLease(_ id: UInt64) {
        leases[id] = nil
    }

    /// Whether a record, or a lease other than `except`, holds the blob.
    public func holds(blob digest: ImageDigest, except: UInt64? = nil) -> Bool {
        if records.values.contains(where: { $0.blobs.contains(digest) }) { return true }
        return leases.contains { $0.key != except && $0.value.blobs.contains(digest) }
    }

    /// Whether a record, or a lease other than `except`, holds the layer `chainID`.
    public func holds(layer chainID: String, except: UInt64? = nil) -> Bool {
        if records.values.contains(where: { $0.chainIDs.contains(chainID) }) { return true }
        return leases.contains { $0.key != except && $0.value.layers.contains(chainID) }
    }

    /// Records that a container used the image `query` names at `date`.
    /// - Throws: `ImageStoreError.notFound` naming `query`; write failures.
    public func markUsed(_ query: String, at date: Date = Date()) throws {
        guard let record = try get(query) else { throw ImageStoreError.notFound("image \(query)") }
        records[record.reference]?.lastUsed = date
        try save()
    }

    private func save() throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do {
            data = try encoder.encode(FileFormat(version: 1, images: list()))
        } catch {
            throw ImageStoreError.invalid("cannot encode image records: \(error)")
        }
        try Self.writeAtomically(data, to: file)
    }

    /// Writes `data` to `path` via a temp file in the same directory, fsynced and renamed.
    static func writeAtomically(_ data: Data, to path: String) throws {
        let temp = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ImageStoreError.system("open", temp, errno: errno) }
        var isOpen = true
        do {
            try data.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw ImageStoreError.system("write", temp, errno: errno)
                    }
                    offset += n
                }
            }
            guard fsync(fd) == 0 else { throw ImageStoreError.system("fsync", temp, errno: errno) }
            close(fd)
            isOpen = false
            guard rename(temp, path) == 0 else { throw ImageStoreError.system("rename", path, errno: errno) }
        } catch {
            if isOpen { close(fd) }
            unlink(temp)
            throw error
        }
        try fsyncDirectory(String(path[..<path.lastIndex(of: "/")!]))
    }
}
