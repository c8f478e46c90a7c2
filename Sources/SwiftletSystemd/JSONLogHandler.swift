import Logging

/// A swift-log handler that writes one JSON object per line, for log collectors:
///
/// ```
/// {"ts":"2026-11-27T09:00:00.123Z","level":"info","msg":"starting agent","caller":"SwiftletAgent/Agent.swift:42","namespace":"default","pod":"web"}
/// ```
///
/// `ts` is UTC with milliseconds and `level` is swift-log's level name. `error` follows when the
/// record carries an error, and `caller` (`Module/File.swift:LINE`) unless `includeCaller` is off.
/// Metadata keys follow in key order (the handler's, then the metadata provider's, then the call's;
/// later values replace earlier ones), as JSON strings, arrays and objects. A metadata key equal to
/// one of the fixed keys is written as `meta.KEY`, so no key appears twice. Strings are escaped so
/// a record is always exactly one line. Each line is written with a single `write(2)`
/// (see ``LogOutput``).
public struct JSONLogHandler: LogHandler {
    /// Keys the handler writes itself.
    package static let reservedKeys: Set<String> = ["ts", "level", "msg", "error", "caller"]

    /// The logger's label.
    public let label: String
    /// Where lines are written.
    public let output: LogOutput
    /// Whether each object carries `"caller":"Module/File.swift:LINE"`.
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
    ///   - includeCaller: Whether objects carry `caller`.
    ///   - metadataProvider: Contextual metadata added to every record.
    public init(
        label: String,
        level: Logger.Level = .info,
        output: LogOutput = .standardError,
        includeCaller: Bool = true,
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
        includeCaller: Bool = true,
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
        line.append(contentsOf: #"{"ts":""#.utf8)
        now().appendISO8601(to: &line)
        line.append(contentsOf: #"","level":""#.utf8)
        line.append(contentsOf: event.level.rawValue.utf8)
        line.append(contentsOf: #"","msg":"#.utf8)
        Self.appendString(event.message.description, to: &line)
        if let error = event.error {
            line.append(contentsOf: #","error":"#.utf8)
            Self.appendString(String(describing: error), to: &line)
        }
        if includeCaller {
            line.append(contentsOf: #","caller":"#.utf8)
            Self.appendString(event.file + ":" + String(event.line), to: &line)
        }
        let merged = LogMetadata.merge(handler: metadata, provider: metadataProvider, call: event.metadata)
        for (key, value) in LogMetadata.sorted(merged) {
            line.append(UInt8(ascii: ","))
            Self.appendString(Self.reservedKeys.contains(key) ? "meta." + key : key, to: &line)
            line.append(UInt8(ascii: ":"))
            Self.appendValue(value, to: &line)
        }
        line.append(UInt8(ascii: "}"))
        line.append(UInt8(ascii: "\n"))
        return line
    }

    /// Appends `value` as a JSON string, array or object.
    package static func appendValue(_ value: Logger.MetadataValue, to buffer: inout [UInt8]) {
        switch value {
        case .string(let string):
            appendString(string, to: &buffer)
        case .stringConvertible(let convertible):
            appendString(convertible.description, to: &buffer)
        case .array(let elements):
            buffer.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                appendValue(element, to: &buffer)
            }
            buffer.append(UInt8(ascii: "]"))
        case .dictionary(let dictionary):
            buffer.append(UInt8(ascii: "{"))
            for (index, entry) in LogMetadata.sorted(dictionary).enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                appendString(entry.key, to: &buffer)
                buffer.append(UInt8(ascii: ":"))
                appendValue(entry.value, to: &buffer)
            }
            buffer.append(UInt8(ascii: "}"))
        }
    }

    /// Appends `string` as a quoted, escaped JSON string.
    package static func appendString(_ string: String, to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\""))
        appendEscaped(string, to: &buffer)
        buffer.append(UInt8(ascii: "\""))
    }
}
