import ArgumentParser
import Foundation
import SwiftletAPI
import SwiftletAgent

/// `swiftlet ps`: the node's pods and containers, like `kubectl get pods` and `crictl ps`.
struct PsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ps", abstract: "List the pods on this node and their containers.")
    @Option(name: .customLong("root-dir"), help: "The agent's root directory.")
    var rootDir: String = "/var/lib/swiftlet"
    @Flag(name: [.customShort("a"), .customLong("containers")], help: "Also list each pod's containers.")
    var containers = false

    func run() throws {
        let pods = NodePods(rootDir: rootDir).list()
        var rows = [["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP"]]
        for pod in pods {
            rows.append([pod.metadata.namespace ?? "default", pod.metadata.name ?? "", NodePods.ready(pod),
                         NodePods.displayStatus(pod), "\(NodePods.restarts(pod))", NodePods.age(since: pod.status.startTime?.date),
                         pod.status.podIP ?? "<none>"])
        }
        printTable(rows)
        guard containers, !pods.isEmpty else { return }
        print("")
        var table = [["POD", "CONTAINER", "STATE", "READY", "RESTARTS", "AGE", "ID"]]
        for pod in pods {
            let all = (pod.status.initContainerStatuses ?? []) + (pod.status.containerStatuses ?? [])
            for c in all {
                let state: String
                var since: Date?
                if let r = c.state?.running {
                    state = "Running"
                    since = r.startedAt?.date
                } else if let t = c.state?.terminated {
                    state = "Exited (\(t.exitCode))"
                    since = t.finishedAt?.date
                } else {
                    state = c.state?.waiting?.reason ?? "Waiting"
                }
                table.append([pod.metadata.name ?? "", c.name, state, c.ready ? "true" : "false", "\(c.restartCount)",
                              since.map { NodePods.age(since: $0) } ?? "-",
                              c.containerID.map { String($0.dropFirst("swiftlet://".count)) } ?? "-"])
            }
        }
        printTable(table)
    }
}

private func printTable(_ rows: [[String]]) {
    guard let columns = rows.first?.count else { return }
    let widths = (0..<columns).map { c in rows.map { $0[c].count }.max() ?? 0 }
    for row in rows {
        let line = row.enumerated().map { i, cell in
            i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
        }.joined(separator: "   ")
        print(line)
    }
}

/// `swiftlet describe`: a pod's status, events and timeline, as `kubectl describe pod` shows them.
struct DescribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe", abstract: "Show a pod's status, its events and the timeline of what happened to it.")
    @Option(name: .customLong("root-dir"), help: "The agent's root directory.")
    var rootDir: String = "/var/lib/swiftlet"
    @Option(name: [.customShort("n"), .customLong("namespace")], help: "The pod's namespace.")
    var namespace: String = "default"
    @Argument(help: "The pod's name (a static pod's also without its -<node> suffix).")
    var pod: String

    func run() throws {
        let found: Pod
        do {
            found = try NodePods(rootDir: rootDir).find(pod, namespace: namespace)
        } catch {
            printError("swiftlet describe: \(error)")
            throw ExitCode(1)
        }
        let dir = "\(rootDir)/pods/\(found.metadata.uid ?? "")"
        let decoder = JSONDecoder()
        let events = FileManager.default.contents(atPath: dir + "/events.json").flatMap { try? decoder.decode([Event].self, from: $0) } ?? []
        let timeline = FileManager.default.contents(atPath: dir + "/timeline.json")
            .flatMap { try? decoder.decode([EventRecorder.TimelineEntry].self, from: $0) } ?? []
        print(PodDescriber.describe(found, events: events, timeline: timeline), terminator: "")
    }
}

/// `swiftlet node`: the node's status as the agent last computed it.
struct NodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node", abstract: "Show this node's status: conditions, capacity, allocatable, system info.")
    @Option(name: .customLong("root-dir"), help: "The agent's root directory.")
    var rootDir: String = "/var/lib/swiftlet"
    @Option(name: [.customShort("o"), .customLong("output")], help: "text (default) or json.")
    var output: String = "text"

    func run() throws {
        let file = rootDir + "/node.json"
        guard let data = FileManager.default.contents(atPath: file) else {
            printError("swiftlet node: \(file) not found: is the agent running with --root-dir \(rootDir)?")
            throw ExitCode(1)
        }
        switch output {
        case "json":
            print(String(decoding: data, as: UTF8.self))
        case "text":
            let node: Node
            do {
                node = try JSONDecoder().decode(Node.self, from: data)
            } catch {
                printError("swiftlet node: \(file): \(error)")
                throw ExitCode(1)
            }
            print(NodeDescriber.describe(node, pods: NodePods(rootDir: rootDir).list()), terminator: "")
        default:
            printError("swiftlet node: --output must be text or json, not \"\(output)\"")
            throw ExitCode(2)
        }
    }
}

/// `swiftlet logs`: a container's log, as `kubectl logs` prints it.
struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "Print the log of a container of a pod on this node.")
    @Option(name: .customLong("root-dir"), help: "The agent's root directory.")
    var rootDir: String = "/var/lib/swiftlet"
    @Option(name: .customLong("pod-logs-dir"), help: "Where container logs are (the agent's podLogsDir).")
    var podLogsDir: String = "/var/log/pods"
    @Option(name: [.customShort("n"), .customLong("namespace")], help: "The pod's namespace.")
    var namespace: String = "default"
    @Option(name: [.customShort("c"), .customLong("container")], help: "The container (optional for one-container pods).")
    var container: String?
    @Flag(name: [.customShort("f"), .customLong("follow")], help: "Keep printing new lines while the container runs.")
    var follow = false
    @Option(help: "Print only the last N lines.")
    var tail: Int?
    @Flag(name: [.customShort("p"), .customLong("previous")], help: "The previous instance of the container.")
    var previous = false
    @Flag(help: "Prefix each line with its RFC 3339 timestamp.")
    var timestamps = false
    @Argument(help: "The pod's name.")
    var pod: String

    func run() throws {
        do {
            try show()
        } catch let error as AgentError {
            FileHandle.standardError.write(Data("swiftlet logs: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    private func show() throws {
        let store = NodePods(rootDir: rootDir)
        let found = try store.find(pod, namespace: namespace)
        let names = (found.spec.initContainers ?? []).map(\.name) + found.spec.containers.map(\.name)
        let name: String
        if let container {
            guard names.contains(container) else {
                throw AgentError.invalid("container \(container) is not valid for pod \(found.metadata.name ?? "")")
            }
            name = container
        } else if found.spec.containers.count == 1 {
            name = found.spec.containers[0].name
        } else {
            throw AgentError.invalid("a container name must be specified for pod \(found.metadata.name ?? ""), choose one of: [\(found.spec.containers.map(\.name).joined(separator: " "))]")
        }
        let statuses = (found.status.initContainerStatuses ?? []) + (found.status.containerStatuses ?? [])
        guard let status = statuses.first(where: { $0.name == name }) else {
            throw AgentError.invalid("container \"\(name)\" in pod \"\(found.metadata.name ?? "")\" is waiting to start")
        }
        // The current (or last) instance logs to <restartCount>.log, the one before to <restartCount - 1>.log.
        var instance = Int(status.restartCount)
        if previous {
            guard instance > 0 else {
                throw AgentError.invalid("previous terminated container \"\(name)\" in pod \"\(found.metadata.name ?? "")\" not found")
            }
            instance -= 1
        }
        let dir = "\(podLogsDir)/\(found.metadata.namespace ?? "default")_\(found.metadata.name ?? "")_\(found.metadata.uid ?? "")/\(name)"
        let path = "\(dir)/\(instance).log"
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw AgentError.invalid("no log for container \"\(name)\" in pod \"\(found.metadata.name ?? "")\" (\(path))")
        }
        var reader = CRILogReader()
        let lines = reader.feed(handle.readDataToEndOfFile())
        for line in tail.map({ Array(lines.suffix(max(0, $0))) }) ?? lines { emit(line) }
        guard follow, !previous else { return }
        let uid = found.metadata.uid ?? ""
        while true {
            let data = handle.readDataToEndOfFile()
            if !data.isEmpty {
                for line in reader.feed(data) { emit(line) }
                continue
            }
            // Stop once the container instance is no longer running.
            let now = store.list().first { $0.metadata.uid == uid }
            let current = ((now?.status.initContainerStatuses ?? []) + (now?.status.containerStatuses ?? [])).first { $0.name == name }
            if current == nil || current?.state?.running == nil || Int(current?.restartCount ?? 0) != instance {
                for line in reader.feed(handle.readDataToEndOfFile()) { emit(line) }
                return
            }
            usleep(200_000)
        }
    }

    private func emit(_ line: CRILogReader.Line) {
        let text = timestamps ? "\(line.time) \(line.content)\n" : "\(line.content)\n"
        try? FileHandle.standardOutput.write(contentsOf: Data(text.utf8))
    }
}
