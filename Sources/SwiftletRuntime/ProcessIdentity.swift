/// A process named by pid and start time, so a recycled pid is never mistaken for it: how
/// the runtime and the agent remember long-lived processes across their own restarts.
public struct ProcessIdentity: Sendable, Equatable, CustomStringConvertible {
    /// The pid in the node's PID namespace.
    public let pid: Int32
    /// The start time in clock ticks since boot (`/proc/PID/stat` field 22).
    public let startTime: UInt64

    /// The identity of the running process `pid`; nil when it does not exist.
    public init?(pid: Int32) {
        guard let start = FileIO.startTime(of: pid) else { return nil }
        self.pid = pid
        self.startTime = start
    }

    /// Parses `description` ("PID STARTTIME").
    public init?(_ text: String) {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard parts.count == 2, let pid = Int32(parts[0]), pid > 0, let start = UInt64(parts[1]) else { return nil }
        self.pid = pid
        self.startTime = start
    }

    /// "PID STARTTIME".
    public var description: String { "\(pid) \(startTime)" }

    /// Whether this very process still runs (not a zombie, pid not reused).
    public var isRunning: Bool {
        !FileIO.isDeadOrZombie(pid) && FileIO.startTime(of: pid) == startTime
    }
}
