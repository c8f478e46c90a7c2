/// Reads a tar stream (ustar, GNU `L`/`K` long names, PAX `x`/`g` headers) front to back
/// without seeking; file content is handed out in chunks straight from the read buffer.
public final class TarReader {
    /// Longest PAX header or GNU long name accepted; real ones are a few hundred bytes.
    public static let maxMetadataSize = 1 << 20

    private let decompressor: LayerDecompressor
    private let buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var streamEnded = false
    /// Content bytes of the current entry not yet consumed, and its padding to 512.
    private var remaining: Int64 = 0
    private var padding = 0
    private var globalRecords: [String: [UInt8]] = [:]
    private var archiveEnded = false

    /// Reads the tar stream `decompressor` produces.
    public init(decompressor: LayerDecompressor, bufferSize: Int = 1 << 20) {
        self.decompressor = decompressor
        self.buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bufferSize, 4096), alignment: 64)
    }

    deinit { buffer.deallocate() }

    /// The next entry, or nil after the end-of-archive marker (or a clean end of the stream).
    /// Skips whatever content of the previous entry was not consumed.
    /// - Throws: `UnpackError.corrupt` for bad checksums, truncation and malformed records.
    public func next() throws -> TarEntry? {
        if archiveEnded { return nil }
        try skipContent()
        var longName: [UInt8]?
        var longLink: [UInt8]?
        var pax: [String: [UInt8]] = [:]
        while true {
            guard try ensure(512) else {
                if longName != nil || longLink != nil || !pax.isEmpty {
                    throw UnpackError.corrupt("tar: archive ends after an extended header")
                }
                archiveEnded = true
                return nil
            }
            let header = UnsafeRawBufferPointer(rebasing: buffer[start..<(start + 512)])
            if header.allSatisfy({ $0 == 0 }) {
                start += 512
                archiveEnded = true
                return nil
            }
            try Self.verifyChecksum(header)
            let typeflag = header[156]
            let size = try Self.number(header, 124, 12, field: "size")
            guard size >= 0 else { throw UnpackError.corrupt("tar: negative size in header") }
            switch typeflag {
            case UInt8(ascii: "L"), UInt8(ascii: "K"), UInt8(ascii: "x"), UInt8(ascii: "g"):
                guard size <= Self.maxMetadataSize else {
                    throw UnpackError.corrupt("tar: extended header of \(size) bytes exceeds \(Self.maxMetadataSize)")
                }
                start += 512
                let data = try readMetadata(Int(size))
                switch typeflag {
                case UInt8(ascii: "L"): longName = Self.trimNul(data)
                case UInt8(ascii: "K"): longLink = Self.trimNul(data)
                case UInt8(ascii: "x"): pax.merge(try Self.parsePax(data)) { $1 }
                default: globalRecords.merge(try Self.parsePax(data)) { $1 }
                }
                continue
            default:
                break
            }
            var records = globalRecords
            records.merge(pax) { $1 }
            let entry = try makeEntry(header: header, typeflag: typeflag, size: size,
                                      longName: longName, longLink: longLink, records: records)
            start += 512
            // Like POSIX and Go's archive/tar: only regular files carry content; the size
            // field of links, devices, directories and fifos is ignored.
            remaining = entry.size
            padding = Int((512 - entry.size % 512) % 512)
            return entry
        }
    }

    /// Hands the current entry's content to `body` in chunks, in order, until all of it is read.
    /// - Throws: `UnpackError.corrupt` if the stream ends early, or what `body` throws.
    public func readContent(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        while remaining > 0 {
            if start == end {
                guard try refill() else { throw UnpackError.corrupt("tar: archive truncated inside an entry's content") }
            }
            let n = Int(min(Int64(end - start), remaining))
            try body(UnsafeRawBufferPointer(rebasing: buffer[start..<(start + n)]))
            start += n
            remaining -= Int64(n)
        }
        try skipPadding()
    }

    private func skipContent() throws {
        try readContent { _ in }
    }

    private func skipPadding() throws {
        while padding > 0 {
            if start == end {
                guard try refill() else { throw UnpackError.corrupt("tar: archive truncated inside padding") }
            }
            let n = min(end - start, padding)
            start += n
            padding -= n
        }
    }

    /// Reads more of the stream into the buffer after what is unread; false at its end.
    private func refill() throws -> Bool {
        if streamEnded { return false }
        if start == end {
            start = 0
            end = 0
        } else if end == buffer.count {
            let unread = end - start
            buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: unread)
            start = 0
            end = unread
        }
        let n = try decompressor.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
        if n == 0 {
            streamEnded = true
            return false
        }
        end += n
        return true
    }

    /// Makes `count` (at most 4096) contiguous bytes available; false at a clean end of stream.
    private func ensure(_ count: Int) throws -> Bool {
        while end - start < count {
            if buffer.count - start < count {
                let unread = end - start
                buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: unread)
                start = 0
                end = unread
            }
            guard try refill() else {
                if end - start == 0 { return false }
                throw UnpackError.corrupt("tar: archive truncated inside a header")
            }
        }
        return true
    }

    private func readMetadata(_ size: Int) throws -> [UInt8] {
        var data: [UInt8] = []
        data.reserveCapacity(size)
        remaining = Int64(size)
        padding = (512 - size % 512) % 512
        try readContent { data.append(contentsOf: $0) }
        return data
    }

    private func makeEntry(header: UnsafeRawBufferPointer, typeflag: UInt8, size: Int64,
                           longName: [UInt8]?, longLink: [UInt8]?, records: [String: [UInt8]]) throws -> TarEntry {
        let kind: TarEntry.Kind
        switch typeflag {
        case UInt8(ascii: "0"), 0, UInt8(ascii: "7"): kind = .regular
        case UInt8(ascii: "1"): kind = .hardlink
        case UInt8(ascii: "2"): kind = .symlink
        case UInt8(ascii: "3"): kind = .characterDevice
        case UInt8(ascii: "4"): kind = .blockDevice
        case UInt8(ascii: "5"): kind = .directory
        case UInt8(ascii: "6"): kind = .fifo
        default:
            let name = String(decoding: Self.field(header, 0, 100), as: UTF8.self)
            throw UnpackError.corrupt("tar: entry \"\(name)\" has unsupported type '\(Self.printable(typeflag))'")
        }
        var pathBytes = Self.field(header, 0, 100)
        let isUstar = Self.field(header, 257, 6).starts(with: Array("ustar".utf8))
        if isUstar {
            let prefix = Self.field(header, 345, 155)
            // GNU tar stores atime/ctime there ("ustar  " magic); only POSIX ustar has a prefix.
            if !prefix.isEmpty && header[262] == 0 { pathBytes = prefix + [UInt8(ascii: "/")] + pathBytes }
        }
        if let longName { pathBytes = longName }
        if let value = records["path"] { pathBytes = value }
        var linkBytes = Self.field(header, 157, 100)
        if let longLink { linkBytes = longLink }
        if let value = records["linkpath"] { linkBytes = value }
        guard !pathBytes.contains(0), !linkBytes.contains(0) else {
            throw UnpackError.corrupt("tar: entry name contains a NUL byte")
        }

        var entry = TarEntry(path: String(decoding: pathBytes, as: UTF8.self), kind: kind)
        entry.linkName = String(decoding: linkBytes, as: UTF8.self)
        entry.mode = UInt32(truncatingIfNeeded: try Self.number(header, 100, 8, field: "mode")) & 0o7777
        entry.uid = try Self.id(records["uid"], header: header, offset: 108, field: "uid")
        entry.gid = try Self.id(records["gid"], header: header, offset: 116, field: "gid")
        var entrySize = size
        if let value = records["size"] {
            guard let parsed = Int64(String(decoding: value, as: UTF8.self)), parsed >= 0 else {
                throw UnpackError.corrupt("tar: entry \"\(entry.path)\" has an invalid PAX size")
            }
            entrySize = parsed
        }
        entry.size = kind == .regular ? entrySize : 0
        if let value = records["mtime"] {
            let (seconds, nanos) = try Self.parsePaxTime(value, entry: entry.path)
            entry.mtimeSeconds = seconds
            entry.mtimeNanoseconds = nanos
        } else {
            entry.mtimeSeconds = try Self.number(header, 136, 12, field: "mtime")
        }
        if kind == .characterDevice || kind == .blockDevice {
            entry.deviceMajor = UInt32(truncatingIfNeeded: try Self.number(header, 329, 8, field: "devmajor"))
            entry.deviceMinor = UInt32(truncatingIfNeeded: try Self.number(header, 337, 8, field: "devminor"))
        }
        for (key, value) in records where key.hasPrefix("SCHILY.xattr.") {
            entry.xattrs[String(key.dropFirst("SCHILY.xattr.".count))] = value
        }
        return entry
    }

    // MARK: Header fields

    private static func verifyChecksum(_ header: UnsafeRawBufferPointer) throws {
        let stored = try number(header, 148, 8, field: "checksum")
        var unsigned: Int64 = 0
        var signed: Int64 = 0
        for i in 0..<512 {
            let byte = (148..<156).contains(i) ? UInt8(ascii: " ") : header[i]
            unsigned += Int64(byte)
            signed += Int64(Int8(bitPattern: byte))
        }
        guard stored == unsigned || stored == signed else {
            throw UnpackError.corrupt("tar: header checksum mismatch (not a tar stream, or damaged)")
        }
    }

    /// The bytes of a NUL-terminated header field.
    private static func field(_ header: UnsafeRawBufferPointer, _ offset: Int, _ length: Int) -> [UInt8] {
        let slice = header[offset..<(offset + length)]
        if let nul = slice.firstIndex(of: 0) { return Array(header[offset..<nul]) }
        return Array(slice)
    }

    /// An octal field (NUL or space terminated) or GNU base-256 (high bit of the first byte set).
    private static func number(_ header: UnsafeRawBufferPointer, _ offset: Int, _ length: Int, field name: String) throws -> Int64 {
        let first = header[offset]
        if first & 0x80 != 0 {
            // Base-256, two's complement: the 0x40 bit of the first byte is the sign.
            var value: Int64 = (first & 0x40) != 0 ? -1 : 0
            value = (value << 6) | Int64(first & 0x3f)
            for i in (offset + 1)..<(offset + length) {
                guard value >> 55 == 0 || value >> 55 == -1 else {
                    throw UnpackError.corrupt("tar: header field \(name) overflows")
                }
                value = (value << 8) | Int64(header[i])
            }
            return value
        }
        var value: Int64 = 0
        var seenDigit = false
        for i in offset..<(offset + length) {
            let byte = header[i]
            if byte == 0 || (byte == UInt8(ascii: " ") && seenDigit) { break }
            if byte == UInt8(ascii: " ") { continue }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "7") else {
                throw UnpackError.corrupt("tar: header field \(name) is not octal")
            }
            seenDigit = true
            guard value < (Int64.max >> 3) else { throw UnpackError.corrupt("tar: header field \(name) overflows") }
            value = value * 8 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func id(_ pax: [UInt8]?, header: UnsafeRawBufferPointer, offset: Int, field name: String) throws -> UInt32 {
        let value: Int64
        if let pax {
            guard let parsed = Int64(String(decoding: pax, as: UTF8.self)) else {
                throw UnpackError.corrupt("tar: invalid PAX \(name)")
            }
            value = parsed
        } else {
            value = try number(header, offset, 8, field: name)
        }
        guard value >= 0, value <= Int64(UInt32.max - 1) else { throw UnpackError.corrupt("tar: \(name) \(value) out of range") }
        return UInt32(value)
    }

    private static func trimNul(_ data: [UInt8]) -> [UInt8] {
        if let nul = data.firstIndex(of: 0) { return Array(data[..<nul]) }
        return data
    }

    private static func printable(_ byte: UInt8) -> String {
        (32..<127).contains(byte) ? String(UnicodeScalar(byte)) : "\\\(byte)"
    }

    /// PAX records: `"<length> <key>=<value>\n"`, where length counts the whole record.
    static func parsePax(_ data: [UInt8]) throws -> [String: [UInt8]] {
        var records: [String: [UInt8]] = [:]
        var i = 0
        while i < data.count {
            if data[i] == 0 { break }
            var length = 0
            var j = i
            while j < data.count, data[j] >= UInt8(ascii: "0"), data[j] <= UInt8(ascii: "9"), j - i < 10 {
                length = length * 10 + Int(data[j] - UInt8(ascii: "0"))
                j += 1
            }
            guard j < data.count, data[j] == UInt8(ascii: " "), length > j - i + 1, i + length <= data.count,
                  data[i + length - 1] == UInt8(ascii: "\n") else {
                throw UnpackError.corrupt("tar: malformed PAX record")
            }
            let record = data[(j + 1)..<(i + length - 1)]
            guard let eq = record.firstIndex(of: UInt8(ascii: "=")) else { throw UnpackError.corrupt("tar: malformed PAX record") }
            let key = String(decoding: record[record.startIndex..<eq], as: UTF8.self)
            records[key] = Array(record[(eq + 1)...])
            i += length
        }
        return records
    }

    /// A PAX time `"<seconds>[.<fraction>]"`, possibly negative, to seconds and nanoseconds.
    static func parsePaxTime(_ value: [UInt8], entry: String) throws -> (Int64, Int32) {
        let text = String(decoding: value, as: UTF8.self)
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = Int64(parts[0]) ?? (parts[0] == "-" ? 0 : nil) else {
            throw UnpackError.corrupt("tar: entry \"\(entry)\" has an invalid PAX mtime \"\(text)\"")
        }
        var nanos: Int32 = 0
        if parts.count == 2 {
            let digits = parts[1].prefix(9)
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw UnpackError.corrupt("tar: entry \"\(entry)\" has an invalid PAX mtime \"\(text)\"")
            }
            nanos = Int32(digits + String(repeating: "0", count: 9 - digits.count))!
        }
        if text.hasPrefix("-") && nanos > 0 {
            // -1.5 means 1.5 s before the epoch: -2 s + 0.5 s.
            return (whole - 1, 1_000_000_000 - nanos)
        }
        return (whole, nanos)
    }
}
