import Foundation
import SwiftletAPI
import Testing
@testable import SwiftletAgent

private func running(_ name: String, started: Bool? = true) -> ContainerStatus {
    ContainerStatus(name: name, state: ContainerState(running: ContainerStateRunning()), started: started)
}
private func exited(_ name: String, _ code: Int32) -> ContainerStatus {
    ContainerStatus(name: name, state: ContainerState(terminated: ContainerStateTerminated(exitCode: code)))
}
private func waiting(_ name: String, lastExit: Int32? = nil) -> ContainerStatus {
    ContainerStatus(
        name: name, state: ContainerState(waiting: ContainerStateWaiting(reason: "CrashLoopBackOff")),
        lastState: lastExit.map { ContainerState(terminated: ContainerStateTerminated(exitCode: $0)) })
}
private func spec(_ policy: String?, init inits: [Container] = [], apps: [String]) -> PodSpec {
    var spec = PodSpec(containers: apps.map { Container(name: $0, image: "busybox") })
    spec.restartPolicy = policy
    spec.initContainers = inits.isEmpty ? nil : inits
    return spec
}
private func sidecar(_ name: String) -> Container {
    var c = Container(name: name, image: "busybox")
    c.restartPolicy = "Always"
    return c
}

@Suite("Pod phase, as kubelet's getPhase derives it")
struct PodPhaseTests {
    @Test("no statuses yet, or a container still waiting to start: Pending")
    func pending() {
        #expect(PodPhaseRule.phase(spec: spec(nil, apps: ["a"]), statuses: []) == "Pending")
        #expect(PodPhaseRule.phase(spec: spec(nil, apps: ["a", "b"]), statuses: [running("a"), waiting("b")]) == "Pending")
    }

    @Test("all started and one running: Running; all exited under Always: Running (restarting)")
    func runningPhase() {
        #expect(PodPhaseRule.phase(spec: spec(nil, apps: ["a", "b"]), statuses: [running("a"), exited("b", 0)]) == "Running")
        #expect(PodPhaseRule.phase(spec: spec("Always", apps: ["a"]), statuses: [exited("a", 1)]) == "Running")
        #expect(PodPhaseRule.phase(spec: spec("Always", apps: ["a"]), statuses: [waiting("a", lastExit: 1)]) == "Running")
    }

    @Test("all exited: Succeeded when all exited 0; Failed under Never with a failure; Running under OnFailure with a failure")
    func terminal() {
        #expect(PodPhaseRule.phase(spec: spec("Never", apps: ["a", "b"]), statuses: [exited("a", 0), exited("b", 0)]) == "Succeeded")
        #expect(PodPhaseRule.phase(spec: spec("OnFailure", apps: ["a"]), statuses: [exited("a", 0)]) == "Succeeded")
        #expect(PodPhaseRule.phase(spec: spec("Never", apps: ["a", "b"]), statuses: [exited("a", 0), exited("b", 2)]) == "Failed")
        #expect(PodPhaseRule.phase(spec: spec("OnFailure", apps: ["a"]), statuses: [exited("a", 2)]) == "Running")
    }

    @Test("init containers: running or not started keeps Pending; a failed one fails a Never pod, and retries otherwise")
    func initContainers() {
        let inits = [Container(name: "i1", image: "busybox"), Container(name: "i2", image: "busybox")]
        #expect(PodPhaseRule.phase(spec: spec("Always", init: inits, apps: ["a"]), statuses: [running("i1")]) == "Pending")
        #expect(PodPhaseRule.phase(spec: spec("Always", init: inits, apps: ["a"]), statuses: [exited("i1", 0)]) == "Pending")
        #expect(PodPhaseRule.phase(spec: spec("Never", init: inits, apps: ["a"]), statuses: [exited("i1", 1)]) == "Failed")
        #expect(PodPhaseRule.phase(spec: spec("OnFailure", init: inits, apps: ["a"]), statuses: [waiting("i1", lastExit: 1)]) == "Pending")
        #expect(PodPhaseRule.phase(spec: spec("Always", init: inits, apps: ["a"]),
                                   statuses: [exited("i1", 0), exited("i2", 0), running("a")]) == "Running")
    }

    @Test("sidecars: running but not started keeps Pending; a sidecar that stopped does not decide the phase")
    func sidecars() {
        let s = spec("Never", init: [sidecar("log")], apps: ["a"])
        #expect(PodPhaseRule.phase(spec: s, statuses: [running("log", started: false)]) == "Pending")
        #expect(PodPhaseRule.phase(spec: s, statuses: [running("log"), running("a")]) == "Running")
        #expect(PodPhaseRule.phase(spec: s, statuses: [exited("log", 137), exited("a", 0)]) == "Succeeded")
        // A sidecar restarting after the app started does not send the pod back to Pending.
        #expect(PodPhaseRule.phase(spec: spec("Always", init: [sidecar("log")], apps: ["a"]),
                                   statuses: [running("log", started: false), running("a")]) == "Running")
    }

    @Test("a pod being terminated takes a terminal phase, except a static pod")
    func terminalPods() {
        let s = spec("Always", apps: ["a"])
        #expect(PodPhaseRule.phase(spec: s, statuses: [exited("a", 143)], podIsTerminal: true) == "Failed")
        #expect(PodPhaseRule.phase(spec: s, statuses: [exited("a", 0)], podIsTerminal: true) == "Succeeded")
        #expect(PodPhaseRule.phase(spec: s, statuses: [exited("a", 143)], podIsTerminal: true, isStatic: true) == "Running")
    }
}

@Suite("CrashLoopBackOff, kubelet's container restart backoff")
struct CrashLoopBackoffTests {
    @Test("the first exit restarts at once; later exits wait 10, 20, 40 … seconds capped at 300, measured from the finish")
    func sequence() {
        var backoff = CrashLoopBackoff()
        var now = Date(timeIntervalSince1970: 1_000_000)
        #expect(backoff.restartTime(key: "c", finishedAt: now, now: now) == nil)
        var waits: [TimeInterval] = []
        for _ in 0..<8 {
            now += 1  // the container runs one second and crashes again
            let finished = now
            guard let until = backoff.restartTime(key: "c", finishedAt: finished, now: now) else {
                Issue.record("no backoff after a repeated crash")
                return
            }
            waits.append(until.timeIntervalSince(finished))
            // Asking again before the time is up changes nothing.
            #expect(backoff.restartTime(key: "c", finishedAt: finished, now: until - 1) == until)
            now = until
            #expect(backoff.restartTime(key: "c", finishedAt: finished, now: now) == nil)
        }
        #expect(waits == [10, 20, 40, 80, 160, 300, 300, 300])
    }

    @Test("ten minutes of clean running resets the backoff to 10 s; keys are independent")
    func reset() {
        var backoff = CrashLoopBackoff()
        let t0 = Date(timeIntervalSince1970: 2_000_000)
        _ = backoff.restartTime(key: "a", finishedAt: t0, now: t0)
        _ = backoff.restartTime(key: "a", finishedAt: t0 + 1, now: t0 + 11)  // 10 s, then armed to 20
        #expect(backoff.currentBackoff(key: "a") == 20)
        // Ran cleanly from t0+11 for 11 minutes.
        let late = t0 + 11 + 660
        #expect(backoff.restartTime(key: "a", finishedAt: late, now: late) == nil)
        #expect(backoff.currentBackoff(key: "a") == 10)
        #expect(backoff.currentBackoff(key: "b") == 0)
        #expect(backoff.restartTime(key: "b", finishedAt: late, now: late) == nil)
    }

    @Test("restart rules: Always restarts everything, OnFailure only failures, Never nothing; sidecars always")
    func rules() {
        #expect(RestartRule.shouldRestart(exitCode: 0, podRestartPolicy: nil))
        #expect(RestartRule.shouldRestart(exitCode: 0, podRestartPolicy: "Always"))
        #expect(!RestartRule.shouldRestart(exitCode: 0, podRestartPolicy: "OnFailure"))
        #expect(RestartRule.shouldRestart(exitCode: 1, podRestartPolicy: "OnFailure"))
        #expect(!RestartRule.shouldRestart(exitCode: 1, podRestartPolicy: "Never"))
        #expect(RestartRule.shouldRestart(exitCode: 0, podRestartPolicy: "Never", containerRestartPolicy: "Always"))
        #expect(RestartRule.shouldRetryInit(exitCode: 1, podRestartPolicy: "Always"))
        #expect(RestartRule.shouldRetryInit(exitCode: 1, podRestartPolicy: "OnFailure"))
        #expect(!RestartRule.shouldRetryInit(exitCode: 1, podRestartPolicy: "Never"))
        #expect(!RestartRule.shouldRetryInit(exitCode: 0, podRestartPolicy: "Always"))
    }

    @Test("the manual clock wakes sleepers only when advanced past their deadline")
    func manualClock() async throws {
        let clock = ManualClock()
        let start = clock.now()
        let task = Task { try await clock.sleep(until: start + 10); return clock.now() }
        while clock.pendingDeadlines.isEmpty { await Task.yield() }
        clock.advance(by: 5)
        #expect(clock.pendingDeadlines == [start + 10])
        clock.advance(by: 5)
        #expect(try await task.value == start + 10)
        let cancelled = Task { try await clock.sleep(until: start + 100) }
        while clock.pendingDeadlines.isEmpty { await Task.yield() }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
    }
}

@Suite("Static pod identity, as kubelet's file source sets it")
struct StaticPodIdentityTests {
    func pod(_ yaml: String) throws -> Pod {
        let result = PodManifestReader.read(Data(yaml.utf8))
        return try #require(result.documents.first?.pod)
    }

    @Test("name gets -<node>, namespace defaults, UID is stable for the same node, file and content, and changes with any of them")
    func identity() throws {
        let base = try pod("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: c\n    image: busybox\n")
        var a = base
        StaticPodIdentity.apply(to: &a, nodeName: "Node1", file: "/etc/swiftlet/manifests/web.yaml")
        #expect(a.metadata.name == "web-node1")
        #expect(a.metadata.namespace == "default")
        #expect(a.spec.nodeName == "node1")
        let uid = try #require(a.metadata.uid)
        #expect(uid.count == 32 && uid.allSatisfy(\.isHexDigit))
        #expect(a.metadata.annotations?["kubernetes.io/config.hash"] == uid)
        #expect(a.metadata.annotations?["kubernetes.io/config.source"] == "file")
        #expect(a.metadata.annotations?["kubernetes.io/config.seen"] != nil)
        #expect(a.spec.tolerations?.contains { $0.operator == "Exists" && $0.effect == "NoExecute" } == true)
        #expect(StaticPodIdentity.isStatic(a))

        var same = base
        StaticPodIdentity.apply(to: &same, nodeName: "node1", file: "/etc/swiftlet/manifests/web.yaml")
        #expect(same.metadata.uid == uid)
        var otherFile = base
        StaticPodIdentity.apply(to: &otherFile, nodeName: "node1", file: "/etc/swiftlet/manifests/web2.yaml")
        #expect(otherFile.metadata.uid != uid)
        var edited = base
        edited.spec.containers[0].image = "busybox:1.36"
        StaticPodIdentity.apply(to: &edited, nodeName: "node1", file: "/etc/swiftlet/manifests/web.yaml")
        #expect(edited.metadata.uid != uid)

        var explicit = try pod("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: kube-system\n  uid: fixed-uid\nspec:\n  containers:\n  - name: c\n    image: busybox\n")
        StaticPodIdentity.apply(to: &explicit, nodeName: "node1", file: "/m/web.yaml")
        #expect(explicit.metadata.uid == "fixed-uid")
        #expect(explicit.metadata.namespace == "kube-system")
    }
}

@Suite("CRI log reading and kubectl's STATUS column")
struct NodeToolsTests {
    @Test("partial (P) lines join until their full (F) line, per stream; a line split across reads waits for its end; other lines are skipped")
    func criLog() {
        var reader = CRILogReader()
        let first = reader.feed("2026-01-01T00:00:00.1Z stdout P hel\n2026-01-01T00:00:00.2Z stderr F oops\nnot a CRI line\n2026-01-01T00:00:00.3Z stdout F lo\n2026-01-01T00:00:00.4Z std".utf8)
        #expect(first == [
            CRILogReader.Line(time: "2026-01-01T00:00:00.2Z", stream: "stderr", content: "oops"),
            CRILogReader.Line(time: "2026-01-01T00:00:00.1Z", stream: "stdout", content: "hello"),
        ])
        let second = reader.feed("out F  two  spaces\n".utf8)
        #expect(second == [CRILogReader.Line(time: "2026-01-01T00:00:00.4Z", stream: "stdout", content: " two  spaces")])
        // A character split between two reads stays whole.
        let bytes = Array("2026-01-01T00:00:00.5Z stdout F héllo\n".utf8)
        let cut = bytes.firstIndex(of: 0xC3)! + 1
        #expect(reader.feed(bytes[..<cut]).isEmpty)
        #expect(reader.feed(bytes[cut...]) == [CRILogReader.Line(time: "2026-01-01T00:00:00.5Z", stream: "stdout", content: "héllo")])
    }

    @Test("STATUS shows init progress, waiting reasons and terminations as kubectl does")
    func status() throws {
        var pod = Pod(metadata: ObjectMeta(name: "p"), spec: PodSpec(containers: [Container(name: "a", image: "x")]))
        pod.spec.initContainers = [Container(name: "i", image: "x")]
        pod.status.phase = "Pending"
        pod.status.initContainerStatuses = [ContainerStatus(name: "i", state: ContainerState(running: ContainerStateRunning()))]
        #expect(NodePods.displayStatus(pod) == "Init:0/1")
        pod.status.initContainerStatuses = [ContainerStatus(name: "i", state: ContainerState(terminated: ContainerStateTerminated(exitCode: 0, reason: "Completed")))]
        pod.status.containerStatuses = [ContainerStatus(name: "a", state: ContainerState(waiting: ContainerStateWaiting(reason: "CrashLoopBackOff")))]
        pod.status.phase = "Running"
        #expect(NodePods.displayStatus(pod) == "CrashLoopBackOff")
        pod.status.containerStatuses = [ContainerStatus(name: "a", state: ContainerState(terminated: ContainerStateTerminated(exitCode: 0, reason: "Completed")))]
        pod.status.phase = "Succeeded"
        #expect(NodePods.displayStatus(pod) == "Completed")
        #expect(NodePods.ready(pod) == "0/1")
        #expect(NodePods.age(since: Date(timeIntervalSince1970: 0), now: Date(timeIntervalSince1970: 90)) == "90s")
        #expect(NodePods.age(since: Date(timeIntervalSince1970: 0), now: Date(timeIntervalSince1970: 3 * 3600)) == "3h")
    }
}

@Suite("Pod admission, as kubelet's sysctl admission does it")
struct PodAdmissionTests {
    func pod(_ sysctls: [(String, String)], hostNetwork: Bool = false) -> Pod {
        var pod = Pod(metadata: ObjectMeta(name: "p"), spec: PodSpec(containers: [Container(name: "c", image: "x")]))
        pod.spec.hostNetwork = hostNetwork
        var sc = PodSecurityContext()
        sc.sysctls = sysctls.map { Sysctl(name: $0.0, value: $0.1) }
        pod.spec.securityContext = sc
        return pod
    }

    @Test("safe sysctls pass (with '/' as separator too); unsafe ones and net.* on the host network are SysctlForbidden")
    func sysctls() {
        #expect(PodAdmission.reject(pod([("net.ipv4.ip_local_port_range", "1024 65000"), ("kernel/shm_rmid_forced", "1")])) == nil)
        let unsafe = PodAdmission.reject(pod([("kernel.msgmax", "65536")]))
        #expect(unsafe?.reason == "SysctlForbidden")
        #expect(unsafe?.message == "forbidden sysctl: \"kernel.msgmax\" not allowlisted")
        let hostNet = PodAdmission.reject(pod([("net.ipv4.tcp_syncookies", "1")], hostNetwork: true))
        #expect(hostNet?.message == "forbidden sysctl: \"net.ipv4.tcp_syncookies\" not allowed with host net enabled")
    }

    @Test("allowedUnsafeSysctls admits names and prefix* patterns, never into a namespace shared with the node")
    func unsafeAllowlist() {
        let allow = ["kernel.msg*", "net.core.somaxconn", "fs.mqueue.*"]
        #expect(PodAdmission.reject(pod([("kernel.msgmax", "65536"), ("net.core.somaxconn", "1024"), ("fs/mqueue/msg_max", "20")]), allowedUnsafeSysctls: allow) == nil)
        #expect(PodAdmission.reject(pod([("kernel.sem", "1 2 3 4")]), allowedUnsafeSysctls: allow)?.message == "forbidden sysctl: \"kernel.sem\" not allowlisted")
        #expect(PodAdmission.reject(pod([("net.core.rmem_max", "1")]), allowedUnsafeSysctls: allow)?.reason == "SysctlForbidden")
        var hostIPC = pod([("kernel.msgmax", "65536")])
        hostIPC.spec.hostIPC = true
        #expect(PodAdmission.reject(hostIPC, allowedUnsafeSysctls: allow)?.message == "forbidden sysctl: \"kernel.msgmax\" not allowed with host ipc enabled")
        #expect(PodAdmission.reject(pod([("net.core.somaxconn", "1")], hostNetwork: true), allowedUnsafeSysctls: allow)?.message
            == "forbidden sysctl: \"net.core.somaxconn\" not allowed with host net enabled")
    }

    @Test("sysctl names: '/' form swaps '.' and '/'; only namespaced names and patterns may be allowlisted")
    func sysctlNames() {
        #expect(Sysctls.canonical("net/ipv4/conf/eth0.100/rp_filter") == "net.ipv4.conf.eth0/100.rp_filter")
        #expect(Sysctls.canonical("net.ipv4.tcp_syncookies") == "net.ipv4.tcp_syncookies")
        #expect(Sysctls.patternProblem("kernel.shm*") == nil)
        #expect(Sysctls.patternProblem("net.*") == nil)
        #expect(Sysctls.patternProblem("vm.swappiness") == "not known to be namespaced")
        #expect(Sysctls.patternProblem("kernel.*") == "not known to be namespaced")
        #expect(Sysctls.patternProblem("net.*.x") == "'*' may only end a pattern")
    }
}

@Suite("Container log rotation, as kubelet's container log manager does it")
struct ContainerLogRotationTests {
    @Test("rotation renames at maxSize, keeps maxFiles files, and gzips every rotated file but the newest, losslessly")
    func rotateAndCompress() throws {
        let dir = NSTemporaryDirectory() + "swiftlet-rotate-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = dir + "/0.log"
        var contents: [String] = []
        for round in 0..<4 {
            let text = (0..<200).map { "2026-11-27T10:00:00.000000000Z stdout F round \(round) line \($0)\n" }.joined()
            contents.append(text)
            try text.write(toFile: log, atomically: false, encoding: .utf8)
            let now = Date(timeIntervalSince1970: 1_800_000_000 + Double(round))
            let rotated = try ContainerLogRotation.rotateIfNeeded(logPath: log, maxSize: 1024, maxFiles: 3, now: now) {
                _ = FileManager.default.createFile(atPath: log, contents: nil)
            }
            #expect(rotated)
        }
        #expect(try ContainerLogRotation.rotateIfNeeded(logPath: log, maxSize: 1024, maxFiles: 3) { Issue.record("reopened an empty log") } == false)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(files.count == 3 && files.contains("0.log"), "\(files)")
        let rotated = ContainerLogRotation.rotatedFiles(of: log)
        #expect(rotated.count == 2 && rotated[0].hasSuffix(".gz") && !rotated[1].hasSuffix(".gz"), "\(rotated)")
        // Rounds 2 and 3 survive: round 2 gzipped, round 3 plain.
        let unzipped = Process()
        unzipped.executableURL = URL(fileURLWithPath: "/bin/gzip")
        unzipped.arguments = ["-dc", rotated[0]]
        let pipe = Pipe()
        unzipped.standardOutput = pipe
        try unzipped.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        unzipped.waitUntilExit()
        #expect(unzipped.terminationStatus == 0)
        #expect(String(decoding: data, as: UTF8.self) == contents[2])
        #expect(try String(contentsOfFile: rotated[1], encoding: .utf8) == contents[3])
    }
}
