import Foundation
import SwiftletAPI

/// Builds the node's `NodeStatus` as kubelet's status setters do: capacity and allocatable,
/// the four conditions, nodeInfo, addresses and the agent's port.
///
/// The builder holds what does not change while the agent runs (configuration, identity, machine
/// resources); `build` takes the previous status, so heartbeat and transition times carry over.
public struct NodeStatusBuilder: Sendable {
    /// The agent's configuration (`maxPods`, reservations, `evictionHard`, `port`).
    public var configuration: KubeletConfiguration
    /// The node's name.
    public var nodeName: String
    /// The node's IPs, reported as `InternalIP` addresses in this order; empty: the first
    /// non-loopback IPv4 address of an interface that is up.
    public var nodeIPs: [String]
    /// The hostname reported as the `Hostname` address.
    public var hostname: String
    /// swiftlet's version, reported as `kubeletVersion` and in `containerRuntimeVersion`.
    public var version: String
    /// The node's identity files.
    public var identity: NodeIdentity
    /// The node's machine resources.
    public var resources: NodeResources

    /// The result of a build.
    public struct Update: Sendable, Equatable {
        /// The status to report.
        public var status: NodeStatus
        /// Reasons of the Normal node events to record for condition flips (`NodeReady`, …).
        public var events: [String]
    }

    /// A builder; `identity` and `resources` default to reading this host, with the ephemeral
    /// storage capacity taken from the filesystem holding `rootDirectory`.
    public init(configuration: KubeletConfiguration, nodeName: String, nodeIPs: [String], version: String,
                rootDirectory: String, hostname: String? = nil, identity: NodeIdentity? = nil, resources: NodeResources? = nil) {
        self.configuration = configuration
        self.nodeName = nodeName
        self.nodeIPs = nodeIPs
        self.version = version
        self.hostname = hostname ?? Self.systemHostname()
        self.identity = identity ?? NodeIdentity.read()
        self.resources = resources ?? NodeResources.read(rootDirectory: rootDirectory)
    }

    /// The status for now.
    ///
    /// - Parameters:
    ///   - previous: the status last built (nil at start); its conditions' times carry over.
    ///   - pressure: what the eviction manager observes.
    ///   - notReadyReasons: why the node cannot run pods (runtime or network not ready); empty: Ready.
    public func build(previous: NodeStatus?, pressure: NodePressure, notReadyReasons: [String] = [], now: Date) -> Update {
        let capacity = NodeCapacity.capacity(resources, maxPods: configuration.maxPods)
        let allocatable = NodeCapacity.allocatable(capacity: capacity, configuration: configuration)
        // kubelet also refuses Ready when a required capacity could not be measured.
        let missing = ["cpu", "memory", "pods", "ephemeral-storage"].filter { capacity[$0] == nil }
        var reasons = notReadyReasons
        if !missing.isEmpty { reasons.append("missing node capacity for resources: " + missing.joined(separator: ", ")) }
        let conditions = NodeConditions.update(previous: previous?.conditions ?? [], pressure: pressure, notReadyReasons: reasons, now: now)

        var addresses = (nodeIPs.isEmpty ? NodeFacts.primaryIPv4().map { [$0] } ?? [] : nodeIPs)
            .map { NodeAddress(type: "InternalIP", address: $0) }
        if !hostname.isEmpty { addresses.append(NodeAddress(type: "Hostname", address: hostname)) }

        var status = previous ?? NodeStatus()
        status.capacity = capacity
        status.allocatable = allocatable
        status.conditions = conditions.conditions
        status.addresses = addresses
        status.daemonEndpoints = NodeDaemonEndpoints(kubeletEndpoint: DaemonEndpoint(port: configuration.port))
        status.nodeInfo = NodeSystemInfo(
            machineID: identity.machineID, systemUUID: identity.systemUUID, bootID: identity.bootID,
            kernelVersion: identity.kernelVersion, osImage: identity.osImage,
            containerRuntimeVersion: "swiftlet://" + version, kubeletVersion: version, kubeProxyVersion: "",
            operatingSystem: "linux", architecture: NodeIdentity.goArchitecture)
        return Update(status: status, events: conditions.events)
    }

    /// `gethostname`, lowercased as kubelet lowercases it.
    static func systemHostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).lowercased()
    }
}
