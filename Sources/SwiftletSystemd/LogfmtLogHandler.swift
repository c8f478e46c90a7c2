import Logging

/// A handler that writes one logfmt line per record, for humans and log shippers:
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
public typealias LogfmtLogHandler = LineLogHandler<LogfmtLineFormat>

/// The line format of ``LogfmtLogHandler``.
public enum LogfmtLineFormat: LogLineFormat {
    public static var includesCallerByDefault: Bool { false }

    public static func append(_ event: LogEvent, timestamp: LogTimestamp, includeCaller: Bool, metadata: Logger.Metadata,
                              to line: inout [UInt8]) {
        line.append(contentsOf: "ts=".utf8)
        timestamp.appendISO8601(to: &line)
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
        for (key, value) in LogMetadata.sorted(metadata) {
            LogMetadata.forEachLeaf(key: key, value: value) { path, leaf in
                line.append(UInt8(ascii: " "))
                if LogfmtLogHandler.reservedKeys.contains(path) {
                    line.append(contentsOf: "meta.".utf8)
                }
                Self.appendKey(path, to: &line)
                line.append(UInt8(ascii: "="))
                Self.appendValue(LogMetadata.text(of: leaf), to: &line)
            }
        }
        line.append(UInt8(ascii: "\n"))
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
