/// Errors of layer decompression, tar parsing, unpacking and the layer store; each message
/// names the layer entry, media type or path involved.
public struct UnpackError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable { case unsupportedMediaType, corrupt, hostile, digestMismatch, exists, invalid, system }
    private let code: Code
    /// What went wrong.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The layer's media type names a format this node cannot read.
    public static func unsupportedMediaType(_ mediaType: String) -> UnpackError {
        UnpackError(.unsupportedMediaType, "unsupported layer media type \"\(mediaType)\": expected an OCI or Docker tar layer, uncompressed, gzip or zstd")
    }
    /// The compressed stream or the tar archive is damaged or truncated.
    public static func corrupt(_ message: String) -> UnpackError { UnpackError(.corrupt, message) }
    /// An entry tries to write outside the layer, through a symlink, or creates what the options forbid.
    public static func hostile(entry: String, _ reason: String) -> UnpackError {
        UnpackError(.hostile, "layer entry \"\(entry)\" rejected: \(reason)")
    }
    /// The uncompressed stream's digest differs from the image config's diff_id.
    public static func digestMismatch(expected: String, actual: String) -> UnpackError {
        UnpackError(.digestMismatch, "layer diff_id mismatch: image config says \(expected), the uncompressed layer is \(actual)")
    }
    /// The destination exists already.
    public static func exists(_ path: String) -> UnpackError { UnpackError(.exists, "\(path) already exists") }
    /// An argument is malformed (a digest, a key, a path).
    public static func invalid(_ message: String) -> UnpackError { UnpackError(.invalid, message) }
    /// A system call failed; the message names the call, the path and the errno.
    public static func system(_ call: String, _ path: String, errno: Int32) -> UnpackError {
        UnpackError(.system, "\(call)(\(path)): \(errnoName(errno))")
    }

    public var description: String { message }
    /// Whether the layer was refused for hostile content (path escapes, devices, absurd sizes).
    public var isHostile: Bool { code == .hostile }
    /// Whether the data was damaged (bad compression, bad tar, digest mismatch).
    public var isCorrupt: Bool { code == .corrupt || code == .digestMismatch }
}
