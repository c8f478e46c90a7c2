import Foundation
import Glibc
import Testing

@testable import SwiftletSystemd

@Suite("SystemdNotifier")
struct SystemdNotifierTests {
    @Test("each notification arrives as one datagram on a socket file", arguments: [false, true])
    func datagrams(abstract: Bool) async throws {
        let socket = try NotifySocket(abstract: abstract)
        let notifier = SystemdNotifier(socketPath: socket.path)
        #expect(notifier.isEnabled)
        try notifier.ready()
        #expect(try await socket.next() == "READY=1")
        try notifier.status("Syncing 3 pods\nfrom the API server")
        #expect(try await socket.next() == "STATUS=Syncing 3 pods from the API server")
        try notifier.watchdog()
        #expect(try await socket.next() == "WATCHDOG=1")
        try notifier.stopping()
        #expect(try await socket.next() == "STOPPING=1")
        try notifier.reloading()
        let reloading = try await socket.next().split(separator: "\n")
        #expect(reloading.first == "RELOADING=1")
        let monotonic = try #require(reloading.last?.split(separator: "=", maxSplits: 1))
        #expect(reloading.count == 2 && monotonic.first == "MONOTONIC_USEC")
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let sent = try #require(UInt64(monotonic.last ?? ""))
        #expect(sent <= UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000)
        #expect(socket.pending() == nil)
    }

    @Test("NOTIFY_SOCKET from an environment is used; the watchdog interval is half WATCHDOG_USEC")
    func fromEnvironment() async throws {
        let socket = try NotifySocket()
        let notifier = SystemdNotifier(
            environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "\(getpid())"]
        )
        #expect(notifier.socketPath == socket.path)
        #expect(notifier.watchdogInterval == .seconds(10))
        try notifier.ready()
        #expect(try await socket.next() == "READY=1")
    }

    @Test("without NOTIFY_SOCKET the notifier is disabled and every call is a no-op")
    func disabled() throws {
        for notifier in [SystemdNotifier(environment: [:]), SystemdNotifier(socketPath: nil), SystemdNotifier(environment: ["NOTIFY_SOCKET": ""])] {
            #expect(!notifier.isEnabled)
            #expect(notifier.socketPath == nil)
            try notifier.ready()
            try notifier.status("x")
            try notifier.watchdog()
            try notifier.stopping()
            try notifier.reloading()
        }
    }

    @Test("bad or unreachable sockets give errors naming NOTIFY_SOCKET")
    func errors() throws {
        let relative = SystemdNotifier(socketPath: "run/notify")
        let relativeError = try #require(throws: SystemdError.self) { try relative.ready() }
        #expect(relativeError.code == .invalidNotifySocket)
        #expect(relativeError.message.contains("NOTIFY_SOCKET=run/notify"))

        let long = SystemdNotifier(socketPath: "/" + String(repeating: "a", count: 120))
        #expect(throws: SystemdError.self) { try long.ready() }
        #expect((try? long.ready()) == nil)

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let missing = SystemdNotifier(socketPath: directory.path + "/missing.sock")
        let missingError = try #require(throws: SystemdError.self) { try missing.ready() }
        #expect(missingError.code == .notifyFailed)
        #expect(missingError.message.hasPrefix("sendto(NOTIFY_SOCKET=\(directory.path)/missing.sock)"))
        #expect(missingError.message.contains("No such file or directory"))
    }

    @Test(
        "the watchdog interval follows sd_watchdog_enabled's rules",
        arguments: [
            (["WATCHDOG_USEC": "30000000"], Duration.seconds(15)),
            (["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "4242"], .seconds(15)),
            (["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "4243"], nil),
            (["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "abc"], nil),
            (["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "0"], nil),
            (["WATCHDOG_USEC": "1000"], .microseconds(500)),
            (["WATCHDOG_USEC": "0"], nil),
            (["WATCHDOG_USEC": ""], nil),
            (["WATCHDOG_USEC": "-5"], nil),
            (["WATCHDOG_USEC": "5s"], nil),
            (["WATCHDOG_USEC": "18446744073709551615"], nil),
            (["WATCHDOG_PID": "4242"], nil),
            ([:], nil),
        ] as [([String: String], Duration?)]
    )
    func watchdogInterval(environment: [String: String], expected: Duration?) {
        #expect(SystemdNotifier.watchdogInterval(environment: environment, processID: 4242) == expected)
        #expect(SystemdNotifier(environment: environment, processID: 4242).watchdogInterval == expected)
    }

    @Test("the process-environment notifier agrees with one built from the same environment")
    func processEnvironment() {
        let environment = ProcessInfo.processInfo.environment
        let fromProcess = SystemdNotifier()
        let fromDictionary = SystemdNotifier(environment: environment)
        #expect(fromProcess.socketPath == fromDictionary.socketPath)
        #expect(fromProcess.watchdogInterval == fromDictionary.watchdogInterval)
        #expect(fromProcess.isEnabled == (environment["NOTIFY_SOCKET"].map { !$0.isEmpty } ?? false))
    }
}

@Suite("Watchdog loop")
struct WatchdogTests {
    @Test("pings at once, then once per interval, and stops when cancelled")
    func pingsUntilCancelled() async throws {
        let socket = try NotifySocket()
        let notifier = SystemdNotifier(socketPath: socket.path)
        let clock = ManualClock()
        let task = Task { await runWatchdog(notifier: notifier, interval: .seconds(10), clock: clock) }

        #expect(try await socket.next() == "WATCHDOG=1")
        try await clock.waitForSleepers(1)
        #expect(socket.pending() == nil)

        clock.advance(by: .seconds(9))
        #expect(clock.sleeperCount == 1)
        #expect(socket.pending() == nil)

        clock.advance(by: .seconds(1))
        #expect(try await socket.next() == "WATCHDOG=1")
        try await clock.waitForSleepers(1)

        clock.advance(by: .seconds(10))
        #expect(try await socket.next() == "WATCHDOG=1")
        try await clock.waitForSleepers(1)

        task.cancel()
        await task.value
        #expect(clock.sleeperCount == 0)
        #expect(socket.pending() == nil)
    }

    @Test("a failing ping does not end the loop: once the socket exists, pings arrive")
    func survivesFailures() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/late.sock"
        let notifier = SystemdNotifier(socketPath: path)
        #expect(throws: SystemdError.self) { try notifier.watchdog() }
        let clock = ManualClock()
        let task = Task { await runWatchdog(notifier: notifier, interval: .seconds(5), clock: clock) }
        try await clock.waitForSleepers(1)

        let socket = try NotifySocket(path: path, directory: nil)
        clock.advance(by: .seconds(5))
        #expect(try await socket.next() == "WATCHDOG=1")
        try await clock.waitForSleepers(1)
        task.cancel()
        await task.value
    }

    @Test("a disabled notifier makes the loop wait quietly for cancellation")
    func disabledNotifier() async throws {
        let clock = ManualClock()
        let task = Task { await runWatchdog(notifier: SystemdNotifier(socketPath: nil), interval: .seconds(1), clock: clock) }
        try await clock.waitForSleepers(1)
        clock.advance(by: .seconds(1))
        try await clock.waitForSleepers(1)
        task.cancel()
        await task.value
        #expect(clock.sleeperCount == 0)
    }
}
