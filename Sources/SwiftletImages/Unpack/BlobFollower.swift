import Foundation
import Glibc

/// Hands a blob to a layer unpack while the content store is still writing it, so a layer is
/// downloaded and unpacked at the same time instead of one after the other.
///
/// The content store reports each write (`BlobIngestObserver`); the unpack reads the ingest
/// file behind it through `makeSource()`, waiting when it has caught up. The reader sees the end
/// of the stream only once the content store has verified the blob's size and digest and
/// committed it, and its next read throws the ingest's error when the ingest fails. Since an
/// unpack reads its stream to the end before it renames its layer into place, a layer is never
/// committed from bytes that failed verification.
final class BlobFollower: BlobIngestObserver, @unchecked Sendable {
    private enum State {
        /// No ingest file yet.
        case pending
        /// The ingest file is being written; `fd` reads it.
        case writing
        /// Verified and renamed into the content store; `fd` still reads it.
        case committed
        /// The ingest failed; readers throw this.
        case failed(any Error)
        /// Another ingest (joined, or one that finished earlier) stored the blob at this path.
        case stored(String)
    }

    /// Wakes the reader after at least this many new bytes, not after every network read.
    private static let wakeBytes: Int64 = 128 * 1024

    private let condition = NSCondition()
    private var state = State.pending
    private var fd: Int32 = -1
    private var path = ""
    private var written: Int64 = 0
    /// The reader sleeps until `written` reaches this.
    private var wakeAt: Int64 = .max

    deinit { if fd >= 0 { close(fd) } }

    // MARK: Writer side (the content store)

    func ingestStarted(fd writerFD: Int32, path: String) {
        let copy = dup(writerFD)
        condition.lock()
        defer { condition.unlock() }
        if copy < 0 {
            // Without a descriptor the reader cannot follow; it gets the error instead of hanging.
            state = .failed(ImageStoreError.system("dup", path, errno: errno))
        } else {
            fd = copy
            self.path = path
            state = .writing
        }
        condition.broadcast()
    }

    func ingestAppended(total: Int64) {
        condition.lock()
        written = total
        if total >= wakeAt { condition.broadcast() }
        condition.unlock()
    }

    func ingestCommitted() {
        condition.lock()
        if case .writing = state { state = .committed }
        condition.broadcast()
        condition.unlock()
    }

    func ingestFailed(_ error: any Error) {
        condition.lock()
        state = .failed(error)
        condition.broadcast()
        condition.unlock()
    }

    // MARK: Puller side

    /// The ingest call returned `path` (it may have joined another pull's ingest, which this
    /// follower never saw); a reader still waiting reads that file.
    func ingestReturned(path: String) {
        condition.lock()
        if case .pending = state { state = .stored(path) }
        condition.broadcast()
        condition.unlock()
    }

    /// A byte source for the unpack; it blocks its thread while waiting for the download, so
    /// it must not run on Swift's cooperative pool.
    func makeSource() -> any LayerByteSource { Source(follower: self) }

    private enum Next {
        case read(fd: Int32, path: String, available: Int64)
        case end
        case file(String)
    }

    /// Waits until bytes past `offset` exist (up to `want` of them), the blob is complete, or
    /// the ingest failed.
    private func next(after offset: Int64, want: Int) throws -> Next {
        condition.lock()
        defer { condition.unlock() }
        while true {
            switch state {
            case .failed(let error):
                throw error
            case .stored(let path):
                return .file(path)
            case .committed:
                return written > offset ? .read(fd: fd, path: path, available: written - offset) : .end
            case .writing where written - offset >= min(Int64(want), Self.wakeBytes):
                return .read(fd: fd, path: path, available: written - offset)
            case .writing, .pending:
                wakeAt = offset + min(Int64(want), Self.wakeBytes)
                condition.wait()
                wakeAt = .max
            }
        }
    }

    /// Reads the ingest file behind the writer with pread, which leaves the writer's offset alone.
    private struct Source: LayerByteSource {
        let follower: BlobFollower
        var offset: Int64 = 0
        var stored: OwnedFileSource?

        mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            if stored != nil { return try stored!.read(into: buffer) }
            switch try follower.next(after: offset, want: buffer.count) {
            case .end:
                return 0
            case .file(let path):
                // Only a follower that never saw an ingest file gets here, so nothing was read yet.
                let file = try OwnedFileSource(path: path)
                stored = file
                return try file.read(into: buffer)
            case .read(let fd, let path, let available):
                let count = Int(min(Int64(buffer.count), available))
                while true {
                    let n = pread(fd, buffer.baseAddress, count, off_t(offset))
                    if n > 0 {
                        offset += Int64(n)
                        return n
                    }
                    if n < 0 && errno == EINTR { continue }
                    throw n < 0 ? UnpackError.system("pread", path, errno: errno)
                        : UnpackError.corrupt("\(path): ingest file ends at byte \(offset), before the \(available) more written")
                }
            }
        }
    }
}
