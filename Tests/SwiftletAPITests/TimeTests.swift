import Foundation
import Testing
@testable import SwiftletAPI

@Suite("Time and MicroTime")
struct TimeTests {
    private func decodeTime(_ s: String) throws -> Time {
        try JSONDecoder().decode(Time.self, from: Data("\"\(s)\"".utf8))
    }

    private func encode<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    @Test("RFC 3339 forms decode to the same instant", arguments: [
        ("2024-05-01T10:00:00Z", 1_714_557_600.0),
        ("2024-05-01T10:00:00z", 1_714_557_600.0),
        ("2024-05-01t10:00:00Z", 1_714_557_600.0),
        ("2024-05-01T12:00:00+02:00", 1_714_557_600.0),
        ("2024-05-01T05:30:00-04:30", 1_714_557_600.0),
        ("2024-05-01T10:00:00.5Z", 1_714_557_600.5),
        ("2024-05-01T10:00:00.123456Z", 1_714_557_600.123456),
        ("2024-05-01T10:00:00.123456789Z", 1_714_557_600.123456789),
        ("2024-05-01T10:00:00.1234567891234Z", 1_714_557_600.123456789),
        ("1970-01-01T00:00:00Z", 0),
        ("1969-12-31T23:59:59Z", -1),
        ("2000-02-29T00:00:00Z", 951_782_400),
        ("2024-02-29T23:59:59.999+00:00", 1_709_251_199.999),
    ])
    func decodes(text: String, seconds: Double) throws {
        let t = try decodeTime(text)
        #expect(abs(t.date.timeIntervalSince1970 - seconds) < 1e-6, "\(text)")
    }

    @Test("malformed times are rejected", arguments: [
        "", "2024-05-01", "2024-05-01T10:00:00", "2024-05-01T10:00Z", "2024-13-01T00:00:00Z",
        "2023-02-29T00:00:00Z", "2024-05-01T24:00:00Z", "2024-05-01T10:00:00.Z", "2024-05-01T10:00:00+0200",
        "2024-05-01T10:00:00Z ", "May 1 2024",
    ])
    func rejects(text: String) {
        #expect(throws: DecodingError.self) { try decodeTime(text) }
        #expect(Time(rfc3339: text) == nil)
    }

    @Test("Time encodes as UTC with whole seconds, dropping the fraction")
    func encodesSeconds() throws {
        #expect(try encode(decodeTime("2024-05-01T12:00:00.987654+02:00")) == "\"2024-05-01T10:00:00Z\"")
        #expect(try encode(Time(Date(timeIntervalSince1970: 0))) == "\"1970-01-01T00:00:00Z\"")
        #expect(try encode(Time(Date(timeIntervalSince1970: -0.5))) == "\"1969-12-31T23:59:59Z\"")
        #expect(Time(Date(timeIntervalSince1970: 4_102_444_800)).description == "2100-01-01T00:00:00Z")
    }

    @Test("MicroTime encodes six fraction digits and round-trips exactly")
    func microTime() throws {
        let t = try JSONDecoder().decode(MicroTime.self, from: Data("\"2024-05-01T10:00:00.123456Z\"".utf8))
        #expect(try encode(t) == "\"2024-05-01T10:00:00.123456Z\"")
        let whole = try JSONDecoder().decode(MicroTime.self, from: Data("\"2024-05-01T10:00:00Z\"".utf8))
        #expect(try encode(whole) == "\"2024-05-01T10:00:00.000000Z\"")
        let nanos = try JSONDecoder().decode(MicroTime.self, from: Data("\"2024-05-01T12:00:00.1234569+02:00\"".utf8))
        #expect(nanos.description == "2024-05-01T10:00:00.123457Z")
        for text in ["2024-05-01T10:00:00.000001Z", "2031-12-31T23:59:59.999999Z", "1999-01-01T00:00:00.500000Z"] {
            let value = try #require(MicroTime(rfc3339: text))
            #expect(value.description == text)
            let again = try JSONDecoder().decode(MicroTime.self, from: JSONEncoder().encode(value))
            #expect(again == value)
        }
    }

    @Test("times compare and hash by instant")
    func comparable() throws {
        let a = try decodeTime("2024-05-01T10:00:00Z")
        let b = try decodeTime("2024-05-01T12:00:00+02:00")
        let c = try decodeTime("2024-05-01T10:00:01Z")
        #expect(a == b)
        #expect(Set([a, b, c]).count == 2)
        #expect(a < c)
        #expect([c, a].sorted() == [a, c])
        #expect(MicroTime(a.date) < MicroTime(c.date))
    }
}
