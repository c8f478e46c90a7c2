import SwiftletAPI

/// Reads CRI-format container logs (`<RFC3339Nano> <stream> <P|F> <content>` per line), joining
/// partial lines, as `kubectl logs` shows them. Bytes in, so a multi-byte character split
/// between two reads stays whole; lines that are not CRI records are skipped, as kubelet does.
public struct CRILogReader: Sendable {
    /// One logical line.
    public struct Line: Sendable, Equatable {
        public var time: String
        public var stream: String
        public var content: String
    }

    private var pending: [CRIRecord.Stream: (time: String, content: [UInt8])] = [:]
    private var carry: [UInt8] = []

    public init() {}

    /// Feeds bytes read from the file; returns the complete logical lines in them.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Line] {
        carry.append(contentsOf: bytes)
        var lines: [Line] = []
        var start = carry.startIndex
        while let newline = carry[start...].firstIndex(of: UInt8(ascii: "\n")) {
            defer { start = newline + 1 }
            guard let record = CRIRecord(carry[start..<newline]) else { continue }
            if record.partial {
                if pending[record.stream] == nil {
                    pending[record.stream] = (String(decoding: record.time, as: UTF8.self), [])
                }
                pending[record.stream]!.content += record.content
                continue
            }
            let head = pending.removeValue(forKey: record.stream)
            lines.append(Line(time: head?.time ?? String(decoding: record.time, as: UTF8.self), stream: record.stream.rawValue,
                              content: String(decoding: (head?.content ?? []) + record.content, as: UTF8.self)))
        }
        carry.removeFirst(start - carry.startIndex)
        return lines
    }
}

/// One parsed CRI record.
struct CRIRecord {
    var unixNanos: Int64
    /// The timestamp as written.
    var time: ArraySlice<UInt8>
    var stream: Stream
    var partial: Bool
    var content: ArraySlice<UInt8>

    enum Stream: String, Hashable { case stdout, stderr }

    /// Parses one line without its newline; nil when it is not a CRI record (kubelet skips those).
    init?(_ line: ArraySlice<UInt8>) {
        let space = UInt8(ascii: " ")
        guard let s1 = line.firstIndex(of: space),
              let nanos = RFC3339.parseNanoseconds(line[line.startIndex..<s1])
        else { return nil }
        let rest = line[(s1 + 1)...]
        guard let s2 = rest.firstIndex(of: space) else { return nil }
        let name = rest[rest.startIndex..<s2]
        if name.elementsEqual("stdout".utf8) {
            stream = .stdout
        } else if name.elementsEqual("stderr".utf8) {
            stream = .stderr
        } else {
            return nil
        }
        let tagged = rest[(s2 + 1)...]
        // Tags are `:`-separated; the first says partial or full. Content may be empty (`... F `, or none at all).
        let tagEnd = tagged.firstIndex(of: space) ?? tagged.endIndex
        let tags = tagged[tagged.startIndex..<tagEnd]
        guard let first = tags.first else { return nil }
        partial = first == UInt8(ascii: "P")
        content = tagEnd < tagged.endIndex ? tagged[(tagEnd + 1)...] : tagged[tagEnd...]
        unixNanos = nanos
        time = line[line.startIndex..<s1]
    }
}

