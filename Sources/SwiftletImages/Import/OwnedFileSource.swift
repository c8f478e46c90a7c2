import Glibc

/// Reads a file it opens itself and closes when released; for blobs read off the actor.
final class OwnedFileSource: LayerByteSource {
    private let fd: Int32
    private var inner: FileByteSource

    /// - Throws: `ImageStoreError.system` naming `path` when it cannot be opened.
    init(path: String) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ImageStoreError.system("open", path, errno: errno) }
        inner = FileByteSource(fd: fd, path: path)
    }

    deinit { close(fd) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try inner.read(into: buffer)
    }

    /// The digest (with `algorithm`) and size of the file at `path`.
    static func digest(ofFile path: String, algorithm: String = "sha256") throws -> (digest: ImageDigest, size: Int64, gzip: Bool) {
        let source = try OwnedFileSource(path: path)
        var hasher = try BlobHasher(algorithm: algorithm)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        var size: Int64 = 0
        var gzip = false
        while true {
            let n = try source.read(into: buffer)
            if n == 0 { break }
            if size == 0 && n >= 2 { gzip = buffer[0] == 0x1f && buffer[1] == 0x8b }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            size += Int64(n)
        }
        return (try ImageDigest(parsing: hasher.finalizeDigest()), size, gzip)
    }
}
