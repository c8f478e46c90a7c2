import Foundation
import Testing
import Yams
@testable import SwiftletAPI

@Suite("IntOrString")
struct IntOrStringTests {
    struct Holder: Codable, Equatable { var port: IntOrString }

    @Test("numbers decode as .int and strings as .string, from JSON and YAML")
    func decodes() throws {
        #expect(try JSONDecoder().decode(Holder.self, from: Data(#"{"port":8080}"#.utf8)).port == .int(8080))
        #expect(try JSONDecoder().decode(Holder.self, from: Data(#"{"port":"http"}"#.utf8)).port == .string("http"))
        #expect(try JSONDecoder().decode(Holder.self, from: Data(#"{"port":"8080"}"#.utf8)).port == .string("8080"))
        let yaml = try Manifest.documents(in: Data("port: 80\nother: x\n".utf8))
        #expect(try yaml[0].decode(Holder.self).port == .int(80))
        let quoted = try Manifest.documents(in: Data("port: \"80\"\n".utf8))
        #expect(try quoted[0].decode(Holder.self).port == .string("80"))
        let percent = try Manifest.documents(in: Data("port: 25%\n".utf8))
        #expect(try percent[0].decode(Holder.self).port == .string("25%"))
    }

    @Test("each form encodes as it was written")
    func encodes() throws {
        #expect(String(decoding: try JSONEncoder().encode(Holder(port: 443)), as: UTF8.self) == #"{"port":443}"#)
        #expect(String(decoding: try JSONEncoder().encode(Holder(port: "https")), as: UTF8.self) == #"{"port":"https"}"#)
        let yaml = try YAMLEncoder().encode(Holder(port: .string("8080")))
        #expect(try YAMLDecoder().decode(Holder.self, from: yaml).port == .string("8080"))
    }

    @Test("booleans, objects and out-of-range numbers are rejected")
    func rejects() {
        for json in [#"{"port":true}"#, #"{"port":{}}"#, #"{"port":[1]}"#, #"{"port":4294967296}"#, #"{"port":1.5}"#] {
            #expect(throws: DecodingError.self, "\(json)") { try JSONDecoder().decode(Holder.self, from: Data(json.utf8)) }
        }
    }

    @Test("accessors and description")
    func accessors() {
        #expect(IntOrString.int(5).intValue == 5)
        #expect(IntOrString.int(5).stringValue == nil)
        #expect(IntOrString.string("x").stringValue == "x")
        #expect(IntOrString.int(5).description == "5")
        #expect(IntOrString.string("http").description == "http")
    }
}
