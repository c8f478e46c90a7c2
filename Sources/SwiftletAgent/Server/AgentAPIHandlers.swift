import Foundation
import SwiftletAPI

/// One named `/healthz` sub-check, like kubelet's `syncloop`: served as `/healthz/<name>` and listed
/// by `/healthz?verbose`.
public struct AgentHealthCheck: Sendable {
    /// The check's name in `/healthz/<name>`, `?verbose` output and `?exclude=<name>`.
    public var name: String
    /// Returns when healthy; throws to report the check failed (the error's text is logged and
    /// shown by `/healthz/<name>`, never by `/healthz` itself, as kubelet withholds it there).
    public var check: @Sendable () async throws -> Void

    /// A check called `name` that runs `check`.
    public init(name: String, check: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.check = check
    }
}

/// The container whose log `/containerLogs/{namespace}/{pod}/{container}` asks for.
public struct ContainerLogTarget: Sendable, Hashable, CustomStringConvertible {
    /// Namespace of the pod.
    public var namespace: String
    /// Name of the pod.
    public var pod: String
    /// Name of the container in the pod.
    public var container: String
    /// The previous (terminated) instance of the container rather than the current one (`?previous=true`).
    public var previous: Bool

    /// The `container` of pod `namespace/pod`, its current instance or (`previous`) the one before.
    public init(namespace: String, pod: String, container: String, previous: Bool) {
        self.namespace = namespace
        self.pod = pod
        self.container = container
        self.previous = previous
    }

    /// `namespace/pod/container`, marked when previous.
    public var description: String { "\(namespace)/\(pod)/\(container)\(previous ? " (previous)" : "")" }
}

/// Where the agent's HTTPS API gets its data: the agent supplies these closures, the server owns
/// HTTP, TLS, authentication and the response shapes.
///
/// A closure may throw ``AgentAPIError`` to choose the status (e.g. `.notFound("pod \"web\" does not exist")`);
/// any other error is answered with 500 and the error's description.
public struct AgentAPIHandlers: Sendable {
    /// `/healthz` sub-checks besides the built-in `ping` and `log`, in display order (kubelet adds `syncloop`).
    public var healthChecks: [AgentHealthCheck]
    /// The pods bound to this node, for `/pods` (served as a `v1` `PodList`).
    public var pods: @Sendable () async throws -> [Pod]
    /// The Summary API document (`stats/v1alpha1.Summary`) encoded as JSON, for `/stats/summary`.
    /// The argument is `only_cpu_and_memory`.
    public var statsSummary: @Sendable (_ onlyCPUAndMemory: Bool) async throws -> Data
    /// The Prometheus text (format 0.0.4) of `/metrics/resource`.
    public var resourceMetrics: @Sendable () async throws -> String
    /// The CRI log file of a container instance (`<podLogsDir>/<ns>_<pod>_<uid>/<container>/<n>.log`).
    /// Throw `AgentAPIError.notFound` with kubelet's wording (`pod "web" does not exist`,
    /// `container "app" not found in pod "web"`) when there is none.
    public var containerLogPath: @Sendable (ContainerLogTarget) async throws -> String
    /// Whether the container instance still runs: `follow` ends once it does not and its log is drained.
    public var containerIsRunning: @Sendable (ContainerLogTarget) async -> Bool

    /// Handlers with the given closures; each one left out answers as an agent with no data would
    /// (no pods, 503 for stats, 404 for logs).
    public init(
        healthChecks: [AgentHealthCheck] = [],
        pods: @escaping @Sendable () async throws -> [Pod] = { [] },
        statsSummary: @escaping @Sendable (_ onlyCPUAndMemory: Bool) async throws -> Data = { _ in
            throw AgentAPIError.unavailable("no stats are collected yet")
        },
        resourceMetrics: @escaping @Sendable () async throws -> String = {
            throw AgentAPIError.unavailable("no resource metrics are collected yet")
        },
        containerLogPath: @escaping @Sendable (ContainerLogTarget) async throws -> String = { target in
            throw AgentAPIError.notFound("pod \"\(target.pod)\" does not exist")
        },
        containerIsRunning: @escaping @Sendable (ContainerLogTarget) async -> Bool = { _ in false }
    ) {
        self.healthChecks = healthChecks
        self.pods = pods
        self.statsSummary = statsSummary
        self.resourceMetrics = resourceMetrics
        self.containerLogPath = containerLogPath
        self.containerIsRunning = containerIsRunning
    }
}
