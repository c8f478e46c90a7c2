import Logging

/// Metadata handling shared by swiftlet's log handlers.
package enum LogMetadata {
    /// The metadata of one record: the handler's own, then the metadata provider's, then the call's.
    /// A key set by a later source replaces the earlier value.
    ///
    /// Returns the handler metadata unchanged (no copy) when the other two sources are empty.
    package static func merge(
        handler: Logger.Metadata,
        provider: Logger.MetadataProvider?,
        call: Logger.Metadata?
    ) -> Logger.Metadata {
        let provided = provider?.get() ?? [:]
        let call = call ?? [:]
        if provided.isEmpty && call.isEmpty {
            return handler
        }
        var merged = handler
        merged.merge(provided) { _, new in new }
        merged.merge(call) { _, new in new }
        return merged
    }

    /// The metadata's entries in key order, so output is the same every time.
    package static func sorted(_ metadata: Logger.Metadata) -> [(key: String, value: Logger.MetadataValue)] {
        metadata.sorted { $0.key < $1.key }
    }

    /// Calls `body` once per leaf of `value`, with nested dictionary keys joined to `key` by `.`
    /// (`["k": ["a": "1"]]` gives `k.a`). Strings, string-convertibles and arrays are leaves;
    /// an empty dictionary is a leaf too, so the key is not lost.
    package static func forEachLeaf(
        key: String,
        value: Logger.MetadataValue,
        _ body: (String, Logger.MetadataValue) -> Void
    ) {
        guard case .dictionary(let nested) = value, !nested.isEmpty else {
            body(key, value)
            return
        }
        for (nestedKey, nestedValue) in sorted(nested) {
            forEachLeaf(key: key + "." + nestedKey, value: nestedValue, body)
        }
    }

    /// Appends `value` as text: strings as they are, arrays as `[a, b]`, dictionaries as
    /// `{k: v, l: w}` in key order.
    package static func appendText(of value: Logger.MetadataValue, to buffer: inout [UInt8]) {
        switch value {
        case .string(let string):
            buffer.append(contentsOf: string.utf8)
        case .stringConvertible(let convertible):
            buffer.append(contentsOf: convertible.description.utf8)
        case .array(let elements):
            buffer.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 {
                    buffer.append(UInt8(ascii: ","))
                    buffer.append(UInt8(ascii: " "))
                }
                appendText(of: element, to: &buffer)
            }
            buffer.append(UInt8(ascii: "]"))
        case .dictionary(let dictionary):
            buffer.append(UInt8(ascii: "{"))
            for (index, entry) in sorted(dictionary).enumerated() {
                if index > 0 {
                    buffer.append(UInt8(ascii: ","))
                    buffer.append(UInt8(ascii: " "))
                }
                buffer.append(contentsOf: entry.key.utf8)
                buffer.append(UInt8(ascii: ":"))
                buffer.append(UInt8(ascii: " "))
                appendText(of: entry.value, to: &buffer)
            }
            buffer.append(UInt8(ascii: "}"))
        }
    }

    /// ``appendText(of:to:)`` as a string.
    package static func text(of value: Logger.MetadataValue) -> String {
        if case .string(let string) = value { return string }
        var buffer: [UInt8] = []
        appendText(of: value, to: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}

extension Logger.Level {
    /// The syslog priority journald stores in `PRIORITY`: trace and debug 7, info 6, notice 5,
    /// warning 4, error 3, critical 2. swift-log has no level for syslog's alert (1) or emergency (0).
    public var syslogPriority: Int {
        switch self {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}
