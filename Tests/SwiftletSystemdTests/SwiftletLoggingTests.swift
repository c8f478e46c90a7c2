import Glibc
import Logging
import Testing

@testable import SwiftletSystemd

@Suite("Choosing the log format")
struct SwiftletLoggingTests {
    @Test(
        "stderr is the journal only when JOURNAL_STREAM names its device and inode",
        arguments: [
            (["JOURNAL_STREAM": "8:12345"], true),
            (["JOURNAL_STREAM": "8:12346"], false),
            (["JOURNAL_STREAM": "9:12345"], false),
            ([:], false),
            (["JOURNAL_STREAM": ""], false),
            (["JOURNAL_STREAM": "8"], false),
            (["JOURNAL_STREAM": "8:"], false),
            (["JOURNAL_STREAM": ":12345"], false),
            (["JOURNAL_STREAM": "8:12345:1"], false),
            (["JOURNAL_STREAM": " 8:12345"], false),
            (["JOURNAL_STREAM": "+8:12345"], false),
            (["JOURNAL_STREAM": "0x8:12345"], false),
            (["NOTIFY_SOCKET": "8:12345"], false),
        ] as [([String: String], Bool)]
    )
    func stderrIsJournal(environment: [String: String], expected: Bool) {
        #expect(SwiftletLogging.stderrIsJournal(environment: environment, stderrDevice: 8, stderrInode: 12345) == expected)
    }

    @Test("a JOURNAL_STREAM built from fstat(2) of a real file matches that file")
    func realDeviceAndInode() throws {
        let capture = try CapturedOutput()
        var status = stat()
        #expect(fstat(capture.output.fileDescriptor, &status) == 0)
        let environment = ["JOURNAL_STREAM": "\(status.st_dev):\(status.st_ino)"]
        #expect(SwiftletLogging.stderrIsJournal(environment: environment, stderrDevice: UInt64(status.st_dev), stderrInode: UInt64(status.st_ino)))
        #expect(!SwiftletLogging.stderrIsJournal(environment: environment, stderrDevice: UInt64(status.st_dev), stderrInode: UInt64(status.st_ino) + 1))
    }

    @Test("makeHandler returns the handler for each format with the level and identifier asked for")
    func makeHandler() throws {
        let journald = try #require(
            SwiftletLogging.makeHandler(format: .journald, label: "a", level: .debug, identifier: "swiftlet-x") as? JournaldLogHandler
        )
        #expect(journald.identifier == "swiftlet-x")
        #expect(journald.label == "a")
        #expect(journald.logLevel == .debug)
        let logfmt = try #require(SwiftletLogging.makeHandler(format: .logfmt, label: "b", level: .warning) as? LogfmtLogHandler)
        #expect(logfmt.logLevel == .warning)
        #expect(logfmt.output === LogOutput.standardError)
        let json = try #require(SwiftletLogging.makeHandler(format: .json, label: "c") as? JSONLogHandler)
        #expect(json.logLevel == .info)
        #expect(json.output.fileDescriptor == STDERR_FILENO)
        #expect(LogFormat(rawValue: "journald") == .journald)
        #expect(LogFormat.allCases.map(\.rawValue) == ["journald", "logfmt", "json"])
    }
}
