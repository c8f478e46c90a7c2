import Foundation
import Glibc

/// A source of layer blob bytes, read front to back once.
public protocol LayerByteSource {
    /// Reads up to `buffer.count` bytes into `buffer`; 0 means the end of the stream.
    /// - Throws: `UnpackError` when the underlying read fails.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Reads a blob from a file descriptor.
public struct FileByteSource: LayerByteSource {
    private let fd: Int32
    private let path: String

    /// Reads from `fd`, which stays owned by the caller; `path` names it in errors.
    public init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw UnpackError.system("read", path, errno: errno)
        }
    }
}

/// Serves bytes held in memory; for small blobs and tests.
public struct DataByteSource: LayerByteSource {
    private let data: [UInt8]
    private var offset = 0

    /// Serves `data` from its start.
    public init(_ data: [UInt8]) { self.data = data }
    /// Serves `data` from its start.
    public init(_ data: Data) { self.data = [UInt8](data) }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, data.count - offset)
        guard n > 0 else { return 0 }
        data.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
        offset += n
        return n
    }
}
