import Foundation
import Logging
import SwiftletAPI
import Testing
@testable import SwiftletAgent

private func testPod(uid: String = "u1") -> Pod {
    var pod = Pod(metadata: ObjectMeta(name: "web", namespace: "prod"),
                  spec: PodSpec(initContainers: [Container(name: "init", image: "x")], containers: [Container(name: "app", image: "x")]))
    pod.metadata.uid = uid
    return pod
}

@Suite("Events, as client-go's recorder correlates them")
struct EventRecorderTests {
    func recorder(_ clock: ManualClock, root: String = "/nonexistent") -> EventRecorder {
        EventRecorder(nodeName: "node1", rootDir: root, clock: clock, logger: Logger(label: "test"))
    }

    @Test("a repeated event is one Event with a count, its first time kept and its last time moved; container events name the field")
    func repeats() {
        let clock = ManualClock()
        let r = recorder(clock)
        let pod = testPod()
        r.record(pod, container: "app", .warning, reason: "BackOff", message: "Back-off restarting failed container app")
        let first = clock.now()
        clock.advance(by: 30)
        r.record(pod, container: "app", .warning, reason: "BackOff", message: "Back-off restarting failed container app")
        r.record(pod, container: "init", .normal, reason: "Started", message: "Started container init")
        let events = r.events(podUID: "u1")
        #expect(events.count == 2)
        let backoff = events.first { $0.reason == "BackOff" }
        #expect(backoff?.count == 2)
        #expect(backoff?.firstTimestamp?.date == Time(first).date)
        #expect(backoff?.lastTimestamp?.date == Time(clock.now()).date)
        #expect(backoff?.involvedObject.fieldPath == "spec.containers{app}")
        #expect(backoff?.involvedObject.kind == "Pod" && backoff?.involvedObject.namespace == "prod" && backoff?.involvedObject.uid == "u1")
        #expect(backoff?.source?.component == "kubelet" && backoff?.source?.host == "node1")
        #expect(backoff?.type == "Warning")
        #expect(backoff?.metadata.name?.hasPrefix("web.") == true && backoff?.metadata.namespace == "prod")
        #expect(events.first { $0.reason == "Started" }?.involvedObject.fieldPath == "spec.initContainers{init}")
        // Each occurrence is on the timeline.
        #expect(r.timeline(podUID: "u1").map(\.reason) == ["BackOff", "BackOff", "Started"])
    }

    @Test("from the 10th distinct message with the same reason within 10 minutes, events combine; after a 10-minute pause they do not")
    func similarCombine() {
        let clock = ManualClock()
        let r = recorder(clock)
        let pod = testPod()
        for i in 0..<12 {
            r.record(pod, container: "app", .warning, reason: "Unhealthy", message: "Readiness probe failed: attempt \(i)")
            clock.advance(by: 1)
        }
        let events = r.events(podUID: "u1")
        #expect(events.count == 10, "9 distinct events plus one combined")
        let combined = events.first { $0.message?.hasPrefix("(combined from similar events): ") == true }
        #expect(combined?.message == "(combined from similar events): Readiness probe failed: attempt 11")
        #expect(combined?.count == 3)
        clock.advance(by: 601)
        r.record(pod, container: "app", .warning, reason: "Unhealthy", message: "Readiness probe failed: fresh")
        #expect(r.events(podUID: "u1").contains { $0.message == "Readiness probe failed: fresh" })
    }

    @Test("node events, flush to events.json/timeline.json, and load after a restart continues the counts")
    func persistence() throws {
        let root = NSTemporaryDirectory() + "swiftlet-events-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/pods/u1", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let clock = ManualClock()
        let r = recorder(clock, root: root)
        r.record(testPod(), .normal, reason: "Pulled", message: "Container image \"x\" already present on machine")
        r.recordNode(.warning, reason: "InvalidManifest", message: "/etc/swiftlet/manifests/bad.yaml: spec.containers: Required value")
        r.noteStatus(testPod(), field: "phase", message: "phase Pending -> Running")
        r.flush()
        let node = try JSONDecoder().decode([Event].self, from: Data(contentsOf: URL(fileURLWithPath: root + "/events.json")))
        #expect(node.count == 1 && node[0].involvedObject.kind == "Node" && node[0].involvedObject.name == "node1")
        let again = recorder(clock, root: root)
        again.load(podUID: "u1")
        again.record(testPod(), .normal, reason: "Pulled", message: "Container image \"x\" already present on machine")
        #expect(again.events(podUID: "u1").first?.count == 2)
        #expect(again.timeline(podUID: "u1").map(\.type) == ["Normal", "Status", "Normal"])
    }
}

@Suite("Pod status: conditions as kubelet generates them, a versioned cache, a timeline of changes")
struct PodStatusTests {
    func status(_ name: String, ready: Bool, started: Bool = true, terminated: Int32? = nil) -> ContainerStatus {
        var s = ContainerStatus(name: name, ready: ready, restartCount: 0, image: "x", imageID: "", started: started)
        if let terminated { s.state = ContainerState(terminated: ContainerStateTerminated(exitCode: terminated)) }
        return s
    }

    @Test("Initialized, ContainersReady and Ready carry kubelet's reasons and messages")
    func conditions() {
        var spec = PodSpec(initContainers: [Container(name: "i1", image: "x"), Container(name: "i2", image: "x")],
                           containers: [Container(name: "a", image: "x"), Container(name: "b", image: "x")])
        var c = PodConditionsRule.conditions(spec: spec, phase: "Pending", sandboxReady: true,
                                             initStatuses: [status("i1", ready: false, terminated: 0), status("i2", ready: false)],
                                             appStatuses: [status("a", ready: false), status("b", ready: false)])
        #expect(c.map(\.type) == ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"])
        #expect(c[1].status == "False" && c[1].reason == "ContainersNotInitialized" && c[1].message == "containers with incomplete status: [i2]")
        #expect(c[2].reason == "ContainersNotReady" && c[2].message == "containers with unready status: [a b]")
        #expect(c[3].message == c[2].message)
        c = PodConditionsRule.conditions(spec: spec, phase: "Running", sandboxReady: true,
                                         initStatuses: [status("i1", ready: false, terminated: 0), status("i2", ready: false, terminated: 0)],
                                         appStatuses: [status("a", ready: true), status("b", ready: true)])
        #expect(c.allSatisfy { $0.status == "True" && $0.reason == nil })
        c = PodConditionsRule.conditions(spec: spec, phase: "Succeeded", sandboxReady: false,
                                         initStatuses: [status("i1", ready: false, terminated: 0), status("i2", ready: false, terminated: 0)],
                                         appStatuses: [status("a", ready: false, terminated: 0), status("b", ready: false, terminated: 0)])
        #expect(c[2].status == "False" && c[2].reason == "PodCompleted" && c[0].status == "False")
        // A sidecar counts for readiness, and for Initialized once started.
        spec.initContainers = [Container(name: "side", image: "x", restartPolicy: "Always")]
        c = PodConditionsRule.conditions(spec: spec, phase: "Running", sandboxReady: true,
                                         initStatuses: [status("side", ready: false, started: true)],
                                         appStatuses: [status("a", ready: true), status("b", ready: true)])
        #expect(c[1].status == "True")
        #expect(c[3].message == "containers with unready status: [side]")
    }

    @Test("the cache versions a pod only when its status changes and tells subscribers")
    func cacheVersions() async {
        let cache = PodStatusCache()
        var pod = testPod()
        let changes = cache.changes()
        let v1 = cache.update(pod)
        #expect(v1 != nil)
        #expect(cache.update(pod) == nil)
        pod.status.phase = "Running"
        let v2 = cache.update(pod)
        #expect(v2 != nil && v2! > v1!)
        #expect(cache.entry(uid: "u1")?.pod.status.phase == "Running")
        var iterator = changes.makeAsyncIterator()
        let first = await iterator.next()
        let second = await iterator.next()
        #expect(first?.version == v1 && second?.version == v2 && second?.uid == "u1")
        cache.remove(uid: "u1")
        #expect(cache.pods().isEmpty)
    }

    @Test("the timeline names phase, condition, state and readiness changes")
    func diff() {
        var old = PodStatus()
        old.phase = "Pending"
        old.conditions = [PodCondition(type: "Ready", status: "False")]
        old.containerStatuses = [status("a", ready: false)]
        old.containerStatuses?[0].state = ContainerState(waiting: ContainerStateWaiting(reason: "ContainerCreating"))
        var new = old
        new.phase = "Running"
        new.conditions = [PodCondition(type: "Ready", status: "True")]
        new.containerStatuses = [status("a", ready: true)]
        new.containerStatuses?[0].state = ContainerState(running: ContainerStateRunning())
        let changes = PodStatusDiff.changes(from: old, to: new)
        #expect(changes.map(\.message) == ["phase Pending -> Running", "Ready False -> True", "running", "ready"])
        #expect(changes[2].container == "a")
        var failed = new
        failed.containerStatuses?[0].state = ContainerState(terminated: ContainerStateTerminated(exitCode: 137, reason: "OOMKilled"))
        #expect(PodStatusDiff.changes(from: new, to: failed).first?.message == "terminated: OOMKilled, exit code 137")
    }

    @Test("describe lays out the pod as kubectl does, with repeated events as (xN over D) and the timeline")
    func describe() {
        var pod = testPod()
        pod.spec.containers[0].livenessProbe = Probe(httpGet: HTTPGetAction(path: "/healthz", port: 8080))
        pod.status.phase = "Running"
        pod.status.podIPs = [PodIP(ip: "10.88.0.7")]
        pod.status.podIP = "10.88.0.7"
        pod.status.containerStatuses = [status("app", ready: true)]
        pod.status.containerStatuses?[0].state = ContainerState(running: ContainerStateRunning())
        pod.status.conditions = [PodCondition(type: "Ready", status: "True")]
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var event = Event()
        event.type = "Warning"
        event.reason = "BackOff"
        event.message = "Back-off restarting failed container app in pod web_prod(u1)"
        event.count = 5
        event.firstTimestamp = Time(now.addingTimeInterval(-300))
        event.lastTimestamp = Time(now.addingTimeInterval(-10))
        event.source = EventSource(component: "kubelet", host: "node1")
        let entry = EventRecorder.TimelineEntry(time: MicroTime(now), type: "Status", reason: "phase", message: "phase Pending -> Running", container: nil)
        let text = PodDescriber.describe(pod, events: [event], timeline: [entry], now: now)
        #expect(text.contains("Name:             web\n"))
        #expect(text.contains("Status:           Running\n"))
        #expect(text.contains("  IP:  10.88.0.7\n"))
        #expect(text.contains("Liveness:       http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3"))
        #expect(text.contains("Warning  BackOff  10s (x5 over 5m)  kubelet  Back-off restarting failed container app in pod web_prod(u1)"), "\(text)")
        #expect(text.contains("Status  phase: phase Pending -> Running"))
    }
}

@Suite("The kernel OOM watcher's parsing of /dev/kmsg records")
struct KernelOOMWatcherTests {
    @Test("oom-kill lines give the constraint, the victim's memory cgroup, name and pid; other records are ignored")
    func parse() {
        let global = "3,1287,9928733,-;oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/user.slice,task=stress,pid=4242,uid=0"
        #expect(KernelOOMWatcher.parse(global[...]) == .init(constraint: "CONSTRAINT_NONE", taskMemcg: "/user.slice", task: "stress", pid: 4242))
        let memcg = "6,1290,9928740,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/kubepods/besteffort/podx/c,task_memcg=/kubepods/besteffort/podx/c,task=sh,pid=77,uid=0"
        #expect(KernelOOMWatcher.parse(memcg[...])?.constraint == "CONSTRAINT_MEMCG")
        #expect(KernelOOMWatcher.parse("6,1291,9928741,-;Memory cgroup out of memory: Killed process 77 (sh)"[...]) == nil)
    }
}
