import Logging

/// A swift-log handler that writes each record to the systemd journal with `sd_journal_sendv`.
///
/// Every record becomes one journal entry with these fields:
/// - `MESSAGE`: the message, newlines and all.
/// - `PRIORITY`: the syslog priority of the level (see ``Logging/Logger/Level/syslogPriority``).
/// - `SYSLOG_IDENTIFIER`: the identifier given at creation (`swiftlet` by default), which is what
///   `journalctl -t` matches.
/// - `LOGGER`: the logger's label.
/// - `CODE_FILE`, `CODE_LINE`, `CODE_FUNC`: where the log call is (`CODE_FILE` is swift-log's
///   `#fileID`, `Module/File.swift`).
/// - `ERROR`: the description of the error attached to the record, if any.
/// - one field per metadata key, named by ``fieldName(forMetadataKey:)``, so that
///   `journalctl POD=web` finds a pod's lines. Metadata comes from the handler, then the metadata
///   provider, then the log call; later values replace earlier ones. Nested dictionaries become one
///   field per leaf (`["k": ["a": "1"]]` gives `K_A=1`); arrays are written as text, `[a, b]`.
///
/// At most ``maximumMetadataFields`` metadata fields are sent per record; journald refuses entries
/// with more than 1024 fields.
public struct JournaldLogHandler: LogHandler {
    /// The most metadata fields written per record; the rest, in key order, are dropped.
    public static let maximumMetadataFields = 512

    /// Fields this handler writes itself; a metadata key that maps to one of them is prefixed
    /// with `META_` rather than overriding it.
    package static let reservedFieldNames: Set<String> = [
        "MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "LOGGER", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "ERROR",
    ]

    /// The logger's label, sent as `LOGGER`.
    public let label: String
    /// The value of `SYSLOG_IDENTIFIER`.
    public let identifier: String
    /// The lowest level this handler logs; `Logger` checks it before calling ``log(event:)``.
    public var logLevel: Logger.Level
    /// Metadata added to every record of this handler (the logger's own metadata).
    public var metadata: Logger.Metadata = [:]
    /// Contextual metadata (for example task-local values) added to every record.
    public var metadataProvider: Logger.MetadataProvider?

    /// Creates a handler for the logger `label`.
    ///
    /// - Parameters:
    ///   - label: The logger's label, sent as `LOGGER`.
    ///   - identifier: The `SYSLOG_IDENTIFIER` of every entry.
    ///   - level: The lowest level that is logged.
    ///   - metadataProvider: Contextual metadata added to every record.
    public init(
        label: String,
        identifier: String = "swiftlet",
        level: Logger.Level = .info,
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.label = label
        self.identifier = identifier
        self.logLevel = level
        self.metadataProvider = metadataProvider
    }

    /// One entry of ``metadata``.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Sends `event` to the journal as one entry; a journal that cannot be reached drops it.
    public func log(event: LogEvent) {
        entry(for: event).send()
    }

    /// The journal entry ``log(event:)`` sends for `event`.
    package func entry(for event: LogEvent) -> JournalEntry {
        let merged = LogMetadata.merge(handler: metadata, provider: metadataProvider, call: event.metadata)
        var entry = JournalEntry(fieldCapacity: 8 + merged.count)
        entry.append(name: "MESSAGE") { $0.append(contentsOf: event.message.description.utf8) }
        entry.append(name: "PRIORITY", value: String(event.level.syslogPriority))
        entry.append(name: "SYSLOG_IDENTIFIER", value: identifier)
        entry.append(name: "LOGGER", value: label)
        entry.append(name: "CODE_FILE", value: event.file)
        entry.append(name: "CODE_LINE", value: String(event.line))
        entry.append(name: "CODE_FUNC", value: event.function)
        if let error = event.error {
            entry.append(name: "ERROR", value: String(describing: error))
        }
        var metadataFields = 0
        for (key, value) in LogMetadata.sorted(merged) {
            LogMetadata.forEachLeaf(key: key, value: value) { path, leaf in
                guard metadataFields < Self.maximumMetadataFields else { return }
                metadataFields += 1
                entry.append(name: Self.fieldName(forMetadataKey: path)) { LogMetadata.appendText(of: leaf, to: &$0) }
            }
        }
        return entry
    }

    /// The journal field name for a metadata key, following journald's rules for field names.
    ///
    /// ASCII letters are upper-cased, digits stay, and every other character (including each
    /// non-ASCII character) becomes `_`: `pod` → `POD`, `containerID` → `CONTAINERID`,
    /// `a.b-c` → `A_B_C`. Leading underscores are dropped, because journald reserves names
    /// starting with `_` for fields it sets itself (`_foo` → `FOO`). A name that would then be
    /// empty, start with a digit, or be one of the handler's own fields gets a `META_` prefix
    /// (`1st` → `META_1ST`, `message` → `META_MESSAGE`; an empty key gives `META`). The result is
    /// cut to 64 characters, journald's limit.
    public static func fieldName(forMetadataKey key: String) -> String {
        var name: [UInt8] = []
        name.reserveCapacity(key.utf8.count)
        for scalar in key.unicodeScalars {
            switch scalar.value {
            case 0x61...0x7A: name.append(UInt8(scalar.value) - 0x20)
            case 0x41...0x5A, 0x30...0x39: name.append(UInt8(scalar.value))
            default: name.append(UInt8(ascii: "_"))
            }
        }
        let firstKept = name.firstIndex { $0 != UInt8(ascii: "_") } ?? name.endIndex
        var result = String(decoding: name[firstKept...], as: UTF8.self)
        if result.isEmpty {
            result = "META"
        } else if let first = result.utf8.first, (0x30...0x39).contains(first) || reservedFieldNames.contains(result) {
            result = "META_" + result
        }
        if result.utf8.count > 64 {
            result = String(decoding: result.utf8.prefix(64), as: UTF8.self)
        }
        return result
    }
}
