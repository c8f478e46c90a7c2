import Foundation

/// Reads CRI-format container logs (`<RFC3339Nano> <stream> <P|F> <content>` per line), joining
/// partial lines, as `kubectl logs` shows them.
public struct CRILogReader: Sendable {
    /// One logical line.
    public struct Line: Sendable, Equatable {
        public var time: String
        public var stream: String
        public var content: String
    }

    private var pending: [String: (time: String, content: String)] = [:]
    private var carry = ""

    public init() {}

    /// Feeds bytes read from the file; returns the complete logical lines in them.
    public mutating func feed(_ text: String) -> [Line] {
        var lines: [Line] = []
        var buffer = carry + text
        carry = ""
        if !buffer.hasSuffix("\n") {
            if let cut = buffer.lastIndex(of: "\n") {
                carry = String(buffer[buffer.index(after: cut)...])
                buffer = String(buffer[...cut])
            } else {
                carry = buffer
                return []
            }
        }
        for raw in buffer.split(separator: "\n", omittingEmptySubsequences: false) where !raw.isEmpty {
            let parts = raw.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count >= 3 else { continue }
            let time = String(parts[0]), stream = String(parts[1]), tag = parts[2]
            let content = parts.count == 4 ? String(parts[3]) : ""
            if tag.hasPrefix("P") {
                let existing = pending[stream]
                pending[stream] = (existing?.time ?? time, (existing?.content ?? "") + content)
                continue
            }
            let head = pending.removeValue(forKey: stream)
            lines.append(Line(time: head?.time ?? time, stream: stream, content: (head?.content ?? "") + content))
        }
        return lines
    }
}
