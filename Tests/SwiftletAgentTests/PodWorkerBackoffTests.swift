import Foundation
import Logging
import SwiftletAPI
import SwiftletImages
import SwiftletRuntime
import Testing
@testable import SwiftletAgent

/// A pod worker in this process on real containers, with a clock the test moves.
private final class WorkerRig: @unchecked Sendable {
    let dir: String
    let clock: ManualClock
    let services: PodServices
    let runtime: ContainerRuntime

    init() async throws {
        dir = NSTemporaryDirectory() + "swiftlet-worker-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/build", withIntermediateDirectories: true)
        let script = """
            set -e
            cd \(dir)/build
            umoci init --layout oci >/dev/null
            umoci new --image oci:img
            umoci unpack --image oci:img b >/dev/null
            mkdir -p b/rootfs/bin b/rootfs/sbin b/rootfs/usr/bin b/rootfs/usr/sbin
            cp /bin/busybox b/rootfs/bin/
            chroot b/rootfs /bin/busybox --install -s
            umoci repack --image oci:img b
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0)
        var logger = Logger(label: "test.worker")
        logger.logLevel = .warning
        var kubelet = KubeletConfiguration()
        kubelet.podLogsDir = dir + "/logs"
        let images = try NodeImages(rootDir: dir + "/root", kubelet: kubelet, logger: logger)
        _ = try await ImageImporter(content: images.content, images: images.images, layers: images.layers)
            .importImage(from: dir + "/build/oci", name: "swiftlet.test/busybox:1")
        try FileManager.default.createDirectory(atPath: dir + "/run/runtime", withIntermediateDirectories: true)
        runtime = ContainerRuntime(root: dir + "/run/runtime", logger: logger)
        clock = ManualClock(start: Date())
        services = PodServices(
            runtime: runtime, images: images, watcher: try ExitWatcher(runtimeRoot: dir + "/run/runtime", logger: logger),
            clock: clock, sandboxes: HostNetworkSandboxProvider(), rootDir: dir + "/root", runDir: dir + "/run",
            podLogsDir: dir + "/logs",
            kubelet: kubelet, envContext: PodEnvContext(nodeAllocatableMilliCPU: 1000, nodeAllocatableMemory: 1 << 30),
            logger: logger)
    }

    func cleanUp() async {
        for state in (try? runtime.list()) ?? [] { try? runtime.delete(id: state.id, force: true) }
        await services.images.shutdown()
        if let mounts = (FileHandle(forReadingAtPath: "/proc/self/mountinfo").map { String(decoding: $0.readDataToEndOfFile(), as: UTF8.self) }) {
            for point in mounts.split(separator: "\n").compactMap({ $0.split(separator: " ").dropFirst(4).first.map(String.init) })
                .filter({ $0.hasPrefix(dir) }).sorted(by: >) {
                _ = umount2(point, 2)
            }
        }
        try? FileManager.default.removeItem(atPath: dir)
    }
}

@Suite("Pod worker on real containers with an injected clock", .enabled(if: getuid() == 0, "runs containers"))
struct PodWorkerBackoffTests {
    /// A host-network pod of one container `c` with pull policy Never and a fresh UID.
    static func pod(_ name: String, image: String) -> Pod {
        var pod = Pod(metadata: ObjectMeta(name: name, namespace: "default"),
                      spec: PodSpec(containers: [Container(name: "c", image: image)]))
        pod.metadata.uid = name + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        pod.spec.hostNetwork = true
        pod.spec.containers[0].imagePullPolicy = "Never"
        return pod
    }

    @Test("an absent image with pull policy Never stays ErrImageNeverPull with kubelet's message, retried every 10 s, never ImagePullBackOff")
    func neverPull() async throws {
        let rig = try await WorkerRig()
        let pod = Self.pod("never", image: "swiftlet.test/absent:1")
        let worker = PodWorker(pod: pod, services: rig.services)
        await worker.sync()
        for round in 0..<3 {
            let waiting = await worker.currentStatus().containerStatuses?.first?.state?.waiting
            #expect(waiting?.reason == "ErrImageNeverPull", "round \(round): \(String(describing: waiting))")
            #expect(waiting?.message == "Container image \"swiftlet.test/absent:1\" is not present with pull policy of Never")
            // The retry's timer task registers with the clock on its own.
            let registered = Date().addingTimeInterval(5)
            while rig.clock.pendingDeadlines.isEmpty, Date() < registered { try await Task.sleep(for: .milliseconds(10)) }
            #expect(rig.clock.pendingDeadlines.contains { $0.timeIntervalSince(rig.clock.now()) <= 10.001 }, "a retry within 10 s")
            rig.clock.advance(by: 10)
            try await Task.sleep(for: .milliseconds(100))
        }
        await worker.terminate(gracePeriod: 0)
        await rig.cleanUp()
    }

    @Test("a container that keeps failing is restarted after 10, 20, 40, 80, 160, 300 and 300 seconds of the worker's clock")
    func backoffSequence() async throws {
        let rig = try await WorkerRig()
        var pod = Self.pod("crash", image: "swiftlet.test/busybox:1")
        pod.spec.containers[0].command = ["sh", "-c", "exit 1"]
        let worker = PodWorker(pod: pod, services: rig.services)
        let pump = Task { for await id in rig.services.watcher.exits { await worker.containerExited(id: id) } }
        defer { pump.cancel() }
        do {
            await worker.sync()
            var waits: [Int] = []
            for expected in [10, 20, 40, 80, 160, 300, 300] {
                let deadline = Date().addingTimeInterval(20)
                var message = ""
                while Date() < deadline {
                    let status = await worker.currentStatus().containerStatuses?.first
                    if status?.state?.waiting?.reason == "CrashLoopBackOff", let m = status?.state?.waiting?.message,
                       m.hasPrefix("back-off \(expected)s"), !rig.clock.pendingDeadlines.isEmpty {
                        message = m
                        break
                    }
                    try await Task.sleep(for: .milliseconds(20))
                }
                guard let seconds = Int(message.dropFirst("back-off ".count).prefix { $0.isNumber }) else {
                    Issue.record("no CrashLoopBackOff of \(expected)s; status: \(String(describing: await worker.currentStatus().containerStatuses))")
                    break
                }
                waits.append(seconds)
                let restarts = await worker.currentStatus().containerStatuses?.first?.restartCount ?? -1
                // Just before the backoff ends nothing happens; at its end the container runs again.
                rig.clock.advance(by: Double(seconds) - 1)
                try await Task.sleep(for: .milliseconds(100))
                #expect(await worker.currentStatus().containerStatuses?.first?.restartCount == restarts)
                rig.clock.advance(by: 2)
                let restarted = Date().addingTimeInterval(20)
                while await worker.currentStatus().containerStatuses?.first?.restartCount == restarts, Date() < restarted {
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            #expect(waits == [10, 20, 40, 80, 160, 300, 300])
            // Eight instances ran; only the current one and the one before it are kept.
            // (The worker removes the oldest right after starting the newest: allow it that moment.)
            var kept: [State] = []
            let settle = Date().addingTimeInterval(10)
            repeat {
                kept = ((try? rig.runtime.list()) ?? []).filter { $0.annotations[PodLabels.podUID] == pod.metadata.uid }
                if kept.count == 2 { break }
                try await Task.sleep(for: .milliseconds(20))
            } while Date() < settle
            #expect(kept.count == 2, "containers kept: \(kept.map(\.id))")
            await worker.terminate(gracePeriod: 0)
        } catch {
            await worker.terminate(gracePeriod: 0)
            await rig.cleanUp()
            throw error
        }
        await rig.cleanUp()
    }
}
