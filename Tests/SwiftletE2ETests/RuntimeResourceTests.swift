import Foundation
import Testing

/// cgroup limits of `swiftlet runtime` containers enforced for real: memory (OOM kill
/// detected), pids (a fork loop stopped) and CPU quota (a busy loop throttled).
@Suite("swiftlet runtime resources", .enabled(if: isRoot, "needs root for cgroups"))
struct RuntimeResourceTests {
    static let limit = 32 * 1024 * 1024

    @Test("a memory hog over a 32 MiB limit is OOM-killed: exit 137, oom-killed annotation, run exits 137")
    func memoryLimitOOM() throws {
        let box = try RuntimeSandbox("oom")
        defer { box.cleanup() }
        let bundle = try box.bundle("oom") { config in
            config["linux.resources.memory"] = ["limit": Self.limit, "swap": Self.limit]
            config.args = ["tail", "/dev/zero"]
        }
        let id = box.newID("oom")
        try #require(try box.createAndStart(id, bundle: bundle))
        let state = try box.waitForStatus(id, "stopped", timeout: 20)
        #expect(state?["status"] as? String == "stopped")
        let annotations = state?["annotations"] as? [String: String] ?? [:]
        #expect(annotations["io.swiftlet.exit-code"] == "137")
        #expect(annotations["io.swiftlet.exit-signal"] == "9")
        #expect(annotations["io.swiftlet.oom-killed"] == "true", "\(annotations)")
        let deleted = try box.cli(["delete", id])
        #expect(deleted.status == 0, "\(deleted.stderr)")

        let again = box.newID("oomrun")
        let out = try box.cli(["run", "--bundle", bundle, again])
        #expect(out.status == 137, "\(out.stderr)")
    }

    @Test("a pids limit of 10 stops a fork loop: the shell cannot fork and the container holds at most 10 tasks")
    func pidsLimit() throws {
        let box = try RuntimeSandbox("pids")
        defer { box.cleanup() }
        let bundle = try box.bundle("pids") { config in
            config["linux.resources.pids"] = ["limit": 10]
            // ash gives up the loop at the first failed fork, so it runs in a subshell; then PID 1
            // becomes a sleep without forking, and the sleeps stay to be counted.
            config.args = ["sh", "-c", "(for i in $(seq 50); do sleep 30 & done); echo forked; exec sleep 30"]
        }
        let id = box.newID("pids")
        let log = box.base + "/pids.log"
        try #require(try box.createAndStart(id, bundle: bundle, extra: ["--log-path", log]))
        #expect(waitUntil(timeout: 15) { readText(log).contains("forked") }, "log: \(readText(log))")
        #expect(readText(log).contains("can't fork"), "log: \(readText(log))")

        let ps = try box.cli(["ps", "--format", "json", id])
        let pids = try JSONSerialization.jsonObject(with: Data(ps.stdout.utf8)) as? [Int] ?? []
        #expect(pids.count <= 10, "\(pids.count) tasks: \(pids)")
        #expect(pids.count >= 5, "the loop forked until the limit: \(pids)")
        let max = readText(RuntimeSandbox.cgroupFile(controller: "pids", path: "/swiftlet/\(id)", file: "pids.max"))
        #expect(max.trimmingCharacters(in: .whitespacesAndNewlines) == "10")
        let deleted = try box.cli(["delete", "--force", id])
        #expect(deleted.status == 0, "\(deleted.stderr)")
    }

    @Test("a CPU quota of 10 ms per 100 ms throttles a busy loop (nr_throttled > 0) in linux.cgroupsPath")
    func cpuQuotaThrottles() throws {
        let box = try RuntimeSandbox("cpu")
        defer { box.cleanup() }
        let id = box.newID("cpu")
        let cgroupPath = "/swiftlet-e2e-\(id)"
        box.trackCgroup(cgroupPath)
        let bundle = try box.bundle("cpu") { config in
            config["linux.cgroupsPath"] = cgroupPath
            config["linux.resources.cpu"] = ["quota": 10_000, "period": 100_000]
            config.args = ["sh", "-c", "while :; do :; done"]
        }
        try #require(try box.createAndStart(id, bundle: bundle))
        let statFile = RuntimeSandbox.cgroupFile(controller: "cpu", path: cgroupPath, file: "cpu.stat")
        func throttled() -> Int {
            readText(statFile).split(separator: "\n").first { $0.hasPrefix("nr_throttled ") }
                .flatMap { Int($0.split(separator: " ")[1]) } ?? 0
        }
        usleep(1_000_000)
        #expect(waitUntil(timeout: 3) { throttled() > 0 }, "\(statFile): \(readText(statFile))")
        let isV2 = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers")
        if isV2 {
            #expect(readText("/sys/fs/cgroup\(cgroupPath)/cpu.max").hasPrefix("10000 100000"))
        } else {
            #expect(readText("/sys/fs/cgroup/cpu\(cgroupPath)/cpu.cfs_quota_us").hasPrefix("10000"))
        }
        let deleted = try box.cli(["delete", "--force", id])
        #expect(deleted.status == 0, "\(deleted.stderr)")
    }
}
