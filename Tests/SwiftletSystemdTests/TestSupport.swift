import Foundation
import Glibc
import Logging
import Synchronization
import Testing

@testable import SwiftletSystemd

/// 2026-11-27T09:00:00.123Z, the fixed instant log-format tests stamp their lines with.
let fixedTimestamp = LogTimestamp(seconds: 1_795_770_000, nanoseconds: 123_456_789)

/// A unique temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/swiftlet-systemd-test-XXXXXX".utf8CString)
        guard let result = mkdtemp(&template) else {
            throw TestFailure("mkdtemp: \(String(cString: strerror(errno)))")
        }
        path = String(cString: result)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A log file opened with `O_APPEND`, as a ``LogOutput`` for handlers under test.
final class CapturedOutput: Sendable {
    let directory: TemporaryDirectory
    let path: String
    let output: LogOutput

    init() throws {
        directory = try TemporaryDirectory()
        path = directory.path + "/log"
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TestFailure("open(\(path)): \(String(cString: strerror(errno)))") }
        output = LogOutput(fileDescriptor: fd)
    }

    deinit {
        close(output.fileDescriptor)
        directory.remove()
    }

    /// Everything written so far.
    var text: String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    /// The lines written so far, without their newlines.
    var lines: [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }
}

/// An `AF_UNIX` datagram socket bound to a fresh path (or abstract name) that tests point a
/// ``SystemdNotifier`` at, as systemd's notification socket.
final class NotifySocket: Sendable {
    let path: String
    let fd: Int32
    private let directory: TemporaryDirectory?

    /// Binds a socket file in a new temporary directory, or an abstract socket when `abstract`.
    convenience init(abstract: Bool = false) throws {
        if abstract {
            try self.init(path: "@swiftlet-notify-test-\(UUID().uuidString)", directory: nil)
        } else {
            let directory = try TemporaryDirectory()
            try self.init(path: directory.path + "/notify.sock", directory: directory)
        }
    }

    /// Binds `path` (`@name` for an abstract socket); removes `directory` when done.
    init(path: String, directory: TemporaryDirectory?) throws {
        self.path = path
        self.directory = directory
        let abstract = path.hasPrefix("@")
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if abstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (abstract ? 0 : 1))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard result == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw TestFailure("bind(\(path)): \(message)")
        }
    }

    deinit {
        close(fd)
        directory?.remove()
    }

    /// The next datagram already queued, or `nil` when none is.
    func pending() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    /// Waits up to `timeout` for the next datagram. The limit is generous because other suites
    /// run blocking work (containers, processes) on the same two-thread cooperative pool, which
    /// can delay this task's wake-ups by many seconds on a loaded 2-core machine.
    func next(timeout: Duration = .seconds(90)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let datagram = pending() { return datagram }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw TestFailure("no datagram on \(path) within \(timeout)")
    }
}

/// A clock that only moves when a test calls ``advance(by:)``.
final class ManualClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration

        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct Sleeper {
        let deadline: Instant
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [UInt64: Sleeper] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    var now: Instant { state.withLock { $0.now } }
    var minimumResolution: Duration { .zero }

    /// How many tasks are sleeping on this clock.
    var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { state in
                    // Checked under the lock, so a cancellation either happened before and is seen
                    // here, or happens after and its handler finds the sleeper.
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and wakes every sleeper whose deadline has come.
    func advance(by duration: Duration) {
        let due = state.withLock { state in
            state.now = state.now.advanced(by: duration)
            let now = state.now
            let due = state.sleepers.filter { $0.value.deadline <= now }
            for id in due.keys { state.sleepers.removeValue(forKey: id) }
            return Array(due.values)
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Waits until `count` tasks sleep on this clock.
    func waitForSleepers(_ count: Int, timeout: Duration = .seconds(90)) async throws {
        let deadline = ContinuousClock.now + timeout
        while sleeperCount != count {
            guard ContinuousClock.now < deadline else {
                throw TestFailure("expected \(count) sleepers, have \(sleeperCount)")
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}

/// A log event as a `Logger` call at a known place would make it.
func makeEvent(
    _ level: Logger.Level = .info,
    _ message: Logger.Message,
    metadata: Logger.Metadata? = nil,
    error: (any Error)? = nil,
    file: String = "SwiftletAgent/Agent.swift",
    function: String = "run()",
    line: UInt = 42
) -> LogEvent {
    LogEvent(
        level: level, message: message, error: error, metadata: metadata,
        source: "SwiftletAgent", file: file, function: function, line: line
    )
}
