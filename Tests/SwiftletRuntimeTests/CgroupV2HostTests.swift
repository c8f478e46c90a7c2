import Foundation
import Testing

@testable import SwiftletRuntime

#if canImport(Glibc)
import Glibc
#endif

private typealias DeviceRule = CgroupResources.DeviceRule
private typealias HugepageLimit = CgroupResources.HugepageLimit

/// The v2 driver on the hybrid layout's cgroup2 mount `/sys/fs/cgroup/unified` (cgroup v1 hosts
/// such as the build machines), which has no memory/cpu/pids controllers (those run for real in
/// `CgroupV2FullHostTests`, on a pure cgroup-v2 host or `make test-cgroup2`'s guest) but does have
/// the core features: cgroup.procs, cgroup.freeze, cgroup.kill, cgroup.events, cpu.stat, rmdir,
/// and BPF device programs. The driver is told to delegate no controllers so the host's
/// `cgroup.subtree_control` is never changed.
@Suite(
    "cgroup v2 driver on a v1 host's hybrid cgroup2 mount (/sys/fs/cgroup/unified)",
    .enabled(if: CgroupTestHost.isRoot && CgroupTestHost.hasHybridUnified, CgroupTestHost.hybridSkipReason)
)
struct CgroupV2HostTests {
    private func makeCgroup(_ test: String) throws -> (handle: any CgroupHandle, parent: any CgroupHandle) {
        let driver = CgroupV2Driver(root: CgroupTestHost.unifiedMount, controllers: [])
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

    @Test("the eBPF device filter enforces the rules, and re-applying replaces the program instead of stacking")
    func deviceFilter() throws {
        let cgroup = try makeCgroup("bpfdev")
        let shell = try GatedShell(CgroupV1HostTests.deviceProbeScript)
        defer { cleanup(cgroup, [shell]) }
        let dir = try #require(cgroup.handle.controllerPaths["unified"])

        try cgroup.handle.apply(CgroupResources(devices: CgroupDeviceFilterTests.hostProbeRules))
        #expect(try CgroupBPF.attachedPrograms(in: dir).count == 1)
        try cgroup.handle.addProcess(shell.pid)
        shell.release()
        #expect(shell.wait(seconds: 10))
        #expect(shell.stdout().split(separator: "\n") == CgroupV1HostTests.deviceProbeExpected)

        let before = try CgroupBPF.attachedPrograms(in: dir)
        try cgroup.handle.apply(CgroupResources(devices: [DeviceRule(allow: true)]))
        let after = try CgroupBPF.attachedPrograms(in: dir)
        #expect(after.count == 1)
        #expect(after != before)
    }

    @Test("freeze waits for cgroup.events frozen 1; a frozen process makes no progress until thawed")
    func freezeThaw() throws {
        let cgroup = try makeCgroup("freeze")
        let counterFile = FileManager.default.temporaryDirectory.path + "/" + CgroupTestHost.uniqueName("counter")
        defer { try? FileManager.default.removeItem(atPath: counterFile) }
        let shell = try GatedShell("i=0; while :; do i=$((i+1)); echo $i > \(counterFile); sleep 0.02; done")
        defer { cleanup(cgroup, [shell]) }
        func counter() -> Int {
            Int((try? String(contentsOfFile: counterFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        }
        let dir = try #require(cgroup.handle.controllerPaths["unified"])

        try cgroup.handle.addProcess(shell.pid)
        shell.release()
        #expect(CgroupTestHost.eventually(seconds: 5) { counter() > 2 })
        try cgroup.handle.freeze()
        #expect(try String(contentsOfFile: dir + "/cgroup.events", encoding: .utf8).contains("frozen 1"))
        let atFreeze = counter()
        usleep(400_000)
        #expect(counter() == atFreeze, "no progress while frozen")
        try cgroup.handle.thaw()
        #expect(CgroupTestHost.eventually(seconds: 5) { counter() > atFreeze + 2 }, "progress after thaw")
    }

    @Test("killAll uses cgroup.kill to kill every task; delete removes the directory; stats reads cpu.stat")
    func killAllDeleteStats() throws {
        let cgroup = try makeCgroup("kill")
        let shell = try GatedShell("sleep 100 & sleep 100 & (sleep 100 &); i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; wait")
        defer { cleanup(cgroup, [shell]) }
        let dir = try #require(cgroup.handle.controllerPaths["unified"])

        try cgroup.handle.addProcess(shell.pid)
        shell.release()
        #expect(try CgroupTestHost.eventually(seconds: 5) { try cgroup.handle.pids().count >= 4 })
        usleep(200_000)
        let stats = try cgroup.handle.stats()
        #expect((stats.cpu?.usageNanos ?? 0) > 0, "the busy shell's CPU time shows in cpu.stat")
        #expect(stats.memory == nil, "no memory controller is delegated on this mount")

        try cgroup.handle.killAll()
        #expect(try cgroup.handle.pids().isEmpty)
        #expect(try String(contentsOfFile: dir + "/cgroup.events", encoding: .utf8).contains("populated 0"))
        #expect(shell.wait(seconds: 5))
        #expect(shell.wasKilled)

        try cgroup.handle.delete()
        #expect(!FileManager.default.fileExists(atPath: dir))
        try cgroup.handle.delete()
    }
}
