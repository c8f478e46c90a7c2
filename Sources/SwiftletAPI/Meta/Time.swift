import Foundation

/// A point in time as Kubernetes serializes `meta/v1.Time`: RFC 3339 in UTC with whole seconds
/// (`2006-01-02T15:04:05Z`).
///
/// Decoding accepts any RFC 3339 timestamp: with or without fractional seconds (any number of
/// digits), with `Z` or a `±hh:mm` offset. The fraction is kept in memory but dropped on encoding,
/// as Kubernetes does.
public struct Time: Codable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The instant.
    public var date: Date

    /// Wraps `date`.
    public init(_ date: Date) { self.date = date }

    /// The current time.
    public static var now: Time { Time(Date()) }

    /// Parses an RFC 3339 timestamp; returns nil when `string` is not one.
    public init?(rfc3339 string: String) {
        guard let parsed = RFC3339.parse(string) else { return nil }
        date = parsed
    }

    /// Decodes an RFC 3339 string; throws `DecodingError.dataCorrupted` for anything else.
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        guard let parsed = RFC3339.parse(string) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected an RFC 3339 time, got \(goQuote(string))")
        }
        date = parsed
    }

    /// Encodes `description`.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// `2006-01-02T15:04:05Z`: UTC, fraction truncated.
    public var description: String { RFC3339.format(date, fractionDigits: 0) }

    public static func < (lhs: Time, rhs: Time) -> Bool { lhs.date < rhs.date }
}

/// A point in time with microsecond precision, as Kubernetes serializes `meta/v1.MicroTime`
/// (`2006-01-02T15:04:05.000000Z`); used by `Event.eventTime` and `LeaseSpec.renewTime`.
public struct MicroTime: Codable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The instant.
    public var date: Date

    /// Wraps `date`.
    public init(_ date: Date) { self.date = date }

    /// The current time.
    public static var now: MicroTime { MicroTime(Date()) }

    /// Parses an RFC 3339 timestamp; returns nil when `string` is not one.
    public init?(rfc3339 string: String) {
        guard let parsed = RFC3339.parse(string) else { return nil }
        date = parsed
    }

    /// Decodes an RFC 3339 string; throws `DecodingError.dataCorrupted` for anything else.
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        guard let parsed = RFC3339.parse(string) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected an RFC 3339 time, got \(goQuote(string))")
        }
        date = parsed
    }

    /// Encodes `description`.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// `2006-01-02T15:04:05.000000Z`: UTC, six fraction digits.
    public var description: String { RFC3339.format(date, fractionDigits: 6) }

    public static func < (lhs: MicroTime, rhs: MicroTime) -> Bool { lhs.date < rhs.date }
}

/// RFC 3339 parsing and formatting with proleptic Gregorian arithmetic, so it needs no
/// `Calendar`, `DateFormatter` or locale and is safe from any task. Public for the agent's CRI
/// log readers, which parse timestamps as bytes.
public enum RFC3339 {
    /// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`; `t`/`z` and a space separator are accepted too.
    static func parse(_ string: String) -> Date? {
        guard let (seconds, nanos) = parseParts(Array(string.utf8)[...]) else { return nil }
        return Date(timeIntervalSince1970: Double(seconds) + Double(nanos) / 1e9)
    }

    /// Parses the same forms as bytes (a CRI log line's first field) into nanoseconds since the
    /// epoch; nil when malformed.
    public static func parseNanoseconds(_ bytes: ArraySlice<UInt8>) -> Int64? {
        guard let (seconds, nanos) = parseParts(bytes) else { return nil }
        return seconds * 1_000_000_000 + Int64(nanos)
    }

    /// Seconds since the epoch and the nanoseconds within that second.
    private static func parseParts(_ b: ArraySlice<UInt8>) -> (Int64, Int)? {
        var i = b.startIndex
        func digits(_ n: Int) -> Int? {
            guard b.endIndex - i >= n else { return nil }
            var v = 0
            for k in i..<(i + n) {
                guard b[k] >= 0x30, b[k] <= 0x39 else { return nil }
                v = v * 10 + Int(b[k] - 0x30)
            }
            i += n
            return v
        }
        func expect(_ chars: [UInt8]) -> Bool {
            guard i < b.endIndex, chars.contains(b[i]) else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect([0x2D]), let month = digits(2), expect([0x2D]),
              let day = digits(2), expect([0x54, 0x74, 0x20]),
              let hour = digits(2), expect([0x3A]), let minute = digits(2), expect([0x3A]),
              let second = digits(2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour <= 23, minute <= 59, second <= 60
        else { return nil }
        var nanos = 0
        if i < b.endIndex, b[i] == 0x2E {
            i += 1
            var count = 0
            while i < b.endIndex, b[i] >= 0x30, b[i] <= 0x39 {
                if count < 9 { nanos = nanos * 10 + Int(b[i] - 0x30) }
                count += 1
                i += 1
            }
            guard count > 0 else { return nil }
            for _ in count..<max(count, 9) { nanos *= 10 }
        }
        var offset = 0
        guard i < b.endIndex else { return nil }
        if b[i] == 0x5A || b[i] == 0x7A {
            i += 1
        } else if b[i] == 0x2B || b[i] == 0x2D {
            let sign = b[i] == 0x2D ? -1 : 1
            i += 1
            guard let oh = digits(2), expect([0x3A]), let om = digits(2), oh <= 23, om <= 59 else { return nil }
            offset = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard i == b.endIndex else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return (Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset), nanos)
    }

    /// Formats `date` in UTC with `fractionDigits` (0...6) digits after the seconds; 0 omits the
    /// fraction. The instant is first rounded to whole microseconds, then the fraction is cut.
    static func format(_ date: Date, fractionDigits: Int) -> String {
        // Round to microseconds first: Double arithmetic turns `.123456` into `.1234559999`.
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        var total = Int64(micros)
        var sub = total % 1_000_000
        if sub < 0 { sub += 1_000_000 }
        total = (total - sub) / 1_000_000
        var days = total / 86_400
        var secs = total % 86_400
        if secs < 0 { secs += 86_400; days -= 1 }
        let (y, m, d) = civilFromDays(Int(days))
        var out = pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + "T"
        out += pad(Int(secs / 3600), 2) + ":" + pad(Int(secs % 3600 / 60), 2) + ":" + pad(Int(secs % 60), 2)
        if fractionDigits > 0 {
            let frac = pad(Int(sub), 6)
            out += "." + String(frac.prefix(fractionDigits))
        }
        return out + "Z"
    }

    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    private static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 for a Gregorian date (Howard Hinnant's `days_from_civil`).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The inverse of `daysFromCivil`.
    private static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
