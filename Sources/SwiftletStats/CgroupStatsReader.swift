import Foundation

/// Reads `CgroupSample`s of cgroups, v1 or v2, through one reused `KernelFileReader`.
///
/// File paths are built once per cgroup and cached, so a reading costs only the system calls:
/// on v1 `cpuacct.usage`, `memory.usage_in_bytes`, `memory.limit_in_bytes`, `memory.stat`,
/// `pids.current` (and `memory.memsw.usage_in_bytes` with swap); on v2 `cpu.stat`,
/// `memory.current`, `memory.max`, `memory.stat`, `pids.current` (and `memory.swap.current`,
/// `memory.swap.max` with swap).
///
/// Not thread-safe: use one reader per sampling loop.
public final class CgroupStatsReader {
    /// The layout being read.
    public let layout: CgroupLayout
    /// Whether swap counters are read (kubelet reports swap only on nodes with swap).
    public var includeSwap: Bool

    private let reader: KernelFileReader
    private var files: [String: Files] = [:]

    private static let v1StatKeys: [[UInt8]] = ["total_inactive_file", "total_rss", "total_pgfault", "total_pgmajfault"].map { Array($0.utf8) }
    private static let v2StatKeys: [[UInt8]] = ["inactive_file", "anon", "pgfault", "pgmajfault"].map { Array($0.utf8) }
    private static let usageUsecKey: [[UInt8]] = [Array("usage_usec".utf8)]
    /// v1 reports "no limit" as a page-rounded 2^63-1; cadvisor treats anything above 2^62 as unlimited.
    private static let unlimitedThreshold: UInt64 = 1 << 62

    /// A reader for `layout`.
    public init(layout: CgroupLayout, includeSwap: Bool = false) {
        self.layout = layout
        self.includeSwap = includeSwap
        self.reader = KernelFileReader()
    }

    /// Reads the counters of the cgroup at `cgroupPath` (`/kubepods/besteffort/pod<uid>/<id>`; `/`
    /// for the root). Missing files leave their fields nil; a vanished cgroup gives an empty sample.
    ///
    /// - Parameter rootMemoryUsage: the memory usage to use when the cgroup has no usage file of its
    ///   own (the v2 root has no `memory.current`; kubelet then takes `MemTotal − MemFree`).
    public func sample(_ cgroupPath: String, rootMemoryUsage: UInt64? = nil) -> CgroupSample {
        let f = paths(for: cgroupPath)
        var result = CgroupSample()
        switch layout {
        case .v1:
            if let p = f.cpu { result.cpuUsageNanos = readNumber(p) }
        case .v2:
            if let p = f.cpu { result.cpuUsageNanos = readKeyed(p, Self.usageUsecKey)?[0].map { $0 &* 1000 } }
        }
        if let usage = f.memoryUsage.flatMap(readNumber) ?? rootMemoryUsage {
            let stat = f.memoryStat.flatMap { readKeyed($0, layout.isV2 ? Self.v2StatKeys : Self.v1StatKeys) }
                ?? [nil, nil, nil, nil]
            let limit = f.memoryLimit.flatMap(readNumber).flatMap { $0 > Self.unlimitedThreshold ? nil : $0 }
            result.memory = CgroupSample.Memory(
                usageBytes: usage,
                workingSetBytes: CgroupSample.Memory.workingSet(usage: usage, inactiveFile: stat[0] ?? 0),
                rssBytes: stat[1] ?? 0, pageFaults: stat[2] ?? 0, majorPageFaults: stat[3] ?? 0, limitBytes: limit)
        }
        if includeSwap, let p = f.swapUsage, let swap = readNumber(p) {
            switch layout {
            case .v1:
                // memsw counts memory plus swap.
                let usage = result.memory?.usageBytes ?? 0
                result.swapUsageBytes = swap > usage ? swap - usage : 0
            case .v2:
                result.swapUsageBytes = swap
                result.swapLimitBytes = f.swapLimit.flatMap(readNumber).flatMap { $0 > Self.unlimitedThreshold ? nil : $0 }
            }
        }
        if let p = f.pids { result.pids = readNumber(p) }
        return result
    }

    /// The reader's buffer, shared with the collector's `/proc` reads.
    package var fileReader: KernelFileReader { reader }

    /// Drops the cached paths of a cgroup that is gone.
    public func forget(_ cgroupPath: String) {
        files[cgroupPath] = nil
    }

    /// Reads a whole file through the reader's reused buffer (e.g. `/proc/<pid>/net/dev`).
    ///
    /// - Throws: `StatsError` naming `open` or `read` and the path.
    package func withContents<R>(of path: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try reader.withContents(of: path, body)
    }

    private func readNumber(_ path: String) -> UInt64? {
        try? reader.withContents(of: path) { KernelText.firstUInt64($0) }
    }

    private func readKeyed(_ path: String, _ keys: [[UInt8]]) -> [UInt64?]? {
        try? reader.withContents(of: path) { KernelText.keyedValues($0, keys: keys) }
    }

    private struct Files {
        var cpu: String?
        var memoryUsage: String?
        var memoryLimit: String?
        var memoryStat: String?
        var swapUsage: String?
        var swapLimit: String?
        var pids: String?
    }

    private func paths(for cgroupPath: String) -> Files {
        if let cached = files[cgroupPath] { return cached }
        var f = Files()
        switch layout {
        case .v1:
            f.cpu = layout.directory(of: cgroupPath, controller: "cpuacct").map { $0 + "/cpuacct.usage" }
            if let memory = layout.directory(of: cgroupPath, controller: "memory") {
                f.memoryUsage = memory + "/memory.usage_in_bytes"
                f.memoryLimit = memory + "/memory.limit_in_bytes"
                f.memoryStat = memory + "/memory.stat"
                f.swapUsage = memory + "/memory.memsw.usage_in_bytes"
            }
            f.pids = layout.directory(of: cgroupPath, controller: "pids").map { $0 + "/pids.current" }
        case .v2:
            let dir = layout.directory(of: cgroupPath, controller: "")!
            f.cpu = dir + "/cpu.stat"
            f.memoryUsage = dir + "/memory.current"
            f.memoryLimit = dir + "/memory.max"
            f.memoryStat = dir + "/memory.stat"
            f.swapUsage = dir + "/memory.swap.current"
            f.swapLimit = dir + "/memory.swap.max"
            f.pids = dir + "/pids.current"
        }
        files[cgroupPath] = f
        return f
    }
}

extension CgroupLayout {
    var isV2: Bool {
        if case .v2 = self { return true }
        return false
    }
}
