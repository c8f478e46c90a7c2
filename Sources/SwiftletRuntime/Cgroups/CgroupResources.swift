/// The resource limits to apply to one cgroup, with OCI runtime-spec (`linux.resources`) semantics.
///
/// nil (and, as in runc and crun, 0 for the numeric limits) leaves a setting unchanged.
/// The drivers translate these cgroup-v1-shaped values to cgroup v2 files where needed.
public struct CgroupResources: Sendable, Equatable {
    /// Hard memory limit in bytes; -1 removes the limit.
    public var memoryLimit: Int64?
    /// Soft memory limit (v1 `memory.soft_limit_in_bytes`, v2 `memory.low`) in bytes.
    public var memoryReservation: Int64?
    /// Memory plus swap limit in bytes (OCI semantics: the total, not the swap alone); -1 means unlimited swap.
    public var memorySwap: Int64?
    /// Relative CPU weight in v1 shares (2...262144); converted to `cpu.weight` on v2.
    public var cpuShares: UInt64?
    /// CPU time in microseconds the cgroup may use per period; -1 removes the quota.
    public var cpuQuota: Int64?
    /// Length of a CFS period in microseconds (default 100000).
    public var cpuPeriod: UInt64?
    /// Extra CPU time in microseconds the cgroup may accumulate and burst above its quota.
    public var cpuBurst: UInt64?
    /// CPUs the tasks may run on, in cpuset list format (`0-3,6`).
    public var cpus: String?
    /// Memory nodes the tasks may allocate from, in cpuset list format.
    public var mems: String?
    /// Maximum number of tasks; 0 or less removes the limit (`max`).
    public var pidsLimit: Int64?
    /// Block I/O weight in v1 units (10...1000); converted to `io.weight` on v2.
    public var blockIOWeight: UInt16?
    /// Device access rules, applied in order (later rules override earlier ones).
    /// An empty list leaves device access unchanged.
    public var devices: [DeviceRule]
    /// Huge page limits per page size.
    public var hugepageLimits: [HugepageLimit]
    /// Raw cgroup v2 files to write last (`"memory.high": "1G"`); only valid on cgroup v2.
    public var unified: [String: String]

    /// Creates a resource set; every setting defaults to "unchanged".
    public init(
        memoryLimit: Int64? = nil,
        memoryReservation: Int64? = nil,
        memorySwap: Int64? = nil,
        cpuShares: UInt64? = nil,
        cpuQuota: Int64? = nil,
        cpuPeriod: UInt64? = nil,
        cpuBurst: UInt64? = nil,
        cpus: String? = nil,
        mems: String? = nil,
        pidsLimit: Int64? = nil,
        blockIOWeight: UInt16? = nil,
        devices: [DeviceRule] = [],
        hugepageLimits: [HugepageLimit] = [],
        unified: [String: String] = [:]
    ) {
        self.memoryLimit = memoryLimit
        self.memoryReservation = memoryReservation
        self.memorySwap = memorySwap
        self.cpuShares = cpuShares
        self.cpuQuota = cpuQuota
        self.cpuPeriod = cpuPeriod
        self.cpuBurst = cpuBurst
        self.cpus = cpus
        self.mems = mems
        self.pidsLimit = pidsLimit
        self.blockIOWeight = blockIOWeight
        self.devices = devices
        self.hugepageLimits = hugepageLimits
        self.unified = unified
    }

    /// The same resources with the "0 means unset" convention of runc/crun made explicit as nil.
    var normalized: CgroupResources {
        var copy = self
        if copy.memoryLimit == 0 { copy.memoryLimit = nil }
        if copy.memoryReservation == 0 { copy.memoryReservation = nil }
        if copy.memorySwap == 0 { copy.memorySwap = nil }
        if copy.cpuShares == 0 { copy.cpuShares = nil }
        if copy.cpuQuota == 0 { copy.cpuQuota = nil }
        if copy.cpuPeriod == 0 { copy.cpuPeriod = nil }
        if copy.blockIOWeight == 0 { copy.blockIOWeight = nil }
        if copy.cpus?.isEmpty == true { copy.cpus = nil }
        if copy.mems?.isEmpty == true { copy.mems = nil }
        return copy
    }

    /// Checks values that are wrong on every cgroup version.
    ///
    /// - Throws: `CgroupError.Code.invalidArgument` naming the field and value.
    func validate() throws {
        if let limit = memoryLimit, limit < -1 {
            throw CgroupError(.invalidArgument, "memoryLimit \(limit): must be -1 (unlimited) or a byte count")
        }
        if let swap = memorySwap {
            if swap < -1 {
                throw CgroupError(.invalidArgument, "memorySwap \(swap): must be -1 (unlimited) or a byte count")
            }
            if swap > 0, let limit = memoryLimit, limit > 0, swap < limit {
                throw CgroupError(
                    .invalidArgument,
                    "memorySwap \(swap) is below memoryLimit \(limit): memorySwap is memory plus swap and must be >= memoryLimit"
                )
            }
        }
        if let quota = cpuQuota, quota < -1 {
            throw CgroupError(.invalidArgument, "cpuQuota \(quota): must be -1 (unlimited) or microseconds per period")
        }
        if let weight = blockIOWeight, !(10...1000).contains(weight) {
            throw CgroupError(.invalidArgument, "blockIOWeight \(weight): must be between 10 and 1000")
        }
        for rule in devices {
            try rule.validate()
        }
        for limit in hugepageLimits {
            try limit.validate()
        }
        for key in unified.keys where key.isEmpty || key.contains("/") || key.hasPrefix(".") {
            throw CgroupError(.invalidArgument, "unified key \"\(key)\": must be a plain cgroup file name such as memory.high")
        }
    }
}
