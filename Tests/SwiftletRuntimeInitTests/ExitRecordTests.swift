import SwiftletRuntimeInit
import Testing

@Suite("exit file")
struct ExitRecordTests {
    @Test("the exit file text round-trips and has the documented keys")
    func roundTrip() throws {
        let record = ExitRecord(exitCode: 137, signal: 9, startedAt: 1_700_000_000_000_000_001, finishedAt: 1_700_000_001_000_000_000)
        #expect(record.fileContents == "exitCode=137\nsignal=9\nstartedAt=1700000000000000001\nfinishedAt=1700000001000000000\n")
        #expect(ExitRecord(parsing: record.fileContents) == record)
    }

    @Test("an error line is kept on one line")
    func errorLine() throws {
        let record = ExitRecord(exitCode: 127, signal: 0, startedAt: 1, finishedAt: 2, error: "execve(/x): ENOENT\nmore")
        let parsed = try #require(ExitRecord(parsing: record.fileContents))
        #expect(parsed.error == "execve(/x): ENOENT more")
    }

    @Test("missing exitCode or finishedAt is not a record; unknown keys are ignored")
    func partial() {
        #expect(ExitRecord(parsing: "signal=0\nfinishedAt=5\n") == nil)
        #expect(ExitRecord(parsing: "exitCode=1\n") == nil)
        #expect(ExitRecord(parsing: "exitCode=1\nfinishedAt=5\noomKilled=true\n")?.exitCode == 1)
    }
}
