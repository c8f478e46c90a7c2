import Foundation
import Testing

@testable import SwiftletRuntime

#if canImport(Glibc)
import Glibc
#endif

private typealias DeviceRule = CgroupResources.DeviceRule

/// The v2 driver that `Cgroups.detect()` picks on a pure cgroup-v2 host, for real: memory, cpu,
/// pids and io controllers, OOM kills, freezing, `cgroup.kill`, eBPF device filters and removal.
///
/// The build machines are cgroup v1, so this suite skips there; `make test-cgroup2` runs it in a
/// throwaway guest with systemd as PID 1 (scripts/cgroup2-vm), where it must not skip. Each test
/// makes its own `/swiftlet-test-…/ctr` at the hierarchy root: the root and the new top cgroup
/// hold no tasks, so enabling controllers there keeps the "no internal processes" rule, and this
/// test process (in the guest runner's own leaf) is never inside a cgroup that delegates.
@Suite(
    "cgroup v2 driver on a cgroup-v2 host (Cgroups.detect())",
    .enabled(if: CgroupTestHost.isRoot && (CgroupTestHost.hasFullCgroup2 || CgroupTestHost.inCgroup2VM), CgroupTestHost.fullV2SkipReason)
)
struct CgroupV2FullHostTests {
    /// The controllers every test cgroup needs; the guest's root offers them all.
    static let needed: Set<String> = ["cpu", "io", "memory", "pids"]

    private struct TestCgroup {
        let handle: any CgroupHandle
        let parent: any CgroupHandle
        let dir: String
        let parentDir: String

        func read(_ file: String) throws -> String {
            try String(contentsOfFile: dir + "/" + file, encoding: .utf8)
        }

        func keyed(_ file: String) throws -> [String: UInt64] {
            CgroupFormat.keyedValues(try read(file))
        }
    }

    /// A fresh `/<unique>/ctr` made by the detected driver.
    private func makeCgroup(_ test: String) throws -> TestCgroup {
        let driver = try #require(Cgroups.detect() as? CgroupV2Driver, "Cgroups.detect() must pick the v2 driver on this host")
        let top = "/" + CgroupTestHost.uniqueName(test)
        let handle = try driver.create(path: top + "/ctr")
        let parent = driver.open(path: top)
        return TestCgroup(
            handle: handle, parent: parent,
            dir: try #require(handle.controllerPaths["unified"]), parentDir: try #require(parent.controllerPaths["unified"]))
    }

    private func cleanup(_ cgroup: TestCgroup, _ shells: [GatedShell]) {
        try? cgroup.handle.thaw()
        try? cgroup.handle.killAll()
        for shell in shells {
            shell.stop()
        }
        try? cgroup.handle.delete()
        try? cgroup.parent.delete()
    }

    /// This process's cgroup v2 path from /proc/self/cgroup.
    private static func ownCgroup() throws -> String {
        let text = try String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)
        return try #require(CgroupPath.parseProcCgroup(text).unified)
    }

    @Test("detect picks v2; create enables cpu/io/memory/pids in every ancestor's subtree_control, the leaf delegates nothing")
    func createEnablesControllers() throws {
        #expect(CgroupTestHost.hasFullCgroup2, "/sys/fs/cgroup must be cgroup2 with memory, cpu and pids")
        let driver = Cgroups.detect()
        #expect(driver.version == .v2)
        #expect((driver as? CgroupV2Driver)?.root == CgroupTestHost.root)
        let rootControllers = CgroupTestHost.controllers(CgroupTestHost.root)
        #expect(rootControllers.isSuperset(of: Self.needed), "root offers \(rootControllers.sorted())")

        let cgroup = try makeCgroup("create")
        defer { cleanup(cgroup, []) }
        let top = CgroupPath.components(cgroup.handle.path).dropLast().joined(separator: "/")
        #expect(cgroup.handle.path == "/" + top + "/ctr")
        #expect(cgroup.dir == CgroupTestHost.root + cgroup.handle.path)
        #expect(cgroup.parentDir == CgroupTestHost.root + "/" + top)

        let rootDelegates = CgroupTestHost.words(CgroupTestHost.root + "/cgroup.subtree_control")
        let topDelegates = CgroupTestHost.words(cgroup.parentDir + "/cgroup.subtree_control")
        let leafControllers = CgroupTestHost.controllers(cgroup.dir)
        let leafDelegates = CgroupTestHost.words(cgroup.dir + "/cgroup.subtree_control")
        #expect(rootDelegates.isSuperset(of: Self.needed), "root subtree_control: \(rootDelegates.sorted())")
        let wanted = Set(CgroupV2Driver.defaultControllers).intersection(rootControllers)
        #expect(topDelegates == wanted, "every default controller the root offers is delegated to the leaf")
        #expect(leafControllers == wanted)
        #expect(leafDelegates.isEmpty, "a leaf holds tasks, so it must delegate nothing")
        for file in ["memory.max", "memory.events", "cpu.max", "cpu.weight", "pids.max", "cgroup.kill", "cgroup.freeze"] {
            #expect(FileManager.default.fileExists(atPath: cgroup.dir + "/" + file), "\(file) in the new cgroup")
        }

        // This process must not sit in a cgroup that now delegates controllers.
        let own = try Self.ownCgroup()
        #expect(!own.hasPrefix("/" + top), "own cgroup \(own) is outside the test cgroup")
        #expect(own != "/", "the test process must not run in the root cgroup")

        // Creating again is a no-op that succeeds.
        let again = try driver.create(path: cgroup.handle.path)
        #expect(again.path == cgroup.handle.path)
        #expect(CgroupTestHost.controllers(cgroup.dir) == wanted)
    }

    @Test(
        "a relative path lands beside the caller's own cgroup, inside the delegated subtree, with every controller",
        .enabled(
            if: ProcessInfo.processInfo.environment["SWIFTLET_DELEGATED_CGROUP"] != nil,
            "needs SWIFTLET_DELEGATED_CGROUP (set by the cgroup2-vm guest runner, whose own process sits in <it>/runner)")
    )
    func relativePathInDelegatedSubtree() throws {
        let delegatedDir = try #require(ProcessInfo.processInfo.environment["SWIFTLET_DELEGATED_CGROUP"])
        let delegated = String(delegatedDir.dropFirst(CgroupTestHost.root.count))
        let own = try Self.ownCgroup()
        try #require(own.hasPrefix(delegated + "/"), "this process (\(own)) runs inside the delegated cgroup \(delegated)")
        let ownParent = "/" + CgroupPath.components(own).dropLast().joined(separator: "/")

        let driver = try #require(Cgroups.detect() as? CgroupV2Driver)
        let name = CgroupTestHost.uniqueName("relative")
        let handle = try driver.create(path: name + "/ctr")
        let top = driver.open(path: name)
        defer {
            try? handle.delete()
            try? top.delete()
        }
        #expect(handle.path == ownParent + "/" + name + "/ctr")
        #expect(top.path == ownParent + "/" + name)
        let dir = try #require(handle.controllerPaths["unified"])
        #expect(CgroupTestHost.controllers(dir).isSuperset(of: Self.needed))

        let shell = try GatedShell("echo $$")
        defer { shell.stop() }
        try handle.addProcess(shell.pid)
        #expect(try handle.pids() == [shell.pid])
        shell.release()
        #expect(shell.wait(seconds: 10))
        try handle.delete()
        try top.delete()
        #expect(!FileManager.default.fileExists(atPath: dir))
    }

    @Test("a 32 MiB memory.max OOM-kills a memory hog with SIGKILL; memory.events and oomKillCount show one oom_kill")
    func memoryLimitOOM() throws {
        let cgroup = try makeCgroup("oom")
        // One process doubling a string: the only task the OOM killer can pick, so exactly one kill.
        let shell = try GatedShell("x=a; while :; do x=$x$x; done; echo survived")
        defer { cleanup(cgroup, [shell]) }

        try cgroup.handle.apply(CgroupResources(memoryLimit: 32 << 20, memorySwap: 32 << 20))
        #expect(try cgroup.read("memory.max") == "\(32 << 20)\n")
        if FileManager.default.fileExists(atPath: cgroup.dir + "/memory.swap.max") {
            #expect(try cgroup.read("memory.swap.max") == "0\n", "swap equal to the limit means no swap")
        }
        #expect(try cgroup.handle.oomKillCount() == 0)
        #expect(try cgroup.handle.oomEventFD() == nil, "v2 has no OOM eventfd; callers watch memory.events")
        try cgroup.handle.addProcess(shell.pid)
        #expect(try cgroup.handle.pids() == [shell.pid])
        shell.release()

        #expect(shell.wait(seconds: 60))
        #expect(shell.wasKilled, "the hog must die from SIGKILL (exit 137)")
        #expect(!shell.stdout().contains("survived"))
        #expect(try cgroup.handle.oomKillCount() == 1)
        let events = try cgroup.keyed("memory.events")
        #expect(events["oom_kill"] == 1)
        #expect((events["oom"] ?? 0) >= 1)
        #expect((events["max"] ?? 0) >= 1, "the limit was hit")
        let stats = try cgroup.handle.stats()
        let memory = try #require(stats.memory)
        #expect(memory.limitBytes == 32 << 20)
        #expect(memory.oomKills == 1)
        #expect((memory.oomEvents ?? 0) >= 1)
        if FileManager.default.fileExists(atPath: cgroup.dir + "/memory.peak") {
            #expect((memory.maxUsageBytes ?? 0) >= 30 << 20, "memory.peak reached the limit")
            #expect((memory.maxUsageBytes ?? 0) <= 32 << 20)
        }
    }

    @Test("pids.max stops forks: the shell reports a failed fork and pids.events counts the refusals")
    func pidsLimit() throws {
        let cgroup = try makeCgroup("pids")
        let shell = try GatedShell("i=0; while [ $i -lt 30 ]; do sleep 60 & i=$((i+1)); done; echo forked-all; wait")
        defer { cleanup(cgroup, [shell]) }

        try cgroup.handle.apply(CgroupResources(pidsLimit: 8))
        #expect(try cgroup.read("pids.max") == "8\n")
        try cgroup.handle.addProcess(shell.pid)
        shell.release()
        let settled = try CgroupTestHost.eventually(seconds: 20) {
            let current = try cgroup.handle.stats().pids?.current ?? 0
            return !shell.process.isRunning || current >= 8
        }
        #expect(settled)
        usleep(300_000)
        let stats = try cgroup.handle.stats()
        #expect(stats.pids?.limit == 8)
        #expect((stats.pids?.current ?? 99) <= 8)
        #expect((try cgroup.keyed("pids.events")["max"] ?? 0) >= 1, "pids.events max counts refused forks")
        try cgroup.handle.killAll()
        shell.stop()
        let errors = shell.stderr().lowercased()
        #expect(errors.contains("fork"), "the shell must report a failed fork, got: \(errors)")
        #expect(!shell.stdout().contains("forked-all"))

        try cgroup.handle.apply(CgroupResources(pidsLimit: -1))
        #expect(try cgroup.read("pids.max") == "max\n")
        #expect(try cgroup.handle.stats().pids?.limit == nil)
    }

    @Test("a 10ms/100ms cpu.max quota throttles a busy loop (cpu.stat nr_throttled); shares become cpu.weight")
    func cpuQuota() throws {
        let cgroup = try makeCgroup("cpu")
        let shell = try GatedShell("while :; do :; done")
        defer { cleanup(cgroup, [shell]) }

        try cgroup.handle.apply(CgroupResources(cpuShares: 512, cpuQuota: 10_000, cpuPeriod: 100_000))
        #expect(try cgroup.read("cpu.max") == "10000 100000\n")
        #expect(try cgroup.read("cpu.weight") == "\(CgroupConversions.cpuWeight(fromShares: 512))\n")
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

        // Changing only the period keeps the quota.
        try cgroup.handle.apply(CgroupResources(cpuPeriod: 50_000))
        #expect(try cgroup.read("cpu.max") == "10000 50000\n")
        try cgroup.handle.apply(CgroupResources(cpuQuota: -1))
        #expect(try cgroup.read("cpu.max") == "max 50000\n")
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

        try cgroup.handle.addProcess(shell.pid)
        shell.release()
        #expect(CgroupTestHost.eventually(seconds: 20) { counter() > 2 })
        try cgroup.handle.freeze()
        #expect(try cgroup.keyed("cgroup.events")["frozen"] == 1)
        #expect(try cgroup.read("cgroup.freeze") == "1\n")
        let atFreeze = counter()
        usleep(500_000)
        #expect(counter() == atFreeze, "no progress while frozen")
        try cgroup.handle.thaw()
        #expect(try cgroup.keyed("cgroup.events")["frozen"] == 0)
        #expect(CgroupTestHost.eventually(seconds: 20) { counter() > atFreeze + 2 }, "progress after thaw")
    }

    @Test("killAll writes cgroup.kill: every task dies (also while frozen), populated drops to 0")
    func killAll() throws {
        let cgroup = try makeCgroup("kill")
        let shell = try GatedShell("sleep 100 & sleep 100 & (sleep 100 &); wait")
        defer { cleanup(cgroup, [shell]) }
        #expect(FileManager.default.fileExists(atPath: cgroup.dir + "/cgroup.kill"), "the guest kernel has cgroup.kill")

        try cgroup.handle.addProcess(shell.pid)
        shell.release()
        #expect(try CgroupTestHost.eventually(seconds: 20) { try cgroup.handle.pids().count >= 4 })
        #expect(try cgroup.keyed("cgroup.events")["populated"] == 1)
        try cgroup.handle.freeze()
        try cgroup.handle.killAll()
        #expect(try cgroup.handle.pids().isEmpty)
        #expect(try cgroup.keyed("cgroup.events")["populated"] == 0)
        #expect(shell.wait(seconds: 10))
        #expect(shell.wasKilled)
    }

    @Test("a blkio weight is written to io.bfq.weight as is, or converted into io.weight")
    func ioWeight() throws {
        let cgroup = try makeCgroup("io")
        defer { cleanup(cgroup, []) }
        #expect(CgroupTestHost.controllers(cgroup.dir).contains("io"))

        try cgroup.handle.apply(CgroupResources(blockIOWeight: 500))
        if FileManager.default.fileExists(atPath: cgroup.dir + "/io.bfq.weight") {
            #expect(try cgroup.read("io.bfq.weight").contains("default 500"))
        } else {
            let weight = try #require(try cgroup.keyed("io.weight")["default"], "io.weight has a default line")
            #expect(weight == CgroupConversions.ioWeight(fromBlkioWeight: 500))
        }
    }

    @Test("the eBPF device filter denies /dev/null writes, denies everything under deny-all, allows under allow-all; re-applying replaces the program")
    func deviceFilter() throws {
        let cgroup = try makeCgroup("devices")
        let probe = try GatedShell(CgroupV1HostTests.deviceProbeScript)
        defer { cleanup(cgroup, [probe]) }

        try cgroup.handle.apply(CgroupResources(devices: CgroupDeviceFilterTests.hostProbeRules))
        let first = try CgroupBPF.attachedPrograms(in: cgroup.dir)
        #expect(first.count == 1)
        try cgroup.handle.addProcess(probe.pid)
        probe.release()
        #expect(probe.wait(seconds: 20))
        #expect(probe.stdout().split(separator: "\n") == CgroupV1HostTests.deviceProbeExpected)

        let nullProbe = "(echo x > /dev/null) && echo write-ok || echo write-denied; cat /dev/null && echo read-ok || echo read-denied"
        try cgroup.handle.apply(CgroupResources(devices: [DeviceRule(allow: false, type: .all)]))
        let denyAll = try CgroupBPF.attachedPrograms(in: cgroup.dir)
        #expect(denyAll.count == 1)
        #expect(denyAll != first, "the new program replaced the old one")
        let denied = try GatedShell(nullProbe)
        defer { denied.stop() }
        try cgroup.handle.addProcess(denied.pid)
        denied.release()
        #expect(denied.wait(seconds: 20))
        #expect(denied.stdout().split(separator: "\n") == ["write-denied", "read-denied"])
        #expect(denied.stderr().lowercased().contains("not permitted"), "the shell reports EPERM")

        try cgroup.handle.apply(CgroupResources(devices: [DeviceRule(allow: true)]))
        let allowAll = try CgroupBPF.attachedPrograms(in: cgroup.dir)
        #expect(allowAll.count == 1)
        #expect(allowAll != denyAll)
        let allowed = try GatedShell(nullProbe)
        defer { allowed.stop() }
        try cgroup.handle.addProcess(allowed.pid)
        allowed.release()
        #expect(allowed.wait(seconds: 20))
        #expect(allowed.stdout().split(separator: "\n") == ["write-ok", "read-ok"])
    }

    @Test("stats parses the real cpu.stat, memory.current/stat/events and pids files (checked against the files while frozen)")
    func statsOnRealFiles() throws {
        let cgroup = try makeCgroup("stats")
        let marker = FileManager.default.temporaryDirectory.path + "/" + CgroupTestHost.uniqueName("stats-ready")
        defer { try? FileManager.default.removeItem(atPath: marker) }
        // The marker shows the 4 MiB string is built, so only the shell and its two sleeps remain.
        let shell = try GatedShell("x=$(head -c 4M /dev/zero | tr '\\0' a); sleep 100 & sleep 100 & : > \(marker); wait")
        defer { cleanup(cgroup, [shell]) }

        try cgroup.handle.apply(CgroupResources(memoryLimit: 256 << 20, cpuQuota: 50_000, cpuPeriod: 100_000))
        try cgroup.handle.addProcess(shell.pid)
        shell.release()
        let settled = try CgroupTestHost.eventually(seconds: 30) {
            let count = try cgroup.handle.pids().count
            return FileManager.default.fileExists(atPath: marker) && count == 3
        }
        #expect(settled, "the shell built its string and started two sleeps")
        try cgroup.handle.freeze()

        // Even frozen, the kernel may flush per-CPU charge caches and stat deltas at any time, so
        // compare against the files only when they read the same before and after stats().
        struct RawFiles: Equatable {
            var cpuStat: [String: UInt64]
            var memoryCurrent: String
            var memoryStat: [String: UInt64]
            var pidsCurrent: String
        }
        func raw() throws -> RawFiles {
            RawFiles(
                cpuStat: try cgroup.keyed("cpu.stat"), memoryCurrent: try cgroup.read("memory.current"),
                memoryStat: try cgroup.keyed("memory.stat"), pidsCurrent: try cgroup.read("pids.current"))
        }
        var snapshot: (stats: CgroupStats, files: RawFiles)?
        for _ in 0..<50 where snapshot == nil {
            let before = try raw()
            let stats = try cgroup.handle.stats()
            if try raw() == before {
                snapshot = (stats, before)
            } else {
                usleep(20_000)
            }
        }
        let (stats, files) = try #require(snapshot, "the cgroup files settle while frozen")
        let cpuStat = files.cpuStat
        let memoryStat = files.memoryStat
        let cpu = try #require(stats.cpu)
        #expect(cpu.usageNanos == (cpuStat["usage_usec"] ?? 0) * 1000)
        #expect(cpu.userNanos == (cpuStat["user_usec"] ?? 0) * 1000)
        #expect(cpu.systemNanos == (cpuStat["system_usec"] ?? 0) * 1000)
        #expect(cpu.periods == cpuStat["nr_periods"] ?? 0)
        #expect(cpu.throttledPeriods == cpuStat["nr_throttled"] ?? 0)
        #expect(cpu.usageNanos > 0)
        #expect(cpu.periods > 0, "a quota makes the kernel count periods")

        let memory = try #require(stats.memory)
        #expect(memory.limitBytes == 256 << 20)
        #expect(memory.usageBytes == UInt64(files.memoryCurrent.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(memory.usageBytes > 4 << 20, "the shell's 4 MiB string is charged here")
        #expect(memory.rssBytes == memoryStat["anon"] ?? 0)
        #expect(memory.rssBytes >= 4 << 20)
        #expect(memory.cacheBytes == memoryStat["file"] ?? 0)
        #expect(memory.pageFaults == memoryStat["pgfault"] ?? 0)
        #expect(memory.majorPageFaults == memoryStat["pgmajfault"] ?? 0)
        #expect(memory.pageFaults > 0)
        #expect(memory.workingSetBytes == memory.usageBytes - min(memory.usageBytes, memoryStat["inactive_file"] ?? 0))
        #expect(memory.oomKills == 0)
        #expect(memory.oomEvents == 0)
        #expect(files.pidsCurrent == "3\n")

        let pids = try #require(stats.pids)
        #expect(pids.current == 3)
        #expect(pids.limit == nil, "pids.max is max")
        try cgroup.handle.thaw()
    }

    @Test("delete refuses a populated cgroup with a clear error, then removes it and its child cgroups; deleting twice is fine")
    func deleteLeavesNothing() throws {
        let cgroup = try makeCgroup("delete")
        let shell = try GatedShell("sleep 100")
        defer { cleanup(cgroup, [shell]) }
        let child = cgroup.dir + "/nested"
        #expect(mkdir(child, 0o755) == 0)
        try cgroup.handle.addProcess(shell.pid)
        shell.release()

        let error = #expect(throws: CgroupError.self) { try cgroup.handle.delete() }
        #expect(error?.message.contains("rmdir") == true)
        #expect(error?.message.contains("killAll") == true, "the error says how to fix it: \(error?.message ?? "")")
        #expect(FileManager.default.fileExists(atPath: cgroup.dir))

        try cgroup.handle.killAll()
        #expect(shell.wait(seconds: 10))
        try cgroup.handle.delete()
        #expect(!FileManager.default.fileExists(atPath: child))
        #expect(!FileManager.default.fileExists(atPath: cgroup.dir))
        try cgroup.parent.delete()
        #expect(!FileManager.default.fileExists(atPath: cgroup.parentDir))
        let rootChildren = try FileManager.default.contentsOfDirectory(atPath: CgroupTestHost.root)
        #expect(!rootChildren.contains(String(cgroup.parentDir.dropFirst(CgroupTestHost.root.count + 1))))
        try cgroup.handle.delete()
        try cgroup.parent.delete()
    }
}
