/// The CRI container log format: one record per line,
/// `<RFC3339Nano timestamp> <stream> <P|F> <content>\n`.
public enum CRILog {
    /// Longest content of one record, in bytes: longer lines are split into `P` records of
    /// this size, like containerd's default `max_container_log_line_size`.
    public static let maxLineLength = 16 * 1024

    /// Formats a UTC instant as Go's `time.RFC3339Nano` does (what containerd writes):
    /// `2026-01-02T03:04:05.123456789Z`, with trailing zeros of the fraction dropped and
    /// no fraction at all on a whole second.
    /// - Parameter unixNanos: nanoseconds since 1970-01-01T00:00:00Z (may be negative).
    public static func timestamp(unixNanos: Int64) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(30)
        appendTimestamp(unixNanos: unixNanos, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends ``timestamp(unixNanos:)``'s bytes to `out` (no allocation beyond `out`'s growth).
    /// - Parameter fixedWidth: all nine fraction digits, zeros included (Go's
    ///   `RFC3339NanoFixed`, which kubelet's log endpoint prints), instead of `RFC3339Nano`.
    public static func appendTimestamp(unixNanos: Int64, fixedWidth: Bool = false, to out: inout [UInt8]) {
        var seconds = unixNanos / 1_000_000_000
        var nanos = unixNanos % 1_000_000_000
        if nanos < 0 {
            nanos += 1_000_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = civilFromDays(days)
        appendDigits(year, width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(Int64(month), width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(Int64(day), width: 2, to: &out)
        out.append(UInt8(ascii: "T"))
        appendDigits(secondOfDay / 3600, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(secondOfDay / 60 % 60, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(secondOfDay % 60, width: 2, to: &out)
        if fixedWidth {
            out.append(UInt8(ascii: "."))
            appendDigits(nanos, width: 9, to: &out)
        } else if nanos != 0 {
            var width = 9
            while nanos % 10 == 0 {
                nanos /= 10
                width -= 1
            }
            out.append(UInt8(ascii: "."))
            appendDigits(nanos, width: width, to: &out)
        }
        out.append(UInt8(ascii: "Z"))
    }

    /// Converts days since 1970-01-01 to a proleptic Gregorian (year, month 1–12, day 1–31),
    /// with Howard Hinnant's `civil_from_days` algorithm.
    public static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, Int(month), Int(day))
    }

    private static func appendDigits(_ value: Int64, width: Int, to out: inout [UInt8]) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var v = value < 0 ? -value : value
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buf in
            repeat {
                buf[count] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                count += 1
            } while v > 0 && count < buf.count
            if value < 0 { out.append(UInt8(ascii: "-")) }
            for _ in count..<max(count, width) { out.append(UInt8(ascii: "0")) }
            for i in stride(from: count - 1, through: 0, by: -1) { out.append(buf[i]) }
        }
    }
}

/// Splits one output stream into CRI log records the way containerd does: a record per
/// line without its `\n` (or `\r\n`), tagged `F`; a line longer than
/// ``CRILog/maxLineLength`` is cut into `P` records of that length, the remainder `F`;
/// content still pending at end of stream is written as `P` (it had no newline).
public struct CRILineSplitter: Sendable {
    /// One log record.
    public struct Record: Sendable, Equatable {
        /// True for `P` (partial), false for `F` (full line end).
        public var partial: Bool
        /// The content, without line terminator.
        public var content: [UInt8]

        /// Creates a record.
        public init(partial: Bool, content: [UInt8]) {
            self.partial = partial
            self.content = content
        }
    }

    private var pending: [UInt8] = []
    private let maxLength: Int

    /// Creates a splitter that cuts lines at `maxLength` bytes.
    public init(maxLength: Int = CRILog.maxLineLength) {
        self.maxLength = maxLength
        pending.reserveCapacity(min(maxLength + 1, 4096))
    }

    /// Feeds bytes read from the stream; calls `emit` for each complete record, in order.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, _ emit: (Record) -> Void) {
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            pending.append(contentsOf: bytes[start..<end])
            flushOverlong(emit)
            if end < bytes.count {
                if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
                emit(Record(partial: false, content: pending))
                pending.removeAll(keepingCapacity: true)
                start = end + 1
            } else {
                start = end
            }
        }
    }

    /// Feeds bytes from an array (convenience for tests).
    public mutating func feed(_ bytes: [UInt8], _ emit: (Record) -> Void) {
        bytes.withUnsafeBytes { feed($0, emit) }
    }

    /// Ends the stream: pending content without a newline becomes `P` records.
    public mutating func finish(_ emit: (Record) -> Void) {
        while pending.count > maxLength {
            emit(Record(partial: true, content: Array(pending[0..<maxLength])))
            pending.removeFirst(maxLength)
        }
        if !pending.isEmpty {
            emit(Record(partial: true, content: pending))
            pending.removeAll(keepingCapacity: true)
        }
    }

    private mutating func flushOverlong(_ emit: (Record) -> Void) {
        // A trailing `\r` may still turn out to be half of `\r\n`, which containerd drops
        // before measuring; hold it back by one byte.
        while pending.count > maxLength + (pending.last == UInt8(ascii: "\r") ? 1 : 0) {
            emit(Record(partial: true, content: Array(pending[0..<maxLength])))
            pending.removeFirst(maxLength)
        }
    }
}
