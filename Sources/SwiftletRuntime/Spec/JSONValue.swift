/// A parsed JSON document. config.json is read through this rather than `JSONDecoder` because
/// Foundation's decoder reports a number that doesn't fit its field (a negative uid, `1.5` for an
/// integer) as "not valid JSON" without a field path; here numbers keep their text until a field's
/// type is known, so the error can name the field.
enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// The number's literal text, validated against JSON's grammar.
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Members by name; for a duplicated name the last one wins, as in Go's encoding/json.
    case object([String: JSONValue])

    /// "a string", "an object", … for error messages.
    var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// A syntax error with its 1-based line and column.
    struct SyntaxError: Error, CustomStringConvertible {
        var line: Int
        var column: Int
        var message: String
        var description: String { "line \(line), column \(column): \(message)" }
    }

    /// Parses a complete JSON text (RFC 8259).
    static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.at == bytes.count else { throw parser.error("unexpected data after the JSON value") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var at = 0
        static let maxDepth = 512

        func error(_ message: String) -> SyntaxError {
            var line = 1
            var column = 1
            for byte in bytes[..<min(at, bytes.count)] {
                if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
            }
            let truncated = at >= bytes.count && !message.hasPrefix("unexpected end")
            return SyntaxError(line: line, column: column, message: truncated ? "unexpected end of input, \(message)" : message)
        }

        var current: UInt8? { at < bytes.count ? bytes[at] : nil }

        mutating func skipWhitespace() {
            while let c = current, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { at += 1 }
        }

        mutating func expect(_ literal: String, _ value: JSONValue) throws -> JSONValue {
            for byte in literal.utf8 {
                guard current == byte else { throw error("invalid literal, expected \(literal)") }
                at += 1
            }
            return value
        }

        mutating func value(depth: Int) throws -> JSONValue {
            guard depth < Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth) levels") }
            guard let c = current else { throw error("expected a value") }
            switch c {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try expect("true", .bool(true))
            case UInt8(ascii: "f"): return try expect("false", .bool(false))
            case UInt8(ascii: "n"): return try expect("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw error("unexpected character \(quoted(String(decoding: [c], as: UTF8.self))), expected a value")
            }
        }

        mutating func object(depth: Int) throws -> JSONValue {
            at += 1
            var members: [String: JSONValue] = [:]
            skipWhitespace()
            if current == UInt8(ascii: "}") { at += 1; return .object(members) }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw error("expected a quoted member name") }
                let key = try string()
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw error("expected ':' after member name \(quoted(key))") }
                at += 1
                skipWhitespace()
                members[key] = try value(depth: depth + 1)
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): at += 1
                case UInt8(ascii: "}"): at += 1; return .object(members)
                default: throw error("expected ',' or '}' in object")
                }
            }
        }

        mutating func array(depth: Int) throws -> JSONValue {
            at += 1
            var elements: [JSONValue] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") { at += 1; return .array(elements) }
            while true {
                skipWhitespace()
                elements.append(try value(depth: depth + 1))
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): at += 1
                case UInt8(ascii: "]"): at += 1; return .array(elements)
                default: throw error("expected ',' or ']' in array")
                }
            }
        }

        mutating func number() throws -> String {
            let start = at
            if current == UInt8(ascii: "-") { at += 1 }
            guard let first = current, isDigit(first) else { throw error("invalid number") }
            at += 1
            if first != UInt8(ascii: "0") { while let c = current, isDigit(c) { at += 1 } }
            if current == UInt8(ascii: ".") {
                at += 1
                guard let c = current, isDigit(c) else { throw error("invalid number: digits expected after '.'") }
                while let c = current, isDigit(c) { at += 1 }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                at += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { at += 1 }
                guard let c = current, isDigit(c) else { throw error("invalid number: digits expected in exponent") }
                while let c = current, isDigit(c) { at += 1 }
            }
            return String(decoding: bytes[start..<at], as: UTF8.self)
        }

        func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

        mutating func string() throws -> String {
            at += 1
            var out: [UInt8] = []
            while true {
                guard let c = current else { throw error("unterminated string") }
                at += 1
                switch c {
                case UInt8(ascii: "\""):
                    return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let e = current else { throw error("unterminated escape") }
                    at += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xD800..<0xDC00).contains(scalar) {
                            // A high surrogate must be followed by an escaped low surrogate.
                            guard current == UInt8(ascii: "\\"), at + 1 < bytes.count, bytes[at + 1] == UInt8(ascii: "u") else {
                                throw error("unpaired surrogate in \\u escape")
                            }
                            at += 2
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw error("invalid surrogate pair in \\u escape") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
                        out.append(contentsOf: Array(String(Character(unicode)).utf8))
                    default: throw error("invalid escape \\\(String(decoding: [e], as: UTF8.self))")
                    }
                default:
                    guard c >= 0x20 else { throw error("control character in string") }
                    out.append(c)
                }
            }
        }

        mutating func hex4() throws -> UInt32 {
            guard at + 4 <= bytes.count, let value = UInt32(String(decoding: bytes[at..<at + 4], as: UTF8.self), radix: 16) else {
                throw error("invalid \\u escape")
            }
            at += 4
            return value
        }
    }
}
