import Logging
import Testing

@testable import SwiftletSystemd

@Suite("Journald log handler: field names and entries")
struct JournaldLogHandlerTests {
    @Test(
        "metadata keys become valid journal field names",
        arguments: [
            ("pod", "POD"),
            ("namespace", "NAMESPACE"),
            ("containerID", "CONTAINERID"),
            ("a.b-c", "A_B_C"),
            ("k8s.io/pod-name", "K8S_IO_POD_NAME"),
            ("_private", "PRIVATE"),
            ("__double", "DOUBLE"),
            ("1st", "META_1ST"),
            ("_9lives", "META_9LIVES"),
            ("", "META"),
            ("...", "META"),
            ("message", "META_MESSAGE"),
            ("priority", "META_PRIORITY"),
            ("code_line", "META_CODE_LINE"),
            ("syslog_identifier", "META_SYSLOG_IDENTIFIER"),
            ("message_id", "MESSAGE_ID"),
            ("héllo wörld", "H_LLO_W_RLD"),
            ("ALREADY_OK_123", "ALREADY_OK_123"),
            (String(repeating: "a", count: 70), String(repeating: "A", count: 64)),
            ("9" + String(repeating: "x", count: 70), "META_9" + String(repeating: "X", count: 58)),
        ]
    )
    func fieldNames(key: String, expected: String) {
        let name = JournaldLogHandler.fieldName(forMetadataKey: key)
        #expect(name == expected)
        #expect(name.utf8.count <= 64)
        #expect(name.utf8.allSatisfy { (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F })
        #expect(name.first != "_")
        #expect(!(name.first?.isNumber ?? true))
    }

    @Test(
        "levels map to syslog priorities",
        arguments: [
            (Logger.Level.trace, 7), (.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3), (.critical, 2),
        ]
    )
    func priorities(level: Logger.Level, priority: Int) throws {
        #expect(level.syslogPriority == priority)
        let entry = JournaldLogHandler(label: "test").entry(for: makeEvent(level, "x"))
        let field = try #require(entry.fields.first { $0.name == "PRIORITY" })
        #expect(String(decoding: field.value, as: UTF8.self) == String(priority))
    }

    @Test("an entry carries message, priority, identifier, logger, code location and metadata in order")
    func entryFields() {
        var handler = JournaldLogHandler(
            label: "swiftlet.agent", identifier: "swiftlet-test", level: .debug,
            metadataProvider: Logger.MetadataProvider { ["node": "n1", "namespace": "provided"] }
        )
        handler.metadata = ["pod": "web", "namespace": "handler", "uid": "u1"]
        let event = makeEvent(
            .warning, "line one\nline two",
            metadata: ["namespace": "default", "containerID": "abc", "nested": ["a": "1", "b": ["c": "2"]], "list": ["x", "y"]]
        )
        let fields = handler.entry(for: event).fields.map { ($0.name, String(decoding: $0.value, as: UTF8.self)) }
        let expected: [(String, String)] = [
            ("MESSAGE", "line one\nline two"),
            ("PRIORITY", "4"),
            ("SYSLOG_IDENTIFIER", "swiftlet-test"),
            ("LOGGER", "swiftlet.agent"),
            ("CODE_FILE", "SwiftletAgent/Agent.swift"),
            ("CODE_LINE", "42"),
            ("CODE_FUNC", "run()"),
            ("CONTAINERID", "abc"),
            ("LIST", "[x, y]"),
            ("NAMESPACE", "default"),
            ("NESTED_A", "1"),
            ("NESTED_B_C", "2"),
            ("NODE", "n1"),
            ("POD", "web"),
            ("UID", "u1"),
        ]
        #expect(fields.map(\.0) == expected.map(\.0))
        #expect(fields.map(\.1) == expected.map(\.1))
    }

    @Test("the provider overrides handler metadata, and the call overrides both")
    func metadataPrecedence() {
        var handler = JournaldLogHandler(
            label: "test",
            metadataProvider: Logger.MetadataProvider { ["a": "provider", "b": "provider"] }
        )
        handler[metadataKey: "a"] = "handler"
        handler[metadataKey: "b"] = "handler"
        handler[metadataKey: "c"] = "handler"
        let fields = handler.entry(for: makeEvent(.info, "m", metadata: ["b": "call"])).fields
        let values = Dictionary(uniqueKeysWithValues: fields.map { ($0.name, String(decoding: $0.value, as: UTF8.self)) })
        #expect(values["A"] == "provider")
        #expect(values["B"] == "call")
        #expect(values["C"] == "handler")
    }

    @Test("metadata named like a fixed field is prefixed instead of replacing it; errors go to ERROR")
    func reservedAndError() {
        struct Broken: Error, CustomStringConvertible { var description: String { "disk full" } }
        let handler = JournaldLogHandler(label: "test")
        let fields = handler.entry(for: makeEvent(.error, "real", metadata: ["message": "fake", "error": "fake"], error: Broken())).fields
        let pairs = fields.map { ($0.name, String(decoding: $0.value, as: UTF8.self)) }
        #expect(pairs.filter { $0.0 == "MESSAGE" }.map(\.1) == ["real"])
        #expect(pairs.filter { $0.0 == "ERROR" }.map(\.1) == ["disk full"])
        #expect(pairs.contains { $0 == ("META_MESSAGE", "fake") })
        #expect(pairs.contains { $0 == ("META_ERROR", "fake") })
    }

    @Test("metadata fields are capped so journald never rejects an entry for too many fields")
    func fieldCap() {
        var metadata: Logger.Metadata = [:]
        for index in 0..<(JournaldLogHandler.maximumMetadataFields + 100) {
            metadata["k\(index)"] = "v"
        }
        let entry = JournaldLogHandler(label: "test").entry(for: makeEvent(.info, "m", metadata: metadata))
        #expect(entry.count == 7 + JournaldLogHandler.maximumMetadataFields)
    }

    @Test("the handler is a value: changing a copy's level or metadata leaves the original alone")
    func valueSemantics() {
        var original = JournaldLogHandler(label: "test", level: .info)
        original[metadataKey: "pod"] = "web"
        var copy = original
        copy.logLevel = .trace
        copy[metadataKey: "pod"] = "db"
        #expect(original.logLevel == .info)
        #expect(original[metadataKey: "pod"] == "web")
        #expect(copy[metadataKey: "pod"] == "db")
    }
}
