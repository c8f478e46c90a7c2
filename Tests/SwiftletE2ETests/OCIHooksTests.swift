import Foundation
import Testing

@Suite("swiftlet runtime: OCI hooks")
struct OCIHooksTests {
    /// A busybox bundle whose config.json gets every hook kind, each appending its phase and the
    /// state JSON it read on stdin to a log file on the host.
    static func bundle(in dir: TempDir, args: [String], hooks: (String) -> [String: Any]) throws -> (bundle: String, log: String) {
        let bundle = dir.file("bundle")
        let rootfs = bundle + "/rootfs"
        for sub in ["bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "tmp", "etc"] {
            try FileManager.default.createDirectory(atPath: rootfs + "/" + sub, withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: rootfs + "/bin/busybox")
        #expect(try runProcess("/usr/sbin/chroot", [rootfs, "/bin/busybox", "--install", "-s"]).status == 0)
        let spec = try runProcess("/usr/bin/env", ["sh", "-c", "cd '\(bundle)' && runc spec"])
        #expect(spec.status == 0, "\(spec.stderr)")
        let configPath = bundle + "/config.json"
        var config = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configPath))) as? [String: Any])
        var process = try #require(config["process"] as? [String: Any])
        process["terminal"] = false
        process["args"] = args
        config["process"] = process
        let log = dir.file("hooks.log")
        let script = try dir.write("hook.sh", """
            #!/bin/sh
            # $1: the phase; stdin: the container state.
            state=$(cat)
            echo "$1 $state" >> '\(log)'
            """)
        chmod(script, 0o755)
        config["hooks"] = hooks(script)
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
        return (bundle, log)
    }

    @Test("every hook runs in order with the state on stdin; a failing createRuntime hook fails create and leaves nothing",
          .enabled(if: isRoot && FileManager.default.fileExists(atPath: "/bin/busybox"), "needs root and busybox-static"))
    func hooksRunInOrder() throws {
        let dir = try TempDir("swiftlet-hooks")
        defer { dir.remove() }
        let phases = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]
        let (bundle, log) = try Self.bundle(in: dir, args: ["/bin/true"]) { script in
            Dictionary(uniqueKeysWithValues: phases.map { ($0, [["path": script, "args": ["hook.sh", $0]]]) })
        }
        let root = dir.file("root")
        let id = "hooks-\(getpid())"
        defer { _ = try? Swiftlet.run(["runtime", "--root", root, "delete", "--force", id]) }
        let run = try Swiftlet.run(["runtime", "--root", root, "run", "--bundle", bundle, id])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.map { String($0.prefix { $0 != " " }) } == phases)
        for line in lines {
            #expect(line.contains(#""id":"\#(id)""#), "hook stdin is the state JSON: \(line)")
        }
        #expect(lines.first?.contains(#""status":"created""#) == true)

        // A createRuntime hook that fails: create fails naming the phase, and nothing is left.
        let failing = try Self.bundle(in: TempDir("swiftlet-hooks-fail"), args: ["/bin/true"]) { _ in
            ["createRuntime": [["path": "/bin/false"]]]
        }
        defer { try? FileManager.default.removeItem(atPath: (failing.bundle as NSString).deletingLastPathComponent) }
        let badID = "hooks-fail-\(getpid())"
        // --log-path: the monitor must not hold this test's pipes should cleanup ever fail.
        let create = try Swiftlet.run(["runtime", "--root", root, "create", "--log-path", dir.file("fail.log"),
                                       "--bundle", failing.bundle, badID])
        #expect(create.status == 1, "\(create.stderr)")
        #expect(create.stderr.contains("createRuntime hook 0 (/bin/false): exited with status 1"), "\(create.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root + "/" + badID))
        #expect(!FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/swiftlet/" + badID))
        #expect(!FileManager.default.fileExists(atPath: "/sys/fs/cgroup/swiftlet/" + badID))
    }
}
