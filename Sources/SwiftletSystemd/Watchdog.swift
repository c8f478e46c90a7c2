import Logging

/// Sends `WATCHDOG=1` through `notifier` right away and then every `interval`, until the calling
/// task is cancelled; then it returns.
///
/// Run it as a child task of the service for as long as the service should count as alive, with
/// ``SystemdNotifier/watchdogInterval`` as the interval. A ping that fails is logged as a warning
/// and the loop goes on: the service manager decides what a missed ping means.
///
/// - Parameters:
///   - notifier: Where pings go; a disabled notifier sends nothing.
///   - interval: Time between pings; values below one millisecond count as one millisecond.
///   - clock: The clock to sleep on; tests pass a manual clock.
///   - logger: Where failed pings are reported.
public func runWatchdog<C: Clock>(
    notifier: SystemdNotifier,
    interval: Duration,
    clock: C,
    logger: Logger? = nil
) async where C.Duration == Duration {
    let interval = max(interval, .milliseconds(1))
    while !Task.isCancelled {
        do {
            try notifier.watchdog()
        } catch {
            logger?.warning("Sending the systemd watchdog ping failed", metadata: ["error": "\(error)"])
        }
        do {
            try await clock.sleep(for: interval)
        } catch {
            return
        }
    }
}

/// ``runWatchdog(notifier:interval:clock:logger:)`` on the continuous clock.
public func runWatchdog(notifier: SystemdNotifier, interval: Duration, logger: Logger? = nil) async {
    await runWatchdog(notifier: notifier, interval: interval, clock: ContinuousClock(), logger: logger)
}
