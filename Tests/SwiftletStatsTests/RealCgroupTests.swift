import Foundation
import Testing
@testable import SwiftletStats

/// A cgroup this test creates at the hierarchy root (never under the test's own cgroup), in the
/// cpuacct, memory and pids hierarchies on v1 or as one directory on v2; `remove()` deletes it.
struct TestCgroup {
    let path: String
    let directories: [String]

    init(layout: CgroupLayout, path: String) throws {
        self.path = path
        var dirs: [String] = []
        switch layout {
        case .v1:
            for controller in ["cpuacct", "memory", "pids"] {
                if let dir = layout.directory(of: path, controller: controller) { dirs.append(dir) }
            }
        case .v2:
            let dir = layout.directory(of: path, controller: "")!
            // v2 gives a child the cpu, memory and pids files only once its parent delegates them.
            let parent = (dir as NSString).deletingLastPathComponent
            for controller in ["+cpu", "+memory", "+pids"] {
                try? controller.write(toFile: parent + "/cgroup.subtree_control", atomically: false, encoding: .utf8)
            }
            dirs.append(dir)
        }
        directories = dirs
        var made: [String] = []
        do {
            for dir in dirs {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
                made.append(dir)
            }
        } catch {
            for dir in made { rmdir(dir) }
            throw error
        }
    }

    var procsFiles: [String] { directories.map { $0 + "/cgroup.procs" } }

    func remove() {
        for dir in directories {
            for _ in 0..<100 where rmdir(dir) != 0 && errno == EBUSY { usleep(20_000) }
        }
    }
}

@Suite("collector against a real cgroup", .enabled(if: getuid() == 0, "creating cgroups needs root"))
struct RealCgroupTests {
    /// Starts `sh` that first moves itself into `cgroup` (so every page it then touches is charged
    /// there), holds about 16 MB in a variable and spins.
    func startBusy(in cgroup: TestCgroup) throws -> Process {
        let join = cgroup.procsFiles.map { "echo $$ > \($0)" }.joined(separator: "; ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\(join); x=$(head -c 16000000 /dev/zero | tr '\\000' a); while :; do :; done"]
        try process.run()
        return process
    }

    func readNumber(_ path: String) throws -> UInt64 {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// CPU core-nanoseconds and working set read straight from the cgroup files.
    func direct(_ cgroup: String, layout: CgroupLayout) throws -> (cpu: UInt64, workingSet: UInt64) {
        switch layout {
        case .v1:
            let cpu = try readNumber(layout.directory(of: cgroup, controller: "cpuacct")! + "/cpuacct.usage")
            let memDir = layout.directory(of: cgroup, controller: "memory")!
            let usage = try readNumber(memDir + "/memory.usage_in_bytes")
            let stat = try String(contentsOfFile: memDir + "/memory.stat", encoding: .utf8)
            let inactive = stat.split(separator: "\n").first { $0.hasPrefix("total_inactive_file ") }
                .flatMap { UInt64($0.split(separator: " ")[1]) } ?? 0
            return (cpu, usage > inactive ? usage - inactive : 0)
        case .v2:
            let dir = layout.directory(of: cgroup, controller: "")!
            let cpuStat = try String(contentsOfFile: dir + "/cpu.stat", encoding: .utf8)
            let usec = cpuStat.split(separator: "\n").first { $0.hasPrefix("usage_usec ") }.flatMap { UInt64($0.split(separator: " ")[1]) } ?? 0
            let usage = try readNumber(dir + "/memory.current")
            let stat = try String(contentsOfFile: dir + "/memory.stat", encoding: .utf8)
            let inactive = stat.split(separator: "\n").first { $0.hasPrefix("inactive_file ") }
                .flatMap { UInt64($0.split(separator: " ")[1]) } ?? 0
            return (usec * 1000, usage > inactive ? usage - inactive : 0)
        }
    }

    /// The value of the sample of `metric` whose labels contain `labels`.
    func metricValue(_ text: String, _ metric: String, _ labels: String = "") -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(metric + (labels.isEmpty ? " " : "{")) && (labels.isEmpty || line.contains(labels)) {
            let fields = line.split(separator: " ")
            return Double(fields[fields.count - 2]) ?? Double(fields[fields.count - 1])
        }
        return nil
    }

    @Test("/metrics/resource CPU and memory of a busy container agree with its cgroup files within 5%")
    func busyContainerAgreesWithCgroupFiles() async throws {
        let layout = CgroupLayout.detect()
        let id = UUID().uuidString.lowercased()
        let podPath = "/swiftlet-stats-test-\(id)"
        let pod = try TestCgroup(layout: layout, path: podPath)
        defer { pod.remove() }
        let container = try TestCgroup(layout: layout, path: podPath + "/busy")
        defer { container.remove() }
        let busy = try startBusy(in: container)
        defer {
            kill(busy.processIdentifier, SIGKILL)
            busy.waitUntilExit()
        }
        let scratch = try ScratchDir("real")
        defer { scratch.remove() }

        // Let the container fill its variable and burn some CPU before sampling.
        var settled = (cpu: UInt64(0), workingSet: UInt64(0))
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(100))
            settled = try direct(container.path, layout: layout)
            if settled.workingSet > 16_000_000 && settled.cpu > 300_000_000 { break }
        }
        #expect(settled.workingSet > 16_000_000, "the busy shell should hold its 16 MB variable")

        let collector = StatsCollector(nodeName: "node-a", node: NodePaths(rootDirectory: scratch.path, imageStoreDirectory: scratch.path))
        let namespace = "ns-\(id.prefix(8))"
        collector.register(pod: PodRegistration(uid: id, name: "busy-pod", namespace: namespace, startTime: Date(),
                                                cgroupPath: podPath, netnsPID: busy.processIdentifier))
        collector.register(container: ContainerRegistration(
            podUID: id, podName: "busy-pod", namespace: namespace, containerName: "busy", containerID: "c-\(id)",
            cgroupPath: container.path, initPID: busy.processIdentifier, startTime: Date(timeIntervalSince1970: 1_700_000_000.25)))

        // On v1 the node's CPU is the root cpuacct counter (v2 root counters are checked by the fixtures).
        let rootCPUFile = layout.isV2 ? nil : layout.directory(of: "/", controller: "cpuacct").map { $0 + "/cpuacct.usage" }
        let nodeBefore = try rootCPUFile.map(readNumber)
        let before = try direct(container.path, layout: layout)
        collector.collect(now: Date())
        let after = try direct(container.path, layout: layout)
        let nodeAfter = try rootCPUFile.map(readNumber)

        let text = collector.resourceMetrics()
        let labels = "container=\"busy\",namespace=\"\(namespace)\",pod=\"busy-pod\""
        let cpuSeconds = try #require(metricValue(text, "container_cpu_usage_seconds_total", labels))
        #expect(cpuSeconds >= Double(before.cpu) / 1e9 * 0.95 && cpuSeconds <= Double(after.cpu) / 1e9 * 1.05,
                "collector \(cpuSeconds) s vs cgroup \(Double(before.cpu) / 1e9)…\(Double(after.cpu) / 1e9) s")
        let workingSet = try #require(metricValue(text, "container_memory_working_set_bytes", labels))
        // The shell may still be growing: the collector's reading lies between the two direct ones.
        let low = Double(min(before.workingSet, after.workingSet)), high = Double(max(before.workingSet, after.workingSet))
        #expect(workingSet >= low * 0.95 && workingSet <= high * 1.05, "collector \(workingSet) B vs cgroup \(low)…\(high) B")

        let podLabels = "namespace=\"\(namespace)\",pod=\"busy-pod\""
        let podCPU = try #require(metricValue(text, "pod_cpu_usage_seconds_total", podLabels))
        #expect(podCPU >= cpuSeconds * 0.95)
        let podWS = try #require(metricValue(text, "pod_memory_working_set_bytes", podLabels))
        #expect(podWS >= workingSet * 0.95)
        #expect(metricValue(text, "container_start_time_seconds", labels) == 1_700_000_000.25)
        #expect(text.contains("resource_scrape_error 0\n"))
        if let nodeBefore, let nodeAfter {
            let nodeCPU = try #require(metricValue(text, "node_cpu_usage_seconds_total"))
            #expect(nodeCPU >= Double(nodeBefore) / 1e9 * 0.95 && nodeCPU <= Double(nodeAfter) / 1e9 * 1.05)
        }
        #expect((metricValue(text, "node_memory_working_set_bytes") ?? 0) > workingSet)

        // A second sample gives a rate, and the summary carries the same counters.
        try await Task.sleep(for: .milliseconds(300))
        collector.collect(now: Date())
        let summary = try #require(collector.summary())
        let podStats = try #require(summary.pods.first { $0.podRef.uid == id })
        let busyStats = try #require(podStats.containers.first)
        let rate = try #require(busyStats.cpu?.usageNanoCores)
        #expect(rate > 0 && rate <= UInt64(ProcessInfo.processInfo.activeProcessorCount) * 1_100_000_000)
        #expect((busyStats.memory?.rssBytes ?? 0) > 8_000_000)
        #expect((podStats.processStats?.processCount ?? 0) >= 1)
        // The pod's network is read from the busy process's namespace: the host's here.
        let hostInterfaces = NetworkDevStats.parse(try KernelFileReader().string(of: "/proc/self/net/dev")).map(\.name)
        #expect(podStats.network?.interfaces?.map(\.name) == hostInterfaces)
    }
}
