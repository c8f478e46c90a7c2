#if canImport(Glibc)
import Glibc
#endif
import Logging

/// A cgroup in the unified (v2) hierarchy.
///
/// Device rules are enforced with a `BPF_PROG_TYPE_CGROUP_DEVICE` program attached to the
/// cgroup directory (v2 has no devices files); see `CgroupDeviceFilter` for its semantics.
public struct CgroupV2Handle: CgroupHandle {
    public let path: String
    /// The cgroup directory.
    public let directory: String
    public var controllerPaths: [String: String] { ["unified": directory] }

    let fs: CgroupFS
    let logger: Logger

    /// Writes `dir/file`, explaining ENOENT as a controller that the parent does not delegate.
    private func write(_ file: String, _ value: String) throws {
        try fs.write(directory, file, value) { err in
            switch err {
            case ENOENT:
                return missingFileHint(file)
            case EBUSY where file == "cgroup.procs":
                return "the cgroup delegates controllers to children (no internal processes); add the task to a leaf cgroup"
            case EOPNOTSUPP:
                return "the cgroup is in threaded mode, which does not support this"
            case ESRCH:
                return "the process does not exist (it may have exited)"
            default:
                return nil
            }
        }
    }

    private func missingFileHint(_ file: String) -> String {
        guard let dot = file.firstIndex(of: ".") else {
            return "no such cgroup file"
        }
        let controller = String(file[..<dot])
        if controller == "cgroup" {
            return fs.isDirectory(directory) ? "this kernel lacks \(file)" : "the cgroup does not exist; create it first"
        }
        guard fs.isDirectory(directory) else {
            return "the cgroup does not exist; create it first"
        }
        let enabled = CgroupFormat.trim((try? fs.read(directory + "/cgroup.controllers")) ?? "")
        if !enabled.split(separator: " ").contains(Substring(controller)) {
            return "the \(controller) controller is not enabled for this cgroup (cgroup.controllers: \"\(enabled)\"); "
                + "the parent's cgroup.subtree_control must include +\(controller)"
        }
        return "the \(controller) controller has no such file on this kernel"
    }

    // MARK: apply

    public func apply(_ resources: CgroupResources) throws {
        let r = resources.normalized
        try r.validate()
        var swapMax = try CgroupConversions.swapMax(memorySwap: r.memorySwap, memoryLimit: r.memoryLimit)
        if let swap = swapMax, !fs.exists(directory + "/memory.swap.max") {
            // No swap accounting: fine as long as no swap beyond memory was asked for.
            if swap == -1 || swap == 0 {
                swapMax = nil
            } else {
                throw CgroupError(
                    .unsupported,
                    "memorySwap \(r.memorySwap ?? -1): swap accounting is unavailable (\(directory)/memory.swap.max is missing); "
                        + "set memorySwap equal to memoryLimit or to -1",
                    path: directory)
            }
        }
        let deviceProgram: [EBPFInstruction]? = r.devices.isEmpty ? nil : CgroupDeviceFilter.instructions(for: r.devices)

        if let cpus = r.cpus {
            try write("cpuset.cpus", cpus)
        }
        if let mems = r.mems {
            try write("cpuset.mems", mems)
        }
        if let swap = swapMax {
            try write("memory.swap.max", CgroupConversions.v2Limit(swap))
        }
        if let limit = r.memoryLimit {
            try fs.write(directory, "memory.max", CgroupConversions.v2Limit(limit)) { err in
                if err == EBUSY {
                    let usage = CgroupFormat.trim((try? fs.read(directory + "/memory.current")) ?? "?")
                    return "current usage \(usage) bytes is above the new limit"
                }
                return err == ENOENT ? missingFileHint("memory.max") : nil
            }
        }
        if let reservation = r.memoryReservation {
            try write("memory.low", CgroupConversions.v2Limit(reservation))
        }
        if let shares = r.cpuShares {
            try write("cpu.weight", String(CgroupConversions.cpuWeight(fromShares: shares)))
        }
        if r.cpuQuota != nil || r.cpuPeriod != nil {
            try write("cpu.max", try cpuMax(r))
        }
        if let burst = r.cpuBurst {
            try write("cpu.max.burst", String(burst))
        }
        if let limit = r.pidsLimit {
            try write("pids.max", limit <= 0 ? "max" : String(limit))
        }
        if let weight = r.blockIOWeight {
            // io.bfq.weight takes the v1 range as is; io.weight needs the conversion.
            if fs.exists(directory + "/io.bfq.weight") {
                try write("io.bfq.weight", String(weight))
            } else {
                try write("io.weight", String(CgroupConversions.ioWeight(fromBlkioWeight: weight)))
            }
        }
        for limit in r.hugepageLimits {
            try write("hugetlb.\(limit.pageSize).max", String(limit.limit))
        }
        if let deviceProgram {
            try applyDeviceProgram(deviceProgram, rules: r.devices)
        }
        for (key, value) in r.unified.sorted(by: { $0.key < $1.key }) {
            try write(key, value)
        }
        logger.debug("applied cgroup resources", metadata: ["cgroup": "\(path)", "version": "v2"])
    }

    /// `cpu.max` is "<quota|max> <period>". When only the period changes, the current quota is kept.
    private func cpuMax(_ r: CgroupResources) throws -> String {
        var quota: String
        var period = "100000"
        if let current = try fs.readIfExists(directory + "/cpu.max") {
            let fields = current.split(whereSeparator: { $0 == " " || $0 == "\n" })
            quota = fields.first.map(String.init) ?? "max"
            if fields.count > 1 {
                period = String(fields[1])
            }
        } else {
            quota = "max"
        }
        if let requested = r.cpuQuota {
            quota = requested == -1 ? "max" : String(requested)
        }
        if let requested = r.cpuPeriod {
            period = String(requested)
        }
        return quota + " " + period
    }

    private func applyDeviceProgram(_ program: [EBPFInstruction], rules: [CgroupResources.DeviceRule]) throws {
        let programFD = try CgroupBPF.loadDeviceProgram(program)
        defer { close(programFD) }
        if fs.simulated {
            // A fake tree is not a cgroup, so nothing can be attached; the program was still verified by the kernel.
            fs.writeObserver?(
                directory + "/<bpf-device-filter>", rules.map { ($0.allow ? "allow " : "deny ") + $0.v1Line }.joined(separator: ", "))
            return
        }
        try CgroupBPF.replaceDeviceProgram(in: directory, programFD: programFD)
    }

    // MARK: processes

    public func addProcess(_ pid: Int32) throws {
        try write("cgroup.procs", String(pid))
    }

    public func pids() throws -> [Int32] {
        CgroupFormat.pids(try fs.read(directory + "/cgroup.procs"))
    }

    // MARK: stats

    public func stats() throws -> CgroupStats {
        var result = CgroupStats()
        if let stat = try fs.readIfExists(directory + "/cpu.stat") {
            let values = CgroupFormat.keyedValues(stat)
            result.cpu = CgroupStats.CPU(
                usageNanos: (values["usage_usec"] ?? 0) * 1000,
                userNanos: (values["user_usec"] ?? 0) * 1000,
                systemNanos: (values["system_usec"] ?? 0) * 1000,
                periods: values["nr_periods"] ?? 0,
                throttledPeriods: values["nr_throttled"] ?? 0,
                throttledNanos: (values["throttled_usec"] ?? 0) * 1000
            )
        }
        if let current = try fs.readIfExists(directory + "/memory.current") {
            result.memory = try memoryStats(current: current)
        }
        if let current = try fs.readIfExists(directory + "/pids.current") {
            let limit = try fs.readIfExists(directory + "/pids.max")
            result.pids = CgroupStats.Pids(
                current: try CgroupFormat.singleValue(current, path: directory + "/pids.current") ?? 0,
                limit: try limit.flatMap { try CgroupFormat.singleValue($0, path: directory + "/pids.max") }
            )
        }
        return result
    }

    private func memoryStats(current: String) throws -> CgroupStats.Memory {
        func number(_ file: String) throws -> UInt64? {
            guard let content = try fs.readIfExists(directory + "/" + file) else {
                return nil
            }
            return try CgroupFormat.singleValue(content, path: directory + "/" + file)
        }
        var memory = CgroupStats.Memory()
        memory.usageBytes = try CgroupFormat.singleValue(current, path: directory + "/memory.current") ?? 0
        memory.limitBytes = try number("memory.max")
        memory.maxUsageBytes = try number("memory.peak")
        let stat = CgroupFormat.keyedValues(try fs.readIfExists(directory + "/memory.stat") ?? "")
        memory.rssBytes = stat["anon"] ?? 0
        memory.cacheBytes = stat["file"] ?? 0
        memory.pageFaults = stat["pgfault"] ?? 0
        memory.majorPageFaults = stat["pgmajfault"] ?? 0
        let inactiveFile = stat["inactive_file"] ?? 0
        memory.workingSetBytes = memory.usageBytes > inactiveFile ? memory.usageBytes - inactiveFile : 0
        if let events = try fs.readIfExists(directory + "/memory.events") {
            let values = CgroupFormat.keyedValues(events)
            memory.oomEvents = values["oom"] ?? 0
            memory.oomKills = values["oom_kill"] ?? 0
        }
        return memory
    }

    // MARK: freezer

    /// The `cgroup.events` value of `key`, or nil when the file or key is absent.
    private func event(_ key: String) throws -> UInt64? {
        guard let events = try fs.readIfExists(directory + "/cgroup.events") else {
            return nil
        }
        return CgroupFormat.keyedValues(events)[key]
    }

    public func freeze() throws {
        guard fs.exists(directory + "/cgroup.freeze") else {
            throw CgroupError(.unsupported, "freeze \(directory): cgroup.freeze is missing (needs Linux 5.2)", path: directory)
        }
        try write("cgroup.freeze", "1")
        let frozen = try CgroupWait.poll(timeoutNanos: 10_000_000_000) { try event("frozen") == 1 }
        if !frozen {
            try? write("cgroup.freeze", "0")
            throw CgroupError(.timeout, "freeze \(directory): cgroup.events did not report frozen 1 within 10s", path: directory)
        }
    }

    public func thaw() throws {
        // Without cgroup.freeze nothing can have been frozen, so there is nothing to undo.
        if !fs.exists(directory + "/cgroup.freeze") && fs.isDirectory(directory) {
            return
        }
        try write("cgroup.freeze", "0")
    }

    public func killAll() throws {
        guard fs.exists(directory + "/cgroup.kill") else {
            let hasFreezer = fs.exists(directory + "/cgroup.freeze")
            try CgroupWait.killLoop(
                freeze: hasFreezer ? { try freeze() } : nil,
                thaw: hasFreezer ? { try thaw() } : nil,
                readPids: { try pids() },
                describe: directory
            )
            return
        }
        try write("cgroup.kill", "1")
        // populated covers child cgroups too; without cgroup.events, fall back to our own procs.
        let empty = try CgroupWait.poll(timeoutNanos: 10_000_000_000) {
            if let populated = try event("populated") {
                return populated == 0
            }
            return try pids().isEmpty
        }
        if !empty {
            let left = (try? pids()) ?? []
            throw CgroupError(
                .timeout,
                "kill all tasks in \(directory): still populated 10s after cgroup.kill (\(left.count) task(s) in cgroup.procs)",
                path: directory)
        }
    }

    // MARK: removal and OOM

    public func delete() throws {
        try fs.removeCgroupDirectory(directory)
    }

    public func oomKillCount() throws -> UInt64 {
        guard let events = try fs.readIfExists(directory + "/memory.events") else {
            throw CgroupError(
                .unsupported,
                "\(directory)/memory.events is missing: \(missingFileHint("memory.events"))", path: directory)
        }
        return CgroupFormat.keyedValues(events)["oom_kill"] ?? 0
    }

    public func oomEventFD() throws -> Int32? {
        nil
    }
}
