import Logging

/// How a ``LineLogHandler`` writes one record: the part that differs between logfmt and JSON.
public protocol LogLineFormat: Sendable {
    /// Whether lines carry the caller (`Module/File.swift:LINE`) unless the handler is told.
    static var includesCallerByDefault: Bool { get }
    /// Appends the record, newline included. `metadata` is already merged (the handler's, then
    /// the metadata provider's, then the call's; later values replace earlier ones).
    static func append(_ event: LogEvent, timestamp: LogTimestamp, includeCaller: Bool, metadata: Logger.Metadata,
                       to line: inout [UInt8])
}

/// A swift-log handler that writes one line per record in `Format` (``LogfmtLogHandler``,
/// ``JSONLogHandler``). Each line is written with a single `write(2)` (see ``LogOutput``).
public struct LineLogHandler<Format: LogLineFormat>: LogHandler {
    /// Keys the handler writes itself; a metadata key equal to one is written as `meta.KEY`.
    package static var reservedKeys: Set<String> { ["ts", "level", "msg", "error", "caller"] }

    /// The logger's label.
    public let label: String
    /// Where lines are written.
    public let output: LogOutput
    /// Whether each line carries the caller (`Module/File.swift:LINE`).
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
    ///   - includeCaller: Whether lines carry the caller; the format's default unless given
    ///     (JSON: yes, logfmt: no).
    ///   - metadataProvider: Contextual metadata added to every record.
    public init(
        label: String,
        level: Logger.Level = .info,
        output: LogOutput = .standardError,
        includeCaller: Bool = Format.includesCallerByDefault,
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
        includeCaller: Bool = Format.includesCallerByDefault,
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
        let merged = LogMetadata.merge(handler: metadata, provider: metadataProvider, call: event.metadata)
        Format.append(event, timestamp: now(), includeCaller: includeCaller, metadata: merged, to: &line)
        return line
    }
}
