import Foundation
import SwiftletAPI

/// One pod interface to attach to (or detach from) a CNI network: the `CNI_*` parameters of
/// a plugin call, and the capability arguments a runtime passes in `runtimeConfig`.
public struct CNIAttachment: Sendable, Hashable {
    /// `CNI_CONTAINERID`: the pod sandbox ID (letters, digits, `_`, `.`, `-`).
    public var containerID: String
    /// `CNI_NETNS`: the pod's network namespace path (`<runDir>/netns/<name>`).
    public var netnsPath: String
    /// `CNI_IFNAME`: the interface inside the pod, `eth0` as kubelet uses.
    public var ifName: String
    /// The pod's namespace, passed in `CNI_ARGS` as kubelet does (`K8S_POD_NAMESPACE`, with
    /// `K8S_POD_NAME`, `K8S_POD_INFRA_CONTAINER_ID` and `K8S_POD_UID`).
    public var podNamespace: String
    /// The pod's name (`K8S_POD_NAME`).
    public var podName: String
    /// The pod's UID (`K8S_POD_UID`).
    public var podUID: String
    /// Host ports to forward (`runtimeConfig.portMappings`, for plugins with that capability).
    public var portMappings: [CNIPortMapping]

    /// Describes an attachment.
    public init(
        containerID: String, netnsPath: String, ifName: String = "eth0",
        podNamespace: String, podName: String, podUID: String, portMappings: [CNIPortMapping] = []
    ) {
        self.containerID = containerID
        self.netnsPath = netnsPath
        self.ifName = ifName
        self.podNamespace = podNamespace
        self.podName = podName
        self.podUID = podUID
        self.portMappings = portMappings
    }

    /// An attachment for `pod`, its identity from its metadata and its host ports from its
    /// containers (see `CNIPortMapping.from(pod:)`).
    public init(pod: Pod, containerID: String, netnsPath: String, ifName: String = "eth0") {
        self.init(
            containerID: containerID, netnsPath: netnsPath, ifName: ifName,
            podNamespace: pod.metadata.namespace ?? "default", podName: pod.metadata.name ?? "",
            podUID: pod.metadata.uid ?? "", portMappings: CNIPortMapping.from(pod: pod))
    }

    /// `CNI_ARGS` pairs in the order they are passed. `IgnoreUnknown=1` comes first so
    /// plugins that parse CNI_ARGS strictly (host-local) accept the Kubernetes keys.
    public var cniArgs: [(String, String)] {
        [
            ("IgnoreUnknown", "1"), ("K8S_POD_NAMESPACE", podNamespace), ("K8S_POD_NAME", podName),
            ("K8S_POD_INFRA_CONTAINER_ID", containerID), ("K8S_POD_UID", podUID),
        ]
    }

    /// Capability arguments offered to plugins; each plugin gets only those it declares.
    public var capabilityArgs: [String: JSONValue] {
        guard !portMappings.isEmpty else { return [:] }
        return ["portMappings": .array(portMappings.map(\.json))]
    }

    /// The same attachment on another interface (`lo` for the loopback network).
    public func on(interface: String) -> CNIAttachment {
        var copy = self
        copy.ifName = interface
        return copy
    }

    /// - Throws: `NetworkError.invalid` for an ID or interface name plugins would reject.
    func validate() throws {
        guard CNIConfigList.isCNIIdentifier(containerID) else {
            throw NetworkError.invalid(
                "CNI container ID \"\(containerID)\": must start with a letter or digit and contain only letters, digits, \"_\", \".\" and \"-\"")
        }
        guard !ifName.isEmpty, ifName.utf8.count <= 15, ifName != ".", ifName != "..",
            !ifName.contains(where: { $0 == "/" || $0 == ":" || $0.isWhitespace })
        else {
            throw NetworkError.invalid("CNI interface name \"\(ifName)\": must be 1-15 characters without \"/\", \":\" or spaces")
        }
    }
}

/// One host port forwarded into the pod (the `portMappings` capability argument).
public struct CNIPortMapping: Codable, Sendable, Hashable {
    /// Port on the host (1-65535).
    public var hostPort: Int
    /// Port in the pod's network namespace.
    public var containerPort: Int
    /// `tcp`, `udp` or `sctp`: lower case, as the portmap plugin expects.
    public var `protocol`: String
    /// Host address to bind, empty for every address.
    public var hostIP: String

    /// A mapping; `protocol` is lowercased.
    public init(hostPort: Int, containerPort: Int, protocol: String = "tcp", hostIP: String = "") {
        self.hostPort = hostPort
        self.containerPort = containerPort
        self.protocol = `protocol`.lowercased()
        self.hostIP = hostIP
    }

    /// The mappings a pod asks for: every port of its containers with a `hostPort` (> 0),
    /// protocol defaulting to TCP, duplicates dropped, as kubelet and containerd build them.
    /// Init containers do not publish ports.
    public static func from(pod: Pod) -> [CNIPortMapping] {
        var seen: Set<CNIPortMapping> = []
        var result: [CNIPortMapping] = []
        for container in pod.spec.containers {
            for port in container.ports ?? [] {
                guard let hostPort = port.hostPort, hostPort > 0 else { continue }
                let mapping = CNIPortMapping(
                    hostPort: Int(hostPort), containerPort: Int(port.containerPort),
                    protocol: port.protocol ?? "TCP", hostIP: port.hostIP ?? "")
                if seen.insert(mapping).inserted { result.append(mapping) }
            }
        }
        return result
    }

    var json: JSONValue {
        .object([
            "hostPort": .int(Int64(hostPort)), "containerPort": .int(Int64(containerPort)),
            "protocol": .string(`protocol`), "hostIP": .string(hostIP),
        ])
    }
}
