#if canImport(Glibc)
import Glibc
#endif
import Logging

/// A cgroup in the v1 hierarchies: the same path in every mounted controller.
public struct CgroupV1Handle: CgroupHandle {
    public let path: String
    public let controllerPaths: [String: String]

    let fs: CgroupFS
    let logger: Logger

    /// Values at or above this in `*.limit_in_bytes` mean "no limit" (the kernel reports
    /// PAGE_COUNTER_MAX rounded to pages, e.g. 9223372036854771712).
    static let unlimitedThreshold: UInt64 = 1 << 62

    /// The directory for `subsystem`, or an error saying the hierarchy is not mounted.
    private func directory(_ subsystem: String, for purpose: String) throws -> String {
        guard let dir = controllerPaths[subsystem] else {
            throw CgroupError(
                .notMounted,
                "\(purpose) needs the cgroup v1 \(subsystem) controller, which is not mounted on this host"
            )
        }
        return dir
    }

    // MARK: apply

    public func apply(_ resources: CgroupResources) throws {
        let r = resources.normalized
        try r.validate()
        if !r.unified.isEmpty {
            let keys = r.unified.keys.sorted().joined(separator: ", ")
            throw CgroupError(.unsupported, "unified resources (\(keys)) need cgroup v2; this host uses cgroup v1")
        }
        // Look up every hierarchy first so a missing one fails before anything is written.
        let cpusetDir = (r.cpus != nil || r.mems != nil) ? try directory("cpuset", for: "cpus/mems") : nil
        let memoryDir =
            (r.memoryLimit != nil || r.memorySwap != nil || r.memoryReservation != nil)
            ? try directory("memory", for: "a memory limit") : nil
        let cpuDir =
            (r.cpuShares != nil || r.cpuQuota != nil || r.cpuPeriod != nil || r.cpuBurst != nil)
            ? try directory("cpu", for: "cpu shares/quota") : nil
        let pidsDir = r.pidsLimit != nil ? try directory("pids", for: "a pids limit") : nil
        let blkioDir = r.blockIOWeight != nil ? try directory("blkio", for: "a block I/O weight") : nil
        let devicesDir = r.devices.isEmpty ? nil : try directory("devices", for: "device rules")
        let hugetlbDir = r.hugepageLimits.isEmpty ? nil : try directory("hugetlb", for: "hugepage limits")
        if let memoryDir {
            try checkSwapAccounting(memoryDir, r)
        }

        if let cpusetDir {
            if let cpus = r.cpus {
                try fs.write(cpusetDir, "cpuset.cpus", cpus)
            }
            if let mems = r.mems {
                try fs.write(cpusetDir, "cpuset.mems", mems)
            }
        }
        if let memoryDir {
            try applyMemory(memoryDir, r)
        }
        if let cpuDir {
            try applyCPU(cpuDir, r)
        }
        if let pidsDir, let limit = r.pidsLimit {
            try fs.write(pidsDir, "pids.max", limit <= 0 ? "max" : String(limit))
        }
        if let blkioDir, let weight = r.blockIOWeight {
            // Kernels with BFQ but without CFQ only have the bfq file; it takes the same range.
            let file = fs.exists(blkioDir + "/blkio.weight") ? "blkio.weight" : "blkio.bfq.weight"
            guard fs.exists(blkioDir + "/" + file) else {
                throw CgroupError(
                    .unsupported,
                    "blockIOWeight \(weight): neither blkio.weight nor blkio.bfq.weight exists in \(blkioDir) (no CFQ/BFQ I/O scheduler)",
                    path: blkioDir
                )
            }
            try fs.write(blkioDir, file, String(weight))
        }
        if let hugetlbDir {
            for limit in r.hugepageLimits {
                try fs.write(hugetlbDir, "hugetlb.\(limit.pageSize).limit_in_bytes", String(limit.limit)) { err in
                    err == ENOENT ? "the kernel has no \(limit.pageSize) huge pages" : nil
                }
            }
        }
        if let devicesDir {
            for rule in r.devices {
                let line = rule.type == .all ? "a *:* rwm" : rule.v1Line
                try fs.write(devicesDir, rule.allow ? "devices.allow" : "devices.deny", line)
            }
        }
        logger.debug("applied cgroup resources", metadata: ["cgroup": "\(path)", "version": "v1"])
    }

    /// Without `memory.memsw.*` (no swap accounting) a swap limit can only be honoured when it
    /// asks for nothing beyond the memory limit (equal to it) or for no limit (-1).
    private func checkSwapAccounting(_ dir: String, _ r: CgroupResources) throws {
        guard let swap = r.memorySwap, !fs.exists(dir + "/memory.memsw.limit_in_bytes") else {
            return
        }
        if swap == -1 || swap == r.memoryLimit {
            return
        }
        throw CgroupError(
            .unsupported,
            "memorySwap \(swap): swap accounting is unavailable (\(dir)/memory.memsw.limit_in_bytes is missing); "
                + "boot the kernel with swapaccount=1, or set memorySwap equal to memoryLimit or to -1",
            path: dir
        )
    }

    private func applyMemory(_ dir: String, _ r: CgroupResources) throws {
        let hasSwapAccounting = fs.exists(dir + "/memory.memsw.limit_in_bytes")
        var swap = hasSwapAccounting ? r.memorySwap : nil
        if r.memoryLimit == -1 && swap == nil && hasSwapAccounting {
            swap = -1
        }
        let setLimit = { (limit: Int64) in
            try fs.write(dir, "memory.limit_in_bytes", String(limit)) { err in
                guard err == EBUSY else { return nil }
                let usage = (try? fs.read(dir + "/memory.usage_in_bytes"))?.filter { !$0.isWhitespace } ?? "?"
                let peak = (try? fs.read(dir + "/memory.max_usage_in_bytes"))?.filter { !$0.isWhitespace } ?? "?"
                return "current usage \(usage) bytes (peak \(peak)) is above the new limit"
            }
        }
        let setSwap = { (value: Int64) in
            try fs.write(dir, "memory.memsw.limit_in_bytes", String(value)) { err in
                err == EINVAL ? "memory+swap must be >= memory.limit_in_bytes" : nil
            }
        }
        if let limit = r.memoryLimit, let swap {
            // The kernel requires limit <= memsw at every step, so raise memsw first when growing.
            let current = try CgroupFormat.singleValue(try fs.read(dir + "/memory.limit_in_bytes"), path: dir + "/memory.limit_in_bytes")
            if swap == -1 || (current ?? UInt64.max) < UInt64(swap) {
                try setSwap(swap)
                try setLimit(limit)
            } else {
                try setLimit(limit)
                try setSwap(swap)
            }
        } else if let limit = r.memoryLimit {
            try setLimit(limit)
        } else if let swap {
            try setSwap(swap)
        }
        if let reservation = r.memoryReservation {
            try fs.write(dir, "memory.soft_limit_in_bytes", String(reservation))
        }
    }

    private func applyCPU(_ dir: String, _ r: CgroupResources) throws {
        if let shares = r.cpuShares {
            try fs.write(dir, "cpu.shares", String(shares))
            // The kernel clamps shares silently; say so instead of applying something else.
            let read = try CgroupFormat.singleValue(try fs.read(dir + "/cpu.shares"), path: dir + "/cpu.shares")
            if let read, read != shares {
                throw CgroupError(
                    .invalidArgument,
                    "cpuShares \(shares): the kernel stored \(read) (allowed range is 2...262144)", path: dir + "/cpu.shares")
            }
        }
        // A shorter period can be refused (EINVAL) while the old quota still applies; set it again after the quota.
        var pendingPeriod: UInt64?
        if let period = r.cpuPeriod {
            do {
                try fs.write(dir, "cpu.cfs_period_us", String(period))
            } catch let error as CgroupError where error.errno == EINVAL && r.cpuQuota != nil {
                pendingPeriod = period
            }
        }
        if let quota = r.cpuQuota {
            try fs.write(dir, "cpu.cfs_quota_us", String(quota)) { err in
                err == EINVAL ? "quota must be at least 1000 µs, and within the parent's quota" : nil
            }
            if let period = pendingPeriod {
                try fs.write(dir, "cpu.cfs_period_us", String(period))
            }
        }
        if let burst = r.cpuBurst {
            try fs.write(dir, "cpu.cfs_burst_us", String(burst)) { err in
                err == ENOENT ? "this kernel has no CFS burst support (needs Linux 5.14)" : nil
            }
        }
    }

    // MARK: processes

    public func addProcess(_ pid: Int32) throws {
        for (subsystem, dir) in controllerPaths.sorted(by: { $0.key < $1.key }) {
            try fs.write(dir, "cgroup.procs", String(pid)) { err in
                switch err {
                case ENOSPC where subsystem == "cpuset":
                    return "cpuset.cpus or cpuset.mems of \(dir) is empty"
                case ESRCH:
                    return "process \(pid) does not exist (it may have exited)"
                case ENOENT:
                    return "the cgroup does not exist; create it first"
                default:
                    return nil
                }
            }
        }
    }

    /// The directory whose `cgroup.procs` lists the cgroup's tasks.
    private var procsDirectory: String? {
        for subsystem in ["freezer", "pids", "memory", "cpu", "cpuacct", "devices", "blkio", "cpuset", "hugetlb"] {
            if let dir = controllerPaths[subsystem] {
                return dir
            }
        }
        return nil
    }

    public func pids() throws -> [Int32] {
        guard let dir = procsDirectory else {
            throw CgroupError(.notMounted, "no cgroup v1 controller is mounted; cannot list the tasks of \(path)")
        }
        return CgroupFormat.pids(try fs.read(dir + "/cgroup.procs"))
    }

    // MARK: stats

    public func stats() throws -> CgroupStats {
        var result = CgroupStats()
        if controllerPaths["cpu"] != nil || controllerPaths["cpuacct"] != nil {
            result.cpu = try cpuStats()
        }
        if let dir = controllerPaths["memory"] {
            result.memory = try memoryStats(dir)
        }
        if let dir = controllerPaths["pids"] {
            let current = try CgroupFormat.singleValue(try fs.read(dir + "/pids.current"), path: dir + "/pids.current") ?? 0
            let limit = try CgroupFormat.singleValue(try fs.read(dir + "/pids.max"), path: dir + "/pids.max")
            result.pids = CgroupStats.Pids(current: current, limit: limit)
        }
        return result
    }

    private func cpuStats() throws -> CgroupStats.CPU {
        var cpu = CgroupStats.CPU()
        if let dir = controllerPaths["cpuacct"] {
            cpu.usageNanos = try CgroupFormat.singleValue(try fs.read(dir + "/cpuacct.usage"), path: dir + "/cpuacct.usage") ?? 0
            if let user = try fs.readIfExists(dir + "/cpuacct.usage_user"),
                let system = try fs.readIfExists(dir + "/cpuacct.usage_sys")
            {
                cpu.userNanos = try CgroupFormat.singleValue(user, path: dir + "/cpuacct.usage_user") ?? 0
                cpu.systemNanos = try CgroupFormat.singleValue(system, path: dir + "/cpuacct.usage_sys") ?? 0
            } else if let stat = try fs.readIfExists(dir + "/cpuacct.stat") {
                // Older kernels report only USER_HZ ticks (100 per second).
                let values = CgroupFormat.keyedValues(stat)
                cpu.userNanos = (values["user"] ?? 0) * 10_000_000
                cpu.systemNanos = (values["system"] ?? 0) * 10_000_000
            }
        }
        if let dir = controllerPaths["cpu"], let stat = try fs.readIfExists(dir + "/cpu.stat") {
            let values = CgroupFormat.keyedValues(stat)
            cpu.periods = values["nr_periods"] ?? 0
            cpu.throttledPeriods = values["nr_throttled"] ?? 0
            cpu.throttledNanos = values["throttled_time"] ?? 0
        }
        return cpu
    }

    private func memoryStats(_ dir: String) throws -> CgroupStats.Memory {
        func number(_ file: String) throws -> UInt64? {
            try CgroupFormat.singleValue(try fs.read(dir + "/" + file), path: dir + "/" + file)
        }
        var memory = CgroupStats.Memory()
        memory.usageBytes = try number("memory.usage_in_bytes") ?? 0
        if let limit = try number("memory.limit_in_bytes"), limit < Self.unlimitedThreshold {
            memory.limitBytes = limit
        }
        memory.maxUsageBytes = try number("memory.max_usage_in_bytes")
        let stat = CgroupFormat.keyedValues(try fs.read(dir + "/memory.stat"))
        // The total_ counters include child cgroups, which is what the parent's usage counts too.
        func counter(_ name: String) -> UInt64 { stat["total_" + name] ?? stat[name] ?? 0 }
        memory.rssBytes = counter("rss")
        memory.cacheBytes = counter("cache")
        memory.pageFaults = counter("pgfault")
        memory.majorPageFaults = counter("pgmajfault")
        let inactiveFile = counter("inactive_file")
        memory.workingSetBytes = memory.usageBytes > inactiveFile ? memory.usageBytes - inactiveFile : 0
        if let control = try fs.readIfExists(dir + "/memory.oom_control") {
            memory.oomKills = CgroupFormat.keyedValues(control)["oom_kill"] ?? 0
        }
        return memory
    }

    // MARK: freezer

    public func freeze() throws {
        let dir = try directory("freezer", for: "freezing")
        do {
            // A cgroup whose tasks keep forking can stay FREEZING; re-requesting FROZEN (with an
            // occasional thaw) makes progress, as runc found on many kernels.
            var attempt = 0
            let frozen = try CgroupWait.poll(timeoutNanos: 10_000_000_000) {
                attempt += 1
                if attempt % 50 == 0 {
                    try fs.write(dir, "freezer.state", "THAWED")
                    usleep(10_000)
                }
                try fs.write(dir, "freezer.state", "FROZEN")
                let state = CgroupFormat.trim(try fs.read(dir + "/freezer.state"))
                switch state {
                case "FROZEN": return true
                case "FREEZING": return false
                default:
                    throw CgroupError(.systemCall, "freeze \(dir): unexpected freezer.state \"\(state)\"", path: dir)
                }
            }
            if !frozen {
                throw CgroupError(.timeout, "freeze \(dir): still FREEZING after 10s", path: dir)
            }
        } catch {
            // Never leave a cgroup half-frozen.
            try? fs.write(dir, "freezer.state", "THAWED")
            throw error
        }
    }

    public func thaw() throws {
        let dir = try directory("freezer", for: "thawing")
        try fs.write(dir, "freezer.state", "THAWED")
    }

    public func killAll() throws {
        let hasFreezer = controllerPaths["freezer"] != nil
        try CgroupWait.killLoop(
            freeze: hasFreezer ? { try freeze() } : nil,
            thaw: hasFreezer ? { try thaw() } : nil,
            readPids: { try pids() },
            describe: path
        )
    }

    // MARK: removal and OOM

    public func delete() throws {
        var firstError: Error?
        for dir in Set(controllerPaths.values).sorted() {
            do {
                try fs.removeCgroupDirectory(dir)
            } catch {
                firstError = firstError ?? error
            }
        }
        if let firstError {
            throw firstError
        }
    }

    public func oomKillCount() throws -> UInt64 {
        let dir = try directory("memory", for: "the OOM kill count")
        let control = try fs.read(dir + "/memory.oom_control")
        guard let count = CgroupFormat.keyedValues(control)["oom_kill"] else {
            throw CgroupError(.unsupported, "\(dir)/memory.oom_control has no oom_kill counter (needs Linux 4.13)", path: dir)
        }
        return count
    }

    public func oomEventFD() throws -> Int32? {
        let dir = try directory("memory", for: "OOM notification")
        let eventFD = CgroupLibc.eventfd(0, CgroupLibc.eventFDCloexec)
        if eventFD < 0 {
            throw CgroupError.syscall("eventfd", path: dir, errno: errno)
        }
        let controlPath = dir + "/memory.oom_control"
        let controlFD = controlPath.withCString { Glibc.open($0, O_RDONLY | O_CLOEXEC) }
        if controlFD < 0 {
            let err = errno
            close(eventFD)
            throw CgroupError.syscall("open", path: controlPath, errno: err)
        }
        // The registration keeps its own reference to the control file.
        defer { close(controlFD) }
        do {
            try fs.write(dir, "cgroup.event_control", "\(eventFD) \(controlFD)")
        } catch {
            close(eventFD)
            throw error
        }
        return eventFD
    }
}
