import Logging

/// A swift-log handler that writes one logfmt line per record, for humans and log shippers:
///
/// ```
/// ts=2026-11-27T09:00:00.123Z level=info msg="starting agent" namespace=default pod=web
/// ```
///
/// `ts` is UTC with milliseconds and `level` is swift-log's level name. `error=` follows when the
/// record carries an error, and `caller=Module/File.swift:42` when `includeCaller` is set. Metadata
/// follows in key order (the handler's, then the metadata provider's, then the call's; later values
/// replace earlier ones); nested dictionaries are flattened into dotted keys (`k.a=1`) and arrays
/// are written as `[a, b]`. A metadata key equal to one of the fixed keys is written as `meta.KEY`.
///
/// A value is quoted when it is empty or contains a space, a control character, `=` or `"`; inside
/// quotes, `"` and `\` are escaped with `\`, and newlines, tabs and other control characters are
/// written as `\n`, `\t`, `\u00XX`, so a record is always exactly one line. Characters in keys that
/// logfmt cannot carry become `_`. Each line is written with a single `write(2)`
/// (see ``LogOutput``).
public struct LogfmtLogHandler: LogHandler {
    /// Keys the handler writes itself.
    package static let reservedKeys: Set<String> = ["ts", "level", "msg", "error", "caller"]

    /// The logger's label.
    public let label: String
    /// Where lines are written.
    public let output: LogOutput
    /// Whether each line carries `caller=Module/File.swift:LINE`.
    public var includeCaller: Bool
    /// The lowest level this handler logs; `Logger` checks it before calling ``log(event:)``.
    public var logLevel: Logger.Level
    /// Metadata added to every record of this handler (the logger's own metadata).
    public var metadata: Logger.Metadata = [:]
    /// Contextual metadata (for example task-local values) added to every record.
    public var metadataProvider: Logger.MetadataProvider?
    private let now: @Sendable () -> LogTimestamp

    /// Creates a handler for the logger `label`.
    ///
    /// - Parameters:
    ///   - label: The logger's label (not written; loggers are told apart by their metadata).
    ///   - level: The lowest level that is logged.
    ///   - output: Where lines go; standard error unless given.
    ///   - includeCaller: Whether lines carry `caller=FILE:LINE`.
    ///   - metadataProvider: Contextual metadata added to every record.
    public init(
        label: String,
        level: Logger.Level = .info,
        output: LogOutput = .standardError,
        includeCaller: Bool = false,
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.init(
            label: label, level: level, output: output, includeCaller: includeCaller,
            metadataProvider: metadataProvider, now: LogTimestamp.now
        )
    }

    /// Creates a handler whose timestamps come from `now`.
    package init(
        label: String,
        level: Logger.Level = .info,
        output: LogOutput = .standardError,
        includeCaller: Bool = false,
        metadataProvider: Logger.MetadataProvider? = nil,
        now: @escaping @Sendable () -> LogTimestamp
    ) {
        self.label = label
        self.logLevel = level
        self.output = output
        self.includeCaller = includeCaller
        self.metadataProvider = metadataProvider
        self.now = now
    }

    /// One entry of ``metadata``.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes `event` as one line to ``output``.
    public func log(event: LogEvent) {
        output.write(line(for: event))
    }

    /// The bytes ``log(event:)`` writes for `event`, newline included.
    package func line(for event: LogEvent) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(256)
        line.append(contentsOf: "ts=".utf8)
        now().appendISO8601(to: &line)
        line.append(contentsOf: " level=".utf8)
        line.append(contentsOf: event.level.rawValue.utf8)
        line.append(contentsOf: " msg=".utf8)
        Self.appendValue(event.message.description, to: &line)
        if let error = event.error {
            line.append(contentsOf: " error=".utf8)
            Self.appendValue(String(describing: error), to: &line)
        }
        if includeCaller {
            line.append(contentsOf: " caller=".utf8)
            Self.appendValue(event.file + ":" + String(event.line), to: &line)
        }
        let merged = LogMetadata.merge(handler: metadata, provider: metadataProvider, call: event.metadata)
        for (key, value) in LogMetadata.sorted(merged) {
            LogMetadata.forEachLeaf(key: key, value: value) { path, leaf in
                line.append(UInt8(ascii: " "))
                if Self.reservedKeys.contains(path) {
                    line.append(contentsOf: "meta.".utf8)
                }
                Self.appendKey(path, to: &line)
                line.append(UInt8(ascii: "="))
                Self.appendValue(LogMetadata.text(of: leaf), to: &line)
            }
        }
        line.append(UInt8(ascii: "\n"))
        return line
    }

    /// Appends `key` with every byte logfmt cannot carry in a key replaced by `_`.
    package static func appendKey(_ key: String, to buffer: inout [UInt8]) {
        if key.isEmpty {
            buffer.append(UInt8(ascii: "_"))
            return
        }
        for byte in key.utf8 {
            buffer.append(byte <= 0x20 || byte == 0x7F || byte == UInt8(ascii: "=") || byte == UInt8(ascii: "\"") ? UInt8(ascii: "_") : byte)
        }
    }

    /// Appends `value`, quoted and escaped when logfmt needs it.
    package static func appendValue(_ value: String, to buffer: inout [UInt8]) {
        let needsQuotes = value.isEmpty || value.utf8.contains { byte in
            byte <= 0x20 || byte == 0x7F || byte == UInt8(ascii: "=") || byte == UInt8(ascii: "\"")
        }
        guard needsQuotes else {
            buffer.append(contentsOf: value.utf8)
            return
        }
        buffer.append(UInt8(ascii: "\""))
        appendEscaped(value, to: &buffer)
        buffer.append(UInt8(ascii: "\""))
    }
}
