import Foundation
import Testing

@testable import SwiftletRuntime

#if canImport(Glibc)
import Glibc
#endif

private typealias DeviceRule = CgroupResources.DeviceRule
private typealias HugepageLimit = CgroupResources.HugepageLimit

/// The v1 driver on this host's real hierarchies, as root. Every test makes its own
/// `/swiftlet-test-…/ctr` cgroup at the hierarchy roots (so the nested cpuset path exercises
/// copying cpus/mems into a new ancestor) and removes it, and its processes, even on failure.
@Suite(
    "cgroup v1 driver on this host",
    .enabled(if: CgroupTestHost.isRoot && CgroupTestHost.hasV1Hierarchies, CgroupTestHost.v1SkipReason)
)
struct CgroupV1HostTests {
    /// A fresh cgroup `/<unique>/ctr` and the handle of its parent, both removed by `cleanup`.
    private func makeCgroup(_ test: String) throws -> (handle: any CgroupHandle, parent: any CgroupHandle) {
        let driver = CgroupV1Driver()
        let top = "/" + CgroupTestHost.uniqueName(test)
        let handle = try driver.create(path: top + "/ctr")
        return (handle, driver.open(path: top))
    }

    private func cleanup(_ cgroup: (handle: any CgroupHandle, parent: any CgroupHandle), _ shells: [GatedShell]) {
        try? cgroup.handle.thaw()
        try? cgroup.handle.killAll()
        for shell in shells {
            shell.stop()
        }
        try? cgroup.handle.delete()
        try? cgroup.parent.delete()
    }

    @Test("a memory limit OOM-kills a memory hog with SIGKILL, counts one oom_kill and fires the eventfd")
    func memoryLimitOOM() throws {
        let cgroup = try makeCgroup("oom")
        let shell = try GatedShell("x=$(head -c 200M /dev/zero | tr '\\0' a); echo survived")
        defer { cleanup(cgroup, [shell]) }

        try cgroup.handle.apply(CgroupResources(memoryLimit: 32 << 20, memorySwap: 32 << 20))
        let eventFD = try #require(try cgroup.handle.oomEventFD())
        defer { close(eventFD) }
        try cgroup.handle.addProcess(shell.pid)
        #expect(try cgroup.handle.pids() == [shell.pid])
        shell.release()

        #expect(shell.wait(seconds: 30))
        #expect(shell.wasKilled, "the hog must die from SIGKILL (exit 137)")
        #expect(try cgroup.handle.oomKillCount() == 1)
        var poller = pollfd(fd: eventFD, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, 5000)
        #expect(ready == 1, "the OOM eventfd must become readable")
        if ready == 1 {
            var counter: UInt64 = 0
            #expect(read(eventFD, &counter, 8) == 8)
            #expect(counter >= 1)
        }
        let stats = try cgroup.handle.stats()
        #expect(stats.memory?.limitBytes == 32 << 20)
        #expect(stats.memory?.oomKills == 1)
        #expect((stats.memory?.maxUsageBytes ?? 0) >= 30 << 20)
    }

    @Test("a pids limit stops forks")
    func pidsLimit() throws {
        let cgroup = try makeCgroup("pids")
        let shell = try GatedShell("i=0; while [ $i -lt 30 ]; do sleep 60 & i=$((i+1)); done; echo forked-all; wait")
        defer { cleanup(cgroup, [shell]) }

        try cgroup.handle.apply(CgroupResources(pidsLimit: 8))
        try cgroup.handle.addProcess(shell.pid)
        shell.release()
        // The loop ends either by the shell giving up on a failed fork or by forking everything.
        let settled = try CgroupTestHost.eventually(seconds: 10) {
            let current = try cgroup.handle.stats().pids?.current ?? 0
            return !shell.process.isRunning || current >= 8
        }
        #expect(settled)
        usleep(300_000)
        let stats = try cgroup.handle.stats()
        #expect(stats.pids?.limit == 8)
        #expect((stats.pids?.current ?? 99) <= 8)
        try cgroup.handle.killAll()
        shell.stop()
        let errors = shell.stderr().lowercased()
        #expect(errors.contains("fork"), "the shell must report a failed fork, got: \(errors)")
        #expect(!shell.stdout().contains("forked-all"))
    }

    @Test("a 10ms/100ms CPU quota throttles a busy loop")
    func cpuQuota() throws {
        let cgroup = try makeCgroup("cpu")
        let shell = try GatedShell("while :; do :; done")
        defer { cleanup(cgroup, [shell]) }

        try cgroup.handle.apply(CgroupResources(cpuQuota: 10_000, cpuPeriod: 100_000))
        try cgroup.handle.addProcess(shell.pid)
        let start = Date()
        shell.release()
        usleep(1_500_000)
        let stats = try cgroup.handle.stats()
        let elapsed = Date().timeIntervalSince(start)
        let cpu = try #require(stats.cpu)
        #expect(cpu.throttledPeriods > 0)
        #expect(cpu.periods >= cpu.throttledPeriods)
        #expect(cpu.throttledNanos > 0)
        #expect(cpu.usageNanos > 0)
        // 10% of one CPU, with slack for period boundaries.
        #expect(Double(cpu.usageNanos) < elapsed * 0.3e9, "used \(cpu.usageNanos) ns in \(elapsed) s")
    }

    @Test("a frozen process makes no progress, and continues after thaw")
    func freezeThaw() throws {
        let cgroup = try makeCgroup("freeze")
        let counterFile = FileManager.default.temporaryDirectory.path + "/" + CgroupTestHost.uniqueName("counter")
        defer { try? FileManager.default.removeItem(atPath: counterFile) }
        let shell = try GatedShell("i=0; while :; do i=$((i+1)); echo $i > \(counterFile); sleep 0.02; done")
        defer { cleanup(cgroup, [shell]) }
        func counter() -> Int {
            Int((try? String(contentsOfFile: counterFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        }

        try cgroup.handle.addProcess(shell.pid)
        shell.release()
        #expect(CgroupTestHost.eventually(seconds: 5) { counter() > 2 })
        try cgroup.handle.freeze()
        let frozenState = try String(contentsOfFile: cgroup.handle.controllerPaths["freezer"]! + "/freezer.state", encoding: .utf8)
        #expect(frozenState.hasPrefix("FROZEN"))
        let atFreeze = counter()
        usleep(400_000)
        #expect(counter() == atFreeze, "no progress while frozen")
        try cgroup.handle.thaw()
        #expect(CgroupTestHost.eventually(seconds: 5) { counter() > atFreeze + 2 }, "progress after thaw")
    }

    @Test("killAll kills every process, including forked children, then delete removes every directory")
    func killAllAndDelete() throws {
        let cgroup = try makeCgroup("kill")
        let shell = try GatedShell("sleep 100 & sleep 100 & (sleep 100 &); wait")
        defer { cleanup(cgroup, [shell]) }

        try cgroup.handle.addProcess(shell.pid)
        shell.release()
        #expect(try CgroupTestHost.eventually(seconds: 5) { try cgroup.handle.pids().count >= 4 })
        try cgroup.handle.killAll()
        #expect(try cgroup.handle.pids().isEmpty)
        #expect(shell.wait(seconds: 5))
        #expect(shell.wasKilled)

        let directories = Array(cgroup.handle.controllerPaths.values)
        #expect(directories.count >= 8)
        try cgroup.handle.delete()
        for dir in directories {
            #expect(!FileManager.default.fileExists(atPath: dir), "\(dir) must be gone")
        }
        try cgroup.handle.delete()
    }

    @Test("killAll also kills a frozen cgroup's tasks (freezer holds SIGKILL until thaw)")
    func killAllWhileFrozen() throws {
        let cgroup = try makeCgroup("killfrozen")
        let shell = try GatedShell("sleep 100")
        defer { cleanup(cgroup, [shell]) }
        try cgroup.handle.addProcess(shell.pid)
        shell.release()
        try cgroup.handle.freeze()
        try cgroup.handle.killAll()
        #expect(try cgroup.handle.pids().isEmpty)
        #expect(shell.wait(seconds: 5))
        #expect(shell.wasKilled)
    }

    @Test("device rules deny unlisted devices and partial access (devices.allow/deny)")
    func deviceRules() throws {
        let cgroup = try makeCgroup("devices")
        let shell = try GatedShell(Self.deviceProbeScript)
        defer { cleanup(cgroup, [shell]) }
        try cgroup.handle.apply(CgroupResources(devices: CgroupDeviceFilterTests.hostProbeRules))
        try cgroup.handle.addProcess(shell.pid)
        shell.release()
        #expect(shell.wait(seconds: 10))
        #expect(shell.stdout().split(separator: "\n") == Self.deviceProbeExpected)
    }

    @Test("a new nested cpuset cgroup inherits cpus/mems so tasks can join; clamped cpu shares are reported")
    func cpusetAndErrors() throws {
        let cgroup = try makeCgroup("cpuset")
        let shell = try GatedShell("sleep 100")
        defer { cleanup(cgroup, [shell]) }
        let cpusetDir = try #require(cgroup.handle.controllerPaths["cpuset"])
        let cpus = try String(contentsOfFile: cpusetDir + "/cpuset.cpus", encoding: .utf8)
        #expect(!cpus.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        try cgroup.handle.apply(CgroupResources(cpus: "0", mems: "0"))
        try cgroup.handle.addProcess(shell.pid)
        #expect(try String(contentsOfFile: cpusetDir + "/cpuset.cpus", encoding: .utf8) == "0\n")
        let error = #expect(throws: CgroupError.self) { try cgroup.handle.apply(CgroupResources(cpuShares: 1)) }
        #expect(error?.message.contains("cpuShares 1: the kernel stored 2") == true)
    }

    /// Probes /dev/null (rwm allowed, then write denied), /dev/zero (read only) and /dev/full (not listed).
    static let deviceProbeScript = """
        cat /dev/null && echo null-read-ok || echo null-read-denied
        (echo x > /dev/null) && echo null-write-ok || echo null-write-denied
        n=$(head -c1 /dev/zero | wc -c); [ "$n" -eq 1 ] && echo zero-read-ok || echo zero-read-denied
        (echo x > /dev/zero) && echo zero-write-ok || echo zero-write-denied
        n=$(head -c1 /dev/full | wc -c); [ "$n" -eq 1 ] && echo full-read-ok || echo full-read-denied
        """
    static let deviceProbeExpected: [Substring] = [
        "null-read-ok", "null-write-denied", "zero-read-ok", "zero-write-denied", "full-read-denied",
    ]
}

extension CgroupDeviceFilterTests {
    /// Rules for the device probe scripts of the host suites.
    static let hostProbeRules: [CgroupResources.DeviceRule] = [
        DeviceRule(allow: false, type: .all),
        DeviceRule(allow: true, type: .char, major: 1, minor: 3, access: "rwm"),
        DeviceRule(allow: true, type: .char, major: 1, minor: 5, access: "r"),
        DeviceRule(allow: false, type: .char, major: 1, minor: 3, access: "w"),
    ]
}
