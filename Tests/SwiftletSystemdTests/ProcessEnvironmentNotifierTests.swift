import Foundation
import Glibc
import Testing

@testable import SwiftletSystemd

/// `SystemdNotifier()` reads the process environment, which a test must not change while other
/// tests run in the same process. So these tests start this test binary again, with the variables
/// systemd would set, and run only ``childProcess()`` there.
@Suite("SystemdNotifier from a real process environment")
struct ProcessEnvironmentNotifierTests {
    static let childMarker = "SWIFTLET_SYSTEMD_TEST_NOTIFY_CHILD"
    static let isChild = ProcessInfo.processInfo.environment[childMarker] == "1"

    @Test(
        "(child process) reports what SystemdNotifier() saw, then READY=1",
        .enabled(if: isChild, "runs only in the child process started by the other tests of this suite")
    )
    func childProcess() throws {
        let notifier = SystemdNotifier()
        let interval = notifier.watchdogInterval.map { duration in
            let (seconds, attoseconds) = duration.components
            return String(seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
        }
        try notifier.notify("SWIFTLET_TEST_WATCHDOG_INTERVAL_USEC=\(interval ?? "none")")
        try notifier.ready()
    }

    @Test(
        "NOTIFY_SOCKET and WATCHDOG_USEC of the real environment are used; WATCHDOG_PID for another process turns the watchdog off",
        arguments: [
            (false, nil, "8000000"),
            (true, nil, "8000000"),
            (false, "parent", "none"),
            (false, "child", "8000000"),
        ] as [(Bool, String?, String)]
    )
    func realEnvironment(abstract: Bool, watchdogPID: String?, expectedInterval: String) async throws {
        let socket = try NotifySocket(abstract: abstract)
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("WATCHDOG_") && $0.key != "NOTIFY_SOCKET" }
        environment[Self.childMarker] = "1"
        environment["NOTIFY_SOCKET"] = socket.path
        environment["WATCHDOG_USEC"] = "16000000"  // systemd's WatchdogSec=16s
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        var arguments = ["--testing-library", "swift-testing", "--filter", "ProcessEnvironmentNotifierTests/childProcess"]
        let process = Process()
        switch watchdogPID {
        case "parent":
            environment["WATCHDOG_PID"] = "\(getpid())"
            process.executableURL = URL(fileURLWithPath: binary)
        case "child":
            // The child's PID is only known once it runs: a shell exports its own PID and then
            // becomes the test binary (exec keeps the PID).
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            arguments = ["-c", "export WATCHDOG_PID=$$; exec \"$0\" \"$@\"", binary] + arguments
        default:
            process.executableURL = URL(fileURLWithPath: binary)
        }
        process.arguments = arguments
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let log = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(String(decoding: log, as: UTF8.self))")
        #expect(try await socket.next() == "SWIFTLET_TEST_WATCHDOG_INTERVAL_USEC=\(expectedInterval)")
        #expect(try await socket.next() == "READY=1")
        #expect(socket.pending() == nil)
    }
}
