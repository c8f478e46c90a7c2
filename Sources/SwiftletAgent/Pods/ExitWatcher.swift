import Foundation
import Glibc
import Logging
import Synchronization

/// Tells the agent when a container exits, from the monitor's atomic `exit` file: an inotify
/// watch on each container's state directory sees the rename that publishes it. No polling;
/// the pod manager's periodic relist is only a safety net.
public final class ExitWatcher: Sendable {
    /// IDs of containers whose exit record appeared, in order.
    public let exits: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation
    private let fd: Int32
    private let runtimeRoot: String
    private let watches = Mutex<[Int32: String]>([:])
    private let logger: Logger

    /// Starts the reader thread.
    /// - Throws: `AgentError.filesystem` when inotify is unavailable.
    public init(runtimeRoot: String, logger: Logger) throws {
        self.runtimeRoot = runtimeRoot
        self.logger = logger
        (exits, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .unbounded)
        fd = inotify_init1(Int32(IN_CLOEXEC))
        guard fd >= 0 else { throw AgentError.filesystem("inotify_init1: \(String(cString: strerror(errno)))") }
        let thread = Thread { [self] in self.readLoop() }
        thread.name = "swiftlet-exit-watcher"
        thread.start()
    }

    /// Watches container `id`; reports it at once when its exit record is already there.
    public func watch(id: String) {
        let dir = runtimeRoot + "/" + id
        let wd = inotify_add_watch(fd, dir, UInt32(IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_ONLYDIR))
        if wd >= 0 {
            watches.withLock { $0[wd] = id }
        } else {
            logger.debug("cannot watch container state", metadata: ["container": "\(id)", "errno": "\(errno)"])
        }
        if access(dir + "/exit", F_OK) == 0 || wd < 0 { continuation.yield(id) }
    }

    /// Stops watching container `id` (it was deleted).
    public func unwatch(id: String) {
        let wd: Int32? = watches.withLock { w in
            guard let entry = w.first(where: { $0.value == id }) else { return nil }
            w[entry.key] = nil
            return entry.key
        }
        if let wd { _ = inotify_rm_watch(fd, wd) }
    }

    private func readLoop() {
        let size = 64 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer, size)
            if n < 0 {
                if errno == EINTR { continue }
                logger.error("exit watcher stopped", metadata: ["errno": "\(errno)"])
                return
            }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= n {
                let event = buffer.load(fromByteOffset: offset, as: inotify_event.self)
                let nameStart = offset + MemoryLayout<inotify_event>.size
                var name = ""
                if event.len > 0 {
                    name = String(cString: buffer.advanced(by: nameStart).assumingMemoryBound(to: CChar.self))
                }
                offset = nameStart + Int(event.len)
                let id = watches.withLock { $0[event.wd] }
                guard let id else { continue }
                if event.mask & UInt32(IN_IGNORED | IN_DELETE_SELF) != 0 {
                    watches.withLock { _ = $0.removeValue(forKey: event.wd) }
                    continue
                }
                if name == "exit" { continuation.yield(id) }
            }
        }
    }
}
