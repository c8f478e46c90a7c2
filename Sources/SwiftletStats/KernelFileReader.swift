import Foundation

/// Reads small kernel files (`/proc`, cgroupfs) whole into one buffer that is reused across
/// reads, with `open`/`read`/`close` and no allocation per file.
///
/// Foundation's `String(contentsOfFile:)` and `FileManager.contents(atPath:)` trust the size that
/// `stat` reports, which is 0 or 4096 for pseudo-files, so they return nothing or stop at 4 KiB;
/// this reader loops on `read(2)` until end of file and grows its buffer when a file is larger.
///
/// Not thread-safe: one reader per sampling loop.
package final class KernelFileReader {
    private var storage: UnsafeMutableRawBufferPointer

    /// A reader with an initial buffer of `capacity` bytes (it grows when a file needs more).
    package init(capacity: Int = 16 * 1024) {
        storage = .allocate(byteCount: max(capacity, 256), alignment: 8)
    }

    deinit { storage.deallocate() }

    /// Reads all of `path` and passes the bytes to `body`; the bytes are valid only inside `body`.
    ///
    /// - Throws: `StatsError` naming `open` or `read` and the path (ENOENT when the file is gone).
    package func withContents<R>(of path: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let fd = path.withCString { open($0, O_RDONLY | O_CLOEXEC) }
        if fd < 0 { throw StatsError.syscall("open", path: path, errno: errno) }
        defer { close(fd) }
        var used = 0
        while true {
            if used == storage.count { grow() }
            let n = Glibc.read(fd, storage.baseAddress! + used, storage.count - used)
            if n > 0 {
                used += n
            } else if n == 0 {
                break
            } else if errno != EINTR {
                throw StatsError.syscall("read", path: path, errno: errno)
            }
        }
        return try body(UnsafeRawBufferPointer(rebasing: storage[0..<used]))
    }

    /// Reads `path` as text (tests and one-off reads of files that may exceed 4 KiB).
    ///
    /// - Throws: `StatsError` naming `open` or `read` and the path.
    package func string(of path: String) throws -> String {
        try withContents(of: path) { String(decoding: $0, as: UTF8.self) }
    }

    private func grow() {
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: storage.count * 2, alignment: 8)
        bigger.copyMemory(from: UnsafeRawBufferPointer(storage))
        storage.deallocate()
        storage = bigger
    }
}

/// Parsers for the line formats of kernel files, working on raw bytes without building strings.
package enum KernelText {
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let newline: UInt8 = 0x0A
    static let colon: UInt8 = 0x3A

    /// The first unsigned decimal number in `bytes` after leading blanks; nil when there is none
    /// (`max` in a v2 limit file, an empty file).
    package static func firstUInt64(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        var i = 0
        while i < bytes.count, bytes[i] == space || bytes[i] == tab || bytes[i] == newline { i += 1 }
        return number(bytes, from: &i)
    }

    /// Parses the digits starting at `i` (advancing it); nil when `i` is not at a digit.
    /// Saturates instead of overflowing.
    static func number(_ bytes: UnsafeRawBufferPointer, from i: inout Int) -> UInt64? {
        guard i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 else { return nil }
        var value: UInt64 = 0
        while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(bytes[i] - 0x30))
            value = (o1 || o2) ? UInt64.max : a
            i += 1
        }
        return value
    }

    /// Scans `key value` lines (`memory.stat`, `cpu.stat`) or `Key:   value kB` lines
    /// (`/proc/meminfo`) and returns the first number after each wanted key, in the order of
    /// `keys`; nil for keys not present. Keys are matched exactly (without the colon).
    package static func keyedValues(_ bytes: UnsafeRawBufferPointer, keys: [[UInt8]]) -> [UInt64?] {
        var result = [UInt64?](repeating: nil, count: keys.count)
        var remaining = keys.count
        var i = 0
        let n = bytes.count
        while i < n, remaining > 0 {
            let keyStart = i
            while i < n, bytes[i] != space, bytes[i] != colon, bytes[i] != newline, bytes[i] != tab { i += 1 }
            let keyLength = i - keyStart
            var matched = -1
            for (k, key) in keys.enumerated() where key.count == keyLength && result[k] == nil {
                let equal = key.withUnsafeBytes { memcmp($0.baseAddress!, bytes.baseAddress! + keyStart, keyLength) == 0 }
                if equal { matched = k; break }
            }
            if matched >= 0 {
                while i < n, bytes[i] == space || bytes[i] == colon || bytes[i] == tab { i += 1 }
                result[matched] = number(bytes, from: &i)
                remaining -= 1
            }
            while i < n, bytes[i] != newline { i += 1 }
            i += 1
        }
        return result
    }

    /// Runs `body` on `text`'s UTF-8 bytes (fixtures and tests).
    package static func withBytes<R>(_ text: String, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        var copy = text
        return copy.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }
}
