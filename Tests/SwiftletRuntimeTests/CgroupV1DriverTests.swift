import Foundation
import Testing

@testable import SwiftletRuntime

#if canImport(Glibc)
import Glibc
#endif

private typealias DeviceRule = CgroupResources.DeviceRule
private typealias HugepageLimit = CgroupResources.HugepageLimit

/// The v1 driver against a fake tree laid out like this host: separate cpu and cpuacct mounts.
@Suite("cgroup v1 driver on a fake tree")
struct CgroupV1DriverTests {
    static let subsystems = ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids"]

    private func makeTree(subsystems: [String] = subsystems) throws -> FakeCgroupTree {
        let tree = try FakeCgroupTree()
        for subsystem in subsystems {
            try tree.file("\(subsystem)/cgroup.procs", "")
        }
        if subsystems.contains("cpuset") {
            try tree.file("cpuset/cpuset.cpus", "0-1\n")
            try tree.file("cpuset/cpuset.mems", "0\n")
        }
        // Named and cgroup2 mounts of a hybrid host are not controllers.
        try tree.file("systemd/cgroup.procs", "")
        try tree.file("unified/cgroup.controllers", "hugetlb\n")
        return tree
    }

    @Test("the driver finds every mounted controller, cpu and cpuacct separately, and ignores systemd/unified")
    func mounts() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        let driver = CgroupV1Driver(root: tree.root, fs: tree.fs)
        #expect(driver.mounts.keys.sorted() == Self.subsystems.sorted())
        #expect(driver.mounts["cpuacct"] == tree.root + "/cpuacct")
    }

    @Test("create makes the path in every hierarchy and copies cpuset.cpus/mems into each new cpuset level")
    func createCopiesCpuset() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        let handle = try CgroupV1Driver(root: tree.root, fs: tree.fs).create(path: "/kubepods/pod1/ctr")
        for subsystem in Self.subsystems {
            #expect(tree.exists("\(subsystem)/kubepods/pod1/ctr"), "\(subsystem)")
            #expect(handle.controllerPaths[subsystem] == tree.root + "/\(subsystem)/kubepods/pod1/ctr")
        }
        #expect(
            tree.writes() == [
                "/cpuset/kubepods/cpuset.cpus=0-1", "/cpuset/kubepods/cpuset.mems=0",
                "/cpuset/kubepods/pod1/cpuset.cpus=0-1", "/cpuset/kubepods/pod1/cpuset.mems=0",
                "/cpuset/kubepods/pod1/ctr/cpuset.cpus=0-1", "/cpuset/kubepods/pod1/ctr/cpuset.mems=0",
            ])
        #expect(handle.path == "/kubepods/pod1/ctr")
    }

    @Test("an existing cpuset ancestor that is already populated is left alone")
    func createKeepsPopulatedCpuset() throws {
        let tree = try makeTree(subsystems: ["cpuset"])
        defer { tree.remove() }
        try tree.file("cpuset/kubepods/cpuset.cpus", "1\n")
        try tree.file("cpuset/kubepods/cpuset.mems", "0\n")
        _ = try CgroupV1Driver(root: tree.root, fs: tree.fs).create(path: "/kubepods/ctr")
        #expect(tree.writes() == ["/cpuset/kubepods/ctr/cpuset.cpus=1", "/cpuset/kubepods/ctr/cpuset.mems=0"])
    }

    @Test("relative paths are joined to this process's own cgroup in each hierarchy, like runc")
    func relativePath() throws {
        let tree = try makeTree(subsystems: ["memory", "cpu"])
        defer { tree.remove() }
        try tree.file("self-cgroup", "4:memory:/agent\n1:cpu:/\n0::/\n")
        let driver = CgroupV1Driver(root: tree.root, fs: tree.fs, procSelfCgroup: tree.root + "/self-cgroup")
        let handle = driver.open(path: "ctr")
        #expect(handle.controllerPaths["memory"] == tree.root + "/memory/agent/ctr")
        #expect(handle.controllerPaths["cpu"] == tree.root + "/cpu/ctr")
        #expect(handle.path == "/agent/ctr")
    }

    /// A leaf with the files whose presence or content the driver consults.
    private func makeLeaf(_ tree: FakeCgroupTree, memsw: Bool = true, limit: String = "9223372036854771712") throws -> any CgroupHandle {
        let handle = try CgroupV1Driver(root: tree.root, fs: tree.fs).create(path: "/c")
        try tree.file("memory/c/memory.limit_in_bytes", limit + "\n")
        if memsw {
            try tree.file("memory/c/memory.memsw.limit_in_bytes", limit + "\n")
        }
        try tree.file("blkio/c/blkio.weight", "100\n")
        tree.log.clear()
        return handle
    }

    @Test("apply writes the exact v1 files and values in a safe order")
    func applyWritesExactFiles() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        let handle = try makeLeaf(tree)
        try handle.apply(
            CgroupResources(
                memoryLimit: 256 << 20, memoryReservation: 128 << 20, memorySwap: 512 << 20,
                cpuShares: 512, cpuQuota: 50_000, cpuPeriod: 100_000, cpuBurst: 1000,
                cpus: "0", mems: "0", pidsLimit: 100, blockIOWeight: 500,
                devices: [
                    DeviceRule(allow: false, type: .all),
                    DeviceRule(allow: true, type: .char, major: 1, minor: 3, access: "rwm"),
                    DeviceRule(allow: true, type: .char, major: 136, minor: nil, access: "rw"),
                    DeviceRule(allow: false, type: .block, major: 8, minor: 0, access: "m"),
                ]
            ))
        #expect(
            tree.writes() == [
                "/cpuset/c/cpuset.cpus=0",
                "/cpuset/c/cpuset.mems=0",
                // The current limit is unlimited, so the lower memory limit goes first, then memsw.
                "/memory/c/memory.limit_in_bytes=268435456",
                "/memory/c/memory.memsw.limit_in_bytes=536870912",
                "/memory/c/memory.soft_limit_in_bytes=134217728",
                "/cpu/c/cpu.shares=512",
                "/cpu/c/cpu.cfs_period_us=100000",
                "/cpu/c/cpu.cfs_quota_us=50000",
                "/cpu/c/cpu.cfs_burst_us=1000",
                "/pids/c/pids.max=100",
                "/blkio/c/blkio.weight=500",
                "/devices/c/devices.deny=a *:* rwm",
                "/devices/c/devices.allow=c 1:3 rwm",
                "/devices/c/devices.allow=c 136:* rw",
                "/devices/c/devices.deny=b 8:0 m",
            ])
    }

    @Test("raising the memory limit writes memsw first so limit <= memsw holds at every step")
    func raiseMemoryOrder() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        let handle = try makeLeaf(tree, limit: "33554432")
        try handle.apply(CgroupResources(memoryLimit: 64 << 20, memorySwap: 128 << 20))
        #expect(
            tree.writes() == [
                "/memory/c/memory.memsw.limit_in_bytes=134217728", "/memory/c/memory.limit_in_bytes=67108864",
            ])
        tree.log.clear()
        try handle.apply(CgroupResources(memoryLimit: -1))
        #expect(tree.writes() == ["/memory/c/memory.memsw.limit_in_bytes=-1", "/memory/c/memory.limit_in_bytes=-1"])
    }

    @Test("without memory.memsw, swap equal to the limit or -1 is skipped, and more swap is a clear error")
    func swapWithoutAccounting() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        let handle = try makeLeaf(tree, memsw: false)
        try handle.apply(CgroupResources(memoryLimit: 64 << 20, memorySwap: 64 << 20))
        try handle.apply(CgroupResources(memoryLimit: 32 << 20, memorySwap: -1))
        #expect(tree.writes() == ["/memory/c/memory.limit_in_bytes=67108864", "/memory/c/memory.limit_in_bytes=33554432"])

        tree.log.clear()
        let error = #expect(throws: CgroupError.self) {
            try handle.apply(CgroupResources(memoryLimit: 64 << 20, memorySwap: 96 << 20, pidsLimit: 5))
        }
        #expect(error?.code == .unsupported)
        #expect(error?.message.contains("memory.memsw.limit_in_bytes is missing") == true)
        #expect(tree.writes().isEmpty, "nothing may be written when the request cannot be honoured")
    }

    @Test("pids limits of 0 or less mean max; cpu quota -1 is written as -1")
    func unlimitedValues() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        let handle = try makeLeaf(tree)
        try handle.apply(CgroupResources(cpuQuota: -1, pidsLimit: -1))
        #expect(tree.writes() == ["/cpu/c/cpu.cfs_quota_us=-1", "/pids/c/pids.max=max"])
    }

    @Test("unified keys, and hierarchies that are not mounted, are refused before anything is written")
    func unsupportedRequests() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        let handle = try makeLeaf(tree)
        let unified = #expect(throws: CgroupError.self) {
            try handle.apply(CgroupResources(pidsLimit: 3, unified: ["memory.high": "1G"]))
        }
        #expect(unified?.code == .unsupported)
        let hugetlb = #expect(throws: CgroupError.self) {
            try handle.apply(CgroupResources(pidsLimit: 3, hugepageLimits: [HugepageLimit(pageSize: "2MB", limit: 1 << 21)]))
        }
        #expect(hugetlb?.code == .notMounted)
        #expect(hugetlb?.message.contains("hugetlb") == true)
        #expect(tree.writes().isEmpty)
    }

    @Test("a refused write names the file, the value and the errno")
    func errorFormat() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        let handle = CgroupV1Driver(root: tree.root, fs: CgroupFS()).open(path: "/missing")
        let error = #expect(throws: CgroupError.self) { try handle.apply(CgroupResources(pidsLimit: 100)) }
        #expect(error?.message == "write \(tree.root)/pids/missing/pids.max \"100\": ENOENT")
        #expect(error?.errno == ENOENT)
    }

    @Test("stats reads cpuacct and cpu separately, memory.stat totals, oom_control and pids")
    func statsParsing() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        try tree.file("cpuacct/c/cpuacct.usage", "3000000000\n")
        try tree.file("cpuacct/c/cpuacct.usage_user", "2000000000\n")
        try tree.file("cpuacct/c/cpuacct.usage_sys", "1000000000\n")
        try tree.file("cpu/c/cpu.stat", "nr_periods 50\nnr_throttled 20\nthrottled_time 123456789\nnr_bursts 0\nburst_time 0\n")
        try tree.file("memory/c/memory.usage_in_bytes", "100000000\n")
        try tree.file("memory/c/memory.limit_in_bytes", "134217728\n")
        try tree.file("memory/c/memory.max_usage_in_bytes", "120000000\n")
        try tree.file(
            "memory/c/memory.stat",
            """
            cache 1000
            rss 2000
            pgfault 10
            pgmajfault 1
            inactive_file 500
            hierarchical_memory_limit 134217728
            total_cache 30000000
            total_rss 60000000
            total_pgfault 777
            total_pgmajfault 7
            total_inactive_file 25000000

            """)
        try tree.file("memory/c/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n")
        try tree.file("pids/c/pids.current", "4\n")
        try tree.file("pids/c/pids.max", "64\n")

        let stats = try CgroupV1Driver(root: tree.root, fs: tree.fs).open(path: "/c").stats()
        #expect(
            stats.cpu
                == CgroupStats.CPU(
                    usageNanos: 3_000_000_000, userNanos: 2_000_000_000, systemNanos: 1_000_000_000,
                    periods: 50, throttledPeriods: 20, throttledNanos: 123_456_789))
        #expect(
            stats.memory
                == CgroupStats.Memory(
                    usageBytes: 100_000_000, limitBytes: 134_217_728, maxUsageBytes: 120_000_000,
                    workingSetBytes: 75_000_000, rssBytes: 60_000_000, cacheBytes: 30_000_000,
                    pageFaults: 777, majorPageFaults: 7, oomEvents: nil, oomKills: 3))
        #expect(stats.pids == CgroupStats.Pids(current: 4, limit: 64))
    }

    @Test("an unlimited v1 memory limit and pids max are reported as nil; old kernels' cpuacct.stat ticks are converted")
    func statsUnlimited() throws {
        let tree = try makeTree(subsystems: ["cpuacct", "memory", "pids"])
        defer { tree.remove() }
        try tree.file("cpuacct/c/cpuacct.usage", "5\n")
        try tree.file("cpuacct/c/cpuacct.stat", "user 150\nsystem 50\n")
        try tree.file("memory/c/memory.usage_in_bytes", "10\n")
        try tree.file("memory/c/memory.limit_in_bytes", "9223372036854771712\n")
        try tree.file("memory/c/memory.max_usage_in_bytes", "10\n")
        try tree.file("memory/c/memory.stat", "rss 10\ninactive_file 20\n")
        try tree.file("pids/c/pids.current", "0\n")
        try tree.file("pids/c/pids.max", "max\n")
        let stats = try CgroupV1Driver(root: tree.root, fs: tree.fs).open(path: "/c").stats()
        #expect(stats.cpu?.userNanos == 1_500_000_000)
        #expect(stats.cpu?.systemNanos == 500_000_000)
        #expect(stats.memory?.limitBytes == nil)
        #expect(stats.memory?.workingSetBytes == 0)
        #expect(stats.memory?.rssBytes == 10)
        #expect(stats.pids?.limit == nil)
    }

    @Test("addProcess writes the pid to cgroup.procs in every hierarchy; freeze/thaw use freezer.state")
    func processesAndFreezer() throws {
        let tree = try makeTree(subsystems: ["memory", "freezer"])
        defer { tree.remove() }
        let handle = try CgroupV1Driver(root: tree.root, fs: tree.fs).create(path: "/c")
        tree.log.clear()
        try handle.addProcess(77)
        #expect(tree.writes() == ["/freezer/c/cgroup.procs=77", "/memory/c/cgroup.procs=77"])
        try tree.file("freezer/c/cgroup.procs", "77\n78\n")
        #expect(try handle.pids() == [77, 78])

        tree.log.clear()
        try handle.freeze()
        #expect(try tree.read("freezer/c/freezer.state") == "FROZEN")
        try handle.thaw()
        #expect(tree.writes() == ["/freezer/c/freezer.state=FROZEN", "/freezer/c/freezer.state=THAWED"])
    }

    @Test("oomKillCount reads memory.oom_control; delete removes every hierarchy's directory")
    func oomCountAndDelete() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        let handle = try CgroupV1Driver(root: tree.root, fs: tree.fs).create(path: "/pod/c")
        try tree.file("memory/pod/c/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n")
        #expect(try handle.oomKillCount() == 2)
        try handle.delete()
        for subsystem in Self.subsystems {
            #expect(!tree.exists("\(subsystem)/pod/c"), "\(subsystem)")
            #expect(tree.exists("\(subsystem)/pod"), "\(subsystem): only the leaf is removed")
        }
        try handle.delete()
    }
}
