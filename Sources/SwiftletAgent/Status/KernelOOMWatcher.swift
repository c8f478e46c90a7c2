import Foundation
import Glibc
import Logging

/// kubelet's OOM watcher: reads the kernel log (`/dev/kmsg`) from now on and records a Warning
/// `OOMKilling` event on the node for every system-wide OOM kill (the kernel's
/// `oom-kill:constraint=CONSTRAINT_NONE,...` line). Kills inside a container's memory cgroup
/// are not system OOMs: they show as the container's `OOMKilled` reason instead.
public final class KernelOOMWatcher: Sendable {
    /// What an `oom-kill:` line says.
    public struct Kill: Equatable, Sendable {
        public var constraint: String
        public var taskMemcg: String
        public var task: String
        public var pid: Int32
    }

    private let events: EventRecorder
    private let logger: Logger

    public init(events: EventRecorder, logger: Logger) {
        self.events = events
        self.logger = logger
    }

    /// Parses a `/dev/kmsg` record (`6,1234,5678,-;oom-kill:constraint=...`); nil for any other line.
    public static func parse(_ record: Substring) -> Kill? {
        let text = record.split(separator: ";", maxSplits: 1).last ?? record
        guard let start = text.range(of: "oom-kill:") else { return nil }
        var fields: [Substring: Substring] = [:]
        for part in text[start.upperBound...].split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { fields[kv[0]] = kv[1].trimmingCharacters(in: .whitespacesAndNewlines)[...] }
        }
        guard let constraint = fields["constraint"], let task = fields["task"], let pid = fields["pid"].flatMap({ Int32($0) }) else { return nil }
        return Kill(constraint: String(constraint), taskMemcg: String(fields["task_memcg"] ?? "/"), task: String(task), pid: pid)
    }

    /// Starts reading the kernel log on a thread of its own (blocking reads of one record
    /// each); a node without a readable `/dev/kmsg` gets a debug line and no watcher.
    public func start() {
        let fd = open("/dev/kmsg", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            logger.debug("no kernel log to watch for OOM kills", metadata: ["error": "\(String(cString: strerror(errno)))"])
            return
        }
        lseek(fd, 0, SEEK_END)  // only what happens from now on
        let events = self.events, logger = self.logger
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 8192)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR || errno == EPIPE { continue }  // EPIPE: records were overwritten
                    logger.debug("kernel log read failed", metadata: ["error": "\(String(cString: strerror(errno)))"])
                    close(fd)
                    return
                }
                let record = String(decoding: buffer[0..<n], as: UTF8.self)
                guard let kill = Self.parse(record[...]), kill.constraint == "CONSTRAINT_NONE" else { continue }
                events.recordNode(.warning, reason: "OOMKilling",
                                  message: "System OOM encountered, victim process: \(kill.task), pid: \(kill.pid)")
            }
        }
        thread.name = "swiftlet-oom-watcher"
        thread.start()
    }
}
