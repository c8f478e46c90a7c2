import Foundation
@testable import SwiftletStats

/// A unique scratch directory removed by `remove()`.
struct ScratchDir {
    let path: String

    init(_ label: String) throws {
        path = NSTemporaryDirectory() + "swiftlet-stats-\(label)-\(UUID().uuidString.prefix(12))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func sub(_ relative: String) -> String { path + "/" + relative }

    @discardableResult
    func mkdir(_ relative: String) throws -> String {
        try FileManager.default.createDirectory(atPath: sub(relative), withIntermediateDirectories: true)
        return sub(relative)
    }

    @discardableResult
    func write(_ relative: String, _ text: String) throws -> String {
        let full = sub(relative)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: false, encoding: .utf8)
        return full
    }

    @discardableResult
    func write(_ relative: String, bytes count: Int) throws -> String {
        let full = sub(relative)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(repeating: 0x61, count: count).write(to: URL(fileURLWithPath: full))
        return full
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A fake cgroup v2 tree of regular files with the counters a test chooses.
struct FakeCgroupV2 {
    let dir: ScratchDir

    init() throws {
        dir = try ScratchDir("cgv2")
        try dir.write("cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n")
    }

    var root: String { dir.path }

    func setCgroup(_ path: String, usageUsec: UInt64, memoryCurrent: UInt64, inactiveFile: UInt64, anon: UInt64 = 4096,
                   pgfault: UInt64 = 10, pgmajfault: UInt64 = 1, memoryMax: String = "max", pids: UInt64 = 1,
                   swapCurrent: UInt64? = nil, swapMax: String = "max") throws {
        let base = String(path.drop(while: { $0 == "/" }))
        try dir.write(base + "/cpu.stat", "usage_usec \(usageUsec)\nuser_usec \(usageUsec / 2)\nsystem_usec \(usageUsec / 2)\nnr_periods 0\n")
        try dir.write(base + "/memory.current", "\(memoryCurrent)\n")
        try dir.write(base + "/memory.max", memoryMax + "\n")
        try dir.write(base + "/memory.stat", """
            anon \(anon)
            file 8192
            kernel 0
            shmem 0
            active_anon 0
            inactive_anon \(anon)
            active_file 0
            inactive_file \(inactiveFile)
            pgfault \(pgfault)
            pgmajfault \(pgmajfault)

            """)
        try dir.write(base + "/pids.current", "\(pids)\n")
        if let swapCurrent {
            try dir.write(base + "/memory.swap.current", "\(swapCurrent)\n")
            try dir.write(base + "/memory.swap.max", swapMax + "\n")
        }
    }

    func remove() { dir.remove() }
}

/// A fake /proc with the files the node sampler reads.
struct FakeProc {
    let dir: ScratchDir

    init(memTotalKiB: UInt64 = 8_000_000, memFreeKiB: UInt64 = 3_000_000, inactiveFileKiB: UInt64 = 1_000_000,
         swapTotalKiB: UInt64 = 0, swapFreeKiB: UInt64 = 0, cpuTicks: (UInt64, UInt64, UInt64) = (1000, 10, 500), btime: UInt64 = 1_700_000_000) throws {
        dir = try ScratchDir("proc")
        try dir.write("meminfo", """
            MemTotal:       \(memTotalKiB) kB
            MemFree:        \(memFreeKiB) kB
            MemAvailable:   \(memFreeKiB + inactiveFileKiB) kB
            Buffers:          100000 kB
            Inactive(file): \(inactiveFileKiB) kB
            AnonPages:       2000000 kB
            SwapTotal:      \(swapTotalKiB) kB
            SwapFree:       \(swapFreeKiB) kB

            """)
        try dir.write("stat", """
            cpu  \(cpuTicks.0) \(cpuTicks.1) \(cpuTicks.2) 90000 300 0 20 5 0 0
            cpu0 \(cpuTicks.0) \(cpuTicks.1) \(cpuTicks.2) 90000 300 0 20 5 0 0
            intr 12345
            btime \(btime)
            processes 4242

            """)
        try dir.write("loadavg", "0.50 0.40 0.30 3/321 9999\n")
        try dir.write("sys/kernel/pid_max", "4194304\n")
        try dir.write("sys/kernel/threads-max", "63000\n")
        try dir.write("1/net/dev", """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo:  5000      50    0    0    0     0          0         0     5000      50    0    0    0     0       0          0
              eth0: 123456    789    2    3    0     0          0         0    65432     321    4    5    0     0       0          0
            veth12ab: 1000     10    0    0    0     0          0         0     2000      20    0    0    0     0       0          0

            """)
    }

    var root: String { dir.path }

    func remove() { dir.remove() }
}
