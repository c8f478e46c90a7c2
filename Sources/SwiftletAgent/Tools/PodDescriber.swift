import Foundation
import SwiftletAPI

/// `swiftlet describe POD`: a pod's status as `kubectl describe pod` lays it out, its events
/// (`(x3 over 2m)` for repeats), and its timeline of what happened and why.
public enum PodDescriber {
    /// The text for `pod` (with its status), its `events` and `timeline`, ages taken at `now`.
    public static func describe(_ pod: Pod, events: [Event], timeline: [EventRecorder.TimelineEntry], now: Date = Date()) -> String {
        var out: [String] = []
        func field(_ name: String, _ value: String, indent: Int = 0) {
            let label = String(repeating: " ", count: indent) + name + ":"
            out.append(label.padding(toLength: max(label.count + 1, 18 + indent), withPad: " ", startingAt: 0) + value)
        }
        let status = pod.status
        field("Name", pod.metadata.name ?? "")
        field("Namespace", pod.metadata.namespace ?? "default")
        field("Priority", "\(pod.spec.priority ?? 0)")
        field("Node", (pod.spec.nodeName ?? "<none>") + (status.hostIP.map { "/\($0)" } ?? ""))
        field("Start Time", status.startTime.map { httpDate($0.date) } ?? "<unset>")
        field("Labels", keyValues(pod.metadata.labels, separator: "="))
        field("Annotations", keyValues(pod.metadata.annotations, separator: ": "))
        field("Status", status.reason.map { "\(status.phase ?? "Unknown") (\($0))" } ?? status.phase ?? "Unknown")
        if let message = status.message { field("Message", message) }
        field("IP", status.podIP ?? "")
        out.append("IPs:")
        for ip in status.podIPs ?? [] { out.append("  IP:  \(ip.ip)") }
        if (status.podIPs ?? []).isEmpty { out.append("  <none>") }
        let initSpecs = pod.spec.initContainers ?? []
        if !initSpecs.isEmpty {
            out.append("Init Containers:")
            for c in initSpecs { container(c, status.initContainerStatuses?.first { $0.name == c.name }, into: &out) }
        }
        out.append("Containers:")
        for c in pod.spec.containers { container(c, status.containerStatuses?.first { $0.name == c.name }, into: &out) }
        out.append("Conditions:")
        let conditions = status.conditions ?? []
        let width = max(4, conditions.map(\.type.count).max() ?? 0) + 3
        out.append("  " + "Type".padding(toLength: width, withPad: " ", startingAt: 0) + "Status")
        for c in conditions {
            out.append("  " + c.type.padding(toLength: width, withPad: " ", startingAt: 0) + c.status
                       + (c.reason.map { "   \($0)" } ?? "") + (c.message.map { ": \($0)" } ?? ""))
        }
        if let volumes = pod.spec.volumes, !volumes.isEmpty {
            out.append("Volumes:")
            for v in volumes { out.append("  \(v.name)") }
        }
        field("QoS Class", status.qosClass ?? "")
        out.append(eventsTable(events, now: now))
        out.append("Timeline:")
        if timeline.isEmpty { out.append("  <none>") }
        for entry in timeline {
            let who = entry.container.map { "[\($0)] " } ?? ""
            out.append("  \(entry.time.description)  \(entry.type.padding(toLength: 7, withPad: " ", startingAt: 0)) \(entry.reason): \(who)\(entry.message)")
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// kubectl's event table: Type, Reason, Age (with `(xN over D)` for repeats), From, Message.
    public static func eventsTable(_ events: [Event], now: Date) -> String {
        guard !events.isEmpty else { return "Events:  <none>" }
        var rows = [["Type", "Reason", "Age", "From", "Message"], ["----", "------", "----", "----", "-------"]]
        for e in events.sorted(by: { ($0.lastTimestamp?.date ?? .distantPast) < ($1.lastTimestamp?.date ?? .distantPast) }) {
            var age = NodePods.age(since: e.lastTimestamp?.date, now: now)
            if let count = e.count, count > 1 {
                age += " (x\(count) over \(NodePods.age(since: e.firstTimestamp?.date, now: now)))"
            }
            rows.append([e.type ?? "", e.reason ?? "", age, e.source?.component ?? "", e.message ?? ""])
        }
        let widths = (0..<4).map { c in rows.map { $0[c].count }.max() ?? 0 }
        let lines = rows.map { row in
            "  " + (0..<4).map { row[$0].padding(toLength: widths[$0] + 2, withPad: " ", startingAt: 0) }.joined() + row[4]
        }
        return "Events:\n" + lines.joined(separator: "\n")
    }

    private static func container(_ c: Container, _ s: ContainerStatus?, into out: inout [String]) {
        func field(_ name: String, _ value: String, indent: Int = 4) {
            let label = String(repeating: " ", count: indent) + name + ":"
            out.append(label.padding(toLength: max(label.count + 1, indent + 16), withPad: " ", startingAt: 0) + value)
        }
        out.append("  \(c.name):")
        field("Container ID", s?.containerID ?? "")
        field("Image", c.image ?? "")
        field("Image ID", s?.imageID ?? "")
        let ports = (c.ports ?? []).map { "\($0.containerPort)/\($0.protocol ?? "TCP")" }
        field("Port", ports.isEmpty ? "<none>" : ports.joined(separator: ", "))
        if let command = c.command { field("Command", command.joined(separator: " ")) }
        if let args = c.args { field("Args", args.joined(separator: " ")) }
        state("State", s?.state, into: &out)
        if let last = s?.lastState, last.running != nil || last.terminated != nil || last.waiting != nil {
            state("Last State", last, into: &out)
        }
        field("Ready", s?.ready == true ? "True" : "False")
        field("Restart Count", "\(s?.restartCount ?? 0)")
        for (name, probe) in [("Liveness", c.livenessProbe), ("Readiness", c.readinessProbe), ("Startup", c.startupProbe)] {
            if let probe { field(name, describe(probe)) }
        }
    }

    private static func state(_ label: String, _ state: ContainerState?, into out: inout [String]) {
        func line(_ name: String, _ value: String, indent: Int) {
            let l = String(repeating: " ", count: indent) + name + ":"
            out.append(l.padding(toLength: max(l.count + 1, 20), withPad: " ", startingAt: 0) + value)
        }
        if let r = state?.running {
            line(label, "Running", indent: 4)
            line("Started", r.startedAt.map { httpDate($0.date) } ?? "", indent: 6)
        } else if let t = state?.terminated {
            line(label, "Terminated", indent: 4)
            line("Reason", t.reason ?? "", indent: 6)
            if let message = t.message, !message.isEmpty { line("Message", message, indent: 6) }
            line("Exit Code", "\(t.exitCode)", indent: 6)
            if let signal = t.signal { line("Signal", "\(signal)", indent: 6) }
            line("Started", t.startedAt.map { httpDate($0.date) } ?? "", indent: 6)
            line("Finished", t.finishedAt.map { httpDate($0.date) } ?? "", indent: 6)
        } else if let w = state?.waiting {
            line(label, "Waiting", indent: 4)
            line("Reason", w.reason ?? "", indent: 6)
            if let message = w.message { line("Message", message, indent: 6) }
        } else {
            line(label, "Unknown", indent: 4)
        }
    }

    /// kubectl's probe line: `http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3`.
    public static func describe(_ probe: Probe) -> String {
        var kind = "unknown"
        if let exec = probe.exec {
            kind = "exec [\((exec.command ?? []).joined(separator: " "))]"
        } else if let http = probe.httpGet {
            kind = "http-get \((http.scheme ?? "HTTP").lowercased())://\(http.host ?? ""):\(http.port)\(http.path ?? "/")"
        } else if let tcp = probe.tcpSocket {
            kind = "tcp-socket \(tcp.host ?? ""):\(tcp.port)"
        } else if let grpc = probe.grpc {
            kind = "grpc <pod>:\(grpc.port) \(grpc.service ?? "")"
        }
        return "\(kind) delay=\(probe.initialDelaySeconds ?? 0)s timeout=\(probe.timeoutSeconds ?? 1)s period=\(probe.periodSeconds ?? 10)s #success=\(probe.successThreshold ?? 1) #failure=\(probe.failureThreshold ?? 3)"
    }

    private static func keyValues(_ map: [String: String]?, separator: String) -> String {
        guard let map, !map.isEmpty else { return "<none>" }
        return map.sorted { $0.key < $1.key }.map { "\($0.key)\(separator)\($0.value)" }.joined(separator: "\n" + String(repeating: " ", count: 18))
    }

    /// `Fri, 27 Nov 2026 15:04:05 +0000`, as kubectl prints times (in UTC here), without ICU.
    static func httpDate(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&t, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }
}
