import Logging

/// A handler that writes one JSON object per line, for log collectors:
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
public typealias JSONLogHandler = LineLogHandler<JSONLineFormat>

/// The line format of ``JSONLogHandler``.
public enum JSONLineFormat: LogLineFormat {
    public static var includesCallerByDefault: Bool { true }

    public static func append(_ event: LogEvent, timestamp: LogTimestamp, includeCaller: Bool, metadata: Logger.Metadata,
                              to line: inout [UInt8]) {
        line.append(contentsOf: #"{"ts":""#.utf8)
        timestamp.appendISO8601(to: &line)
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
        for (key, value) in LogMetadata.sorted(metadata) {
            line.append(UInt8(ascii: ","))
            Self.appendString(JSONLogHandler.reservedKeys.contains(key) ? "meta." + key : key, to: &line)
            line.append(UInt8(ascii: ":"))
            Self.appendValue(value, to: &line)
        }
        line.append(UInt8(ascii: "}"))
        line.append(UInt8(ascii: "\n"))
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
