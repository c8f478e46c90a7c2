import Foundation
import Logging
import Testing

@testable import SwiftletSystemd

@Suite("Logfmt log handler")
struct LogfmtLogHandlerTests {
    private func logger(_ capture: CapturedOutput, level: Logger.Level = .info, includeCaller: Bool = false) -> Logger {
        let handler = LogfmtLogHandler(
            label: "test", level: level, output: capture.output, includeCaller: includeCaller, now: { fixedTimestamp }
        )
        return Logger(label: "test") { _ in handler }
    }

    @Test("a record is one line: ts, level, msg, then metadata in key order")
    func basicLine() throws {
        let capture = try CapturedOutput()
        var logger = logger(capture)
        logger[metadataKey: "pod"] = "web"
        logger.info("starting agent", metadata: ["namespace": "default"])
        #expect(capture.text == "ts=2026-11-27T09:00:00.123Z level=info msg=\"starting agent\" namespace=default pod=web\n")
    }

    @Test("records below the level are dropped; every level name is written as swift-log spells it")
    func levels() throws {
        let capture = try CapturedOutput()
        let logger = logger(capture, level: .notice)
        logger.debug("hidden")
        logger.info("hidden")
        logger.notice("n")
        logger.warning("w")
        logger.error("e")
        logger.critical("c")
        #expect(capture.lines.map { $0.split(separator: " ")[1] } == ["level=notice", "level=warning", "level=error", "level=critical"])
    }

    @Test(
        "values are quoted and escaped only when logfmt needs it",
        arguments: [
            ("plain", "plain"),
            ("with space", #""with space""#),
            ("a=b", #""a=b""#),
            (#"say "hi""#, #""say \"hi\"""#),
            ("two\nlines", #""two\nlines""#),
            ("tab\there", #""tab\there""#),
            ("", #""""#),
            (#"C:\path"#, #"C:\path"#),
            (#"back\slash and space"#, #""back\\slash and space""#),
            ("bell\u{07}", #""bell\u0007""#),
            ("ünïcode", "ünïcode"),
        ]
    )
    func quoting(value: String, expected: String) {
        var buffer: [UInt8] = []
        LogfmtLineFormat.appendValue(value, to: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == expected)
    }

    @Test("a message with newlines and quotes still makes exactly one line")
    func multilineMessage() throws {
        let capture = try CapturedOutput()
        logger(capture).warning("first\nsecond \"quoted\"", metadata: ["path": "/var/lib/x y"])
        #expect(capture.lines == [#"ts=2026-11-27T09:00:00.123Z level=warning msg="first\nsecond \"quoted\"" path="/var/lib/x y""#])
    }

    @Test("nested metadata is flattened into dotted keys and arrays are written as [a, b]")
    func nestedMetadata() throws {
        let capture = try CapturedOutput()
        logger(capture).info("m", metadata: ["pod": ["name": "web", "labels": ["app": "x"]], "ports": ["80", "443"], "empty": [:]])
        #expect(capture.lines == [#"ts=2026-11-27T09:00:00.123Z level=info msg=m empty={} pod.labels.app=x pod.name=web ports="[80, 443]""#])
    }

    @Test("keys are made safe, fixed keys are not duplicated, and errors and callers are written")
    func keysErrorsCallers() throws {
        struct Broken: Error, CustomStringConvertible { var description: String { "no space left" } }
        let capture = try CapturedOutput()
        let handler = LogfmtLogHandler(label: "test", output: capture.output, includeCaller: true, now: { fixedTimestamp })
        handler.log(event: makeEvent(.error, "failed", metadata: ["msg": "fake", "bad key=\"x\"": "v"], error: Broken()))
        #expect(capture.lines == [
            #"ts=2026-11-27T09:00:00.123Z level=error msg=failed error="no space left" caller=SwiftletAgent/Agent.swift:42 bad_key__x_=v meta.msg=fake"#
        ])
    }

    @Test("metadata from the handler, the provider and the call merge with later sources winning")
    func precedence() throws {
        let capture = try CapturedOutput()
        var handler = LogfmtLogHandler(
            label: "test", output: capture.output,
            metadataProvider: Logger.MetadataProvider { ["a": "provider", "b": "provider"] }, now: { fixedTimestamp }
        )
        handler.metadata = ["a": "handler", "b": "handler", "c": "handler"]
        handler.log(event: makeEvent(.info, "m", metadata: ["b": "call"]))
        #expect(capture.lines == ["ts=2026-11-27T09:00:00.123Z level=info msg=m a=provider b=call c=handler"])
    }

    @Test("lines from many tasks sharing one output never interleave")
    func concurrentWriters() async throws {
        let capture = try CapturedOutput()
        let logger = logger(capture)
        let payload = String(repeating: "x", count: 3000)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for index in 0..<50 {
                        logger.info("line", metadata: ["task": "\(task)", "index": "\(index)", "payload": "\(payload)"])
                    }
                }
            }
        }
        let lines = capture.lines
        #expect(lines.count == 400)
        var seen = Set<String>()
        for line in lines {
            let fields = line.split(separator: " ")
            #expect(fields.count == 6)
            #expect(fields.first?.hasPrefix("ts=") == true)
            #expect(fields.count == 6 && fields[4] == "payload=\(payload)")
            seen.insert("\(fields.last ?? "")/\(fields.count > 3 ? fields[3] : "")")
        }
        #expect(seen.count == 400)
    }

    @Test("timestamps are UTC with milliseconds, zero-padded")
    func timestamps() {
        #expect(LogTimestamp(seconds: 0, nanoseconds: 0).iso8601 == "1970-01-01T00:00:00.000Z")
        #expect(LogTimestamp(seconds: 1_795_770_000, nanoseconds: 123_456_789).iso8601 == "2026-11-27T09:00:00.123Z")
        #expect(LogTimestamp(seconds: 951_782_399, nanoseconds: 5_000_000).iso8601 == "2000-02-28T23:59:59.005Z")
        #expect(LogTimestamp(seconds: 951_868_800, nanoseconds: 999_999_999).iso8601 == "2000-03-01T00:00:00.999Z")
        let now = Date()
        let stamp = LogTimestamp.now()
        #expect(abs(Double(stamp.seconds) - now.timeIntervalSince1970) < 5)
    }
}
