import Foundation
import Testing

@testable import SwiftletRuntime

#if canImport(Glibc)
import Glibc
#endif

private typealias DeviceRule = CgroupResources.DeviceRule
private typealias HugepageLimit = CgroupResources.HugepageLimit

/// The v2 driver against a fake cgroupfs of regular files: exact file writes and parsing.
/// The kernel behaviour (freeze, kill, device filter, rmdir) is exercised for real in CgroupV2HostTests.
@Suite("cgroup v2 driver on a fake tree")
struct CgroupV2DriverTests {
    private func makeTree(controllers: String = "cpuset cpu io memory hugetlb pids") throws -> FakeCgroupTree {
        let tree = try FakeCgroupTree()
        try tree.file("cgroup.controllers", controllers + "\n")
        try tree.file("cgroup.subtree_control", "\n")
        return tree
    }

    @Test("create enables available controllers in every ancestor's subtree_control but not in the leaf")
    func createEnablesControllers() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        let driver = CgroupV2Driver(root: tree.root, fs: tree.fs)
        let handle = try driver.create(path: "/kubepods/burstable/pod123/ctr1")

        let all = "+cpuset +cpu +io +memory +hugetlb +pids"
        #expect(
            tree.writes() == [
                "/cgroup.subtree_control=\(all)",
                "/kubepods/cgroup.subtree_control=\(all)",
                "/kubepods/burstable/cgroup.subtree_control=\(all)",
                "/kubepods/burstable/pod123/cgroup.subtree_control=\(all)",
            ])
        #expect(tree.exists("kubepods/burstable/pod123/ctr1"))
        #expect(!tree.exists("kubepods/burstable/pod123/ctr1/cgroup.subtree_control"))
        #expect(handle.path == "/kubepods/burstable/pod123/ctr1")
        #expect(handle.controllerPaths == ["unified": tree.root + "/kubepods/burstable/pod123/ctr1"])
    }

    @Test("create writes only controllers that are available and not yet enabled")
    func createSkipsEnabledAndUnavailable() throws {
        let tree = try makeTree(controllers: "cpu memory pids rdma")
        defer { tree.remove() }
        try tree.file("cgroup.subtree_control", "cpu memory\n")
        try tree.file("kubepods/cgroup.controllers", "cpu memory pids\n")
        try tree.file("kubepods/cgroup.subtree_control", "cpu memory pids\n")
        let driver = CgroupV2Driver(root: tree.root, fs: tree.fs)
        _ = try driver.create(path: "/kubepods/pod9")
        #expect(tree.writes() == ["/cgroup.subtree_control=+pids"])
    }

    @Test("relative paths go under the parent of the caller's own cgroup, like runc")
    func relativePath() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        try tree.file("proc-self-cgroup", "0::/user.slice/session-4.scope\n")
        let driver = CgroupV2Driver(root: tree.root, fs: tree.fs, procSelfCgroup: tree.root + "/proc-self-cgroup")
        let handle = driver.open(path: "ctr/../box")
        #expect(handle.path == "/user.slice/box")
        #expect(handle.controllerPaths["unified"] == tree.root + "/user.slice/box")
    }

    @Test("apply translates OCI values to the exact v2 files and values")
    func applyWritesExactFiles() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        let driver = CgroupV2Driver(root: tree.root, fs: tree.fs)
        let handle = try driver.create(path: "/pod/ctr")
        try tree.file("pod/ctr/memory.swap.max", "max\n")
        tree.log.clear()

        try handle.apply(
            CgroupResources(
                memoryLimit: 256 << 20, memoryReservation: 128 << 20, memorySwap: 512 << 20,
                cpuShares: 512, cpuQuota: 50_000, cpuPeriod: 100_000, cpuBurst: 1000,
                cpus: "0-1", mems: "0", pidsLimit: 100, blockIOWeight: 500,
                hugepageLimits: [HugepageLimit(pageSize: "2MB", limit: 4 << 20)],
                unified: ["memory.high": "200M"]
            ))
        #expect(
            tree.writes() == [
                "/pod/ctr/cpuset.cpus=0-1",
                "/pod/ctr/cpuset.mems=0",
                "/pod/ctr/memory.swap.max=268435456",
                "/pod/ctr/memory.max=268435456",
                "/pod/ctr/memory.low=134217728",
                "/pod/ctr/cpu.weight=20",
                "/pod/ctr/cpu.max=50000 100000",
                "/pod/ctr/cpu.max.burst=1000",
                "/pod/ctr/pids.max=100",
                "/pod/ctr/io.weight=4950",
                "/pod/ctr/hugetlb.2MB.max=4194304",
                "/pod/ctr/memory.high=200M",
            ])
        #expect(try tree.read("pod/ctr/cpu.max") == "50000 100000")
    }

    @Test("unlimited values become max, and a period-only change keeps the current quota")
    func applyUnlimited() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        let handle = try CgroupV2Driver(root: tree.root, fs: tree.fs).create(path: "/c")
        try tree.file("c/memory.swap.max", "0\n")
        try tree.file("c/cpu.max", "20000 100000\n")
        tree.log.clear()

        try handle.apply(CgroupResources(memoryLimit: -1, cpuPeriod: 50_000, pidsLimit: 0))
        #expect(
            tree.writes() == [
                "/c/memory.swap.max=max", "/c/memory.max=max", "/c/cpu.max=20000 50000", "/c/pids.max=max",
            ])
        tree.log.clear()
        try handle.apply(CgroupResources(cpuQuota: -1, pidsLimit: -5))
        #expect(tree.writes() == ["/c/cpu.max=max 50000", "/c/pids.max=max"])
    }

    @Test("io.bfq.weight takes the blkio weight unconverted when the kernel has it")
    func bfqWeight() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        let handle = try CgroupV2Driver(root: tree.root, fs: tree.fs).create(path: "/c")
        try tree.file("c/io.bfq.weight", "default 100\n")
        tree.log.clear()
        try handle.apply(CgroupResources(blockIOWeight: 300))
        #expect(tree.writes() == ["/c/io.bfq.weight=300"])
    }

    @Test("without memory.swap.max, swap equal to the limit is skipped and more swap is a clear error")
    func swapWithoutAccounting() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        let handle = try CgroupV2Driver(root: tree.root, fs: tree.fs).create(path: "/c")
        tree.log.clear()
        try handle.apply(CgroupResources(memoryLimit: 64 << 20, memorySwap: 64 << 20))
        #expect(tree.writes() == ["/c/memory.max=67108864"])

        tree.log.clear()
        let error = #expect(throws: CgroupError.self) {
            try handle.apply(CgroupResources(memoryLimit: 64 << 20, memorySwap: 128 << 20))
        }
        #expect(error?.code == .unsupported)
        #expect(error?.message.contains("memory.swap.max is missing") == true)
        #expect(tree.writes().isEmpty, "nothing may be written when the request cannot be honoured")
    }

    @Test("a swap limit without a memory limit, or below it, is rejected")
    func invalidSwap() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        let handle = try CgroupV2Driver(root: tree.root, fs: tree.fs).create(path: "/c")
        #expect(throws: CgroupError.self) { try handle.apply(CgroupResources(memorySwap: 1 << 30)) }
        let below = #expect(throws: CgroupError.self) {
            try handle.apply(CgroupResources(memoryLimit: 1 << 30, memorySwap: 1 << 20))
        }
        #expect(below?.code == .invalidArgument)
    }

    @Test("a write to a controller the parent does not delegate names the file, value and fix")
    func missingControllerError() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        try tree.file("c/cgroup.controllers", "cpu pids\n")
        // A non-simulated filesystem refuses to create files, like the kernel.
        let handle = CgroupV2Driver(root: tree.root, fs: CgroupFS()).open(path: "/c")
        let error = #expect(throws: CgroupError.self) { try handle.apply(CgroupResources(memoryLimit: 100)) }
        #expect(error?.errno == ENOENT)
        #expect(error?.message.hasPrefix("write \(tree.root)/c/memory.max \"100\": ENOENT: the memory controller is not enabled") == true)
        #expect(error?.message.contains("+memory") == true)
    }

    @Test("stats parses cpu.stat, memory.*, memory.events and pids files")
    func statsParsing() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        try tree.file(
            "c/cpu.stat",
            """
            usage_usec 2500000
            user_usec 2000000
            system_usec 500000
            core_sched.force_idle_usec 0
            nr_periods 120
            nr_throttled 30
            throttled_usec 450000
            nr_bursts 0
            burst_usec 0

            """)
        try tree.file("c/memory.current", "104857600\n")
        try tree.file("c/memory.max", "209715200\n")
        try tree.file("c/memory.peak", "157286400\n")
        try tree.file(
            "c/memory.stat",
            """
            anon 73400320
            file 31457280
            kernel 1048576
            inactive_anon 0
            active_anon 73400320
            inactive_file 20971520
            active_file 10485760
            pgfault 4321
            pgmajfault 12

            """)
        try tree.file("c/memory.events", "low 0\nhigh 0\nmax 7\noom 2\noom_kill 1\noom_group_kill 0\n")
        try tree.file("c/pids.current", "5\n")
        try tree.file("c/pids.max", "max\n")

        let stats = try CgroupV2Driver(root: tree.root, fs: tree.fs).open(path: "/c").stats()
        #expect(
            stats.cpu
                == CgroupStats.CPU(
                    usageNanos: 2_500_000_000, userNanos: 2_000_000_000, systemNanos: 500_000_000,
                    periods: 120, throttledPeriods: 30, throttledNanos: 450_000_000))
        #expect(
            stats.memory
                == CgroupStats.Memory(
                    usageBytes: 104_857_600, limitBytes: 209_715_200, maxUsageBytes: 157_286_400,
                    workingSetBytes: 104_857_600 - 20_971_520, rssBytes: 73_400_320, cacheBytes: 31_457_280,
                    pageFaults: 4321, majorPageFaults: 12, oomEvents: 2, oomKills: 1))
        #expect(stats.pids == CgroupStats.Pids(current: 5, limit: nil))
    }

    @Test("stats leaves out controllers the cgroup does not have, and reports memory.max max as unlimited")
    func statsPartial() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        try tree.file("c/cpu.stat", "usage_usec 10\nuser_usec 6\nsystem_usec 4\n")
        try tree.file("c/memory.current", "4096\n")
        try tree.file("c/memory.max", "max\n")
        let stats = try CgroupV2Driver(root: tree.root, fs: tree.fs).open(path: "/c").stats()
        #expect(stats.cpu?.usageNanos == 10_000)
        #expect(stats.memory?.limitBytes == nil)
        #expect(stats.memory?.maxUsageBytes == nil)
        #expect(stats.memory?.workingSetBytes == 4096)
        #expect(stats.pids == nil)
    }

    @Test("freeze writes cgroup.freeze 1 and returns once cgroup.events says frozen 1; thaw writes 0")
    func freezeAndThaw() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        try tree.file("c/cgroup.freeze", "0\n")
        try tree.file("c/cgroup.events", "populated 1\nfrozen 1\n")
        let handle = CgroupV2Driver(root: tree.root, fs: tree.fs).open(path: "/c")
        try handle.freeze()
        try handle.thaw()
        #expect(tree.writes() == ["/c/cgroup.freeze=1", "/c/cgroup.freeze=0"])
    }

    @Test("freeze without cgroup.freeze is reported as unsupported")
    func freezeUnsupported() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        try tree.file("c/cgroup.procs", "")
        let error = #expect(throws: CgroupError.self) {
            try CgroupV2Driver(root: tree.root, fs: tree.fs).open(path: "/c").freeze()
        }
        #expect(error?.code == .unsupported)
    }

    @Test("killAll writes cgroup.kill and waits for populated 0")
    func killAll() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        try tree.file("c/cgroup.kill", "")
        try tree.file("c/cgroup.events", "populated 0\nfrozen 0\n")
        try CgroupV2Driver(root: tree.root, fs: tree.fs).open(path: "/c").killAll()
        #expect(tree.writes() == ["/c/cgroup.kill=1"])
    }

    @Test("addProcess writes cgroup.procs; pids, oomKillCount and oomEventFD read the v2 files")
    func processesAndOOM() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        try tree.file("c/memory.events", "low 0\nhigh 0\nmax 3\noom 3\noom_kill 2\n")
        let handle = CgroupV2Driver(root: tree.root, fs: tree.fs).open(path: "/c")
        try handle.addProcess(4242)
        #expect(tree.writes() == ["/c/cgroup.procs=4242"])
        try tree.file("c/cgroup.procs", "10\n20\n30\n")
        #expect(try handle.pids() == [10, 20, 30])
        #expect(try handle.oomKillCount() == 2)
        #expect(try handle.oomEventFD() == nil)
    }

    @Test("delete removes the cgroup and its child cgroups; a missing cgroup is fine")
    func deleteSimulated() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        let handle = try CgroupV2Driver(root: tree.root, fs: tree.fs).create(path: "/pod/ctr")
        try tree.file("pod/ctr/cgroup.procs", "")
        try tree.file("pod/ctr/sub/cgroup.procs", "")
        try handle.delete()
        #expect(!tree.exists("pod/ctr"))
        #expect(tree.exists("pod"))
        try handle.delete()
    }

    @Test("on a plain directory (not cgroupfs) rmdir fails and the error names rmdir and the path")
    func deleteRealRmdirOnFakeTree() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        try tree.file("c/cgroup.procs", "")
        let handle = CgroupV2Driver(root: tree.root, fs: CgroupFS()).open(path: "/c")
        let error = #expect(throws: CgroupError.self) { try handle.delete() }
        #expect(error?.message == "rmdir \(tree.root)/c: ENOTEMPTY")
    }

    @Test("device rules are compiled and verified by the kernel; the fake tree records the filter", .enabled(if: CgroupTestHost.isRoot))
    func devicesSimulated() throws {
        let tree = try makeTree()
        defer { tree.remove() }
        let handle = try CgroupV2Driver(root: tree.root, fs: tree.fs).create(path: "/c")
        tree.log.clear()
        try handle.apply(
            CgroupResources(devices: [
                DeviceRule(allow: false), DeviceRule(allow: true, type: .char, major: 1, minor: 3, access: "rwm"),
            ]))
        #expect(tree.writes() == ["/c/<bpf-device-filter>=deny a *:* rwm, allow c 1:3 rwm"])
    }
}
