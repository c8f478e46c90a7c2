import SwiftletAPI
import SwiftletImages

/// What a container's `valueFrom` can refer to on this node.
public struct PodEnvContext: Sendable {
    public var hostIP: String?
    public var podIPs: [String]
    /// Allocatable cpu (millicores) and memory (bytes) of the node: what `resourceFieldRef`
    /// reports for a limit the container does not set.
    public var nodeAllocatableMilliCPU: Int64
    public var nodeAllocatableMemory: Int64

    public init(hostIP: String? = nil, podIPs: [String] = [], nodeAllocatableMilliCPU: Int64, nodeAllocatableMemory: Int64) {
        self.hostIP = hostIP
        self.podIPs = podIPs
        self.nodeAllocatableMilliCPU = nodeAllocatableMilliCPU
        self.nodeAllocatableMemory = nodeAllocatableMemory
    }
}

/// A container configuration kubelet refuses at creation (CreateContainerConfigError).
public struct ContainerConfigError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Resolves a container's `env` in order, as kubelet does: literal values expand `$(VAR)`
/// against the variables defined before them; `fieldRef` and `resourceFieldRef` read the pod
/// and the node. ConfigMaps and Secrets need the API server and are refused in standalone mode.
public enum EnvResolver {
    /// - Throws: `ContainerConfigError` naming the variable for an unsupported or unknown reference.
    public static func resolve(container: Container, pod: Pod, context: PodEnvContext) throws -> [(name: String, value: String)] {
        var defined: [String: String] = [:]
        var result: [(name: String, value: String)] = []
        if let envFrom = container.envFrom, !envFrom.isEmpty {
            throw ContainerConfigError("container \(container.name): envFrom needs ConfigMaps or Secrets from an API server; not available to static pods")
        }
        for variable in container.env ?? [] {
            let value: String
            if let source = variable.valueFrom {
                if let field = source.fieldRef {
                    value = try fieldValue(field.fieldPath, pod: pod, context: context, variable: variable.name)
                } else if let resource = source.resourceFieldRef {
                    value = try resourceValue(resource, container: container, pod: pod, context: context, variable: variable.name)
                } else {
                    throw ContainerConfigError("container \(container.name): env \(variable.name): configMapKeyRef and secretKeyRef need an API server; not available to static pods")
                }
            } else {
                value = EnvExpansion.expand(variable.value ?? "", with: defined)
            }
            defined[variable.name] = value
            result.append((variable.name, value))
        }
        return result
    }

    static func fieldValue(_ path: String, pod: Pod, context: PodEnvContext, variable: String) throws -> String {
        switch path {
        case "metadata.name": return pod.metadata.name ?? ""
        case "metadata.namespace": return pod.metadata.namespace ?? "default"
        case "metadata.uid": return pod.metadata.uid ?? ""
        case "spec.nodeName": return pod.spec.nodeName ?? ""
        case "spec.serviceAccountName": return pod.spec.serviceAccountName ?? ""
        case "status.hostIP": return context.hostIP ?? ""
        case "status.hostIPs": return context.hostIP ?? ""
        case "status.podIP": return context.podIPs.first ?? ""
        case "status.podIPs": return context.podIPs.joined(separator: ",")
        default:
            for (prefix, map) in [("metadata.labels", pod.metadata.labels), ("metadata.annotations", pod.metadata.annotations)] {
                if path.hasPrefix(prefix + "['"), path.hasSuffix("']") {
                    let key = String(path.dropFirst(prefix.count + 2).dropLast(2))
                    return map?[key] ?? ""
                }
            }
            throw ContainerConfigError("env \(variable): unsupported fieldRef.fieldPath \"\(path)\"")
        }
    }

    static func resourceValue(_ selector: ResourceFieldSelector, container: Container, pod: Pod, context: PodEnvContext, variable: String) throws -> String {
        var target = container
        if let name = selector.containerName, !name.isEmpty, name != container.name {
            guard let other = (pod.spec.containers + (pod.spec.initContainers ?? [])).first(where: { $0.name == name }) else {
                throw ContainerConfigError("env \(variable): resourceFieldRef.containerName \"\(name)\" is not a container of the pod")
            }
            target = other
        }
        let parts = selector.resource.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, ["limits", "requests"].contains(parts[0]) else {
            throw ContainerConfigError("env \(variable): unsupported resourceFieldRef.resource \"\(selector.resource)\"")
        }
        let limits = target.resources?.limits ?? [:]
        let requests = PodResources.effectiveRequests(target)
        let name = parts[1]
        let isCPU = name == "cpu"
        var amount: Quantity?
        if parts[0] == "limits" { amount = limits[name] } else { amount = requests[name] }
        if parts[0] == "limits", amount == nil {
            // An unset limit reads as the node's allocatable amount, as kubelet reports it.
            if isCPU { amount = Quantity(milliValue: context.nodeAllocatableMilliCPU, format: .decimalSI) }
            if name == "memory" { amount = Quantity(value: context.nodeAllocatableMemory, format: .binarySI) }
        }
        let divisor = selector.divisor ?? Quantity(value: 1, format: .decimalSI)
        guard let amount else { return "0" }
        guard !divisor.isZero else { throw ContainerConfigError("env \(variable): resourceFieldRef.divisor must not be zero") }
        if isCPU {
            // Rounded up to whole divisors, so 250m with divisor 1 reads 1, as kubelet does.
            let m = amount.milliValue, d = divisor.milliValue
            return String((m + d - 1) / d)
        }
        let v = amount.value, d = divisor.value
        guard d > 0 else { throw ContainerConfigError("env \(variable): resourceFieldRef.divisor must be at least 1") }
        return String((v + d - 1) / d)
    }
}
