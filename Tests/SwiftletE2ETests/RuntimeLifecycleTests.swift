import Foundation
import Testing

/// `swiftlet runtime` driven as a user would: the container lifecycle, exit codes, signals,
/// the monitor outliving its caller, and CRI logs. Each test has its own `--root` and bundles.
@Suite("swiftlet runtime lifecycle", .enabled(if: isRoot, "needs root for namespaces and cgroups"))
struct RuntimeLifecycleTests {
    static let exitCode = "io.swiftlet.exit-code"
    static let exitSignal = "io.swiftlet.exit-signal"

    @Test("state goes created → running → stopped; list and ps show the container; delete removes it")
    func stateTransitions() throws {
        let box = try RuntimeSandbox("life")
        defer { box.cleanup() }
        let id = box.newID("life")
        let bundle = try box.bundle("life") { config in
            config.readonlyRoot(false)
            config.args = ["sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.05; done; exit 4"]
        }

        let created = try box.cli(["create", "--bundle", bundle, id])
        try #require(created.status == 0, "create: \(created.stderr)")
        let state = try #require(try box.state(id))
        #expect(state["status"] as? String == "created")
        #expect(state["id"] as? String == id)
        #expect(state["bundle"] as? String == bundle)
        #expect((state["ociVersion"] as? String)?.isEmpty == false)
        let pid = try #require(state["pid"] as? Int)
        #expect(pid > 0)
        #expect(FileManager.default.fileExists(atPath: "/proc/\(pid)"), "the created init is a live process")

        let listed = try box.cli(["list", "--format", "json"])
        #expect(listed.status == 0)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]],
                                 "list --format json prints a JSON array: \(listed.stdout)")
        #expect(array.compactMap { $0["id"] as? String } == [id])
        #expect(array.first?["status"] as? String == "created")
        #expect(array.first?["pid"] as? Int == pid)
        #expect(try box.listedIDs() == [id])
        let table = try box.cli(["list"])
        #expect(table.stdout.hasPrefix("ID"))
        #expect(table.stdout.contains(id))

        let started = try box.cli(["start", id])
        try #require(started.status == 0, "start: \(started.stderr)")
        let running = try #require(try box.state(id))
        #expect(running["status"] as? String == "running")
        #expect(running["pid"] as? Int == pid)

        let ps = try box.cli(["ps", "--format", "json", id])
        #expect(ps.status == 0)
        let pids = try #require(try JSONSerialization.jsonObject(with: Data(ps.stdout.utf8)) as? [Int])
        #expect(pids.contains(pid), "ps lists the init pid \(pid): \(pids)")
        let psTable = try box.cli(["ps", id])
        #expect(psTable.stdout.split(separator: "\n").contains { $0.hasPrefix("\(pid) ") && $0.contains("sh") })

        let again = try box.cli(["start", id])
        #expect(again.status == 1, "a running container cannot be started twice")
        #expect(again.stderr.contains(id))

        _ = FileManager.default.createFile(atPath: bundle + "/rootfs/tmp/go", contents: nil)
        let stopped = try #require(try box.waitForStatus(id, "stopped"))
        #expect(stopped["status"] as? String == "stopped")
        let annotations = stopped["annotations"] as? [String: String] ?? [:]
        #expect(annotations[Self.exitCode] == "4")
        #expect(annotations[Self.exitSignal] == "0")
        #expect(annotations["io.swiftlet.oom-killed"] == nil)

        let deleted = try box.cli(["delete", id])
        #expect(deleted.status == 0, "delete of a stopped container: \(deleted.stderr)")
        let gone = try box.cli(["state", id])
        #expect(gone.status == 1)
        #expect(gone.stderr.contains(id))
        #expect(try box.listedIDs().isEmpty)
        let emptyJSON = try box.cli(["list", "--format", "json"])
        #expect((try JSONSerialization.jsonObject(with: Data(emptyJSON.stdout.utf8)) as? [Any])?.isEmpty == true)
    }

    @Test("run exits with the container's exit code, 128+signal when it is killed, and passes stdout/stderr")
    func runExitCodes() throws {
        let box = try RuntimeSandbox("run")
        defer { box.cleanup() }
        let bundle = try box.bundle("exit3") { config in
            config.args = ["sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 3"]
        }
        let three = box.newID("exit3")
        let out = try box.cli(["run", "--bundle", bundle, three])
        #expect(out.status == 3)
        #expect(out.stdout == "to-stdout\n")
        #expect(out.stderr == "to-stderr\n")

        // In a pid namespace the shell would be PID 1, which ignores its own SIGTERM; without
        // one, it really dies of the signal.
        let selfKill = try box.bundle("term") { config in
            config.removeNamespace("pid")
            config.args = ["sh", "-c", "kill -TERM $$; sleep 5"]
        }
        let term = box.newID("term")
        let killed = try box.cli(["run", "--bundle", selfKill, term])
        #expect(killed.status == 143, "stderr: \(killed.stderr)")
        #expect(try box.listedIDs().isEmpty, "run deletes its container")
    }

    @Test("kill sends SIGTERM by default, takes names and numbers, and fails on a stopped container; delete needs --force while running")
    func killAndDelete() throws {
        let box = try RuntimeSandbox("kill")
        defer { box.cleanup() }
        // The trap makes PID 1 answer SIGTERM; /tmp/ready says it is installed.
        let script = "trap 'exit 42' TERM; touch /tmp/ready; while :; do sleep 0.05; done"
        let signals: [(label: String, signal: String?, code: String, number: String)] = [
            ("default", nil, "42", "0"), ("term", "TERM", "42", "0"),
            ("sigkill", "SIGKILL", "137", "9"), ("nine", "9", "137", "9"),
        ]
        var started: [(id: String, bundle: String)] = []
        for entry in signals {
            let bundle = try box.bundle(entry.label) { config in
                config.readonlyRoot(false)
                config.args = ["sh", "-c", script]
            }
            let id = box.newID(entry.label)
            try #require(try box.createAndStart(id, bundle: bundle))
            started.append((id, bundle))
        }
        for (index, entry) in signals.enumerated() {
            let (id, bundle) = started[index]
            #expect(waitUntil(timeout: 10) { FileManager.default.fileExists(atPath: bundle + "/rootfs/tmp/ready") })
            let out = try box.cli(["kill", id] + (entry.signal.map { [$0] } ?? []))
            #expect(out.status == 0, "kill \(entry.signal ?? "(default)"): \(out.stderr)")
        }
        for (index, entry) in signals.enumerated() {
            let id = started[index].id
            let state = try box.waitForStatus(id, "stopped")
            #expect(state?["status"] as? String == "stopped", "\(entry.label)")
            let annotations = state?["annotations"] as? [String: String] ?? [:]
            #expect(annotations[Self.exitCode] == entry.code, "\(entry.label)")
            #expect(annotations[Self.exitSignal] == entry.number, "\(entry.label)")
        }

        let stoppedKill = try box.cli(["kill", started[0].id, "KILL"])
        #expect(stoppedKill.status == 1)
        #expect(stoppedKill.stderr.contains(started[0].id))
        #expect(stoppedKill.stderr.contains("stopped"))
        let badSignal = try box.cli(["kill", started[0].id, "NOTASIGNAL"])
        #expect(badSignal.status == 1)
        #expect(badSignal.stderr.contains("NOTASIGNAL"))
        for (id, _) in started {
            let out = try box.cli(["delete", id])
            #expect(out.status == 0, "delete of stopped \(id): \(out.stderr)")
        }

        let sleeper = try box.bundle("sleeper") { $0.args = ["sleep", "30"] }
        let busy = box.newID("busy")
        try #require(try box.createAndStart(busy, bundle: sleeper))
        let refused = try box.cli(["delete", busy])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("\"\(busy)\""), "names the container: \(refused.stderr)")
        #expect(try box.status(busy) == "running")
        let forced = try box.cli(["delete", "--force", busy])
        #expect(forced.status == 0, "delete --force: \(forced.stderr)")
        let gone = try box.cli(["state", busy])
        #expect(gone.status == 1)
        #expect(gone.stderr.contains(busy))
        #expect(try box.listedIDs().isEmpty)
    }

    @Test("the monitor outlives a kill -9 of the calling run and records the exit code")
    func monitorSurvivesCaller() throws {
        let box = try RuntimeSandbox("monitor")
        defer { box.cleanup() }
        let bundle = try box.bundle("seven") { $0.args = ["sh", "-c", "sleep 2; exit 7"] }
        let id = box.newID("seven")
        let (caller, _, _) = try box.launch(["run", "--bundle", bundle, id])
        #expect(waitUntil(timeout: 10) { (try? box.status(id)) == "running" })
        kill(caller.processIdentifier, SIGKILL)
        caller.waitUntilExit()
        #expect(caller.terminationReason == .uncaughtSignal)

        let state = try #require(try box.state(id))
        #expect(state["status"] as? String == "running", "still running after its caller died")
        let pid = try #require(state["pid"] as? Int)
        #expect(FileManager.default.fileExists(atPath: "/proc/\(pid)"))

        let stopped = try box.waitForStatus(id, "stopped", timeout: 10)
        #expect(stopped?["status"] as? String == "stopped")
        #expect((stopped?["annotations"] as? [String: String])?[Self.exitCode] == "7")
        let deleted = try box.cli(["delete", id])
        #expect(deleted.status == 0, "\(deleted.stderr)")
    }

    @Test("--log-path writes CRI records: timestamps, streams, F for lines, P for 16 KiB pieces")
    func criLog() throws {
        let box = try RuntimeSandbox("crilog")
        defer { box.cleanup() }
        let bundle = try box.bundle("log") { config in
            config.args = ["sh", "-c", "echo hello; echo world; echo oops >&2; head -c 20480 /dev/zero | tr '\\0' a"]
        }
        let id = box.newID("log")
        let log = box.base + "/container.log"
        try #require(try box.createAndStart(id, bundle: bundle, extra: ["--log-path", log]))
        let stopped = try box.waitForStatus(id, "stopped")
        #expect((stopped?["annotations"] as? [String: String])?[Self.exitCode] == "0")
        // The monitor closes the log after the exit record; give it the moment it needs.
        #expect(waitUntil(timeout: 5) { CRIRecord.parse(readText(log)).count >= 5 })

        let text = readText(log)
        let lines = text.split(separator: "\n").map(String.init)
        let hello = try Regex(#"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z stdout F hello$"#)
        #expect(lines.contains { $0.wholeMatch(of: hello) != nil }, "\(lines.first ?? "")")
        let anyRecord = try Regex(#"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z (stdout|stderr) [PF] .*$"#)
        for line in lines {
            #expect(line.wholeMatch(of: anyRecord) != nil, "malformed record: \(line.prefix(80))")
        }
        let records = CRIRecord.parse(text)
        let stdout = records.filter { $0.stream == "stdout" }
        let stderr = records.filter { $0.stream == "stderr" }
        #expect(stderr.map(\.content) == ["oops"])
        #expect(stderr.map(\.tag) == ["F"])
        try #require(stdout.count == 4, "stdout records: \(stdout.map { "\($0.tag) \($0.content.count)" })")
        #expect(stdout[0].tag == "F" && stdout[0].content == "hello")
        #expect(stdout[1].tag == "F" && stdout[1].content == "world")
        // As containerd: a 16 KiB piece is P, and so is the rest that ended without a newline.
        #expect(stdout[2].tag == "P")
        #expect(stdout[2].content.count == 16 * 1024)
        #expect(stdout[3].tag == "P")
        #expect(stdout[3].content.count == 20480 - 16 * 1024)
        #expect((stdout[2].content + stdout[3].content).allSatisfy { $0 == "a" })
        let deleted = try box.cli(["delete", id])
        #expect(deleted.status == 0)
    }
}
