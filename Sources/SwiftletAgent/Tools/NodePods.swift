import Foundation
import SwiftletAPI

/// The pods the agent runs on this node, read from the `status.json` it keeps in every pod
/// directory (what `swiftlet ps` and `swiftlet logs` show without an API server).
public struct NodePods: Sendable {
    public let rootDir: String

    public init(rootDir: String) { self.rootDir = rootDir }

    /// Every pod with a status, sorted by namespace and name.
    public func list() -> [Pod] {
        let podsDir = rootDir + "/pods"
        let uids = (try? FileManager.default.contentsOfDirectory(atPath: podsDir)) ?? []
        return uids.compactMap { uid -> Pod? in
            guard let data = FileManager.default.contents(atPath: "\(podsDir)/\(uid)/status.json") else { return nil }
            return try? JSONDecoder().decode(Pod.self, from: data)
        }.sorted { ($0.metadata.namespace ?? "", $0.metadata.name ?? "") < ($1.metadata.namespace ?? "", $1.metadata.name ?? "") }
    }

    /// The pod named `name` in `namespace`; a static pod also answers to its name without the
    /// `-<node>` suffix when that is unambiguous.
    /// - Throws: `AgentError.invalid` naming the pod when none or several match.
    public func find(_ name: String, namespace: String) throws -> Pod {
        let pods = list().filter { ($0.metadata.namespace ?? "default") == namespace }
        if let exact = pods.first(where: { $0.metadata.name == name }) { return exact }
        let prefixed = pods.filter { ($0.metadata.name ?? "").hasPrefix(name + "-") && StaticPodIdentity.isStatic($0) }
        if prefixed.count == 1 { return prefixed[0] }
        if prefixed.count > 1 {
            throw AgentError.invalid("pods \"\(prefixed.compactMap(\.metadata.name).joined(separator: "\", \""))\" match \"\(name)\"; name one")
        }
        throw AgentError.invalid("pods \"\(name)\" not found in namespace \"\(namespace)\"")
    }

    /// kubectl's STATUS column: the phase, or the reason the pod is stuck (`Init:1/2`,
    /// `PodInitializing`, `CrashLoopBackOff`, `ErrImagePull`, `Completed`, `Error`…).
    public static func displayStatus(_ pod: Pod) -> String {
        let status = pod.status
        var reason = status.reason ?? status.phase ?? "Unknown"
        let inits = status.initContainerStatuses ?? []
        let initSpecs = pod.spec.initContainers ?? []
        var initializing = false
        for (i, c) in inits.enumerated() {
            let isSidecar = initSpecs.first { $0.name == c.name }?.restartPolicy == "Always"
            if let t = c.state?.terminated, t.exitCode == 0 { continue }
            if isSidecar, c.started == true { continue }
            if let t = c.state?.terminated {
                reason = "Init:" + ((t.reason?.isEmpty == false) ? t.reason! : "ExitCode:\(t.exitCode)")
            } else if let w = c.state?.waiting?.reason, !w.isEmpty, w != "PodInitializing" {
                reason = "Init:" + w
            } else {
                reason = "Init:\(i)/\(initSpecs.count)"
            }
            initializing = true
            break
        }
        if !initializing {
            var hasRunning = false
            for c in (status.containerStatuses ?? []).reversed() {
                if let w = c.state?.waiting?.reason, !w.isEmpty {
                    reason = w
                } else if let t = c.state?.terminated {
                    reason = (t.reason?.isEmpty == false) ? t.reason! : (t.signal.map { "Signal:\($0)" } ?? "ExitCode:\(t.exitCode)")
                } else if c.ready, c.state?.running != nil {
                    hasRunning = true
                }
            }
            if reason == "Completed", hasRunning { reason = "Running" }
        }
        return reason
    }

    /// `1/2`: ready app containers over app containers.
    public static func ready(_ pod: Pod) -> String {
        let statuses = pod.status.containerStatuses ?? []
        return "\(statuses.filter(\.ready).count)/\(pod.spec.containers.count)"
    }

    /// The sum of the containers' restart counts.
    public static func restarts(_ pod: Pod) -> Int32 {
        ((pod.status.containerStatuses ?? []) + (pod.status.initContainerStatuses ?? [])).reduce(0) { $0 + $1.restartCount }
    }

    /// `5s`, `3m`, `2h`, `4d`, as kubectl prints ages.
    public static func age(since date: Date?, now: Date = Date()) -> String {
        guard let date else { return "<unknown>" }
        let s = max(0, Int(now.timeIntervalSince(date)))
        if s < 120 { return "\(s)s" }
        if s < 7200 { return "\(s / 60)m" }
        if s < 172_800 { return "\(s / 3600)h" }
        return "\(s / 86400)d"
    }
}
