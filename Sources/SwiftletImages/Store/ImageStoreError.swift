/// A failure of the content store, the image metadata store or an import.
public struct ImageStoreError: Error, Sendable, CustomStringConvertible, Equatable {
    private enum Code: Sendable, Equatable {
        case digestMismatch, sizeMismatch, unsupportedDigest, notFound, ambiguous, invalid, system
    }

    private let code: Code
    /// What went wrong, naming the blob, path or reference.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The bytes of a blob hash to `actual`, not the `expected` digest.
    public static func digestMismatch(expected: String, actual: String, source: String) -> ImageStoreError {
        ImageStoreError(.digestMismatch, "\(source): digest mismatch: expected \(expected), got \(actual)")
    }

    /// A blob has `actual` bytes where its descriptor says `expected`.
    public static func sizeMismatch(digest: String, expected: Int64, actual: Int64, source: String) -> ImageStoreError {
        ImageStoreError(.sizeMismatch, "\(source): blob \(digest) size mismatch: expected \(expected) bytes, got \(actual)")
    }

    /// The digest algorithm is neither sha256 nor sha512.
    public static func unsupportedDigest(_ algorithm: String) -> ImageStoreError {
        ImageStoreError(.unsupportedDigest, "unsupported digest algorithm \"\(algorithm)\": expected sha256 or sha512")
    }

    /// No image or blob matches `what`.
    public static func notFound(_ what: String) -> ImageStoreError { ImageStoreError(.notFound, "\(what): not found") }

    /// A short ID matches more than one image.
    public static func ambiguous(_ what: String, _ matches: [String]) -> ImageStoreError {
        ImageStoreError(.ambiguous, "\(what): ambiguous, matches \(matches.joined(separator: ", ")); use more of the ID or a reference")
    }

    /// Malformed input: a layout, archive or record.
    public static func invalid(_ message: String) -> ImageStoreError { ImageStoreError(.invalid, message) }

    /// A system call failed on `path`.
    public static func system(_ call: String, _ path: String, errno: Int32) -> ImageStoreError {
        ImageStoreError(.system, "\(call)(\(path)): \(errnoName(errno))")
    }

    /// Whether this is a digest or size mismatch (corrupt content).
    public var isMismatch: Bool { code == .digestMismatch || code == .sizeMismatch }
    /// Whether this says nothing matched.
    public var isNotFound: Bool { code == .notFound }

    public var description: String { message }
}
