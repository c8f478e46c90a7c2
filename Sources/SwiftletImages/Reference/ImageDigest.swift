/// A content digest, `algorithm:hex` (OCI image spec "Digests").
///
/// Parsing accepts the registered algorithms only and checks the hex length for each
/// (sha256: 64, sha384: 96, sha512: 128 lowercase hex digits), as go-digest's `Validate` does.
public struct ImageDigest: Hashable, Sendable, Codable, CustomStringConvertible {
    /// `sha256`, `sha384` or `sha512`.
    public let algorithm: String
    /// The lowercase hex encoding of the hash.
    public let encoded: String

    /// Hex length of the encoded part, by algorithm.
    static let encodedLength: [String: Int] = ["sha256": 64, "sha384": 96, "sha512": 128]

    /// Parses `algorithm:hex`.
    /// - Throws: `ImageReferenceError` naming `string` when the form, algorithm or length is wrong.
    public init(parsing string: String) throws {
        try self.init(parsing: string, reportingAs: string)
    }

    /// Parses a digest found inside a larger reference, reporting errors against `input`.
    init(parsing string: String, reportingAs input: String) throws {
        guard let colon = string.firstIndex(of: ":") else {
            throw ImageReferenceError.digestInvalid(input, "\"\(string)\" is not algorithm:hex")
        }
        let algorithm = String(string[..<colon])
        let encoded = String(string[string.index(after: colon)...])
        guard Self.isValidAlgorithmName(algorithm) else {
            throw ImageReferenceError.digestInvalid(input, "algorithm \"\(algorithm)\" is malformed")
        }
        guard encoded.utf8.count >= 32, encoded.utf8.allSatisfy({ ReferenceGrammar.isHexDigit($0) }) else {
            throw ImageReferenceError.digestInvalid(input, "\"\(encoded)\" must be at least 32 hex digits")
        }
        guard let length = Self.encodedLength[algorithm] else {
            throw ImageReferenceError.digestUnsupported(input, algorithm)
        }
        guard encoded.utf8.count == length else {
            throw ImageReferenceError.digestInvalid(
                input, "\(algorithm) needs \(length) hex digits, got \(encoded.utf8.count)")
        }
        guard encoded.utf8.allSatisfy({ ReferenceGrammar.isLowerHexDigit($0) }) else {
            throw ImageReferenceError.digestInvalid(input, "hex digits must be lowercase")
        }
        self.algorithm = algorithm
        self.encoded = encoded
    }

    /// `algorithm:hex`.
    public var description: String { "\(algorithm):\(encoded)" }

    /// Decodes from the `algorithm:hex` string form, validating it.
    public init(from decoder: Decoder) throws {
        let string = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(parsing: string)
        } catch let error as ImageReferenceError {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.rule))
        }
    }

    /// Encodes as the `algorithm:hex` string.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    /// Grammar: components `[A-Za-z][A-Za-z0-9]*` joined by one of `+ . _ -`.
    private static func isValidAlgorithmName(_ s: String) -> Bool {
        var expectComponentStart = true
        for b in s.utf8 {
            if expectComponentStart {
                guard ReferenceGrammar.isLetter(b) else { return false }
                expectComponentStart = false
            } else if b == UInt8(ascii: "+") || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "-") {
                expectComponentStart = true
            } else if !(ReferenceGrammar.isLetter(b) || ReferenceGrammar.isDigit(b)) {
                return false
            }
        }
        return !expectComponentStart
    }
}
