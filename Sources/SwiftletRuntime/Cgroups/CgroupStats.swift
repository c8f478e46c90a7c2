/// A snapshot of one cgroup's counters. A section is nil when its controller is not
/// mounted (v1) or not enabled (v2) for the cgroup.
public struct CgroupStats: Sendable, Equatable {
    /// CPU time and CFS throttling.
    public struct CPU: Sendable, Equatable {
        /// Total CPU time consumed, in nanoseconds.
        public var usageNanos: UInt64
        /// CPU time in user mode, in nanoseconds.
        public var userNanos: UInt64
        /// CPU time in kernel mode, in nanoseconds.
        public var systemNanos: UInt64
        /// CFS periods that elapsed while the cgroup had runnable tasks.
        public var periods: UInt64
        /// Periods in which the cgroup hit its quota.
        public var throttledPeriods: UInt64
        /// Total time tasks spent throttled, in nanoseconds.
        public var throttledNanos: UInt64

        /// Creates CPU statistics.
        public init(
            usageNanos: UInt64 = 0, userNanos: UInt64 = 0, systemNanos: UInt64 = 0,
            periods: UInt64 = 0, throttledPeriods: UInt64 = 0, throttledNanos: UInt64 = 0
        ) {
            self.usageNanos = usageNanos
            self.userNanos = userNanos
            self.systemNanos = systemNanos
            self.periods = periods
            self.throttledPeriods = throttledPeriods
            self.throttledNanos = throttledNanos
        }
    }

    /// Memory usage and OOM counters, in bytes unless noted.
    public struct Memory: Sendable, Equatable {
        /// Current usage (v1 `memory.usage_in_bytes`, v2 `memory.current`).
        public var usageBytes: UInt64
        /// Hard limit; nil when unlimited.
        public var limitBytes: UInt64?
        /// Peak usage; nil when the kernel does not report it (v2 before `memory.peak`).
        public var maxUsageBytes: UInt64?
        /// Usage minus inactive file pages, floored at 0 (what kubelet reports and evicts on).
        public var workingSetBytes: UInt64
        /// Anonymous memory (v1 `total_rss`, v2 `anon`).
        public var rssBytes: UInt64
        /// Page cache (v1 `total_cache`, v2 `file`).
        public var cacheBytes: UInt64
        /// Page faults (count).
        public var pageFaults: UInt64
        /// Major page faults (count).
        public var majorPageFaults: UInt64
        /// Times the cgroup hit its limit and reclaim failed (v2 `memory.events oom`); nil on v1, which has no such counter.
        public var oomEvents: UInt64?
        /// Tasks killed by the OOM killer in this cgroup.
        public var oomKills: UInt64

        /// Creates memory statistics.
        public init(
            usageBytes: UInt64 = 0, limitBytes: UInt64? = nil, maxUsageBytes: UInt64? = nil,
            workingSetBytes: UInt64 = 0, rssBytes: UInt64 = 0, cacheBytes: UInt64 = 0,
            pageFaults: UInt64 = 0, majorPageFaults: UInt64 = 0, oomEvents: UInt64? = nil, oomKills: UInt64 = 0
        ) {
            self.usageBytes = usageBytes
            self.limitBytes = limitBytes
            self.maxUsageBytes = maxUsageBytes
            self.workingSetBytes = workingSetBytes
            self.rssBytes = rssBytes
            self.cacheBytes = cacheBytes
            self.pageFaults = pageFaults
            self.majorPageFaults = majorPageFaults
            self.oomEvents = oomEvents
            self.oomKills = oomKills
        }
    }

    /// Task counts.
    public struct Pids: Sendable, Equatable {
        /// Tasks (threads included) in the cgroup now.
        public var current: UInt64
        /// The limit; nil when unlimited.
        public var limit: UInt64?

        /// Creates pid statistics.
        public init(current: UInt64 = 0, limit: UInt64? = nil) {
            self.current = current
            self.limit = limit
        }
    }

    /// CPU statistics, or nil when unavailable.
    public var cpu: CPU?
    /// Memory statistics, or nil when unavailable.
    public var memory: Memory?
    /// Pid statistics, or nil when unavailable.
    public var pids: Pids?

    /// Creates a snapshot.
    public init(cpu: CPU? = nil, memory: Memory? = nil, pids: Pids? = nil) {
        self.cpu = cpu
        self.memory = memory
        self.pids = pids
    }
}
