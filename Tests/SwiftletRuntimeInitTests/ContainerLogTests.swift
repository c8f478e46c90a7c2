import Foundation
import Glibc
import SwiftletRuntimeInit
import Testing

@Suite("containers through swiftlet-monitor: CRI log", .enabled(if: TestEnvironment.canRunContainers, "needs root, /bin/busybox and the built swiftlet-monitor"))
struct ContainerLogTests {
    struct Record {
        var time: String
        var stream: String
        var tag: String
        var content: String
    }

    static func parse(_ line: String) -> Record? {
        let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        return Record(time: String(parts[0]), stream: String(parts[1]), tag: String(parts[2]), content: String(parts[3]))
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction]Z` to Unix nanoseconds.
    static func nanos(_ time: String) -> Int64? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        var base = time
        var fraction: Int64 = 0
        if let dot = time.firstIndex(of: ".") {
            let digits = time[time.index(after: dot)..<time.index(before: time.endIndex)]
            guard digits.count <= 9, digits.allSatisfy(\.isNumber), let value = Int64(digits) else { return nil }
            fraction = value * Int64(pow(10.0, Double(9 - digits.count)))
            base = String(time[..<dot]) + "Z"
        }
        guard let date = formatter.date(from: base) else { return nil }
        return Int64(date.timeIntervalSince1970) * 1_000_000_000 + fraction
    }

    @Test("stdout/stderr become CRI records: UTC RFC3339Nano, F lines, 16 KiB P splits, P for the unterminated tail")
    func criLog() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let logPath = sandbox.dir + "/0.log"
        var plan = Plans.shell("echo hello; echo oops >&2; head -c 20000 /dev/zero | tr '\\0' x; echo; printf tail", in: sandbox)
        plan.stdio = .criLog(path: logPath)
        let before = Int64(Date().timeIntervalSince1970 * 1e9)
        let container = try await Container.mustCreate(plan, in: sandbox)
        defer { container.destroy() }
        let (exit, inherited) = try await container.run()
        let after = Int64(Date().timeIntervalSince1970 * 1e9) + 1_000_000
        #expect(exit.exitCode == 0)
        #expect(inherited.isEmpty, "nothing reaches the monitor's own stdio in CRI mode")
        let text = try String(contentsOfFile: logPath, encoding: .utf8)
        #expect(text.hasSuffix("\n"))
        let records = text.lines.compactMap(Self.parse)
        #expect(records.count == text.lines.count)
        for record in records {
            #expect(record.time.hasSuffix("Z"))
            let t = try #require(Self.nanos(record.time), "timestamp \(record.time)")
            #expect(t >= before - 1_000_000_000 && t <= after)
        }
        let stdout = records.filter { $0.stream == "stdout" }
        #expect(stdout.map(\.tag) == ["F", "P", "F", "P"])
        #expect(stdout.first?.content == "hello")
        #expect(stdout.count == 4 && stdout[1].content == String(repeating: "x", count: 16384))
        #expect(stdout.count == 4 && stdout[2].content == String(repeating: "x", count: 20000 - 16384))
        #expect(stdout.last?.content == "tail")
        let stderr = records.filter { $0.stream == "stderr" }
        #expect(stderr.map(\.tag) == ["F"])
        #expect(stderr.first?.content == "oops")
    }

    @Test("SIGUSR1 makes the monitor reopen the log file (rotation)")
    func reopenOnSIGUSR1() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let logPath = sandbox.dir + "/0.log"
        var plan = Plans.shell("echo one; while [ ! -e /rotated ]; do sleep 0.05; done; echo two", in: sandbox)
        plan.stdio = .criLog(path: logPath)
        let container = try await Container.mustCreate(plan, in: sandbox)
        defer { container.destroy() }
        try container.start()
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, !((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").contains("one") {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(rename(logPath, logPath + ".1") == 0)
        #expect(kill(container.monitorPid, SIGUSR1) == 0)
        try await Task.sleep(for: .milliseconds(100))
        // The container waits for this file before writing its second line.
        #expect(FileManager.default.createFile(atPath: sandbox.rootfs + "/rotated", contents: nil))
        let exit = try await container.waitForExit()
        #expect(exit.exitCode == 0)
        let rotated = try String(contentsOfFile: logPath + ".1", encoding: .utf8).lines.compactMap(Self.parse)
        let current = try String(contentsOfFile: logPath, encoding: .utf8).lines.compactMap(Self.parse)
        #expect(rotated.map(\.content) == ["one"])
        #expect(current.map(\.content) == ["two"])
    }

    @Test("an idle monitor's private (unshareable) memory stays well under 1 MiB")
    func monitorPrivateMemory() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        var plan = Plans.shell("exec sleep 30", in: sandbox)
        plan.stdio = .criLog(path: sandbox.dir + "/0.log")
        let container = try await Container.mustCreate(plan, in: sandbox)
        defer { container.destroy() }
        try container.start()
        try await Task.sleep(for: .milliseconds(200))
        let rollup = try String(contentsOfFile: "/proc/\(container.monitorPid)/smaps_rollup", encoding: .utf8)
        var fields: [String: Int] = [:]
        for line in rollup.lines {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == ":" })
            if parts.count >= 2, let kib = Int(parts[1]) { fields[String(parts[0])] = kib }
        }
        // Private_Dirty is what each monitor costs on its own; clean file pages (the
        // binary, the Swift runtime) are shared between monitors and reclaimable.
        let privateDirty = try #require(fields["Private_Dirty"])
        #expect(privateDirty < 768, "Private_Dirty \(privateDirty) KiB")
    }
}
