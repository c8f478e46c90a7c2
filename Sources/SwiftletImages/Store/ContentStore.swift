import Foundation
import Glibc
import Logging

/// Blobs stored by digest: `<root>/images/content/blobs/<algorithm>/<hex>`.
///
/// Every blob is streamed into `<root>/images/content/ingest/`, hashed on the way, checked
/// against the expected digest and size, fsynced and renamed into place, so a blob path only
/// ever holds verified bytes and a failed ingest commits nothing. Concurrent ingests of one
/// digest share a single write (like containerd's content store ingest locks).
public actor ContentStore {
    /// `<root>/images/content`.
    public nonisolated let contentDir: String
    /// `<root>/images/content/blobs`.
    public nonisolated let blobsDir: String
    /// `<root>/images/content/ingest`: temp files of ingests in progress.
    public nonisolated let ingestDir: String
    private let logger: Logger
    private var inFlight: [ImageDigest: Task<String, any Error>] = [:]

    /// A store below `root` (the node's `--root-dir`); creates its directories.
    /// - Throws: `ImageStoreError.system` when a directory cannot be created.
    public init(root: String, logger: Logger = Logger(label: "swiftlet.images.content")) throws {
        contentDir = root + "/images/content"
        blobsDir = contentDir + "/blobs"
        ingestDir = contentDir + "/ingest"
        self.logger = logger
        for dir in [blobsDir + "/sha256", blobsDir + "/sha512", ingestDir] {
            try Self.makeDirectories(dir)
        }
    }

    /// The path of the blob `digest` (which may not exist).
    public nonisolated func path(for digest: ImageDigest) -> String {
        "\(blobsDir)/\(digest.algorithm)/\(digest.encoded)"
    }

    /// Whether the blob `digest` is stored.
    public nonisolated func contains(_ digest: ImageDigest) -> Bool {
        size(of: digest) != nil
    }

    /// The stored blob's size in bytes, or nil when it is not stored.
    public nonisolated func size(of digest: ImageDigest) -> Int64? {
        var st = stat()
        guard stat(path(for: digest), &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int64(st.st_size)
    }

    /// Stores the blob that `open()` yields, verifying it against `expected.digest` and
    /// `expected.size`. A blob already stored is not read again. Concurrent calls for one
    /// digest share one ingest.
    /// - Parameters:
    ///   - expected: the blob's descriptor (digest and size are checked).
    ///   - name: names the source in errors (a path or URL).
    ///   - open: opens the byte source; called at most once, off the actor.
    /// - Returns: the blob's path.
    /// - Throws: `ImageStoreError` for a digest or size mismatch (naming expected and actual),
    ///   an unsupported algorithm or a failed write; what `open` or the source throws.
    public func ingest(expected: Descriptor, from name: String = "blob", open: @escaping @Sendable () throws -> any LayerByteSource) async throws -> String {
        try await deduplicated(expected, name) { writer in
            var source = try open()
            let bufferSize = 256 * 1024
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
            defer { buffer.deallocate() }
            while true {
                let n = try source.read(into: buffer)
                if n == 0 { break }
                try writer.write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            }
        }
    }

    /// Stores the blob whose bytes `chunks` yields (for example an HTTP response body), with the
    /// same verification and deduplication as `ingest(expected:open:)`; a caller that joins an
    /// ingest in flight does not consume its sequence.
    /// - Returns: the blob's path.
    /// - Throws: as `ingest(expected:open:)`, plus what the sequence throws.
    public func ingest<S: AsyncSequence & Sendable>(expected: Descriptor, from name: String = "blob", chunks: S) async throws -> String
    where S.Element: ContiguousBytes {
        try await deduplicatedAsync(expected, name) { writer in
            for try await chunk in chunks {
                try chunk.withUnsafeBytes { try writer.write($0) }
            }
        }
    }

    /// Stores the blob that `fill` writes into the `BlobWriter` it is given (for example from an
    /// HTTP response's buffers, without copying them), with the same verification and
    /// deduplication as `ingest(expected:open:)`. `observer`, when given, hears about this
    /// ingest's file, its writes and its outcome; it hears nothing when the blob is stored
    /// already or the call joins an ingest in flight (then `fill` is not called either).
    /// - Returns: the blob's path.
    /// - Throws: as `ingest(expected:open:)`, plus what `fill` throws.
    func ingest(expected: Descriptor, from name: String, observer: (any BlobIngestObserver)?,
                fill: @escaping @Sendable (BlobWriter) async throws -> Void) async throws -> String {
        try await run(expected, name, observer: observer, fill: fill)
    }

    private func deduplicated(_ expected: Descriptor, _ name: String, fill: @escaping @Sendable (BlobWriter) throws -> Void) async throws -> String {
        try await run(expected, name) { writer in try fill(writer) }
    }

    private func deduplicatedAsync(_ expected: Descriptor, _ name: String, fill: @escaping @Sendable (BlobWriter) async throws -> Void) async throws -> String {
        try await run(expected, name, fill: fill)
    }

    private func run(_ expected: Descriptor, _ name: String, observer: (any BlobIngestObserver)? = nil,
                     fill: @escaping @Sendable (BlobWriter) async throws -> Void) async throws -> String {
        let digest = expected.digest
        if let task = inFlight[digest] { return try await task.value }
        let destination = path(for: digest)
        if let size = size(of: digest) {
            guard size == expected.size else {
                throw ImageStoreError.sizeMismatch(digest: digest.description, expected: expected.size, actual: size, source: destination)
            }
            return destination
        }
        let ingestDir = self.ingestDir
        let directory = "\(blobsDir)/\(digest.algorithm)"
        let task = Task.detached { () async throws -> String in
            let writer: BlobWriter
            do {
                writer = try BlobWriter(expected: expected, name: name, ingestDir: ingestDir, observer: observer)
            } catch {
                observer?.ingestFailed(error)
                throw error
            }
            do {
                try await fill(writer)
                try writer.commit(to: destination, directory: directory)
            } catch {
                writer.abandon(error)
                throw error
            }
            return destination
        }
        inFlight[digest] = task
        defer { inFlight[digest] = nil }
        let path = try await task.value
        logger.debug("stored blob", metadata: ["digest": "\(digest)", "bytes": "\(expected.size)"])
        return path
    }

    /// Removes the blob `digest`; removing a blob that is not stored is not an error.
    /// - Throws: `ImageStoreError.system` when unlink fails.
    public func delete(_ digest: ImageDigest) throws {
        let path = path(for: digest)
        if unlink(path) != 0 && errno != ENOENT {
            throw ImageStoreError.system("unlink", path, errno: errno)
        }
    }

    /// Every stored blob's digest, sorted.
    public nonisolated func list() -> [ImageDigest] {
        var result: [ImageDigest] = []
        for algorithm in ["sha256", "sha512"] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: "\(blobsDir)/\(algorithm)")) ?? []
            result += names.compactMap { try? ImageDigest(parsing: "\(algorithm):\($0)") }
        }
        return result.sorted { $0.description < $1.description }
    }

    /// The bytes all stored blobs take (their sizes, summed).
    public nonisolated func diskUsage() -> Int64 {
        list().reduce(0) { $0 + (size(of: $1) ?? 0) }
    }

    static func makeDirectories(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw ImageStoreError.invalid("cannot create directory \(path): \(error.localizedDescription)")
        }
    }
}

/// Hears about one ingest as it happens: `BlobFollower` uses it to unpack a layer while it downloads.
/// Called from the ingesting task; implementations must not block.
protocol BlobIngestObserver: Sendable {
    /// The temp file was created; `fd` is the writer's (readable) descriptor, valid during the call only.
    func ingestStarted(fd: Int32, path: String)
    /// `total` bytes are now in the temp file (not yet verified).
    func ingestAppended(total: Int64)
    /// The blob was verified against digest and size, synced and renamed into place.
    func ingestCommitted()
    /// The ingest failed and its temp file is gone; nothing was committed.
    func ingestFailed(_ error: any Error)
}

/// One ingest's temp file and running hash; used by one task only.
final class BlobWriter: @unchecked Sendable {
    private let expected: Descriptor
    private let tempPath: String
    private var fd: Int32
    private var hasher: BlobHasher
    private var written: Int64 = 0
    private let observer: (any BlobIngestObserver)?

    private let name: String

    init(expected: Descriptor, name: String, ingestDir: String, observer: (any BlobIngestObserver)? = nil) throws {
        self.expected = expected
        self.name = name
        self.observer = observer
        hasher = try BlobHasher(algorithm: expected.digest.algorithm)
        var template = Array("\(ingestDir)/\(expected.digest.encoded.prefix(16))-XXXXXX".utf8CString)
        // mkstemp opens O_RDWR, so a follower can read the file through a dup of this descriptor.
        fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        tempPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        guard fd >= 0 else { throw ImageStoreError.system("mkstemp", tempPath, errno: errno) }
        observer?.ingestStarted(fd: fd, path: tempPath)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        written += Int64(bytes.count)
        // Stop early rather than fill the disk with a blob that can only fail.
        guard written <= expected.size else {
            throw ImageStoreError.sizeMismatch(digest: expected.digest.description, expected: expected.size, actual: written, source: name)
        }
        hasher.update(bytes)
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw ImageStoreError.system("write", tempPath, errno: errno)
            }
            offset += n
        }
        observer?.ingestAppended(total: written)
    }

    func commit(to destination: String, directory: String) throws {
        guard written == expected.size else {
            throw ImageStoreError.sizeMismatch(digest: expected.digest.description, expected: expected.size, actual: written, source: name)
        }
        let actual = hasher.finalizeDigest()
        guard actual == expected.digest.description else {
            throw ImageStoreError.digestMismatch(expected: expected.digest.description, actual: actual, source: name)
        }
        guard fchmod(fd, 0o444) == 0 else { throw ImageStoreError.system("fchmod", tempPath, errno: errno) }
        guard fsync(fd) == 0 else { throw ImageStoreError.system("fsync", tempPath, errno: errno) }
        close(fd)
        fd = -1
        guard rename(tempPath, destination) == 0 else { throw ImageStoreError.system("rename", destination, errno: errno) }
        try fsyncDirectory(directory)
        observer?.ingestCommitted()
    }

    /// Removes the temp file after `error` and tells the observer.
    func abandon(_ error: any Error) {
        if fd >= 0 { close(fd); fd = -1 }
        unlink(tempPath)
        observer?.ingestFailed(error)
    }
}

/// Makes a rename in `path` durable.
func fsyncDirectory(_ path: String) throws {
    let dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard dfd >= 0 else { throw ImageStoreError.system("open", path, errno: errno) }
    defer { close(dfd) }
    guard fsync(dfd) == 0 else { throw ImageStoreError.system("fsync", path, errno: errno) }
}
