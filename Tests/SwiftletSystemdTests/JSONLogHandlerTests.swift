import Foundation
import Logging
import Testing

@testable import SwiftletSystemd

@Suite("JSON log handler")
struct JSONLogHandlerTests {
    private func parse(_ line: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try #require(object as? [String: Any])
    }

    @Test("a record is one JSON object on one line with ts, level, msg, caller and metadata")
    func basicObject() throws {
        let capture = try CapturedOutput()
        let handler = JSONLogHandler(label: "test", output: capture.output, now: { fixedTimestamp })
        var logger = Logger(label: "test") { _ in handler }
        logger[metadataKey: "pod"] = "web"
        logger.info("starting agent", metadata: ["namespace": "default"])
        let line = try #require(capture.lines.first)
        #expect(capture.lines.count == 1)
        #expect(line.hasPrefix(#"{"ts":"2026-11-27T09:00:00.123Z","level":"info","msg":"starting agent","caller":"SwiftletSystemdTests/JSONLogHandlerTests.swift:"#))
        #expect(line.hasSuffix(#","namespace":"default","pod":"web"}"#))
        let object = try parse(line)
        #expect(object["ts"] as? String == "2026-11-27T09:00:00.123Z")
        #expect(object["level"] as? String == "info")
        #expect(object["msg"] as? String == "starting agent")
        #expect(object["pod"] as? String == "web")
        #expect(object["namespace"] as? String == "default")
    }

    @Test("strings with quotes, backslashes, newlines and control characters stay valid one-line JSON")
    func escaping() throws {
        let capture = try CapturedOutput()
        let handler = JSONLogHandler(label: "test", output: capture.output, includeCaller: false, now: { fixedTimestamp })
        let message = "line1\nline2\t\"quoted\" \\ back \u{01} ü"
        handler.log(event: makeEvent(.error, "\(message)", metadata: ["weird\"key": "v\r\n"]))
        #expect(capture.lines.count == 1)
        let object = try parse(capture.lines[0])
        #expect(object["msg"] as? String == message)
        #expect(object["weird\"key"] as? String == "v\r\n")
        #expect(object["caller"] == nil)
        #expect(capture.lines[0].contains(#"\u0001"#))
    }

    @Test("nested metadata stays nested; arrays stay arrays; fixed keys are not duplicated; errors are written")
    func structure() throws {
        struct Broken: Error, CustomStringConvertible { var description: String { "EIO" } }
        let capture = try CapturedOutput()
        var handler = JSONLogHandler(
            label: "test", output: capture.output,
            metadataProvider: Logger.MetadataProvider { ["node": "n1", "pod": "provided"] }, now: { fixedTimestamp }
        )
        handler.metadata = ["pod": "handler"]
        handler.log(event: makeEvent(
            .critical, "m",
            metadata: ["labels": ["app": "web", "tier": ["a", "b"]], "level": "fake", "count": .stringConvertible(3)],
            error: Broken()
        ))
        let object = try parse(try #require(capture.lines.first))
        #expect(object["level"] as? String == "critical")
        #expect(object["meta.level"] as? String == "fake")
        #expect(object["error"] as? String == "EIO")
        #expect(object["caller"] as? String == "SwiftletAgent/Agent.swift:42")
        #expect(object["pod"] as? String == "provided")
        #expect(object["node"] as? String == "n1")
        #expect(object["count"] as? String == "3")
        let labels = try #require(object["labels"] as? [String: Any])
        #expect(labels["app"] as? String == "web")
        #expect(labels["tier"] as? [String] == ["a", "b"])
    }

    @Test("lines from many tasks are each a whole JSON object")
    func concurrentWriters() async throws {
        let capture = try CapturedOutput()
        let handler = JSONLogHandler(label: "test", output: capture.output, now: { fixedTimestamp })
        let logger = Logger(label: "test") { _ in handler }
        let payload = String(repeating: "y", count: 5000)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for index in 0..<25 {
                        logger.info("\(payload)", metadata: ["task": "\(task)", "index": "\(index)"])
                    }
                }
            }
        }
        let lines = capture.lines
        #expect(lines.count == 200)
        var seen = Set<String>()
        for line in lines {
            let object = try parse(line)
            #expect(object["msg"] as? String == payload)
            seen.insert("\(object["task"] as? String ?? "?")/\(object["index"] as? String ?? "?")")
        }
        #expect(seen.count == 200)
    }
}
