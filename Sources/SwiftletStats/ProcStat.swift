import Foundation

/// Node CPU time and boot time from `/proc/stat`.
public struct ProcStat: Sendable, Equatable {
    /// CPU time spent not idle, summed over all CPUs, in nanoseconds: user + nice + system + irq +
    /// softirq + steal (guest time is already inside user).
    public var busyNanos: UInt64
    /// When the node booted (`btime`); nil when the line is missing.
    public var bootTime: Date?

    /// Creates figures.
    public init(busyNanos: UInt64, bootTime: Date?) {
        self.busyNanos = busyNanos
        self.bootTime = bootTime
    }

    private static let btimeKey: [[UInt8]] = [Array("btime".utf8)]

    /// Parses `/proc/stat` text, whose CPU times are in clock ticks of `ticksPerSecond`
    /// (`sysconf(_SC_CLK_TCK)`, 100 on Linux); nil without an aggregate `cpu` line.
    public static func parse(_ text: String, ticksPerSecond: UInt64 = ProcStat.ticksPerSecond) -> ProcStat? {
        KernelText.withBytes(text) { parse(bytes: $0, ticksPerSecond: ticksPerSecond) }
    }

    /// The kernel's `USER_HZ`.
    public static var ticksPerSecond: UInt64 { UInt64(max(1, sysconf(Int32(_SC_CLK_TCK)))) }

    static func parse(bytes: UnsafeRawBufferPointer, ticksPerSecond: UInt64) -> ProcStat? {
        // The first line is the aggregate: "cpu  user nice system idle iowait irq softirq steal guest guest_nice".
        guard bytes.count > 4, bytes[0] == 0x63, bytes[1] == 0x70, bytes[2] == 0x75, bytes[3] == KernelText.space else { return nil }
        var i = 4
        var fields: [UInt64] = []
        while fields.count < 8 {
            while i < bytes.count, bytes[i] == KernelText.space { i += 1 }
            guard let v = KernelText.number(bytes, from: &i) else { break }
            fields.append(v)
        }
        guard fields.count >= 4 else { return nil }
        while fields.count < 8 { fields.append(0) }
        let busyTicks = fields[0] &+ fields[1] &+ fields[2] &+ fields[5] &+ fields[6] &+ fields[7]
        let busy = busyTicks &* (1_000_000_000 / max(1, ticksPerSecond))
        let btime = KernelText.keyedValues(bytes, keys: btimeKey)[0]
        return ProcStat(busyNanos: busy, bootTime: btime.map { Date(timeIntervalSince1970: Double($0)) })
    }

    /// Reads `<procRoot>/stat`.
    ///
    /// - Throws: `StatsError` when the file cannot be read or has no aggregate `cpu` line.
    public static func read(procRoot: String = "/proc") throws -> ProcStat {
        try read(procRoot: procRoot, reader: KernelFileReader())
    }

    static func read(procRoot: String, reader: KernelFileReader) throws -> ProcStat {
        let path = procRoot + "/stat"
        let ticks = ticksPerSecond
        guard let stat = try reader.withContents(of: path, { parse(bytes: $0, ticksPerSecond: ticks) }) else {
            throw StatsError(.malformed, "\(path): no aggregate cpu line", path: path)
        }
        return stat
    }
}

/// The node's process limits as kubelet reports them in `rlimit`.
public struct ProcessLimits: Sendable, Equatable {
    /// The most tasks the node can hold: the smaller of `kernel/pid_max` and `kernel/threads-max`.
    public var maxPID: Int64?
    /// Tasks (processes and threads) that exist now: the total after the `/` in `/proc/loadavg`.
    public var currentProcesses: Int64?

    /// Creates limits.
    public init(maxPID: Int64?, currentProcesses: Int64?) {
        self.maxPID = maxPID
        self.currentProcesses = currentProcesses
    }

    /// Reads `<procRoot>/sys/kernel/pid_max`, `threads-max` and `<procRoot>/loadavg`; unreadable
    /// figures are nil.
    public static func read(procRoot: String = "/proc") -> ProcessLimits {
        read(procRoot: procRoot, reader: KernelFileReader(capacity: 512))
    }

    static func read(procRoot: String, reader: KernelFileReader) -> ProcessLimits {
        let pidMax = try? reader.withContents(of: procRoot + "/sys/kernel/pid_max") { KernelText.firstUInt64($0) }
        let threadsMax = try? reader.withContents(of: procRoot + "/sys/kernel/threads-max") { KernelText.firstUInt64($0) }
        let tasks = try? reader.withContents(of: procRoot + "/loadavg") { parseLoadavgTasks($0) }
        let limit = [pidMax ?? nil, threadsMax ?? nil].compactMap { $0 }.min()
        return ProcessLimits(maxPID: limit.map { Int64(clamping: $0) }, currentProcesses: (tasks ?? nil).map { Int64(clamping: $0) })
    }

    /// The number after `/` in `0.00 0.01 0.05 1/123 4567`.
    static func parseLoadavgTasks(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        guard let slash = bytes.firstIndex(of: 0x2F) else { return nil }
        var i = slash + 1
        return KernelText.number(bytes, from: &i)
    }
}
