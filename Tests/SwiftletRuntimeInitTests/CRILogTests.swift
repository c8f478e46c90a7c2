import SwiftletRuntimeInit
import Testing

@Suite("CRI log format")
struct CRILogTests {
    @Test("timestamps are RFC3339Nano in UTC, trailing zeros trimmed like Go's time.RFC3339Nano")
    func timestamps() {
        #expect(CRILog.timestamp(unixNanos: 0) == "1970-01-01T00:00:00Z")
        // 2026-01-02T03:04:05.123456789Z
        #expect(CRILog.timestamp(unixNanos: 1_767_323_045_123_456_789) == "2026-01-02T03:04:05.123456789Z")
        #expect(CRILog.timestamp(unixNanos: 1_767_323_045_120_000_000) == "2026-01-02T03:04:05.12Z")
        #expect(CRILog.timestamp(unixNanos: 1_767_323_045_000_000_001) == "2026-01-02T03:04:05.000000001Z")
        // Leap day and end of year.
        #expect(CRILog.timestamp(unixNanos: 951_782_400 * 1_000_000_000) == "2000-02-29T00:00:00Z")
        #expect(CRILog.timestamp(unixNanos: 1_735_689_599 * 1_000_000_000 + 999_999_999) == "2024-12-31T23:59:59.999999999Z")
        // Before the epoch.
        #expect(CRILog.timestamp(unixNanos: -1) == "1969-12-31T23:59:59.999999999Z")
    }

    @Test("civil-from-days matches known dates")
    func civil() {
        #expect(CRILog.civilFromDays(0) == (1970, 1, 1))
        #expect(CRILog.civilFromDays(11016) == (2000, 2, 29))
        #expect(CRILog.civilFromDays(11017) == (2000, 3, 1))
        #expect(CRILog.civilFromDays(20455) == (2026, 1, 2))
        #expect(CRILog.civilFromDays(-719_468) == (0, 3, 1))
    }

    func split(_ chunks: [String], max: Int = 8, finish: Bool = true) -> [String] {
        var splitter = CRILineSplitter(maxLength: max)
        var out: [String] = []
        for chunk in chunks {
            splitter.feed(Array(chunk.utf8)) { out.append(($0.partial ? "P:" : "F:") + String(decoding: $0.content, as: UTF8.self)) }
        }
        if finish {
            splitter.finish { out.append(($0.partial ? "P:" : "F:") + String(decoding: $0.content, as: UTF8.self)) }
        }
        return out
    }

    @Test("lines become F records without their newline; CRLF loses the CR; empty lines stay")
    func fullLines() {
        #expect(split(["a\nbb\n"]) == ["F:a", "F:bb"])
        #expect(split(["a\r\n", "\n"]) == ["F:a", "F:"])
        #expect(split(["ab", "c", "\n"]) == ["F:abc"])
    }

    @Test("a line of exactly the limit is one F record; one byte more splits into P + F")
    func splitting() {
        #expect(split(["12345678\n"]) == ["F:12345678"])
        #expect(split(["123456789\n"]) == ["P:12345678", "F:9"])
        #expect(split(["1234567812345678\n"]) == ["P:12345678", "F:12345678"])
        #expect(split(["1234", "5678", "12345", "678x\n"]) == ["P:12345678", "P:12345678", "F:x"])
    }

    @Test("a CR at the limit is held back until we know whether LF follows")
    func crAtLimit() {
        #expect(split(["12345678\r", "\n"]) == ["F:12345678"])
        #expect(split(["12345678\r", "x\n"]) == ["P:12345678", "F:\rx"])
    }

    @Test("content left at end of stream is a P record (containerd writes no F without a newline)")
    func finish() {
        #expect(split(["tail"]) == ["P:tail"])
        #expect(split(["a\ntail"]) == ["F:a", "P:tail"])
        #expect(split(["123456789abc"]) == ["P:12345678", "P:9abc"])
        #expect(split(["x\n"], finish: true) == ["F:x"])
        #expect(split(["abc"], finish: false) == [])
    }

    @Test("the default limit is containerd's 16 KiB")
    func defaultLimit() {
        #expect(CRILog.maxLineLength == 16384)
    }
}
