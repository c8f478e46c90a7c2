import Glibc

/// A wall-clock instant for log lines: whole seconds since the Unix epoch plus nanoseconds.
///
/// Formatting goes through `gmtime_r` instead of Foundation's date formatters, which are slow and
/// allocate on every call.
public struct LogTimestamp: Sendable, Hashable {
    /// Seconds since 1970-01-01T00:00:00Z.
    package var seconds: Int64
    /// Nanoseconds past ``seconds``, 0..<1_000_000_000.
    package var nanoseconds: Int32

    /// The instant `seconds` and `nanoseconds` after the Unix epoch.
    package init(seconds: Int64, nanoseconds: Int32) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// The current time from `CLOCK_REALTIME`.
    package static func now() -> LogTimestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return LogTimestamp(seconds: Int64(ts.tv_sec), nanoseconds: Int32(ts.tv_nsec))
    }

    /// Appends RFC 3339 UTC with milliseconds, e.g. `2026-11-27T09:00:00.123Z`.
    package func appendISO8601(to buffer: inout [UInt8]) {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        appendDigits(Int(parts.tm_year) + 1900, width: 4, to: &buffer)
        buffer.append(UInt8(ascii: "-"))
        appendDigits(Int(parts.tm_mon) + 1, width: 2, to: &buffer)
        buffer.append(UInt8(ascii: "-"))
        appendDigits(Int(parts.tm_mday), width: 2, to: &buffer)
        buffer.append(UInt8(ascii: "T"))
        appendDigits(Int(parts.tm_hour), width: 2, to: &buffer)
        buffer.append(UInt8(ascii: ":"))
        appendDigits(Int(parts.tm_min), width: 2, to: &buffer)
        buffer.append(UInt8(ascii: ":"))
        appendDigits(Int(parts.tm_sec), width: 2, to: &buffer)
        buffer.append(UInt8(ascii: "."))
        appendDigits(Int(nanoseconds) / 1_000_000, width: 3, to: &buffer)
        buffer.append(UInt8(ascii: "Z"))
    }

    /// The same text as ``appendISO8601(to:)``, as a string.
    package var iso8601: String {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(24)
        appendISO8601(to: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}

/// Appends `value` in decimal, left-padded with zeros to `width` digits.
private func appendDigits(_ value: Int, width: Int, to buffer: inout [UInt8]) {
    // Short enough for Swift's small-string storage: no heap allocation.
    let text = String(value)
    let count = text.utf8.count
    if count < width {
        buffer.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - count))
    }
    buffer.append(contentsOf: text.utf8)
}
