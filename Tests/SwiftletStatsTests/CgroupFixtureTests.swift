import Foundation
import Testing
@testable import SwiftletStats

@Suite("cgroup readers on fixture trees")
struct CgroupFixtureTests {
    @Test("a cgroup2 root listing memory/cpu/pids is detected as v2 and read from cpu.stat, memory.* and pids.current")
    func v2Sample() throws {
        let tree = try FakeCgroupV2()
        defer { tree.remove() }
        try tree.setCgroup("/kubepods/besteffort/pod1/ctr", usageUsec: 1_500_000, memoryCurrent: 50_000_000, inactiveFile: 8_000_000,
                           anon: 30_000_000, pgfault: 1234, pgmajfault: 12, memoryMax: "104857600", pids: 7,
                           swapCurrent: 4096, swapMax: "1048576")
        let layout = CgroupLayout.detect(root: tree.root)
        #expect(layout == .v2(root: tree.root))
        let reader = CgroupStatsReader(layout: layout, includeSwap: true)
        let sample = reader.sample("/kubepods/besteffort/pod1/ctr")
        #expect(sample.cpuUsageNanos == 1_500_000_000)
        #expect(sample.memory == CgroupSample.Memory(usageBytes: 50_000_000, workingSetBytes: 42_000_000, rssBytes: 30_000_000,
                                                     pageFaults: 1234, majorPageFaults: 12, limitBytes: 104_857_600))
        #expect(sample.pids == 7)
        #expect(sample.swapUsageBytes == 4096)
        #expect(sample.swapLimitBytes == 1_048_576)
    }

    @Test("v2: a working set is floored at zero, `max` is no limit, and a missing cgroup gives an empty sample")
    func v2Edges() throws {
        let tree = try FakeCgroupV2()
        defer { tree.remove() }
        try tree.setCgroup("/a", usageUsec: 1, memoryCurrent: 1000, inactiveFile: 5000)
        let reader = CgroupStatsReader(layout: CgroupLayout.detect(root: tree.root))
        let sample = reader.sample("/a")
        #expect(sample.memory?.workingSetBytes == 0)
        #expect(sample.memory?.limitBytes == nil)
        #expect(sample.swapUsageBytes == nil)
        #expect(reader.sample("/gone").isEmpty)
        // Paths cannot climb out of the hierarchy.
        #expect(CgroupLayout.v2(root: "/sys/fs/cgroup").directory(of: "/../../etc", controller: "") == "/sys/fs/cgroup/etc")
    }

    @Test("v2 root: memory usage comes from the caller (MemTotal − MemFree) and the working set from root memory.stat")
    func v2Root() throws {
        let tree = try FakeCgroupV2()
        defer { tree.remove() }
        try tree.write(stat: "inactive_file 1000\nanon 500\npgfault 3\npgmajfault 1\n")
        try tree.dir.write("cpu.stat", "usage_usec 42\n")
        let sample = CgroupStatsReader(layout: .v2(root: tree.root)).sample("/", rootMemoryUsage: 10_000)
        #expect(sample.cpuUsageNanos == 42_000)
        #expect(sample.memory?.usageBytes == 10_000)
        #expect(sample.memory?.workingSetBytes == 9000)
        #expect(sample.memory?.rssBytes == 500)
    }

    @Test("a v1 tree maps each controller to its own or its co-mounted directory and reads total_* counters")
    func v1Sample() throws {
        let dir = try ScratchDir("cgv1")
        defer { dir.remove() }
        try dir.mkdir("cpu,cpuacct/pod/c")
        try dir.mkdir("memory/pod/c")
        try dir.mkdir("pids/pod/c")
        try dir.mkdir("unified")
        try dir.write("cpu,cpuacct/pod/c/cpuacct.usage", "987654321\n")
        try dir.write("memory/pod/c/memory.usage_in_bytes", "20480000\n")
        try dir.write("memory/pod/c/memory.limit_in_bytes", "9223372036854771712\n")
        try dir.write("memory/pod/c/memory.stat", "cache 1\nrss 2\ninactive_file 3\npgfault 4\ntotal_rss 1000000\ntotal_inactive_file 480000\ntotal_pgfault 55\ntotal_pgmajfault 5\n")
        try dir.write("memory/pod/c/memory.memsw.usage_in_bytes", "20490000\n")
        try dir.write("pids/pod/c/pids.current", "3\n")
        let layout = CgroupLayout.detect(root: dir.path)
        guard case .v1(let controllers) = layout else {
            Issue.record("expected v1, got \(layout)")
            return
        }
        #expect(controllers["cpuacct"] == dir.path + "/cpu,cpuacct")
        #expect(controllers["cpu"] == dir.path + "/cpu,cpuacct")
        #expect(controllers["unified"] == nil)
        let sample = CgroupStatsReader(layout: layout, includeSwap: true).sample("/pod/c")
        #expect(sample.cpuUsageNanos == 987_654_321)
        #expect(sample.memory == CgroupSample.Memory(usageBytes: 20_480_000, workingSetBytes: 20_000_000, rssBytes: 1_000_000,
                                                     pageFaults: 55, majorPageFaults: 5, limitBytes: nil))
        #expect(sample.swapUsageBytes == 10_000)
        #expect(sample.pids == 3)
    }
}

extension FakeCgroupV2 {
    func write(stat: String) throws { try dir.write("memory.stat", stat) }
}
