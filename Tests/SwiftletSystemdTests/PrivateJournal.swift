import Foundation
import Glibc
import Testing

/// A `systemd-journald` of a test's own, in a private mount namespace so that neither the host nor
/// parallel tests see its socket or its journal files.
///
/// A child shell (`unshare --mount --propagation private`) mounts a tmpfs on `/run` (journald's
/// socket and runtime journal) and on `/var/log/journal` if that exists, then starts journald and
/// waits on its standard input. Closing that input, or this process dying, makes the shell stop
/// journald and exit, and the namespace with its mounts goes away. journald also gets `SIGKILL` if
/// the shell dies first (`setpriv --pdeathsig`).
///
/// `sd_journal_sendv` always sends to `/run/systemd/journal/socket`, so a test logs into this
/// journal from a dedicated thread that joins the namespace (``runInNamespace(_:)``); every other
/// thread of the test process stays where it was.
final class PrivateJournal: Sendable {
    static let journaldPath = "/lib/systemd/systemd-journald"

    /// Why these tests cannot run here, or `nil` when they can.
    static let unavailableReason: String? = {
        if getuid() != 0 { return "needs root to create a mount namespace and mount tmpfs" }
        for tool in [journaldPath, "/usr/bin/unshare", "/usr/bin/nsenter", "/usr/bin/journalctl", "/usr/bin/setpriv"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            return "\(tool) is missing"
        }
        return nil
    }()

    private static let script = """
        set -e
        mount -t tmpfs -o mode=0755,size=32m swiftlet-journal-test /run
        mkdir -p /run/systemd/journal /run/log/journal
        if [ -d /var/log/journal ]; then mount -t tmpfs -o mode=0755,size=8m swiftlet-journal-test /var/log/journal; fi
        SYSTEMD_LOG_TARGET=console setpriv --pdeathsig KILL \(journaldPath) </dev/null >/dev/null 2>&1 &
        journald=$!
        i=0
        while [ ! -S /run/systemd/journal/socket ]; do
            i=$((i + 1))
            if [ $i -gt 1000 ]; then echo "journald did not create its socket within 10s" >&2; kill $journald; exit 1; fi
            sleep 0.01
        done
        echo READY
        read _ || true
        kill $journald 2>/dev/null || true
        wait $journald 2>/dev/null || true
        """

    private let process: Process
    private let input: Pipe
    private let errors: Pipe
    /// `/proc/PID/ns/mnt` of the private namespace.
    let namespacePath: String

    init() throws {
        process = Process()
        input = Pipe()
        errors = Pipe()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = ["--mount", "--propagation", "private", "/bin/sh", "-c", Self.script]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        namespacePath = "/proc/\(process.processIdentifier)/ns/mnt"

        var announced = Data()
        while !announced.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            announced.append(chunk)
        }
        guard String(decoding: announced, as: UTF8.self) == "READY\n" else {
            stop()
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw TestFailure("starting systemd-journald in a private mount namespace failed: \(message)")
        }
    }

    /// Stops journald and waits for the namespace to go away (killing the shell after 10 s).
    func stop() {
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline {
            usleep(10_000)
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Runs `body` on a new thread that has joined the private mount namespace, and returns its result.
    func runInNamespace<T: Sendable>(_ body: @escaping @Sendable () -> T) async throws -> T {
        let path = namespacePath
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let thread = Thread {
                // setns(CLONE_NEWNS) refuses a thread that shares its filesystem context with
                // others, so the thread first takes a private copy (unshare(CLONE_FS)). Only this
                // thread changes namespace, and it ends right after.
                guard Namespaces.unshare(Namespaces.cloneFS) == 0 else {
                    continuation.resume(throwing: TestFailure("unshare(CLONE_FS): \(String(cString: strerror(errno)))"))
                    return
                }
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else {
                    continuation.resume(throwing: TestFailure("open(\(path)): \(String(cString: strerror(errno)))"))
                    return
                }
                defer { close(fd) }
                guard Namespaces.setns(fd, Namespaces.cloneNewNS) == 0 else {
                    continuation.resume(throwing: TestFailure("setns(\(path)): \(String(cString: strerror(errno)))"))
                    return
                }
                continuation.resume(returning: body())
            }
            thread.start()
        }
    }

    /// The entries `journalctl` shows for `matches` (`FIELD=value` filters), each field with its
    /// values (journald allows a field more than once).
    func entries(_ matches: [String]) throws -> [[String: [String]]] {
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        process.arguments = ["--mount=\(namespacePath)", "journalctl", "--directory=/run/log/journal", "-o", "json", "--all", "--no-pager"] + matches
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try data.split(separator: UInt8(ascii: "\n")).map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line))
            guard let fields = object as? [String: Any] else { throw TestFailure("journalctl printed a non-object") }
            return fields.mapValues(Self.values)
        }
    }

    /// Polls `journalctl` until it shows `count` entries for `matches` (journald stores them
    /// asynchronously), for at most 10 s.
    func waitForEntries(_ matches: [String], count: Int) async throws -> [[String: [String]]] {
        let deadline = ContinuousClock.now + .seconds(10)
        var found: [[String: [String]]] = []
        while ContinuousClock.now < deadline {
            found = try entries(matches)
            if found.count >= count { return found }
            try await Task.sleep(for: .milliseconds(50))
        }
        return found
    }

    /// journalctl's JSON value for a field: a string, an array of byte values for data that is not
    /// printable text, or an array of those when the field occurs several times.
    private static func values(_ json: Any) -> [String] {
        if let string = json as? String { return [string] }
        guard let array = json as? [Any] else { return ["\(json)"] }
        if let bytes = array as? [Int] { return [String(decoding: bytes.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self)] }
        return array.flatMap(values)
    }
}

/// `unshare(2)` and `setns(2)`, which Swift's Glibc module does not import (they need `_GNU_SOURCE`).
private enum Namespaces {
    static let cloneFS: Int32 = 0x0000_0200
    static let cloneNewNS: Int32 = 0x0002_0000
    /// `RTLD_DEFAULT`: look the symbol up in every library the process has loaded.
    private static var defaultLibraries: UnsafeMutableRawPointer? { UnsafeMutableRawPointer(bitPattern: 0) }

    static func unshare(_ flags: Int32) -> Int32 {
        typealias Function = @convention(c) (Int32) -> Int32
        guard let symbol = dlsym(defaultLibraries, "unshare") else { return -1 }
        return unsafeBitCast(symbol, to: Function.self)(flags)
    }

    static func setns(_ fd: Int32, _ type: Int32) -> Int32 {
        typealias Function = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(defaultLibraries, "setns") else { return -1 }
        return unsafeBitCast(symbol, to: Function.self)(fd, type)
    }
}
