import Foundation
import SwiftletAPI

/// The pressure the eviction manager observes, which the node's conditions report.
public struct NodePressure: Sendable, Equatable {
    /// `memory.available` is below its threshold.
    public var memory: Bool
    /// A `nodefs`/`imagefs` threshold is crossed.
    public var disk: Bool
    /// `pid.available` is below its threshold.
    public var pid: Bool

    /// Pressure flags; none by default.
    public init(memory: Bool = false, disk: Bool = false, pid: Bool = false) {
        self.memory = memory
        self.disk = disk
        self.pid = pid
    }
}

/// The node conditions kubelet keeps (`MemoryPressure`, `DiskPressure`, `PIDPressure`, `Ready`, in
/// that order), with kubelet's statuses, reasons and messages. Every update moves
/// `lastHeartbeatTime` to now; `lastTransitionTime` moves only when a condition's status flips.
public enum NodeConditions {
    /// The result of an update: the conditions and the node events kubelet records for the flips
    /// (`NodeHasSufficientMemory`, `NodeReady`, …; all of type Normal).
    public struct Update: Sendable, Equatable {
        /// The conditions, in kubelet's order.
        public var conditions: [NodeCondition]
        /// Reasons of the node events to record.
        public var events: [String]
    }

    private struct PressureText {
        let type: String
        let trueReason, trueMessage, trueEvent: String
        let falseReason, falseMessage, falseEvent: String
    }

    private static let memory = PressureText(
        type: "MemoryPressure",
        trueReason: "KubeletHasInsufficientMemory", trueMessage: "kubelet has insufficient memory available", trueEvent: "NodeHasInsufficientMemory",
        falseReason: "KubeletHasSufficientMemory", falseMessage: "kubelet has sufficient memory available", falseEvent: "NodeHasSufficientMemory")
    private static let disk = PressureText(
        type: "DiskPressure",
        trueReason: "KubeletHasDiskPressure", trueMessage: "kubelet has disk pressure", trueEvent: "NodeHasDiskPressure",
        falseReason: "KubeletHasNoDiskPressure", falseMessage: "kubelet has no disk pressure", falseEvent: "NodeHasNoDiskPressure")
    private static let pid = PressureText(
        type: "PIDPressure",
        trueReason: "KubeletHasInsufficientPID", trueMessage: "kubelet has insufficient PID available", trueEvent: "NodeHasInsufficientPID",
        falseReason: "KubeletHasSufficientPID", falseMessage: "kubelet has sufficient PID available", falseEvent: "NodeHasSufficientPID")

    /// Updates `previous` (the conditions last reported; empty at start) for the current pressure
    /// and readiness.
    ///
    /// - Parameters:
    ///   - notReadyReasons: why the node cannot run pods (runtime or network down, missing capacity);
    ///     empty means Ready. One reason is the message; several read `[a, b]`, as kubelet aggregates them.
    public static func update(previous: [NodeCondition], pressure: NodePressure, notReadyReasons: [String], now: Date) -> Update {
        let time = Time(now)
        var conditions = previous
        var events: [String] = []

        for (text, underPressure) in [(memory, pressure.memory), (disk, pressure.disk), (pid, pressure.pid)] {
            let index = conditions.firstIndex { $0.type == text.type }
            var condition = index.map { conditions[$0] } ?? NodeCondition(type: text.type, status: "Unknown")
            condition.lastHeartbeatTime = time
            if underPressure {
                if condition.status != "True" {
                    condition.status = "True"
                    condition.reason = text.trueReason
                    condition.message = text.trueMessage
                    condition.lastTransitionTime = time
                    events.append(text.trueEvent)
                }
            } else if condition.status != "False" {
                condition.status = "False"
                condition.reason = text.falseReason
                condition.message = text.falseMessage
                condition.lastTransitionTime = time
                events.append(text.falseEvent)
            }
            if let index { conditions[index] = condition } else { conditions.append(condition) }
        }

        var ready = NodeCondition(type: "Ready", status: "True", lastHeartbeatTime: time, reason: "KubeletReady",
                                  message: "kubelet is posting ready status")
        if !notReadyReasons.isEmpty {
            let message = notReadyReasons.count == 1 ? notReadyReasons[0] : "[" + notReadyReasons.joined(separator: ", ") + "]"
            ready = NodeCondition(type: "Ready", status: "False", lastHeartbeatTime: time, reason: "KubeletNotReady", message: message)
        }
        if let index = conditions.firstIndex(where: { $0.type == "Ready" }) {
            if conditions[index].status == ready.status {
                ready.lastTransitionTime = conditions[index].lastTransitionTime
            } else {
                ready.lastTransitionTime = time
                events.append(ready.status == "True" ? "NodeReady" : "NodeNotReady")
            }
            conditions[index] = ready
        } else {
            ready.lastTransitionTime = time
            conditions.append(ready)
        }
        return Update(conditions: conditions, events: events)
    }
}
