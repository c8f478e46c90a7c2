import Foundation
import SwiftletAPI

/// `swiftlet node`: the node's status as `kubectl describe node` lays it out.
public enum NodeDescriber {
    public static func describe(_ node: Node, pods: [Pod] = []) -> String {
        var out: [String] = []
        func field(_ name: String, _ value: String) {
            let label = name + ":"
            out.append(label.padding(toLength: max(label.count + 1, 20), withPad: " ", startingAt: 0) + value)
        }
        let status = node.status
        field("Name", node.metadata.name ?? "")
        field("Roles", "<none>")
        let labels = (node.metadata.labels ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        field("Labels", labels.isEmpty ? "<none>" : labels.joined(separator: "\n" + String(repeating: " ", count: 20)))
        out.append("Conditions:")
        var rows = [["Type", "Status", "LastHeartbeatTime", "LastTransitionTime", "Reason", "Message"],
                    ["----", "------", "-----------------", "------------------", "------", "-------"]]
        for c in status.conditions ?? [] {
            rows.append([c.type, c.status, c.lastHeartbeatTime.map { PodDescriber.httpDate($0.date) } ?? "",
                         c.lastTransitionTime.map { PodDescriber.httpDate($0.date) } ?? "", c.reason ?? "", c.message ?? ""])
        }
        let widths = (0..<5).map { i in rows.map { $0[i].count }.max() ?? 0 }
        for row in rows {
            out.append("  " + (0..<5).map { row[$0].padding(toLength: widths[$0] + 3, withPad: " ", startingAt: 0) }.joined() + row[5])
        }
        out.append("Addresses:")
        for a in status.addresses ?? [] { out.append("  \(a.type):  \(a.address)") }
        for (title, list) in [("Capacity", status.capacity), ("Allocatable", status.allocatable)] {
            out.append("\(title):")
            for (k, v) in (list ?? [:]).sorted(by: { $0.key < $1.key }) { out.append("  \(k):".padding(toLength: 22, withPad: " ", startingAt: 0) + v.description) }
        }
        if let info = status.nodeInfo {
            out.append("System Info:")
            for (k, v) in [("Machine ID", info.machineID), ("System UUID", info.systemUUID), ("Boot ID", info.bootID),
                           ("Kernel Version", info.kernelVersion), ("OS Image", info.osImage), ("Operating System", info.operatingSystem),
                           ("Architecture", info.architecture), ("Container Runtime Version", info.containerRuntimeVersion),
                           ("Kubelet Version", info.kubeletVersion)] {
                out.append("  \(k):".padding(toLength: 30, withPad: " ", startingAt: 0) + v)
            }
        }
        if let port = status.daemonEndpoints?.kubeletEndpoint?.port { field("Kubelet Port", "\(port)") }
        let running = pods.filter { $0.status.phase == "Running" || $0.status.phase == "Pending" }
        out.append("Non-terminated Pods:          (\(running.count) in total)")
        for pod in running { out.append("  \(pod.metadata.namespace ?? "default")  \(pod.metadata.name ?? "")") }
        return out.joined(separator: "\n") + "\n"
    }
}
