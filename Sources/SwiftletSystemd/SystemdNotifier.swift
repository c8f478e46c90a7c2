import CSystemd
import Glibc

/// Tells the service manager about the service's state, speaking the `sd_notify(3)` protocol: one
/// datagram of newline-separated `KEY=VALUE` assignments to the `AF_UNIX` socket named by
/// `NOTIFY_SOCKET`.
///
/// When there is no socket (the process does not run as a `Type=notify` service) every call does
/// nothing and sends nothing. The environment is read once, when the notifier is created, and left
/// as it is, so child processes keep seeing it.
///
/// The datagram is sent by this type rather than by libsystemd's `sd_notify`, which only reads the
/// process environment: that way a notifier can also be pointed at an explicit socket. The wire
/// format is the same: a path starting with `/`, or `@` for a Linux abstract socket.
public struct SystemdNotifier: Sendable {
    /// The notification socket: a path, or `@name` for an abstract socket; `nil` when not under a
    /// service manager that asked for notifications.
    public let socketPath: String?

    /// How often to send ``watchdog()`` pings: half the service's `WatchdogSec=`, or `nil` when the
    /// watchdog is off or meant for another process (`WATCHDOG_PID` names a different PID).
    public let watchdogInterval: Duration?

    /// A notifier for this process, from `NOTIFY_SOCKET`, and a watchdog interval from
    /// `sd_watchdog_enabled(3)`, which reads `WATCHDOG_USEC` and `WATCHDOG_PID`.
    public init() {
        socketPath = getenv("NOTIFY_SOCKET").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        var microseconds: UInt64 = 0
        if sd_watchdog_enabled(0, &microseconds) > 0 {
            watchdogInterval = Self.pingInterval(watchdogMicroseconds: microseconds)
        } else {
            watchdogInterval = nil
        }
    }

    /// A notifier that sends to `socketPath` (`nil` sends nothing), with an explicit watchdog interval.
    ///
    /// - Parameters:
    ///   - socketPath: An `AF_UNIX` datagram socket path, or `@name` for an abstract socket.
    ///   - watchdogInterval: The ping interval to report in ``watchdogInterval``.
    public init(socketPath: String?, watchdogInterval: Duration? = nil) {
        self.socketPath = socketPath.flatMap { $0.isEmpty ? nil : $0 }
        self.watchdogInterval = watchdogInterval
    }

    /// A notifier configured from `environment` the way ``init()`` is from the process environment,
    /// as if this were process `processID`.
    ///
    /// - Parameters:
    ///   - environment: Variables to read: `NOTIFY_SOCKET`, `WATCHDOG_USEC`, `WATCHDOG_PID`.
    ///   - processID: The PID `WATCHDOG_PID` must name for the watchdog to apply.
    public init(environment: [String: String], processID: Int32 = getpid()) {
        self.init(
            socketPath: environment["NOTIFY_SOCKET"],
            watchdogInterval: Self.watchdogInterval(environment: environment, processID: processID)
        )
    }

    /// Whether a notification socket is configured, so notifications are actually sent.
    public var isEnabled: Bool { socketPath != nil }

    /// The watchdog ping interval `environment` asks of process `processID`, with
    /// `sd_watchdog_enabled(3)`'s rules: `WATCHDOG_USEC` must be a positive decimal number of
    /// microseconds (not infinity), and when `WATCHDOG_PID` is set it must equal `processID`.
    /// The interval is half of `WATCHDOG_USEC`, as systemd recommends, so one late ping is not fatal.
    ///
    /// - Returns: The interval, or `nil` when the watchdog is off, malformed, or for another process.
    public static func watchdogInterval(environment: [String: String], processID: Int32) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let microseconds = decimal(text),
            microseconds > 0, microseconds != UInt64.max
        else { return nil }
        if let pidText = environment["WATCHDOG_PID"] {
            guard let pid = decimal(pidText), pid > 0, pid == UInt64(processID) else { return nil }
        }
        return pingInterval(watchdogMicroseconds: microseconds)
    }

    private static func pingInterval(watchdogMicroseconds: UInt64) -> Duration {
        .microseconds(Int64(clamping: watchdogMicroseconds / 2))
    }

    private static func decimal(_ text: String) -> UInt64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return UInt64(text)
    }

    /// Sends `READY=1`: start-up is finished.
    ///
    /// - Throws: ``SystemdError`` when the socket is invalid or the datagram cannot be sent.
    public func ready() throws {
        try notify("READY=1")
    }

    /// Sends `STATUS=line`, a free-form status `systemctl status` shows. Newlines become spaces,
    /// since each line of a notification is an assignment of its own.
    ///
    /// - Throws: ``SystemdError`` when the socket is invalid or the datagram cannot be sent.
    public func status(_ line: String) throws {
        try notify("STATUS=" + line.map { $0.isNewline ? " " : String($0) }.joined())
    }

    /// Sends `STOPPING=1`: shutdown has begun.
    ///
    /// - Throws: ``SystemdError`` when the socket is invalid or the datagram cannot be sent.
    public func stopping() throws {
        try notify("STOPPING=1")
    }

    /// Sends `WATCHDOG=1`: the service is alive. Send it every ``watchdogInterval``
    /// (``runWatchdog(notifier:interval:logger:)`` does).
    ///
    /// - Throws: ``SystemdError`` when the socket is invalid or the datagram cannot be sent.
    public func watchdog() throws {
        try notify("WATCHDOG=1")
    }

    /// Sends `RELOADING=1` with `MONOTONIC_USEC` (required by `Type=notify-reload`): the service
    /// is reloading its configuration; send ``ready()`` when done.
    ///
    /// - Throws: ``SystemdError`` when the socket is invalid or the datagram cannot be sent.
    public func reloading() throws {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let microseconds = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
        try notify("RELOADING=1\nMONOTONIC_USEC=\(microseconds)")
    }

    /// Sends `state`, newline-separated `KEY=VALUE` assignments, as one datagram; does nothing when
    /// ``isEnabled`` is false.
    ///
    /// - Throws: ``SystemdError`` with code ``SystemdError/Code/invalidNotifySocket`` when the
    ///   socket is neither an absolute path nor `@name` or is too long, and
    ///   ``SystemdError/Code/notifyFailed`` when `socket(2)` or `sendto(2)` fails.
    public func notify(_ state: String) throws {
        guard let socketPath else { return }
        var address = try Self.address(socketPath)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            throw SystemdError(.notifyFailed, "socket(AF_UNIX, SOCK_DGRAM) for NOTIFY_SOCKET=\(socketPath): \(Self.errnoText())")
        }
        defer { close(fd) }
        let bytes = Array(state.utf8)
        let sent = bytes.withUnsafeBytes { payload in
            withUnsafePointer(to: &address.storage) { storage in
                storage.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    var result: Int
                    repeat {
                        result = sendto(fd, payload.baseAddress, payload.count, Int32(MSG_NOSIGNAL), socketAddress, address.length)
                    } while result < 0 && errno == EINTR
                    return result
                }
            }
        }
        guard sent == bytes.count else {
            throw SystemdError(.notifyFailed, "sendto(NOTIFY_SOCKET=\(socketPath)): \(sent < 0 ? Self.errnoText() : "short write")")
        }
    }

    private static func address(_ path: String) throws -> (storage: sockaddr_un, length: socklen_t) {
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        guard abstract || bytes.first == UInt8(ascii: "/") else {
            throw SystemdError(
                .invalidNotifySocket,
                "NOTIFY_SOCKET=\(path): not an absolute path or an abstract socket name starting with '@'"
            )
        }
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: storage.sun_path)
        // A path needs room for its terminating NUL; an abstract name is exactly its bytes.
        guard abstract ? bytes.count <= capacity : bytes.count < capacity else {
            throw SystemdError(.invalidNotifySocket, "NOTIFY_SOCKET=\(path): longer than the \(capacity - 1) bytes a socket path can have")
        }
        if abstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &storage.sun_path) { sunPath in
            sunPath.copyBytes(from: bytes)
        }
        let length = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (abstract ? 0 : 1)
        return (storage, socklen_t(length))
    }

    private static func errnoText() -> String {
        let code = errno
        return String(cString: strerror(code)) + " (errno \(code))"
    }
}
