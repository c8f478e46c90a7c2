import Foundation
import SwiftletAPI

/// Which of a container's probes: kubelet's probe types, named as in `prober_probe_total`'s `probe_type` label.
public enum ProbeKind: String, Sendable, Hashable, CaseIterable {
    case startup
    case liveness
    case readiness

    /// The capitalised name kubelet puts at the start of event messages ("Liveness probe failed: …").
    public var eventName: String {
        switch self {
        case .startup: return "Startup"
        case .liveness: return "Liveness"
        case .readiness: return "Readiness"
        }
    }
}

/// A probe's result, as kubelet's results manager keeps it.
public enum ProbeResult: String, Sendable, Hashable, CaseIterable {
    case success
    case failure
    /// Not probed yet (a startup probe's initial value), or the prober itself erred (a port name
    /// that does not resolve, a container that cannot exec).
    case unknown

    /// The `result` label of kubelet's `prober_probe_total`: `successful`, `failed` or `unknown`.
    public var metricLabel: String {
        switch self {
        case .success: return "successful"
        case .failure: return "failed"
        case .unknown: return "unknown"
        }
    }
}

/// One running container instance whose probes the manager runs.
public struct ProbeTarget: Sendable {
    /// The pod's UID.
    public var podUID: String
    /// The pod's name.
    public var podName: String
    /// The pod's namespace.
    public var namespace: String
    /// The container's name in the pod spec.
    public var containerName: String
    /// The runtime's ID of this instance; a new ID (a restart) resets every probe of the container.
    public var containerID: String
    /// The pod's IP: the default host of httpGet and tcpSocket probes and the host of grpc probes.
    /// Nil or empty dials the local host, as kubelet's Go dialer does with an empty host.
    public var podIP: String?
    /// The container's spec: its probes, ports (named probe ports resolve against them) and env
    /// (`$(VAR)` in exec commands expands from its literal values).
    public var container: Container
    /// When this instance started: initialDelaySeconds counts from here.
    public var startedAt: Date
    /// The pod's `terminationGracePeriodSeconds`, used for a probe-triggered kill when the probe
    /// sets none of its own.
    public var terminationGracePeriodSeconds: Int64

    /// - Parameter terminationGracePeriodSeconds: the pod's (Kubernetes defaults it to 30).
    public init(podUID: String, podName: String, namespace: String, containerName: String, containerID: String,
                podIP: String?, container: Container, startedAt: Date, terminationGracePeriodSeconds: Int64 = 30) {
        self.podUID = podUID
        self.podName = podName
        self.namespace = namespace
        self.containerName = containerName
        self.containerID = containerID
        self.podIP = podIP
        self.container = container
        self.startedAt = startedAt
        self.terminationGracePeriodSeconds = terminationGracePeriodSeconds
    }
}

/// What the probes say about one container instance now.
public struct ProbeState: Sendable, Hashable {
    /// The container status' `started`: true once the startup probe succeeded, or at once when
    /// the container has none.
    public var started: Bool
    /// The container status' `ready`: started, and the readiness probe succeeded (or there is none).
    public var ready: Bool
    /// False once a liveness or startup probe reached its failureThreshold: the container must be
    /// restarted.
    public var live: Bool

    public init(started: Bool, ready: Bool, live: Bool) {
        self.started = started
        self.ready = ready
        self.live = live
    }
}

/// An event kubelet records about a probe, for the lead's event recorder.
public struct ProbeEvent: Sendable, Hashable {
    /// `Warning` or `Normal`.
    public var type: String
    /// `Unhealthy`, `ProbeWarning` or `Killing`.
    public var reason: String
    /// Kubelet's wording, e.g. `Liveness probe failed: HTTP probe failed with statuscode: 500`.
    public var message: String

    public init(type: String, reason: String, message: String) {
        self.type = type
        self.reason = reason
        self.message = message
    }
}

/// A container that a liveness or startup probe condemned.
public struct ProbeRestart: Sendable, Hashable {
    /// Seconds of grace for the kill: the probe's `terminationGracePeriodSeconds`, else the pod's.
    public var gracePeriodSeconds: Int64
    /// Kubelet's `Killing` message: `Container c failed liveness probe, will be restarted`.
    public var message: String

    public init(gracePeriodSeconds: Int64, message: String) {
        self.gracePeriodSeconds = gracePeriodSeconds
        self.message = message
    }
}

/// The outcome of one probe run, delivered to the manager's `onUpdate` after every run: the pod
/// worker applies `state` to the container status, kills the container on `restart`, records
/// `events` (a restart's `Killing` among them) and counts `result`.
public struct ProbeUpdate: Sendable {
    public var podUID: String
    public var podName: String
    public var namespace: String
    public var containerName: String
    /// The instance that was probed.
    public var containerID: String
    public var kind: ProbeKind
    /// This run's result; `unknown` when the prober erred (such runs do not count toward a threshold).
    public var result: ProbeResult
    /// This run's output or error: the body, command output or failure message.
    public var output: String
    /// The probe's kept result after this run.
    public var value: ProbeResult
    /// True when `value` changed with this run (a threshold was reached).
    public var changed: Bool
    /// The container's state after this run.
    public var state: ProbeState
    /// Set when this run condemned the container (liveness or startup failureThreshold reached).
    public var restart: ProbeRestart?
    /// Events to record: `Unhealthy` for every failed or erred run, `ProbeWarning` for a success
    /// with a warning (a redirect the prober did not follow), `Killing` with a restart.
    public var events: [ProbeEvent]
    /// When the scheduler meant to run the probe.
    public var scheduledAt: Date
    /// When the run actually began; minus `scheduledAt`, the scheduling jitter.
    public var startedAt: Date
    /// When the run finished.
    public var finishedAt: Date
    /// False when the run only repeated what the worker already reported (same kept result, no
    /// events, no restart): the pod worker has nothing to do, only the metrics count it.
    public var affectsStatus: Bool

    public init(podUID: String, podName: String, namespace: String, containerName: String, containerID: String,
                kind: ProbeKind, result: ProbeResult, output: String, value: ProbeResult, changed: Bool, state: ProbeState,
                restart: ProbeRestart?, events: [ProbeEvent], scheduledAt: Date, startedAt: Date, finishedAt: Date,
                affectsStatus: Bool = true) {
        self.podUID = podUID
        self.podName = podName
        self.namespace = namespace
        self.containerName = containerName
        self.containerID = containerID
        self.kind = kind
        self.result = result
        self.output = output
        self.value = value
        self.changed = changed
        self.state = state
        self.restart = restart
        self.events = events
        self.scheduledAt = scheduledAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.affectsStatus = affectsStatus
    }
}

/// A key of the manager's probe counters (kubelet's `prober_probe_total` without the per-pod labels).
public struct ProbeCounterKey: Sendable, Hashable {
    public var kind: ProbeKind
    public var result: ProbeResult

    public init(kind: ProbeKind, result: ProbeResult) {
        self.kind = kind
        self.result = result
    }
}
