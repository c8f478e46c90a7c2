import Foundation
import Glibc
import Testing

/// A real `swiftlet agent` on a temp root, run, log, manifest and image store, with a busybox
/// image imported as `swiftlet.test/busybox:e2e`. Everything it made is removed by `cleanUp()`,
/// containers, mounts and cgroups included, even when a test fails.
final class AgentHarness: @unchecked Sendable {
    let dir: TempDir
    var agent: Process?
    var stderrPath: String { dir.file("agent.log") }
    static let image = "swiftlet.test/busybox:e2e"

    init() throws {
        dir = try TempDir("swiftlet-pods")
        apiPort = try ImagePullCLITests.freePort()
        let script = """
            set -e
            cd \(dir.path)
            umoci init --layout oci >/dev/null
            umoci new --image oci:img
            umoci unpack --image oci:img b >/dev/null
            mkdir -p b/rootfs/bin b/rootfs/sbin b/rootfs/usr/bin b/rootfs/usr/sbin b/rootfs/tmp b/rootfs/etc
            cp /bin/busybox b/rootfs/bin/
            chroot b/rootfs /bin/busybox --install -s
            umoci repack --image oci:img b
            rm -rf b
            """
        let built = try runProcess("/bin/sh", ["-c", script])
        try #require(built.status == 0, "building the image failed: \(built.stderr)")
        let imported = try Swiftlet.run(["image", "import", dir.file("oci"), "--name", Self.image, "--root-dir", dir.file("root")])
        try #require(imported.status == 0, "import failed: \(imported.stderr)")
        _ = try dir.write("config.yaml", """
            apiVersion: kubelet.config.k8s.io/v1beta1
            kind: KubeletConfiguration
            staticPodPath: \(dir.file("manifests"))
            fileCheckFrequency: 2s
            podLogsDir: \(dir.file("logs"))
            containerLogMaxSize: 2Ki
            containerLogMaxFiles: 3
            containerLogMonitorInterval: 1s
            healthzPort: 0
            authorization: {mode: AlwaysAllow}
            authentication: {webhook: {enabled: false}}
            """)
        try FileManager.default.createDirectory(atPath: dir.file("manifests"), withIntermediateDirectories: true)
    }

    var runtimeRoot: String { dir.file("run/runtime") }

    /// A CNI config of its own: a bridge and a /24 no other test uses.
    func writeCNIConfig() throws -> (bridge: String, subnet: String) {
        let n = Int.random(in: 0..<250)
        let bridge = "swt" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let subnet = "10.\(201 + n % 50).\(n).0/24"
        _ = try dir.write("cni/10-test.conflist", """
            {"cniVersion": "1.0.0", "name": "net-\(bridge)", "plugins": [
              {"type": "bridge", "bridge": "\(bridge)", "isGateway": true, "ipMasq": true, "hairpinMode": true,
               "ipam": {"type": "host-local", "ranges": [[{"subnet": "\(subnet)"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
              {"type": "portmap", "capabilities": {"portMappings": true}, "snat": true}]}
            """)
        return (bridge, subnet)
    }

    /// The agent's root directory (a test may put it on a filesystem of its own).
    var rootDir: String?
    var root: String { rootDir ?? dir.file("root") }
    /// The agent's HTTPS API port, free when the harness was made.
    let apiPort: Int

    func startAgent(extraArgs: [String] = []) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Swiftlet.binary)
        p.arguments = ["agent", "--config", dir.file("config.yaml"), "--root-dir", root,
                       "--run-dir", dir.file("run"), "--hostname-override", "e2e-node", "--cni-conf-dir", dir.file("cni"),
                       "--port", "\(apiPort)"] + extraArgs
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "NOTIFY_SOCKET")
        env.removeValue(forKey: "JOURNAL_STREAM")
        p.environment = env
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        log.seekToEndOfFile()
        p.standardError = log
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        agent = p
    }

    func killAgent(_ signal: Int32 = SIGKILL) {
        guard let p = agent else { return }
        if p.isRunning { kill(p.processIdentifier, signal) }
        p.waitUntilExit()
        agent = nil
    }

    func writeManifest(_ name: String, _ yaml: String) throws { _ = try dir.write("manifests/\(name)", yaml) }
    func removeManifest(_ name: String) throws { try FileManager.default.removeItem(atPath: dir.file("manifests/\(name)")) }

    /// The statuses the agent wrote, by pod name.
    func statuses() -> [String: [String: Any]] {
        var result: [String: [String: Any]] = [:]
        for uid in (try? FileManager.default.contentsOfDirectory(atPath: root + "/pods")) ?? [] {
            guard let data = FileManager.default.contents(atPath: root + "/pods/\(uid)/status.json"),
                  let pod = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let meta = pod["metadata"] as? [String: Any], let name = meta["name"] as? String else { continue }
            result[name] = pod
        }
        return result
    }

    /// Waits up to `timeout` seconds for `check` to hold on a pod's status.
    @discardableResult
    func waitFor(_ pod: String, timeout: Double = 60, _ what: String, _ check: ([String: Any]) -> Bool) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        var last: [String: Any]?
        while Date() < deadline {
            if let status = statuses()[pod] {
                last = status
                if check(status) { return status }
            }
            usleep(50_000)
        }
        let log = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        throw HarnessFailure("pod \(pod): timed out waiting for \(what); last status: \(String(describing: last?["status"]))\nagent log tail:\n\(log.suffix(3000))")
    }

    func runtimeIDs() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: runtimeRoot)) ?? []).sorted()
    }

    /// Stops the agent and removes every container, mount and cgroup it made.
    func cleanUp() {
        killAgent()
        for id in runtimeIDs() {
            _ = try? Swiftlet.run(["runtime", "--root", runtimeRoot, "delete", "--force", id])
        }
        let real = URL(fileURLWithPath: dir.path).standardizedFileURL.path
        if let mounts = (FileHandle(forReadingAtPath: "/proc/self/mountinfo").map { String(decoding: $0.readDataToEndOfFile(), as: UTF8.self) }) {
            let points = mounts.split(separator: "\n").compactMap { line -> String? in
                let f = line.split(separator: " ")
                return f.count > 4 ? String(f[4]) : nil
            }.filter { $0.hasPrefix(real + "/") || $0 == real }.sorted(by: >)
            for point in points { _ = umount2(point, 2) }
        }
        // Pause processes of shareProcessNamespace pods, then their cgroups before the pods'.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir.file("run/podns"))) ?? [] where name.hasSuffix(".pause") {
            let record = (try? String(contentsOfFile: dir.file("run/podns/\(name)"), encoding: .utf8)) ?? ""
            if let pid = record.split(separator: " ").first.flatMap({ Int32($0) }), pid > 1 { kill(pid, SIGKILL) }
        }
        for uid in (try? FileManager.default.contentsOfDirectory(atPath: root + "/pods")) ?? [] {
            for cg in PodAgentTests.podCgroupDirs(uid: uid) {
                let procs = (try? String(contentsOfFile: cg + "/pause/cgroup.procs", encoding: .utf8)) ?? ""
                for pid in procs.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
                for _ in 0..<50 where rmdir(cg + "/pause") != 0 && errno == EBUSY { usleep(20_000) }
                _ = rmdir(cg)
            }
        }
        // A test that failed midway may leave its bridge.
        if let conf = try? String(contentsOfFile: dir.file("cni/10-test.conflist"), encoding: .utf8),
           let range = conf.range(of: #""bridge": "swt[0-9a-f]+""#, options: .regularExpression) {
            let name = conf[range].split(separator: "\"")[2]
            _ = try? runProcess("/sbin/ip", ["link", "del", String(name)])
        }
        dir.remove()
    }
}

struct HarnessFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

private func containerStatus(_ pod: [String: Any], _ name: String, init isInit: Bool = false) -> [String: Any]? {
    let status = pod["status"] as? [String: Any]
    let list = status?[isInit ? "initContainerStatuses" : "containerStatuses"] as? [[String: Any]]
    return list?.first { $0["name"] as? String == name }
}
private func state(_ c: [String: Any]?) -> [String: Any]? { c?["state"] as? [String: Any] }
private func phase(_ pod: [String: Any]) -> String? { (pod["status"] as? [String: Any])?["phase"] as? String }
private func uid(_ pod: [String: Any]) -> String { ((pod["metadata"] as? [String: Any])?["uid"] as? String) ?? "" }

@Suite("Pods on a node: the agent runs static pods", .serialized, .enabled(if: isRoot, "the agent needs root"))
struct PodAgentTests {
    static func podCgroupDirs(uid: String) -> [String] {
        let controllers = ["cpu", "cpuacct", "memory", "pids", "devices", "freezer", "blkio", "cpuset", "unified", "systemd"]
        return controllers.flatMap { c in ["besteffort/", "burstable/", ""].map { "/sys/fs/cgroup/\(c)/kubepods/\($0)pod\(uid)" } }
            + ["besteffort/", "burstable/", ""].map { "/sys/fs/cgroup/kubepods/\($0)pod\(uid)" }
    }

    @Test("init containers run in order, the app runs and logs in CRI format; kill -9 of the agent leaves it running and the restarted agent re-adopts it; removing the manifest runs preStop, sends SIGTERM and cleans up everything")
    func lifecycle() throws {
        let h = try AgentHarness()
        defer { h.cleanUp() }
        try h.writeManifest("life.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: life, namespace: e2e}
            spec:
              hostNetwork: true
              terminationGracePeriodSeconds: 10
              initContainers:
              - {name: init1, image: \(AgentHarness.image), imagePullPolicy: Never, command: [sh, -c, "echo init1 ran"]}
              - {name: init2, image: \(AgentHarness.image), imagePullPolicy: Never, command: [sh, -c, "echo init2 ran"]}
              containers:
              - name: app
                image: \(AgentHarness.image)
                imagePullPolicy: Never
                env: [{name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
                command: [sh, -c, "echo app started in $(POD); trap 'echo got TERM; exit 0' TERM; while true; do sleep 0.1; done"]
                lifecycle:
                  preStop: {exec: {command: [sh, -c, "echo prestop ran > /proc/1/fd/1"]}}
            """)
        try h.startAgent()
        let running = try h.waitFor("life-e2e-node", "app running") { pod in
            state(containerStatus(pod, "app"))?["running"] != nil
        }
        let podUID = uid(running)
        #expect(phase(running) == "Running")
        for name in ["init1", "init2"] {
            let terminated = state(containerStatus(running, name, init: true))?["terminated"] as? [String: Any]
            #expect(terminated?["exitCode"] as? Int == 0 && terminated?["reason"] as? String == "Completed", "\(name): \(String(describing: terminated))")
        }
        let t1 = ((state(containerStatus(running, "init1", init: true))?["terminated"] as? [String: Any])?["finishedAt"] as? String) ?? ""
        let t2 = ((state(containerStatus(running, "init2", init: true))?["terminated"] as? [String: Any])?["startedAt"] as? String) ?? ""
        #expect(!t1.isEmpty && !t2.isEmpty && t1 <= t2, "init2 starts after init1 finished: \(t1) vs \(t2)")
        let logDir = h.dir.file("logs/e2e_life-e2e-node_\(podUID)")
        let initLog = (try? String(contentsOfFile: logDir + "/init1/0.log", encoding: .utf8)) ?? ""
        #expect(initLog.range(of: #"^\d{4}-\d\d-\d\dT[0-9:.]+Z stdout F init1 ran\n$"#, options: .regularExpression) != nil, "CRI log: \(initLog)")
        let appID = try #require(containerStatus(running, "app")?["containerID"] as? String)
        let link = h.dir.file("containers/life-e2e-node_e2e_app-\(appID.dropFirst("swiftlet://".count)).log")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == logDir + "/app/0.log")
        let appLog = try FileHandle(forReadingFrom: URL(fileURLWithPath: logDir + "/app/0.log"))

        // kill -9: the container keeps running; a new agent adopts it without a restart.
        h.killAgent(SIGKILL)
        usleep(300_000)
        let id = String(appID.dropFirst("swiftlet://".count))
        let st = try Swiftlet.run(["runtime", "--root", h.runtimeRoot, "state", id])
        #expect(st.stdout.contains("\"running\""), "after kill -9 of the agent: \(st.stdout) \(st.stderr)")
        try h.startAgent()
        usleep(1_500_000)
        let adopted = try h.waitFor("life-e2e-node", "app still running after restart") { pod in
            state(containerStatus(pod, "app"))?["running"] != nil
        }
        #expect(containerStatus(adopted, "app")?["containerID"] as? String == appID)
        #expect(containerStatus(adopted, "app")?["restartCount"] as? Int == 0)

        // Removing the manifest terminates the pod gracefully and removes everything.
        try h.removeManifest("life.yaml")
        let deadline = Date().addingTimeInterval(30)
        while FileManager.default.fileExists(atPath: h.dir.file("root/pods/\(podUID)")), Date() < deadline { usleep(50_000) }
        #expect(!FileManager.default.fileExists(atPath: h.dir.file("root/pods/\(podUID)")), "pod dir removed")
        let log = String(decoding: appLog.readDataToEndOfFile(), as: UTF8.self)
        let lines = log.split(separator: "\n").map { $0.split(separator: " ", maxSplits: 3).last.map(String.init) ?? "" }
        #expect(lines == ["app started in life-e2e-node", "prestop ran", "got TERM"], "app log: \(log)")
        #expect(h.runtimeIDs().isEmpty, "containers left: \(h.runtimeIDs())")
        #expect(!FileManager.default.fileExists(atPath: logDir))
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: h.dir.file("containers"))) ?? []).isEmpty)
        for cg in Self.podCgroupDirs(uid: podUID) {
            #expect(!FileManager.default.fileExists(atPath: cg), "cgroup left: \(cg)")
        }
        let mounts = (FileHandle(forReadingAtPath: "/proc/self/mountinfo").map { String(decoding: $0.readDataToEndOfFile(), as: UTF8.self) }) ?? ""
        #expect(!mounts.contains(h.dir.path), "mounts left below \(h.dir.path)")
        h.killAgent(SIGTERM)
    }

    @Test("a crashing container restarts at once, then waits in CrashLoopBackOff with its last exit; an exit while the agent is down is reported with its true code")
    func crashLoopAndExitWhileDown() throws {
        let h = try AgentHarness()
        defer { h.cleanUp() }
        try h.writeManifest("crash.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: crash}
            spec:
              hostNetwork: true
              containers:
              - {name: c, image: \(AgentHarness.image), imagePullPolicy: Never, command: [sh, -c, "echo crashing; exit 3"]}
            """)
        try h.writeManifest("once.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: once}
            spec:
              hostNetwork: true
              restartPolicy: Never
              containers:
              - {name: c, image: \(AgentHarness.image), imagePullPolicy: Never, command: [sh, -c, "sleep 3; exit 7"]}
            """)
        try h.startAgent()
        let looping = try h.waitFor("crash-e2e-node", "CrashLoopBackOff") { pod in
            (state(containerStatus(pod, "c"))?["waiting"] as? [String: Any])?["reason"] as? String == "CrashLoopBackOff"
        }
        let c = containerStatus(looping, "c")
        #expect(c?["restartCount"] as? Int == 1)
        let last = (c?["lastState"] as? [String: Any])?["terminated"] as? [String: Any]
        #expect(last?["exitCode"] as? Int == 3 && last?["reason"] as? String == "Error")
        let message = (state(c)?["waiting"] as? [String: Any])?["message"] as? String ?? ""
        #expect(message.hasPrefix("back-off 10s restarting failed container=c pod=crash-e2e-node_default("), "\(message)")
        #expect(phase(looping) == "Running")
        let root = ["--root-dir", h.dir.file("root")]
        let ps = try Swiftlet.run(["ps", "-a"] + root)
        #expect(ps.status == 0, "\(ps.stderr)")
        let row = ps.stdout.split(separator: "\n").first { $0.hasPrefix("default") && $0.contains("crash-e2e-node") }.map(String.init) ?? ""
        #expect(row.split(separator: " ", omittingEmptySubsequences: true).map(String.init).prefix(5) == ["default", "crash-e2e-node", "0/1", "CrashLoopBackOff", "1"], "ps: \(ps.stdout)")
        let logs = try Swiftlet.run(["logs", "crash", "--pod-logs-dir", h.dir.file("logs")] + root)
        #expect(logs.status == 0 && logs.stdout == "crashing\n", "logs: \(logs.stdout) \(logs.stderr)")
        let previous = try Swiftlet.run(["logs", "crash", "--previous", "--timestamps", "--pod-logs-dir", h.dir.file("logs")] + root)
        #expect(previous.stdout.range(of: #"^\d{4}-\d\d-\d\dT\S+Z crashing\n$"#, options: .regularExpression) != nil, "previous: \(previous.stdout) \(previous.stderr)")
        let missing = try Swiftlet.run(["logs", "nope", "--pod-logs-dir", h.dir.file("logs")] + root)
        #expect(missing.status == 1 && missing.stderr.contains("pods \"nope\" not found"))
        // describe: the status, kubelet's events (the back-off counted), and the timeline.
        var described = ""
        let describeDeadline = Date().addingTimeInterval(10)
        while Date() < describeDeadline {
            described = try Swiftlet.run(["describe", "crash"] + root).stdout
            if described.contains("Back-off restarting failed container") { break }
            usleep(300_000)
        }
        #expect(described.contains("Name:             crash-e2e-node"), "\(described)")
        #expect(described.contains("Reason:       CrashLoopBackOff"), "\(described)")
        #expect(described.contains("Container image \"\(AgentHarness.image)\" already present on machine"))
        #expect(described.contains("Started container c"))
        #expect(described.range(of: #"Warning\s+BackOff\s+\S+\s+kubelet\s+Back-off restarting failed container c in pod crash-e2e-node_default\("#, options: .regularExpression) != nil, "\(described)")
        #expect(described.contains("exit: [c] terminated: Error, exit code 3"), "\(described)")
        let nope = try Swiftlet.run(["describe", "nope"] + root)
        #expect(nope.status == 1 && nope.stderr.contains("not found"))

        try h.waitFor("once-e2e-node", "running") { state(containerStatus($0, "c"))?["running"] != nil }
        h.killAgent(SIGKILL)
        sleep(4)  // the container exits 7 while no agent runs
        try h.startAgent()
        let done = try h.waitFor("once-e2e-node", "terminated") { state(containerStatus($0, "c"))?["terminated"] != nil }
        let terminated = state(containerStatus(done, "c"))?["terminated"] as? [String: Any]
        #expect(terminated?["exitCode"] as? Int == 7)
        #expect(phase(done) == "Failed")
        #expect(containerStatus(done, "c")?["restartCount"] as? Int == 0)

        try h.removeManifest("crash.yaml")
        try h.removeManifest("once.yaml")
        let deadline = Date().addingTimeInterval(30)
        while !h.runtimeIDs().isEmpty, Date() < deadline { usleep(100_000) }
        #expect(h.runtimeIDs().isEmpty)
        h.killAgent(SIGTERM)
    }

    @Test("crash-proof: kill -9 of the agent with 10 pods running; the next agent re-adopts all, restarts none, the logs have no gap, and an exit while it was down has its true code")
    func tenPodsSurviveKill() throws {
        let h = try AgentHarness()
        defer { h.cleanUp() }
        let trigger = h.dir.file("trigger")
        try FileManager.default.createDirectory(atPath: trigger, withIntermediateDirectories: true)
        for i in 0..<10 {
            // p9 exits 7 when the test drops the file, which it does while no agent runs.
            let command = i == 9
                ? "i=0; until [ -e /trigger/stop ]; do echo line $i; i=$((i+1)); sleep 0.2; done; exit 7"
                : "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.5; done"
            try h.writeManifest("p\(i).yaml", """
                apiVersion: v1
                kind: Pod
                metadata: {name: p\(i)}
                spec:
                  hostNetwork: true
                  restartPolicy: \(i == 9 ? "Never" : "Always")
                  terminationGracePeriodSeconds: 1
                  volumes: [{name: t, hostPath: {path: \(trigger), type: Directory}}]
                  containers:
                  - name: c
                    image: \(AgentHarness.image)
                    imagePullPolicy: Never
                    command: [sh, -c, "\(command)"]
                    volumeMounts: [{name: t, mountPath: /trigger}]
                """)
        }
        try h.startAgent()
        var before: [String: String] = [:]
        for i in 0..<10 {
            let pod = try h.waitFor("p\(i)-e2e-node", "running") { state(containerStatus($0, "c"))?["running"] != nil }
            before["p\(i)"] = containerStatus(pod, "c")?["containerID"] as? String
        }
        usleep(1_000_000)
        h.killAgent(SIGKILL)
        _ = FileManager.default.createFile(atPath: trigger + "/stop", contents: nil)
        sleep(3)  // p9 exits 7 and the others keep logging while no agent runs
        try h.startAgent()
        usleep(1_500_000)
        for i in 0..<9 {
            let pod = try h.waitFor("p\(i)-e2e-node", "re-adopted") { state(containerStatus($0, "c"))?["running"] != nil }
            let c = containerStatus(pod, "c")
            #expect(c?["containerID"] as? String == before["p\(i)"], "p\(i) was restarted")
            #expect(c?["restartCount"] as? Int == 0, "p\(i) restartCount")
        }
        let done = try h.waitFor("p9-e2e-node", "terminated") { state(containerStatus($0, "c"))?["terminated"] != nil }
        let terminated = state(containerStatus(done, "c"))?["terminated"] as? [String: Any]
        #expect(terminated?["exitCode"] as? Int == 7 && terminated?["reason"] as? String == "Error", "\(String(describing: terminated))")
        #expect(containerStatus(done, "c")?["containerID"] as? String == before["p9"])
        #expect(phase(done) == "Failed")
        // Each log, across any rotated files, counts up without a gap through the agent's absence.
        usleep(1_000_000)
        for i in 0..<10 {
            let pod = h.statuses()["p\(i)-e2e-node"] ?? [:]
            let dir = h.dir.file("logs/default_p\(i)-e2e-node_\(uid(pod))/c")
            var numbers: [Int] = []
            for file in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
                let text = (try? String(contentsOfFile: dir + "/" + file, encoding: .utf8)) ?? ""
                numbers += text.split(separator: "\n").compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }
            }
            numbers.sort()
            #expect(!numbers.isEmpty && numbers == Array(0..<numbers.count), "p\(i) log has a gap: \(numbers)")
            #expect(numbers.count >= (i == 9 ? 3 : 8), "p\(i) logged through the agent's absence: \(numbers.count) lines")
        }
        for i in 0..<10 { try h.removeManifest("p\(i).yaml") }
        let deadline = Date().addingTimeInterval(30)
        while !h.runtimeIDs().isEmpty, Date() < deadline { usleep(100_000) }
        #expect(h.runtimeIDs().isEmpty, "containers left: \(h.runtimeIDs())")
        h.killAgent(SIGTERM)
    }

    @Test("eviction: on a 64 MiB tmpfs root, filling it raises DiskPressure; the BestEffort writer is evicted (Failed/Evicted, its volume freed) before the pod within its request, and a new pod is refused")
    func evictionOnFullDisk() throws {
        let h = try AgentHarness()
        defer { h.cleanUp() }
        let root = h.dir.file("evroot")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let mounted = try runProcess("/bin/mount", ["-t", "tmpfs", "-o", "size=64m", "tmpfs", root])
        try #require(mounted.status == 0, "mount tmpfs: \(mounted.stderr)")
        h.rootDir = root
        let imported = try Swiftlet.run(["image", "import", h.dir.file("oci"), "--name", AgentHarness.image, "--root-dir", root])
        try #require(imported.status == 0, "import: \(imported.stderr)")
        _ = try h.dir.write("config.yaml", """
            apiVersion: kubelet.config.k8s.io/v1beta1
            kind: KubeletConfiguration
            staticPodPath: \(h.dir.file("manifests"))
            fileCheckFrequency: 2s
            podLogsDir: \(h.dir.file("logs"))
            healthzPort: 0
            evictionHard: {nodefs.available: "40%"}
            evictionPressureTransitionPeriod: 5m
            """)
        func writer(_ name: String, mib: Int, requests: String) -> String {
            """
            apiVersion: v1
            kind: Pod
            metadata: {name: \(name)}
            spec:
              hostNetwork: true
              terminationGracePeriodSeconds: 1
              volumes: [{name: data, emptyDir: {}}]
              containers:
              - name: c
                image: \(AgentHarness.image)
                imagePullPolicy: Never
                command: [sh, -c, "dd if=/dev/zero of=/data/fill bs=1M count=\(mib) 2>/dev/null; echo written; sleep 100000"]
                volumeMounts: [{name: data, mountPath: /data}]
            \(requests)
            """
        }
        try h.writeManifest("keeper.yaml", writer("keeper", mib: 4, requests: "    resources: {requests: {ephemeral-storage: 50Mi, memory: 16Mi}}"))
        try h.startAgent(extraArgs: ["--housekeeping-interval", "1s"])
        try h.waitFor("keeper-e2e-node", "running") { state(containerStatus($0, "c"))?["running"] != nil }
        try h.writeManifest("hog.yaml", writer("hog", mib: 40, requests: ""))
        let evicted = try h.waitFor("hog-e2e-node", timeout: 60, "evicted") { phase($0) == "Failed" }
        let status = evicted["status"] as? [String: Any]
        #expect(status?["reason"] as? String == "Evicted")
        let message = status?["message"] as? String ?? ""
        #expect(message.hasPrefix("The node was low on resource: ephemeral-storage. Threshold quantity: 40%, available: "), "\(message)")
        let hogUID = uid(evicted)
        // The status may say Failed as soon as the containers are stopped (as kubelet's does);
        // the volume goes right after.
        let fill = root + "/pods/\(hogUID)/volumes/kubernetes.io~empty-dir/data/fill"
        let freeBy = Date().addingTimeInterval(10)
        while FileManager.default.fileExists(atPath: fill), Date() < freeBy { usleep(50_000) }
        #expect(!FileManager.default.fileExists(atPath: fill), "the evicted pod's volume is freed")
        let keeper = h.statuses()["keeper-e2e-node"] ?? [:]
        #expect(state(containerStatus(keeper, "c"))?["running"] != nil, "the pod within its request keeps running")
        // Under DiskPressure a new pod is refused.
        try h.writeManifest("late.yaml", writer("late", mib: 1, requests: ""))
        let refused = try h.waitFor("late-e2e-node", timeout: 30, "refused") { phase($0) == "Failed" }
        #expect((refused["status"] as? [String: Any])?["reason"] as? String == "Evicted")
        #expect((refused["status"] as? [String: Any])?["message"] as? String == "The node had condition: [DiskPressure]. ")
        // The node reports the pressure; the events name the eviction.
        let node = try Swiftlet.run(["node", "--root-dir", root])
        #expect(node.stdout.range(of: #"DiskPressure\s+True"#, options: .regularExpression) != nil, "\(node.stdout)")
        var described = ""
        let deadline = Date().addingTimeInterval(10)
        while !described.contains("Evicted"), Date() < deadline {
            described = try Swiftlet.run(["describe", "hog", "--root-dir", root]).stdout
            usleep(300_000)
        }
        #expect(described.range(of: #"Warning\s+Evicted\s+"#, options: .regularExpression) != nil, "\(described)")
        for name in ["keeper", "hog", "late"] { try h.removeManifest("\(name).yaml") }
        let gone = Date().addingTimeInterval(30)
        while !h.runtimeIDs().isEmpty, Date() < gone { usleep(100_000) }
        #expect(h.runtimeIDs().isEmpty)
        h.killAgent(SIGTERM)
    }

    @Test("the HTTPS API of a running agent: anonymous refused, a bearer token accepted; /pods, /stats/summary, /metrics/resource, /metrics, /healthz and /containerLogs show the pod")
    func httpsAPI() throws {
        let h = try AgentHarness()
        defer { h.cleanUp() }
        let tokens = try h.dir.write("tokens.csv", "e2e-token-123,admin,1,\"system:masters\"\n")
        try h.writeManifest("busy.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: busy}
            spec:
              hostNetwork: true
              terminationGracePeriodSeconds: 1
              containers:
              - {name: c, image: \(AgentHarness.image), imagePullPolicy: Never, command: [sh, -c, "echo hello; i=0; while [ $i -lt 200000000 ]; do i=$((i+1)); done; sleep 100000"]}
            """)
        try h.startAgent(extraArgs: ["--token-auth-file", tokens, "--housekeeping-interval", "1s"])
        try h.waitFor("busy-e2e-node", "running") { state(containerStatus($0, "c"))?["running"] != nil }
        let base = "https://127.0.0.1:\(h.apiPort)"
        func get(_ path: String, token: String? = "e2e-token-123") throws -> (code: String, body: String) {
            var args = ["-sk", "-o", "-", "-w", "\n%{http_code}", "--max-time", "10", base + path]
            if let token { args += ["-H", "Authorization: Bearer \(token)"] }
            let out = try runProcess("/usr/bin/curl", args)
            let lines = out.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            return (String(lines.last ?? ""), lines.dropLast().joined(separator: "\n"))
        }
        // The server comes up with the agent; give it a moment and a first stats round.
        var health = (code: "", body: "")
        for _ in 0..<50 where health.code != "200" {
            health = (try? get("/healthz")) ?? health
            usleep(100_000)
        }
        #expect(health.code == "200" && health.body == "ok", "healthz: \(health)")
        #expect(try get("/pods", token: nil).code == "401")
        #expect(try get("/pods", token: "wrong").code == "401")
        let pods = try get("/pods")
        #expect(pods.code == "200" && pods.body.contains("\"kind\":\"PodList\"") && pods.body.contains("busy-e2e-node"), "\(pods)")
        var summary: [String: Any] = [:]
        for _ in 0..<40 {
            let response = try get("/stats/summary")
            summary = (try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]) ?? [:]
            let podStats = (summary["pods"] as? [[String: Any]])?.first { (($0["podRef"] as? [String: Any])?["name"] as? String) == "busy-e2e-node" }
            let cpu = ((podStats?["containers"] as? [[String: Any]])?.first?["cpu"] as? [String: Any])?["usageCoreNanoSeconds"] as? Int
            if (cpu ?? 0) > 0 { break }
            usleep(250_000)
        }
        let podStats = (summary["pods"] as? [[String: Any]])?.first { (($0["podRef"] as? [String: Any])?["name"] as? String) == "busy-e2e-node" }
        #expect(podStats != nil, "summary: \(summary.keys)")
        #expect((((podStats?["containers"] as? [[String: Any]])?.first?["memory"] as? [String: Any])?["workingSetBytes"] as? Int ?? 0) > 0)
        #expect(((summary["node"] as? [String: Any])?["nodeName"] as? String) == "e2e-node")
        let resource = try get("/metrics/resource")
        #expect(resource.body.contains(#"container_cpu_usage_seconds_total{container="c",namespace="default",pod="busy-e2e-node"}"#), "\(resource.body.prefix(2000))")
        #expect(resource.body.contains("node_memory_working_set_bytes"))
        let metrics = try get("/metrics")
        #expect(metrics.code == "200" && metrics.body.contains("kubelet_running_pods"), "\(metrics.body.prefix(1000))")
        let logs = try get("/containerLogs/default/busy-e2e-node/c")
        #expect(logs.code == "200" && logs.body == "hello\n", "\(logs)")
        #expect(try get("/containerLogs/default/nope/c").code == "404")
        try h.removeManifest("busy.yaml")
        let gone = Date().addingTimeInterval(30)
        while !h.runtimeIDs().isEmpty, Date() < gone { usleep(100_000) }
        h.killAgent(SIGTERM)
    }

    @Test("probes on a real container: readiness (httpGet) flips Ready both ways; a failing liveness (exec) probe restarts the container with Unhealthy and Killing events")
    func probes() throws {
        let h = try AgentHarness()
        defer { h.cleanUp() }
        let port = try ImagePullCLITests.freePort()
        try h.writeManifest("probed.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: probed}
            spec:
              hostNetwork: true
              terminationGracePeriodSeconds: 1
              containers:
              - name: c
                image: \(AgentHarness.image)
                imagePullPolicy: Never
                command: [sh, -c, "mkdir -p /www && touch /www/ready /tmp/alive && exec httpd -f -p \(port) -h /www"]
                readinessProbe: {httpGet: {path: /ready, port: \(port)}, periodSeconds: 1, failureThreshold: 1}
                livenessProbe: {exec: {command: [cat, /tmp/alive]}, periodSeconds: 1, failureThreshold: 2}
                startupProbe: {tcpSocket: {port: \(port)}, periodSeconds: 1}
            """)
        try h.startAgent()
        func ready(_ pod: [String: Any]) -> Bool? { containerStatus(pod, "c")?["ready"] as? Bool }
        func podReady(_ pod: [String: Any]) -> String? {
            ((pod["status"] as? [String: Any])?["conditions"] as? [[String: Any]])?.first { $0["type"] as? String == "Ready" }?["status"] as? String
        }
        let up = try h.waitFor("probed-e2e-node", timeout: 60, "ready") { ready($0) == true }
        #expect(podReady(up) == "True")
        #expect(containerStatus(up, "c")?["started"] as? Bool == true)
        let id = String((containerStatus(up, "c")?["containerID"] as? String ?? "").dropFirst("swiftlet://".count))
        // Readiness fails when /ready goes away, and comes back with it.
        _ = try Swiftlet.run(["runtime", "--root", h.runtimeRoot, "exec", id, "--", "rm", "/www/ready"])
        let unready = try h.waitFor("probed-e2e-node", timeout: 30, "not ready") { ready($0) == false }
        #expect(podReady(unready) == "False")
        #expect(state(containerStatus(unready, "c"))?["running"] != nil, "readiness never restarts")
        _ = try Swiftlet.run(["runtime", "--root", h.runtimeRoot, "exec", id, "--", "touch", "/www/ready"])
        try h.waitFor("probed-e2e-node", timeout: 30, "ready again") { ready($0) == true && podReady($0) == "True" }
        // Liveness: the container is killed and restarted.
        _ = try Swiftlet.run(["runtime", "--root", h.runtimeRoot, "exec", id, "--", "rm", "/tmp/alive"])
        let restarted = try h.waitFor("probed-e2e-node", timeout: 60, "restarted") { pod in
            (containerStatus(pod, "c")?["restartCount"] as? Int ?? 0) >= 1 && ready(pod) == true
        }
        #expect(containerStatus(restarted, "c")?["containerID"] as? String != "swiftlet://" + id)
        var described = ""
        let deadline = Date().addingTimeInterval(10)
        while !described.contains("failed liveness probe"), Date() < deadline {
            described = try Swiftlet.run(["describe", "probed", "--root-dir", h.root]).stdout
            usleep(300_000)
        }
        #expect(described.range(of: #"Warning\s+Unhealthy\s+.*Liveness probe failed: "#, options: .regularExpression) != nil, "\(described)")
        #expect(described.range(of: #"Warning\s+Unhealthy\s+.*Readiness probe failed: "#, options: .regularExpression) != nil, "\(described)")
        #expect(described.contains("Container c failed liveness probe, will be restarted"), "\(described)")
        try h.removeManifest("probed.yaml")
        let gone = Date().addingTimeInterval(30)
        while !h.runtimeIDs().isEmpty, Date() < gone { usleep(100_000) }
        h.killAgent(SIGTERM)
    }

    @Test("shareProcessNamespace: containers see each other's processes with the pause process as PID 1; it survives kill -9 of the agent and goes with the pod")
    func sharedProcessNamespace() throws {
        let h = try AgentHarness()
        defer { h.cleanUp() }
        try h.writeManifest("shared.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: shared}
            spec:
              hostNetwork: true
              shareProcessNamespace: true
              terminationGracePeriodSeconds: 2
              containers:
              - {name: a, image: \(AgentHarness.image), imagePullPolicy: Never, command: [sleep, "1001"]}
              - name: b
                image: \(AgentHarness.image)
                imagePullPolicy: Never
                command: [sh, -c, "until ps -o args | grep -qx 'sleep 1001'; do sleep 0.2; done; echo saw a; tr '\\\\0' ' ' < /proc/1/cmdline; echo; sleep 1002"]
            """)
        try h.startAgent()
        let running = try h.waitFor("shared-e2e-node", "both running") { pod in
            state(containerStatus(pod, "a"))?["running"] != nil && state(containerStatus(pod, "b"))?["running"] != nil
        }
        let podUID = uid(running)
        let logPath = h.dir.file("logs/default_shared-e2e-node_\(podUID)/b/0.log")
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while !text.contains("--pause"), Date() < deadline {
            text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            usleep(100_000)
        }
        let lines = text.split(separator: "\n").map { $0.split(separator: " ", maxSplits: 3).last.map(String.init) ?? "" }
        #expect(lines.first == "saw a", "b's log: \(text)")
        #expect(lines.dropFirst().first?.hasPrefix("swiftlet-pause --pause") == true, "PID 1 of the pod: \(text)")
        let recordPath = h.dir.file("run/podns/\(podUID).pause")
        let record = (try? String(contentsOfFile: recordPath, encoding: .utf8)) ?? ""
        let pausePid = try #require(record.split(separator: " ").first.flatMap { Int32($0) }, "pause record: \(record)")
        #expect(kill(pausePid, 0) == 0)

        h.killAgent(SIGKILL)
        try h.startAgent()
        usleep(1_500_000)
        let adopted = try h.waitFor("shared-e2e-node", "re-adopted") { state(containerStatus($0, "b"))?["running"] != nil }
        for name in ["a", "b"] {
            #expect(containerStatus(adopted, name)?["restartCount"] as? Int == 0, "\(name) restarted")
            #expect(containerStatus(adopted, name)?["containerID"] as? String == containerStatus(running, name)?["containerID"] as? String)
        }
        #expect((try? String(contentsOfFile: recordPath, encoding: .utf8)) == record, "the same pause process is kept")

        try h.removeManifest("shared.yaml")
        let gone = Date().addingTimeInterval(30)
        while FileManager.default.fileExists(atPath: h.dir.file("root/pods/\(podUID)")), Date() < gone { usleep(100_000) }
        #expect(h.runtimeIDs().isEmpty)
        usleep(200_000)
        // Gone, or a zombie waiting for the node's init to reap it.
        let stat = (try? String(contentsOfFile: "/proc/\(pausePid)/stat", encoding: .utf8)) ?? ""
        let pauseState = stat.split(separator: ")").last?.split(separator: " ").first
        #expect(stat.isEmpty || pauseState == "Z", "pause process \(pausePid) left: \(stat)")
        let podns = (try? FileManager.default.contentsOfDirectory(atPath: h.dir.file("run/podns"))) ?? []
        #expect(podns.isEmpty, "pod namespaces left: \(podns)")
        for cg in Self.podCgroupDirs(uid: podUID) {
            #expect(!FileManager.default.fileExists(atPath: cg), "cgroup left: \(cg)")
        }
        h.killAgent(SIGTERM)
    }

    @Test("two containers share an emptyDir and the host's localhost; a downwardAPI volume shows the pod's labels; volumes are gone after the pod")
    func sharedVolumes() throws {
        let h = try AgentHarness()
        defer { h.cleanUp() }
        try h.writeManifest("shared.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: shared, labels: {app: demo, tier: web}}
            spec:
              hostNetwork: true
              terminationGracePeriodSeconds: 2
              volumes:
              - {name: data, emptyDir: {}}
              - {name: mem, emptyDir: {medium: Memory, sizeLimit: 8Mi}}
              - name: info
                downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}
              containers:
              - name: writer
                image: \(AgentHarness.image)
                imagePullPolicy: Never
                command: [sh, -c, "echo hello from writer > /data/msg; df -k /mem | tail -1 > /data/memfs; sleep 1000"]
                volumeMounts: [{name: data, mountPath: /data}, {name: mem, mountPath: /mem}]
              - name: reader
                image: \(AgentHarness.image)
                imagePullPolicy: Never
                command: [sh, -c, "while [ ! -s /in/msg ]; do sleep 0.1; done; cat /in/msg; cat /info/labels; echo; touch /info/x 2>/dev/null || echo read-only; sleep 1000"]
                volumeMounts: [{name: data, mountPath: /in, readOnly: true}, {name: info, mountPath: /info}]
            """)
        try h.startAgent()
        let running = try h.waitFor("shared-e2e-node", "both running") { pod in
            state(containerStatus(pod, "writer"))?["running"] != nil && state(containerStatus(pod, "reader"))?["running"] != nil
        }
        let podUID = uid(running)
        let logPath = h.dir.file("logs/default_shared-e2e-node_\(podUID)/reader/0.log")
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while !text.contains("read-only"), Date() < deadline {
            text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            usleep(100_000)
        }
        let lines = text.split(separator: "\n").map { $0.split(separator: " ", maxSplits: 3).last.map(String.init) ?? "" }
        #expect(lines == ["hello from writer", "app=\"demo\"", "tier=\"web\"", "read-only"], "reader log: \(text)")
        let emptyDir = h.dir.file("root/pods/\(podUID)/volumes/kubernetes.io~empty-dir/data")
        #expect((try? String(contentsOfFile: emptyDir + "/msg", encoding: .utf8)) == "hello from writer\n")
        let memfs = (try? String(contentsOfFile: emptyDir + "/memfs", encoding: .utf8)) ?? ""
        #expect(memfs.split(separator: " ").dropFirst().first == "8192", "tmpfs of 8Mi: \(memfs)")

        try h.removeManifest("shared.yaml")
        let gone = Date().addingTimeInterval(30)
        while FileManager.default.fileExists(atPath: h.dir.file("root/pods/\(podUID)")), Date() < gone { usleep(50_000) }
        #expect(!FileManager.default.fileExists(atPath: h.dir.file("root/pods/\(podUID)")))
        let mounts = (FileHandle(forReadingAtPath: "/proc/self/mountinfo").map { String(decoding: $0.readDataToEndOfFile(), as: UTF8.self) }) ?? ""
        #expect(!mounts.contains(h.dir.file("root/pods")), "volume mounts left")
        #expect(h.runtimeIDs().isEmpty)
        h.killAgent(SIGTERM)
    }

    @Test("a chatty container's log rotates at containerLogMaxSize: at most containerLogMaxFiles files, and the live one keeps receiving lines")
    func logRotation() throws {
        let h = try AgentHarness()
        defer { h.cleanUp() }
        try h.writeManifest("chatty.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: chatty}
            spec:
              hostNetwork: true
              terminationGracePeriodSeconds: 1
              containers:
              - {name: c, image: \(AgentHarness.image), imagePullPolicy: Never, command: [sh, -c, "i=0; while true; do i=$((i+1)); echo line $i; sleep 0.005; done"]}
            """)
        try h.startAgent()
        let running = try h.waitFor("chatty-e2e-node", "running") { state(containerStatus($0, "c"))?["running"] != nil }
        let dir = h.dir.file("logs/default_chatty-e2e-node_\(uid(running))/c")
        var rotated: [String] = []
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            rotated = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("0.log.") }.sorted()
            if rotated.count >= 2 { break }
            usleep(200_000)
        }
        #expect(rotated.count == 2, "rotated files: \(rotated)")
        sleep(3)
        // A listing taken mid-rotation (a .tmp, or before compression) is taken again.
        var files: [String] = []
        for _ in 0..<20 {
            files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
            if !files.contains(where: { $0.hasSuffix(".tmp") }), files.filter({ $0.hasPrefix("0.log.") && !$0.hasSuffix(".gz") }).count == 1 { break }
            usleep(50_000)
        }
        #expect(files.count <= 3 && files.contains("0.log"), "files: \(files)")
        // The live file is fresh and still written; the newest rotated one ends where it begins.
        let live = (try? String(contentsOfFile: dir + "/0.log", encoding: .utf8)) ?? ""
        #expect(!live.isEmpty)
        let newest = files.filter { $0.hasPrefix("0.log.") }.last.map { (try? String(contentsOfFile: dir + "/" + $0, encoding: .utf8)) ?? "" } ?? ""
        func number(_ line: Substring?) -> Int? { line.flatMap { $0.split(separator: " ").last }.flatMap { Int($0) } }
        let lastRotated = number(newest.split(separator: "\n").last)
        let firstLive = number(live.split(separator: "\n").first)
        if let lastRotated, let firstLive { #expect(firstLive == lastRotated + 1, "no line lost: \(lastRotated) then \(firstLive)") }
        // The older rotated file is gzipped, as kubelet does, and ends where the newest begins.
        let rotatedNow = files.filter { $0.hasPrefix("0.log.") }
        #expect(rotatedNow.count == 2 && rotatedNow.first?.hasSuffix(".gz") == true && rotatedNow.last?.hasSuffix(".gz") == false, "files: \(files)")
        if let gz = rotatedNow.first, gz.hasSuffix(".gz") {
            let unzipped = try runProcess("/bin/gzip", ["-dc", dir + "/" + gz])
            #expect(unzipped.status == 0, "gzip -dc: \(unzipped.stderr)")
            let lastOld = number(unzipped.stdout.split(separator: "\n").last)
            let firstNewest = number(newest.split(separator: "\n").first)
            #expect(lastOld != nil && firstNewest == lastOld.map { $0 + 1 }, "no line lost in compression: \(String(describing: lastOld)) then \(String(describing: firstNewest))")
        }
        try h.removeManifest("chatty.yaml")
        let gone = Date().addingTimeInterval(30)
        while !h.runtimeIDs().isEmpty, Date() < gone { usleep(100_000) }
        h.killAgent(SIGTERM)
    }

    @Test("a command that does not exist ends in StartError (128) and CrashLoopBackOff; a failing postStart hook kills its container")
    func badCommandAndPostStart() throws {
        let h = try AgentHarness()
        defer { h.cleanUp() }
        try h.writeManifest("bad.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: bad}
            spec:
              hostNetwork: true
              containers:
              - {name: c, image: \(AgentHarness.image), imagePullPolicy: Never, command: [/no/such/binary]}
            """)
        try h.writeManifest("hook.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: hook}
            spec:
              hostNetwork: true
              restartPolicy: Never
              containers:
              - name: c
                image: \(AgentHarness.image)
                imagePullPolicy: Never
                command: [sleep, "1000"]
                lifecycle: {postStart: {exec: {command: [sh, -c, "echo hook says no; exit 2"]}}}
            """)
        try h.startAgent()
        let bad = try h.waitFor("bad-e2e-node", "CrashLoopBackOff") { pod in
            (state(containerStatus(pod, "c"))?["waiting"] as? [String: Any])?["reason"] as? String == "CrashLoopBackOff"
        }
        let last = ((containerStatus(bad, "c")?["lastState"] as? [String: Any])?["terminated"]) as? [String: Any]
        #expect(last?["reason"] as? String == "StartError" && last?["exitCode"] as? Int == 128, "\(String(describing: last))")
        #expect((last?["message"] as? String)?.contains("/no/such/binary") == true, "\(String(describing: last))")

        let hook = try h.waitFor("hook-e2e-node", "killed by its hook") { state(containerStatus($0, "c"))?["terminated"] != nil }
        let terminated = state(containerStatus(hook, "c"))?["terminated"] as? [String: Any]
        #expect(terminated?["exitCode"] as? Int == 137)
        #expect((terminated?["message"] as? String)?.contains("PostStartHookError") == true, "\(String(describing: terminated))")
        #expect((terminated?["message"] as? String)?.contains("hook says no") == true)
        #expect(phase(hook) == "Failed")
        try h.removeManifest("bad.yaml")
        try h.removeManifest("hook.yaml")
        let gone = Date().addingTimeInterval(30)
        while !h.runtimeIDs().isEmpty, Date() < gone { usleep(100_000) }
        #expect(h.runtimeIDs().isEmpty)
        h.killAgent(SIGTERM)
    }

    @Test("networking: an httpd pod answers on its pod IP and on its hostPort; its two containers share localhost; the bridge, chains and netns go with the last pod")
    func networking() throws {
        let h = try AgentHarness()
        defer { h.cleanUp() }
        let (bridge, _) = try h.writeCNIConfig()
        let hostPort = Int.random(in: 20000..<30000)
        try h.writeManifest("web.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: web}
            spec:
              terminationGracePeriodSeconds: 1
              hostAliases: [{ip: 10.9.9.9, hostnames: [db.local]}]
              initContainers:
              - name: content
                image: \(AgentHarness.image)
                imagePullPolicy: Never
                command: [sh, -c, "echo hello from the pod > /www/index.html"]
                volumeMounts: [{name: www, mountPath: /www}]
              containers:
              - name: httpd
                image: \(AgentHarness.image)
                imagePullPolicy: Never
                command: [httpd, -f, -p, "8080", -h, /www]
                ports: [{containerPort: 8080, hostPort: \(hostPort)}]
                volumeMounts: [{name: www, mountPath: /www}]
              - name: client
                image: \(AgentHarness.image)
                imagePullPolicy: Never
                command: [sh, -c, "until wget -qO- http://127.0.0.1:8080/; do sleep 0.2; done; hostname; grep db.local /etc/hosts; sleep 1000"]
              volumes: [{name: www, emptyDir: {}}]
            """)
        try h.startAgent()
        let running = try h.waitFor("web-e2e-node", "running with an IP") { pod in
            state(containerStatus(pod, "httpd"))?["running"] != nil && ((pod["status"] as? [String: Any])?["podIP"] as? String) != nil
        }
        let podIP = try #require((running["status"] as? [String: Any])?["podIP"] as? String)
        var byIP = try runProcess("/usr/bin/curl", ["-s", "--max-time", "5", "http://\(podIP):8080/"])
        for _ in 0..<20 where byIP.stdout.isEmpty {
            usleep(200_000)
            byIP = try runProcess("/usr/bin/curl", ["-s", "--max-time", "5", "http://\(podIP):8080/"])
        }
        #expect(byIP.stdout == "hello from the pod\n", "via pod IP \(podIP): \(byIP.stdout) \(byIP.stderr)")
        let byPort = try runProcess("/usr/bin/curl", ["-s", "--max-time", "5", "http://127.0.0.1:\(hostPort)/"])
        #expect(byPort.stdout == "hello from the pod\n", "via hostPort \(hostPort): \(byPort.stdout) \(byPort.stderr)")

        let logPath = h.dir.file("logs/default_web-e2e-node_\(uid(running))/client/0.log")
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while !text.contains("db.local"), Date() < deadline {
            text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            usleep(100_000)
        }
        let lines = text.split(separator: "\n").map { $0.split(separator: " ", maxSplits: 3).last.map(String.init) ?? "" }
        #expect(lines.first == "hello from the pod", "client log: \(text)")
        #expect(lines.dropFirst().first == "web-e2e-node")
        #expect(lines.last?.hasPrefix("10.9.9.9") == true && lines.last?.contains("db.local") == true)
        // Both containers are in the pod's IPC and UTS namespaces (the files under run/podns).
        let ids = running["status"].flatMap { ($0 as? [String: Any])?["containerStatuses"] as? [[String: Any]] } ?? []
        var seen: Set<String> = []
        for c in ids {
            guard let cid = (c["containerID"] as? String)?.dropFirst("swiftlet://".count) else { continue }
            let out = try Swiftlet.run(["runtime", "--root", h.runtimeRoot, "exec", String(cid), "--", "sh", "-c", "readlink /proc/self/ns/ipc; readlink /proc/self/ns/uts; hostname"])
            seen.insert(out.stdout + out.stderr)
        }
        #expect(seen.count == 1 && seen.first?.contains("ipc:[") == true && seen.first?.hasSuffix("web-e2e-node\n") == true, "namespaces: \(seen) \(ids.count)")

        try h.removeManifest("web.yaml")
        let gone = Date().addingTimeInterval(30)
        while FileManager.default.fileExists(atPath: h.dir.file("root/pods/\(uid(running))")), Date() < gone { usleep(100_000) }
        #expect(h.runtimeIDs().isEmpty)
        let link = try runProcess("/sbin/ip", ["link", "show", bridge])
        #expect(link.status != 0, "bridge \(bridge) left: \(link.stdout)")
        let netns = (try? FileManager.default.contentsOfDirectory(atPath: h.dir.file("run/netns"))) ?? []
        #expect(netns.isEmpty, "netns left: \(netns)")
        let podns = (try? FileManager.default.contentsOfDirectory(atPath: h.dir.file("run/podns"))) ?? []
        #expect(podns.isEmpty, "pod namespaces left: \(podns)")
        let chains = try runProcess("/usr/sbin/iptables-save", ["-t", "nat"])
        #expect(!chains.stdout.contains(uid(running)), "chains for the pod left")
        h.killAgent(SIGTERM)
    }

    @Test("sidecars start in order between init containers and stop after the app; a container over its memory limit ends OOMKilled (137)")
    func sidecarOrderAndOOM() throws {
        let h = try AgentHarness()
        defer { h.cleanUp() }
        let shared = h.dir.file("shared")
        let step = { (name: String) in "echo \(name) >> /shared/order" }
        try h.writeManifest("order.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: order}
            spec:
              hostNetwork: true
              terminationGracePeriodSeconds: 10
              volumes: [{name: shared, hostPath: {path: \(shared), type: DirectoryOrCreate}}]
              initContainers:
              - {name: init-a, image: \(AgentHarness.image), imagePullPolicy: Never, command: [sh, -c, "\(step("init-a"))"], volumeMounts: [{name: shared, mountPath: /shared}]}
              - name: sidecar
                image: \(AgentHarness.image)
                imagePullPolicy: Never
                restartPolicy: Always
                command: [sh, -c, "\(step("sidecar start")); trap '\(step("sidecar stop")); exit 0' TERM; while true; do sleep 0.1; done"]
                volumeMounts: [{name: shared, mountPath: /shared}]
              - {name: init-b, image: \(AgentHarness.image), imagePullPolicy: Never, command: [sh, -c, "\(step("init-b"))"], volumeMounts: [{name: shared, mountPath: /shared}]}
              containers:
              - name: app
                image: \(AgentHarness.image)
                imagePullPolicy: Never
                command: [sh, -c, "\(step("app start")); trap 'sleep 0.5; \(step("app stop")); exit 0' TERM; while true; do sleep 0.1; done"]
                volumeMounts: [{name: shared, mountPath: /shared}]
            """)
        try h.writeManifest("oom.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: oom}
            spec:
              hostNetwork: true
              restartPolicy: Never
              containers:
              - name: c
                image: \(AgentHarness.image)
                imagePullPolicy: Never
                command: [sh, -c, "head -c 200m /dev/zero | tail > /dev/null"]
                resources: {limits: {memory: 16Mi}}
            """)
        try h.startAgent()
        let running = try h.waitFor("order-e2e-node", "app running") { state(containerStatus($0, "app"))?["running"] != nil }
        #expect(phase(running) == "Running")
        let oom = try h.waitFor("oom-e2e-node", "terminated") { state(containerStatus($0, "c"))?["terminated"] != nil }
        let terminated = state(containerStatus(oom, "c"))?["terminated"] as? [String: Any]
        #expect(terminated?["reason"] as? String == "OOMKilled" && terminated?["exitCode"] as? Int == 137, "\(String(describing: terminated))")
        #expect(phase(oom) == "Failed")

        try h.removeManifest("order.yaml")
        try h.removeManifest("oom.yaml")
        let gone = Date().addingTimeInterval(40)
        while !h.runtimeIDs().isEmpty, Date() < gone { usleep(100_000) }
        let order = (try? String(contentsOfFile: shared + "/order", encoding: .utf8)) ?? ""
        #expect(order == "init-a\nsidecar start\ninit-b\napp start\napp stop\nsidecar stop\n", "order: \(order)")
        h.killAgent(SIGTERM)
    }

    @Test("an agent killed halfway through removing a pod: the next agent releases the orphaned netns, CNI attachment, bridge and cgroup")
    func orphanCleanup() throws {
        let h = try AgentHarness()
        defer { h.cleanUp() }
        let (bridge, _) = try h.writeCNIConfig()
        try h.writeManifest("o.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: o}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - {name: c, image: \(AgentHarness.image), imagePullPolicy: Never, command: [sleep, "1000"]}
            """)
        try h.startAgent()
        let running = try h.waitFor("o-e2e-node", "running") { state(containerStatus($0, "c"))?["running"] != nil }
        let podUID = uid(running)
        #expect(FileManager.default.fileExists(atPath: h.dir.file("run/netns/\(podUID)")))
        // The agent dies after the containers and the pod dir went, before the network did.
        h.killAgent(SIGKILL)
        try h.removeManifest("o.yaml")
        for id in h.runtimeIDs() { _ = try Swiftlet.run(["runtime", "--root", h.runtimeRoot, "delete", "--force", id]) }
        let mounts = (FileHandle(forReadingAtPath: "/proc/self/mountinfo").map { String(decoding: $0.readDataToEndOfFile(), as: UTF8.self) }) ?? ""
        for point in mounts.split(separator: "\n").compactMap({ $0.split(separator: " ").dropFirst(4).first.map(String.init) })
            .filter({ $0.contains("/root/pods/\(podUID)") }).sorted(by: >) {
            _ = umount2(point, 2)
        }
        try FileManager.default.removeItem(atPath: h.dir.file("root/pods/\(podUID)"))
        try h.startAgent()
        let deadline = Date().addingTimeInterval(20)
        while FileManager.default.fileExists(atPath: h.dir.file("run/netns/\(podUID)")), Date() < deadline { usleep(100_000) }
        #expect(!FileManager.default.fileExists(atPath: h.dir.file("run/netns/\(podUID)")), "netns left")
        var bridgeGone = false
        while !bridgeGone, Date() < deadline {
            bridgeGone = try runProcess("/sbin/ip", ["link", "show", bridge]).status != 0
            if !bridgeGone { usleep(100_000) }
        }
        #expect(bridgeGone, "bridge \(bridge) left")
        for cg in Self.podCgroupDirs(uid: podUID) { #expect(!FileManager.default.fileExists(atPath: cg), "cgroup left: \(cg)") }
        h.killAgent(SIGTERM)
    }

    @Test("an image no registry can give ends in ErrImagePull, then ImagePullBackOff (the registry is a closed port on loopback)")
    func imagePullBackOff() throws {
        let h = try AgentHarness()
        defer { h.cleanUp() }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        close(fd)  // nothing listens there now
        let port = UInt16(bigEndian: addr.sin_port)
        try h.writeManifest("missing.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: missing}
            spec:
              hostNetwork: true
              containers:
              - {name: c, image: "127.0.0.1:\(port)/nothing/here:1"}
            """)
        try h.startAgent()
        var reasons: [String] = []
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, !reasons.contains("ImagePullBackOff") {
            if let pod = h.statuses()["missing-e2e-node"],
               let reason = (state(containerStatus(pod, "c"))?["waiting"] as? [String: Any])?["reason"] as? String,
               reasons.last != reason {
                reasons.append(reason)
            }
            usleep(50_000)
        }
        #expect(reasons.contains("ErrImagePull"), "reasons seen: \(reasons)")
        #expect(reasons.last == "ImagePullBackOff", "reasons seen: \(reasons)")
        #expect(h.runtimeIDs().isEmpty)
        try h.removeManifest("missing.yaml")
        h.killAgent(SIGTERM)
    }
}
