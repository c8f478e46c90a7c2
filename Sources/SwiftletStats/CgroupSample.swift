/// One reading of a cgroup's counters. A field is nil when its controller or file is missing.
public struct CgroupSample: Sendable, Equatable {
    /// Total CPU time consumed, in core-nanoseconds (v1 `cpuacct.usage`, v2 `cpu.stat usage_usec` × 1000).
    public var cpuUsageNanos: UInt64?
    /// Memory counters, or nil when the memory controller is unavailable.
    public var memory: Memory?
    /// Swap in use, in bytes (v1 `memory.memsw.usage_in_bytes` − usage, v2 `memory.swap.current`).
    public var swapUsageBytes: UInt64?
    /// Swap limit, in bytes (v2 `memory.swap.max`); nil when unlimited or on v1.
    public var swapLimitBytes: UInt64?
    /// Tasks (processes and threads) in the cgroup, from `pids.current`.
    public var pids: UInt64?

    /// Memory counters of a cgroup, in bytes unless noted.
    public struct Memory: Sendable, Equatable {
        /// All memory charged to the cgroup (v1 `memory.usage_in_bytes`, v2 `memory.current`).
        public var usageBytes: UInt64
        /// Usage minus inactive file pages, floored at 0: kubelet's working set
        /// (v1 `total_inactive_file`, v2 `inactive_file`).
        public var workingSetBytes: UInt64
        /// Anonymous memory (v1 `total_rss`, v2 `anon`).
        public var rssBytes: UInt64
        /// Page faults, hierarchical (v1 `total_pgfault`, v2 `pgfault`); a count.
        public var pageFaults: UInt64
        /// Major page faults, hierarchical (v1 `total_pgmajfault`, v2 `pgmajfault`); a count.
        public var majorPageFaults: UInt64
        /// The hard limit; nil when unlimited.
        public var limitBytes: UInt64?

        /// Creates memory counters.
        public init(usageBytes: UInt64, workingSetBytes: UInt64, rssBytes: UInt64, pageFaults: UInt64,
                    majorPageFaults: UInt64, limitBytes: UInt64? = nil) {
            self.usageBytes = usageBytes
            self.workingSetBytes = workingSetBytes
            self.rssBytes = rssBytes
            self.pageFaults = pageFaults
            self.majorPageFaults = majorPageFaults
            self.limitBytes = limitBytes
        }

        /// Kubelet's working-set rule: usage minus inactive file pages, never below zero.
        public static func workingSet(usage: UInt64, inactiveFile: UInt64) -> UInt64 {
            usage > inactiveFile ? usage - inactiveFile : 0
        }
    }

    /// Creates a sample.
    public init(cpuUsageNanos: UInt64? = nil, memory: Memory? = nil, swapUsageBytes: UInt64? = nil,
                swapLimitBytes: UInt64? = nil, pids: UInt64? = nil) {
        self.cpuUsageNanos = cpuUsageNanos
        self.memory = memory
        self.swapUsageBytes = swapUsageBytes
        self.swapLimitBytes = swapLimitBytes
        self.pids = pids
    }

    /// Whether nothing at all could be read (the cgroup is gone).
    public var isEmpty: Bool { cpuUsageNanos == nil && memory == nil && pids == nil }
}
