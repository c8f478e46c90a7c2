import Foundation
import Glibc
import Logging
import Testing

@testable import SwiftletSystemd

@Suite("Journald log handler against a real systemd-journald")
struct JournaldIntegrationTests {
    @Test(
        "records arrive in the journal with message, priority, identifier, code location and metadata fields",
        .enabled(if: PrivateJournal.unavailableReason == nil, "\(PrivateJournal.unavailableReason ?? "")")
    )
    func recordsReachJournald() async throws {
        let journal = try PrivateJournal()
        defer { journal.stop() }

        var ownNamespace = [UInt8](repeating: 0, count: 64)
        var theirNamespace = [UInt8](repeating: 0, count: 64)
        #expect(readlink("/proc/self/ns/mnt", &ownNamespace, 63) > 0)
        #expect(readlink(journal.namespacePath, &theirNamespace, 63) > 0)
        #expect(ownNamespace != theirNamespace)

        let identifier = "swiftlet-test-\(UUID().uuidString)"
        let big = String(repeating: "0123456789", count: 30_000)
        let infoLine = try await journal.runInNamespace { () -> UInt in
            var handler = JournaldLogHandler(label: "swiftlet.test", identifier: identifier, level: .trace)
            handler.metadata = ["pod": "web", "containerID": "c0ffee"]
            let logger = Logger(label: "swiftlet.test") { _ in handler }
            let line: UInt = #line; logger.info("starting agent", metadata: ["namespace": "default", "a.b-c": "dotted", "_private": "p"])
            logger.warning("two\nlines", metadata: ["pod": "db", "nested": ["k": "v"], "list": ["x", "y"]])
            logger.debug("debugging")
            logger.critical("\(big)")
            return line
        }

        let entries = try await journal.waitForEntries(["SYSLOG_IDENTIFIER=\(identifier)"], count: 4)
        try #require(entries.count == 4)
        let byMessage = Dictionary(entries.map { (($0["MESSAGE"] ?? []).first ?? "", $0) }) { first, _ in first }

        let info = try #require(byMessage["starting agent"])
        #expect(info["PRIORITY"] == ["6"])
        #expect(info["SYSLOG_IDENTIFIER"] == [identifier])
        #expect(info["LOGGER"] == ["swiftlet.test"])
        #expect(info["CODE_FILE"] == ["SwiftletSystemdTests/JournaldIntegrationTests.swift"])
        #expect(info["CODE_LINE"] == ["\(infoLine)"])
        #expect(info["CODE_FUNC"] == ["recordsReachJournald()"])
        #expect(info["POD"] == ["web"])
        #expect(info["CONTAINERID"] == ["c0ffee"])
        #expect(info["NAMESPACE"] == ["default"])
        #expect(info["A_B_C"] == ["dotted"])
        #expect(info["PRIVATE"] == ["p"])
        #expect(info["_TRANSPORT"] == ["journal"])
        #expect(info["_PID"] == ["\(getpid())"])

        let warning = try #require(byMessage["two\nlines"])
        #expect(warning["PRIORITY"] == ["4"])
        #expect(warning["POD"] == ["db"])
        #expect(warning["NESTED_K"] == ["v"])
        #expect(warning["LIST"] == ["[x, y]"])

        #expect(byMessage["debugging"]?["PRIORITY"] == ["7"])
        // Too big for one datagram's default buffer: libsystemd may pass it in a memfd instead.
        let critical = try #require(entries.first { $0["PRIORITY"] == ["2"] })
        #expect(critical["MESSAGE"]?.first?.utf8.count == big.utf8.count)
        #expect(critical["MESSAGE"]?.first.map { $0 == big } == true)

        // What `journalctl -u swiftlet POD=web` relies on: metadata fields are matchable.
        let db = try journal.entries(["SYSLOG_IDENTIFIER=\(identifier)", "POD=db"])
        #expect(db.map { $0["MESSAGE"] ?? [] } == [["two\nlines"]])
        let web = try journal.entries(["SYSLOG_IDENTIFIER=\(identifier)", "POD=web", "PRIORITY=6"])
        #expect(web.map { $0["MESSAGE"] ?? [] } == [["starting agent"]])
    }
}
