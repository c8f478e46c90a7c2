import Foundation
import SwiftletAPI

/// Node- and network-side facts the downward API exposes that are not in the pod manifest.
public struct DownwardAPIContext: Sendable, Hashable {
    /// The node's name; used for `spec.nodeName` when the pod does not set it (a static pod
    /// is bound to the node that reads it).
    public var nodeName: String
    /// The pod's IPs, primary first; empty before the network is set up or when unknown.
    public var podIPs: [String]
    /// The node's IPs, primary first.
    public var hostIPs: [String]

    /// A context; every argument defaults to empty.
    public init(nodeName: String = "", podIPs: [String] = [], hostIPs: [String] = []) {
        self.nodeName = nodeName
        self.podIPs = podIPs
        self.hostIPs = hostIPs
    }
}

/// Values of downward API selectors (`fieldRef`, `resourceFieldRef`), as kubelet computes them
/// for environment variables and for downwardAPI/projected volume files.
public enum DownwardAPIFields {
    /// Where a `fieldRef` is used: the set of allowed fields differs.
    public enum Scope: Sendable, Hashable {
        /// A container's `env[].valueFrom.fieldRef`: metadata name/namespace/uid and subscripted
        /// labels/annotations, `spec.nodeName`, `spec.serviceAccountName`, `status.hostIP(s)`,
        /// `status.podIP(s)`.
        case environment
        /// A downwardAPI volume file: metadata name/namespace/uid, `metadata.labels`,
        /// `metadata.annotations` (whole or subscripted).
        case volume
    }

    /// The value of `selector` for `pod`.
    ///
    /// `metadata.labels` and `metadata.annotations` render as kubelet's `FormatMap`: one
    /// `key="value"` line per entry (Go `%q` quoting), sorted by key, no trailing newline.
    /// A subscripted `metadata.labels['k']` is the value alone ("" when absent).
    /// - Throws: ``VolumeError`` (without a field; callers add it) for an unsupported field,
    ///   API version or subscript, or `status.hostIP` with no known node IP.
    public static func fieldValue(_ selector: ObjectFieldSelector, pod: Pod, context: DownwardAPIContext,
                                  scope: Scope) throws -> String {
        let version = selector.apiVersion ?? ""
        if !version.isEmpty && version != "v1" {
            throw VolumeError.other("unsupported pod version: \(version)")
        }
        var path = selector.fieldPath
        if path == "spec.host" { path = "spec.nodeName" }
        let meta = pod.metadata

        if case let (base, key)? = splitSubscript(path) {
            switch base {
            case "metadata.annotations":
                if let problem = ValidationRules.qualifiedName(key.lowercased()).first {
                    throw VolumeError.other("invalid key subscript in \(path): \(problem)")
                }
                return meta.annotations?[key] ?? ""
            case "metadata.labels":
                if let problem = ValidationRules.qualifiedName(key).first {
                    throw VolumeError.other("invalid key subscript in \(path): \(problem)")
                }
                return meta.labels?[key] ?? ""
            default:
                throw VolumeError.other("fieldPath \(goQuote(path)) does not support subscript")
            }
        }

        switch path {
        case "metadata.name": return meta.name ?? ""
        case "metadata.namespace": return (meta.namespace ?? "").isEmpty ? "default" : meta.namespace!
        case "metadata.uid": return meta.uid ?? ""
        case "metadata.labels" where scope == .volume: return formatMap(meta.labels ?? [:])
        case "metadata.annotations" where scope == .volume: return formatMap(meta.annotations ?? [:])
        default: break
        }
        guard scope == .environment else { throw VolumeError.other("unsupported fieldPath: \(path)") }
        switch path {
        case "spec.nodeName":
            return (pod.spec.nodeName ?? "").isEmpty ? context.nodeName : pod.spec.nodeName!
        case "spec.serviceAccountName":
            return pod.spec.serviceAccountName ?? ""
        case "status.hostIP":
            guard let first = hostIPs(pod, context).first else {
                throw VolumeError.other("cannot get the node's IP for status.hostIP: none is known")
            }
            return first
        case "status.hostIPs":
            let ips = hostIPs(pod, context)
            if ips.isEmpty { throw VolumeError.other("cannot get the node's IPs for status.hostIPs: none is known") }
            return ips.joined(separator: ",")
        case "status.podIP":
            return podIPs(pod, context).first ?? ""
        case "status.podIPs":
            return podIPs(pod, context).joined(separator: ",")
        default:
            throw VolumeError.other("unsupported fieldPath: \(path)")
        }
    }

    /// The value of a `resourceFieldRef` for `container`, as kubelet computes it
    /// (`ExtractContainerResourceValue` after `MergeContainerResourceLimits`): a missing limit
    /// for cpu, memory or ephemeral-storage is the node's allocatable amount; a missing request
    /// is the limit the pod declares (API defaulting), else zero. CPU rounds up to whole
    /// divisors of millicores; memory, ephemeral-storage and hugepages round up to whole
    /// divisors of bytes. A zero or absent divisor means `1`.
    /// - Throws: ``VolumeError`` for an unsupported resource.
    public static func resourceValue(_ selector: ResourceFieldSelector, container: Container,
                                     nodeAllocatable: NodeAllocatable) throws -> String {
        let limits = container.resources?.limits ?? [:]
        let requests = container.resources?.requests ?? [:]
        let one = Quantity(value: 1, format: .decimalSI)
        let divisor = (selector.divisor.map { $0.isZero ? one : $0 }) ?? one
        let zero = Quantity(value: 0, format: .decimalSI)

        func limit(_ name: String) -> Quantity {
            if let q = limits[name] { return q }
            switch name {
            case "cpu": return nodeAllocatable.cpu
            case "memory": return nodeAllocatable.memory
            case "ephemeral-storage": return nodeAllocatable.ephemeralStorage
            default: return zero
            }
        }
        func request(_ name: String) -> Quantity { requests[name] ?? limits[name] ?? zero }
        func cpu(_ q: Quantity) -> String {
            String(Int64((Double(q.milliValue) / Double(divisor.milliValue)).rounded(.up)))
        }
        func bytes(_ q: Quantity) -> String {
            String(Int64((Double(q.value) / Double(divisor.value)).rounded(.up)))
        }

        switch selector.resource {
        case "limits.cpu": return cpu(limit("cpu"))
        case "limits.memory": return bytes(limit("memory"))
        case "limits.ephemeral-storage": return bytes(limit("ephemeral-storage"))
        case "requests.cpu": return cpu(request("cpu"))
        case "requests.memory": return bytes(request("memory"))
        case "requests.ephemeral-storage": return bytes(request("ephemeral-storage"))
        case let r where r.hasPrefix("limits.hugepages-"):
            return bytes(limit(String(r.dropFirst("limits.".count))))
        case let r where r.hasPrefix("requests.hugepages-"):
            return bytes(request(String(r.dropFirst("requests.".count))))
        default:
            throw VolumeError.other("unsupported container resource : \(selector.resource)")
        }
    }

    /// kubelet's `FormatMap`: `key="value"` lines sorted by key, values quoted like Go's `%q`,
    /// joined by newlines with none at the end.
    public static func formatMap(_ map: [String: String]) -> String {
        map.keys.sorted().map { "\($0)=\(goQuote(map[$0]!))" }.joined(separator: "\n")
    }

    /// `metadata.labels['app']` → (`metadata.labels`, `app`).
    static func splitSubscript(_ path: String) -> (String, String)? {
        guard path.hasSuffix("']"), let open = path.range(of: "['") else { return nil }
        let end = path.index(path.endIndex, offsetBy: -2)
        let base = String(path[..<open.lowerBound])
        if base.isEmpty || open.upperBound > end { return nil }
        return (base, String(path[open.upperBound..<end]))
    }

    private static func podIPs(_ pod: Pod, _ context: DownwardAPIContext) -> [String] {
        if !context.podIPs.isEmpty { return context.podIPs }
        if let ips = pod.status.podIPs, !ips.isEmpty { return ips.map(\.ip) }
        return pod.status.podIP.map { [$0] } ?? []
    }

    private static func hostIPs(_ pod: Pod, _ context: DownwardAPIContext) -> [String] {
        if !context.hostIPs.isEmpty { return context.hostIPs }
        if let ips = pod.status.hostIPs, !ips.isEmpty { return ips.map(\.ip) }
        return pod.status.hostIP.map { [$0] } ?? []
    }
}
