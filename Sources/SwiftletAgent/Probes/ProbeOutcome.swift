import Foundation
import NIOCore
import SwiftletAPI

/// What one run of a handler found, in kubelet's four results (`pkg/probe`'s Success, Warning,
/// Failure and Unknown-with-error).
package struct ProbeOutcome: Sendable, Equatable {
    package enum Status: Sendable, Equatable {
        case success
        /// A success kubelet records a `ProbeWarning` event for.
        case warning
        case failure
        /// The prober itself failed; the run is thrown away after an `errored` event.
        case error
    }

    package var status: Status
    /// The body, command output, failure message or error text.
    package var output: String

    package init(_ status: Status, _ output: String) {
        self.status = status
        self.output = output
    }

    package static func success(_ output: String = "") -> ProbeOutcome { ProbeOutcome(.success, output) }
    package static func warning(_ output: String) -> ProbeOutcome { ProbeOutcome(.warning, output) }
    package static func failure(_ output: String) -> ProbeOutcome { ProbeOutcome(.failure, output) }
    package static func error(_ output: String) -> ProbeOutcome { ProbeOutcome(.error, output) }
}

/// Runs one probe of a container once. The manager's only view of handlers, so tests can script
/// results; the production one is ``ProbeHandlers``.
///
/// A run is a future rather than an async call so that a network probe stays on the manager's
/// event loop from start to result, with no hop through Swift's global executor.
package protocol ProbeRunning: Sendable {
    /// Starts `probe` against `target` on `loop`, giving up after `probe.timeoutSeconds`.
    /// The future never fails: every problem is an outcome.
    func run(_ probe: Probe, kind: ProbeKind, target: ProbeTarget, on loop: any EventLoop) -> EventLoopFuture<ProbeOutcome>
}

/// A probe's timing with Kubernetes' defaults applied.
package struct ProbeTiming: Sendable, Equatable {
    /// Seconds after the container's start before the first run.
    package var initialDelay: Int
    /// Seconds a run may take.
    package var timeout: Int
    /// Seconds between runs.
    package var period: Int
    /// Consecutive successes that make the result success.
    package var successThreshold: Int
    /// Consecutive failures that make the result failure.
    package var failureThreshold: Int

    /// Unset or non-positive fields take Kubernetes' defaults: delay 0, timeout 1 s, period 10 s,
    /// thresholds 1 success and 3 failures.
    package init(_ probe: Probe) {
        initialDelay = max(0, Int(probe.initialDelaySeconds ?? 0))
        timeout = Self.positive(probe.timeoutSeconds, default: 1)
        period = Self.positive(probe.periodSeconds, default: 10)
        successThreshold = Self.positive(probe.successThreshold, default: 1)
        failureThreshold = Self.positive(probe.failureThreshold, default: 3)
    }

    private static func positive(_ value: Int32?, default fallback: Int) -> Int {
        guard let value, value > 0 else { return fallback }
        return Int(value)
    }
}

extension Container {
    /// The container's probe of `kind`.
    package func probe(_ kind: ProbeKind) -> Probe? {
        switch kind {
        case .startup: return startupProbe
        case .liveness: return livenessProbe
        case .readiness: return readinessProbe
        }
    }
}
