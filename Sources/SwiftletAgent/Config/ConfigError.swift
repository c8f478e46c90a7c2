import SwiftletAPI

/// Why the agent's configuration could not be loaded.
///
/// `message` is what to show a user: it names the file (`/etc/swiftlet/config.yaml: no such file`),
/// the YAML line and column of a syntax error, or lists every invalid field Kubernetes-style
/// (`port: Invalid value: 70000: must be between 1 and 65535, inclusive`).
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case fileUnreadable, syntax, wrongDocument, invalid
    }

    private let code: Code
    /// The full message, ready to print.
    public let message: String
    /// The config file involved, as given; nil when the problem is in flags alone.
    public let file: String?
    /// Every invalid field, for `invalid` errors (and `apiVersion`/`kind` problems); otherwise empty.
    public let fieldErrors: [FieldError]

    private init(_ code: Code, message: String, file: String?, fieldErrors: [FieldError] = []) {
        self.code = code
        self.message = message
        self.file = file
        self.fieldErrors = fieldErrors
    }

    public var description: String { message }

    /// The file could not be read: missing, a directory, not readable, not UTF-8, empty.
    public static func fileUnreadable(_ file: String, _ reason: String) -> ConfigError {
        ConfigError(.fileUnreadable, message: "\(file): \(reason)", file: file)
    }

    /// The file is not well-formed YAML or JSON.
    public static func syntax(_ file: String, _ detail: String) -> ConfigError {
        ConfigError(.syntax, message: "\(file): \(detail)", file: file)
    }

    /// The file is well-formed but not a `KubeletConfiguration` (wrong or missing `apiVersion`/`kind`,
    /// or not a mapping at all).
    public static func wrongDocument(_ file: String, _ errors: [FieldError], detail: String? = nil) -> ConfigError {
        var message = "\(file): not a kubelet configuration"
        if let detail { message += ": " + detail }
        for e in errors { message += "\n  " + e.description }
        return ConfigError(.wrongDocument, message: message, file: file, fieldErrors: errors)
    }

    /// Field values that are invalid, from the file or the flags.
    public static func invalid(file: String?, _ errors: [FieldError]) -> ConfigError {
        let source = file.map { "\($0): " } ?? ""
        var message = "\(source)invalid configuration (\(errors.count) error\(errors.count == 1 ? "" : "s")):"
        for e in errors { message += "\n  " + e.description }
        return ConfigError(.invalid, message: message, file: file, fieldErrors: errors)
    }

    /// True for `fileUnreadable` errors.
    public var isFileUnreadable: Bool { code == .fileUnreadable }
    /// True for `syntax` errors.
    public var isSyntax: Bool { code == .syntax }
    /// True for `wrongDocument` errors.
    public var isWrongDocument: Bool { code == .wrongDocument }
    /// True for `invalid` errors.
    public var isInvalid: Bool { code == .invalid }
}
