import Foundation
import Testing

/// One broken config.json and what its error must name.
struct InvalidConfigCase: Sendable, CustomTestStringConvertible {
    var label: String
    /// Edits the `runc spec` config; nil text replaces config.json's bytes instead.
    var edit: @Sendable (inout OCIConfig) -> Void
    var rawText: String?
    /// Substrings stderr must contain (the field path).
    var expected: [String]

    var testDescription: String { label }

    static let all: [InvalidConfigCase] = [
        .init(label: "empty process.args", edit: { $0.args = [] }, expected: ["process.args"]),
        .init(label: "unknown namespace type", edit: { $0.namespaces.append(["type": "bogus"]) },
              expected: ["linux.namespaces[5].type", "bogus"]),
        .init(label: "relative mount destination",
              edit: { $0.mounts.append(["destination": "relative/dir", "type": "tmpfs", "source": "tmpfs"]) },
              expected: ["mounts[7].destination", "relative/dir"]),
        .init(label: "ociVersion 2.0.0", edit: { $0["ociVersion"] = "2.0.0" }, expected: ["ociVersion", "2.0.0"]),
        .init(label: "unknown capability", edit: { $0["process.capabilities.bounding"] = ["CAP_BOGUS"] },
              expected: ["process.capabilities.bounding[0]", "CAP_BOGUS"]),
        .init(label: "unknown rlimit", edit: { $0["process.rlimits"] = [["type": "RLIMIT_BOGUS", "soft": 1, "hard": 1]] },
              expected: ["process.rlimits[0].type", "RLIMIT_BOGUS"]),
        .init(label: "non-JSON config", edit: { _ in }, rawText: "{ this is not json", expected: ["config.json"]),
    ]

    init(label: String, edit: @escaping @Sendable (inout OCIConfig) -> Void, rawText: String? = nil, expected: [String]) {
        self.label = label
        self.edit = edit
        self.rawText = rawText
        self.expected = expected
    }
}

/// A create that fails and what it must leave behind: nothing.
struct FailedCreateCase: Sendable, CustomTestStringConvertible {
    var label: String
    var edit: @Sendable (inout OCIConfig, _ sandbox: String) -> Void
    var expected: [String]
    var testDescription: String { label }

    static let all: [FailedCreateCase] = [
        .init(label: "missing bind mount source", edit: { config, sandbox in
            config.mounts.append(["destination": "/mnt", "type": "bind", "source": sandbox + "/no-such-dir",
                                  "options": ["rbind", "ro"]])
        }, expected: ["no-such-dir"]),
        .init(label: "impossible cpuset", edit: { config, _ in
            config["linux.resources.cpu"] = ["cpus": "999"]
        }, expected: ["cpuset.cpus", "999"]),
        .init(label: "missing executable", edit: { config, _ in
            config.args = ["/bin/no-such-program"]
        }, expected: ["/bin/no-such-program"]),
    ]
}

/// Errors of `swiftlet runtime`: exit code 1, a message naming the field, path or ID, and
/// nothing left behind by a create that fails.
@Suite("swiftlet runtime errors", .enabled(if: isRoot, "needs root to create containers"))
struct RuntimeErrorTests {
    @Test("an invalid config.json fails create with exit 1 and names the field", arguments: InvalidConfigCase.all)
    func invalidConfig(_ testCase: InvalidConfigCase) throws {
        let box = try RuntimeSandbox("badcfg")
        defer { box.cleanup() }
        let bundle = try box.bundle("bad") { testCase.edit(&$0) }
        if let raw = testCase.rawText { try box.overwriteConfig(bundle, raw) }
        let id = box.newID("badcfg")
        let out = try box.cli(["create", "--bundle", bundle, id])
        #expect(out.status == 1)
        for text in testCase.expected {
            #expect(out.stderr.contains(text), "stderr names \(text): \(out.stderr)")
        }
        #expect(try box.listedIDs().isEmpty)
        let run = try box.cli(["run", "--bundle", bundle, id])
        #expect(run.status == 1, "run refuses it too")
    }

    @Test("a create that fails leaves no state dir, cgroup or process behind", arguments: FailedCreateCase.all)
    func failedCreateLeavesNothing(_ testCase: FailedCreateCase) throws {
        let box = try RuntimeSandbox("failcreate")
        defer { box.cleanup() }
        let bundle = try box.bundle("fail") { testCase.edit(&$0, box.base) }
        let id = box.newID("fail")
        let out = try box.cli(["create", "--bundle", bundle, id])
        #expect(out.status == 1)
        for text in testCase.expected {
            #expect(out.stderr.contains(text), "stderr names \(text): \(out.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: box.root + "/" + id), "no state dir")
        #expect(RuntimeSandbox.cgroupDirs("/swiftlet/\(id)").isEmpty, "no cgroup")
        #expect(box.processesUsing(box.base).isEmpty, "no monitor or init")
        #expect(try box.listedIDs().isEmpty)
    }

    @Test("state, start, kill and delete of an unknown ID fail with exit 1 and name the ID")
    func unknownID() throws {
        let box = try RuntimeSandbox("unknown")
        defer { box.cleanup() }
        let id = "e2e-missing-\(UInt32.random(in: 0...UInt32.max))"
        for command in [["state", id], ["start", id], ["kill", id], ["delete", id], ["ps", id]] {
            let out = try box.cli(command)
            #expect(out.status == 1, "\(command[0])")
            #expect(out.stderr.contains(id), "\(command[0]): \(out.stderr)")
        }
        let invalid = try box.cli(["state", "../escape"])
        #expect(invalid.status == 1)
        #expect(invalid.stderr.contains("../escape"))
    }
}
