/// A JSON parser that records the line each value starts on, so decode errors in JSON manifests
/// can point at a line as YAML ones do. Accepts a stream of values separated by whitespace.
struct ManifestJSONParser {
    private let bytes: [UInt8]
    private var pos = 0
    private var line = 1
    /// Guards against stack exhaustion on hostile input.
    private var depth = 0
    private static let maxDepth = 512

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Parses every top-level value; throws `ManifestDecodingError` with the line of the first
    /// syntax error.
    mutating func parseStream() throws -> [ManifestNode] {
        var values: [ManifestNode] = []
        skipWhitespace()
        while pos < bytes.count {
            values.append(try parseValue())
            skipWhitespace()
        }
        return values
    }

    private func fail(_ message: String) -> ManifestDecodingError {
        ManifestDecodingError(field: nil, message: "invalid JSON: \(message)", line: line)
    }

    private var current: String {
        guard pos < bytes.count else { return "end of input" }
        let scalar = Unicode.Scalar(bytes[pos])
        return bytes[pos] < 0x80 ? "character \(goQuote(String(Character(scalar))))" : "byte 0x\(String(bytes[pos], radix: 16))"
    }

    private mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x0A: line += 1; pos += 1
            case 0x20, 0x09, 0x0D: pos += 1
            default: return
            }
        }
    }

    private mutating func parseValue() throws -> ManifestNode {
        skipWhitespace()
        guard pos < bytes.count else { throw fail("unexpected end of input") }
        let start = line
        switch bytes[pos] {
        case UInt8(ascii: "{"): return ManifestNode(value: try parseObject(), line: start)
        case UInt8(ascii: "["): return ManifestNode(value: try parseArray(), line: start)
        case UInt8(ascii: "\""): return ManifestNode(value: .string(try parseString()), line: start)
        case UInt8(ascii: "t"): try literal("true"); return ManifestNode(value: .bool(true), line: start)
        case UInt8(ascii: "f"): try literal("false"); return ManifestNode(value: .bool(false), line: start)
        case UInt8(ascii: "n"): try literal("null"); return ManifestNode(value: .null, line: start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return ManifestNode(value: .number(try parseNumber()), line: start)
        default:
            throw fail("unexpected \(current)")
        }
    }

    private mutating func literal(_ word: String) throws {
        let w = Array(word.utf8)
        guard pos + w.count <= bytes.count, Array(bytes[pos..<(pos + w.count)]) == w else {
            throw fail("unexpected \(current)")
        }
        pos += w.count
    }

    private mutating func enter() throws {
        depth += 1
        if depth > Self.maxDepth { throw fail("nested more than \(Self.maxDepth) levels deep") }
    }

    private mutating func parseObject() throws -> ManifestNode.Value {
        try enter()
        defer { depth -= 1 }
        pos += 1
        var members: [(key: String, value: ManifestNode)] = []
        var index: [String: Int] = [:]
        skipWhitespace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else {
                throw fail("expected a string key, found \(current)")
            }
            let key = try parseString()
            skipWhitespace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else { throw fail("expected ':', found \(current)") }
            pos += 1
            let value = try parseValue()
            // A repeated key replaces the earlier value, as Go's encoding/json does.
            if let at = index[key] {
                members[at].value = value
            } else {
                index[key] = members.count
                members.append((key, value))
            }
            skipWhitespace()
            guard pos < bytes.count else { throw fail("unexpected end of input in object") }
            if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(members) }
            throw fail("expected ',' or '}', found \(current)")
        }
    }

    private mutating func parseArray() throws -> ManifestNode.Value {
        try enter()
        defer { depth -= 1 }
        pos += 1
        var items: [ManifestNode] = []
        skipWhitespace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
        while true {
            items.append(try parseValue())
            skipWhitespace()
            guard pos < bytes.count else { throw fail("unexpected end of input in array") }
            if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
            throw fail("expected ',' or ']', found \(current)")
        }
    }

    private mutating func parseNumber() throws -> String {
        let start = pos
        while pos < bytes.count {
            switch bytes[pos] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"),
                UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"):
                pos += 1
            default:
                let text = String(decoding: bytes[start..<pos], as: UTF8.self)
                guard isJSONNumber(text) else { throw fail("invalid number \(text)") }
                return text
            }
        }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        guard isJSONNumber(text) else { throw fail("invalid number \(text)") }
        return text
    }

    private mutating func hex4() throws -> UInt32 {
        guard pos + 4 <= bytes.count else { throw fail("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[pos]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail("invalid \\u escape")
            }
            v = v * 16 + d
            pos += 1
        }
        return v
    }

    private mutating func parseString() throws -> String {
        pos += 1
        var out = [UInt8]()
        while true {
            guard pos < bytes.count else { throw fail("unterminated string") }
            let c = bytes[pos]
            switch c {
            case UInt8(ascii: "\""):
                pos += 1
                guard let s = String(validating: out, as: UTF8.self) else { throw fail("string is not valid UTF-8") }
                return s
            case UInt8(ascii: "\\"):
                pos += 1
                guard pos < bytes.count else { throw fail("unterminated string") }
                let e = bytes[pos]
                pos += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code), pos + 1 < bytes.count,
                       bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u")
                    {
                        pos += 2
                        let low = try hex4()
                        if (0xDC00..<0xE000).contains(low) {
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            code = 0xFFFD
                        }
                    }
                    let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    throw fail("invalid escape \\\(Character(Unicode.Scalar(e)))")
                }
            case 0..<0x20:
                throw fail("control character in string")
            default:
                out.append(c)
                pos += 1
            }
        }
    }
}
