import Foundation
import Testing
@testable import SwiftletStats

/// The fields metrics-server reads from `/stats/summary`, declared independently of our types.
private struct MetricsServerSummary: Decodable {
    struct CPU: Decodable { let time: String; let usageCoreNanoSeconds: UInt64? }
    struct Memory: Decodable { let time: String; let workingSetBytes: UInt64? }
    struct Node: Decodable { let nodeName: String; let startTime: String; let cpu: CPU?; let memory: Memory? }
    struct PodRef: Decodable { let name: String; let namespace: String; let uid: String }
    struct Container: Decodable { let name: String; let startTime: String; let cpu: CPU?; let memory: Memory? }
    struct Pod: Decodable { let podRef: PodRef; let startTime: String; let containers: [Container] }
    let node: Node
    let pods: [Pod]
}

/// A collector over fixture cgroup v2 and /proc trees.
private struct Fixture {
    let cgroups: FakeCgroupV2
    let proc: FakeProc
    let scratch: ScratchDir
    let collector: StatsCollector

    init(diskUsagePeriod: TimeInterval = 60) throws {
        cgroups = try FakeCgroupV2()
        proc = try FakeProc()
        scratch = try ScratchDir("collector")
        try scratch.mkdir("images")
        try cgroups.dir.write("cpu.stat", "usage_usec 100000000\n")
        try cgroups.dir.write("memory.stat", "anon 1000000000\ninactive_file 1024000000\npgfault 99\npgmajfault 9\n")
        collector = StatsCollector(
            nodeName: "node-a",
            node: NodePaths(rootDirectory: scratch.path, imageStoreDirectory: scratch.sub("images"), systemContainers: ["pods": "/kubepods"]),
            configuration: .init(cgroupRoot: cgroups.root, procRoot: proc.root, diskUsagePeriod: diskUsagePeriod))
    }

    func remove() {
        cgroups.remove()
        proc.remove()
        scratch.remove()
    }
}

private let t0 = Date(timeIntervalSince1970: 1_624_396_278.302091597)

@Suite("stats collector")
struct StatsCollectorTests {
    @Test("/stats/summary decodes into the fields metrics-server reads, with the fixture's counters and kubelet's time format")
    func summaryForMetricsServer() throws {
        let f = try Fixture()
        defer { f.remove() }
        try f.cgroups.setCgroup("/kubepods", usageUsec: 9_000_000, memoryCurrent: 900_000_000, inactiveFile: 100_000_000)
        try f.cgroups.setCgroup("/kubepods/pod-u1", usageUsec: 3_000_000, memoryCurrent: 60_000_000, inactiveFile: 10_000_000)
        try f.cgroups.setCgroup("/kubepods/pod-u1/c1", usageUsec: 2_000_000, memoryCurrent: 50_000_000, inactiveFile: 8_000_000)
        f.collector.register(pod: PodRegistration(uid: "u1", name: "web", namespace: "default", startTime: t0.addingTimeInterval(-60),
                                                  cgroupPath: "/kubepods/pod-u1"))
        f.collector.register(container: ContainerRegistration(
            podUID: "u1", podName: "web", namespace: "default", containerName: "nginx", containerID: "c1",
            cgroupPath: "/kubepods/pod-u1/c1", startTime: t0.addingTimeInterval(-30)))
        f.collector.collect(now: t0)
        let first = try #require(f.collector.summary())
        #expect(first.pods[0].containers[0].cpu?.usageNanoCores == nil, "one sample gives no rate")

        try f.cgroups.setCgroup("/kubepods/pod-u1/c1", usageUsec: 7_000_000, memoryCurrent: 50_000_000, inactiveFile: 8_000_000)
        f.collector.collect(now: t0.addingTimeInterval(10))
        let summary = try #require(f.collector.summary())
        let decoded = try JSONDecoder().decode(MetricsServerSummary.self, from: summary.jsonData())

        #expect(decoded.node.nodeName == "node-a")
        #expect(decoded.node.startTime == "2023-11-14T22:13:20Z", "btime of the fixture /proc/stat")
        #expect(decoded.node.cpu?.usageCoreNanoSeconds == 100_000_000_000)
        #expect(decoded.node.cpu?.time == "2021-06-22T21:11:28Z")
        // MemTotal − MemFree − root inactive_file.
        #expect(decoded.node.memory?.workingSetBytes == (8_000_000 - 3_000_000) * 1024 - 1_024_000_000)
        #expect(decoded.pods.count == 1)
        let pod = decoded.pods[0]
        #expect(pod.podRef.name == "web" && pod.podRef.namespace == "default" && pod.podRef.uid == "u1")
        #expect(pod.startTime == "2021-06-22T21:10:18Z")
        #expect(pod.containers.map(\.name) == ["nginx"])
        #expect(pod.containers[0].startTime == "2021-06-22T21:10:48Z")
        #expect(pod.containers[0].cpu?.usageCoreNanoSeconds == 7_000_000_000)
        #expect(pod.containers[0].memory?.workingSetBytes == 42_000_000)
        #expect(summary.pods[0].containers[0].cpu?.usageNanoCores == 500_000_000, "5 core-seconds over 10 s")
        #expect(summary.pods[0].cpu?.usageCoreNanoSeconds == 3_000_000_000, "pod figures come from the pod cgroup")
        #expect(summary.pods[0].memory?.workingSetBytes == 50_000_000)
        #expect(summary.node.systemContainers?.map(\.name) == ["pods"])
        #expect(summary.node.systemContainers?.first?.memory?.workingSetBytes == 800_000_000)
    }

    @Test("the Summary JSON uses kubelet's field names: inline network and volume fields, ephemeral-storage, process_stats, rlimit")
    func summaryFieldNames() throws {
        let f = try Fixture()
        defer { f.remove() }
        try f.cgroups.setCgroup("/kubepods", usageUsec: 5, memoryCurrent: 8192, inactiveFile: 0)
        try f.cgroups.setCgroup("/kubepods/pod-u2/c2", usageUsec: 1, memoryCurrent: 4096, inactiveFile: 0, memoryMax: "1000000", pids: 4)
        let volume = try f.scratch.mkdir("vol")
        try f.scratch.write("vol/data", bytes: 10_000)
        f.collector.register(pod: PodRegistration(uid: "u2", name: "db", namespace: "prod", startTime: t0, netnsPID: 1,
                                                  volumes: [VolumeRegistration(name: "cache", path: volume, isEphemeral: true)]))
        f.collector.register(container: ContainerRegistration(
            podUID: "u2", podName: "db", namespace: "prod", containerName: "pg", containerID: "c2",
            cgroupPath: "/kubepods/pod-u2/c2", startTime: t0))
        f.collector.collect(now: t0)
        let summary = try #require(f.collector.summary())
        let json = try #require(try JSONSerialization.jsonObject(with: summary.jsonData()) as? [String: Any])
        let node = try #require(json["node"] as? [String: Any])
        #expect(Set(node.keys) == ["nodeName", "systemContainers", "startTime", "cpu", "memory", "network", "fs", "runtime", "rlimit"])
        let network = try #require(node["network"] as? [String: Any])
        #expect(network["name"] as? String == "eth0")
        #expect(network["rxBytes"] as? Int == 123_456 && network["txErrors"] as? Int == 4)
        #expect((network["interfaces"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["eth0"], "lo and veth are not node interfaces")
        let rlimit = try #require(node["rlimit"] as? [String: Any])
        #expect(rlimit["maxpid"] as? Int == 63000 && rlimit["curproc"] as? Int == 321)
        let runtime = try #require(node["runtime"] as? [String: Any])
        #expect(runtime["imageFs"] != nil && runtime["containerFs"] != nil)
        let memory = try #require(node["memory"] as? [String: Any])
        #expect(Set(memory.keys) == ["time", "availableBytes", "usageBytes", "workingSetBytes", "rssBytes", "pageFaults", "majorPageFaults"])
        let pod = try #require((json["pods"] as? [[String: Any]])?.first)
        #expect(Set(pod.keys) == ["podRef", "startTime", "containers", "cpu", "memory", "network", "volume", "ephemeral-storage", "process_stats"])
        #expect((pod["process_stats"] as? [String: Any])?["process_count"] as? Int == 4)
        let vol = try #require((pod["volume"] as? [[String: Any]])?.first)
        #expect(vol["name"] as? String == "cache")
        #expect((vol["usedBytes"] as? Int ?? 0) >= 10_000 && vol["capacityBytes"] != nil && vol["inodesUsed"] as? Int == 2)
        let container = try #require((pod["containers"] as? [[String: Any]])?.first)
        let containerMemory = try #require(container["memory"] as? [String: Any])
        #expect(containerMemory["availableBytes"] as? Int == 1_000_000 - 4096, "limit minus working set")
        // Our own types decode what they encode (times come back whole seconds, as serialized).
        let json1 = try summary.jsonData()
        let json2 = try JSONDecoder().decode(Summary.self, from: json1).jsonData()
        #expect(String(decoding: json2, as: UTF8.self) == String(decoding: json1, as: UTF8.self))
    }

    @Test("pod ephemeral storage sums writable layers, logs and ephemeral volumes; walks wait for the disk usage period")
    func ephemeralStorage() throws {
        let f = try Fixture(diskUsagePeriod: 60)
        defer { f.remove() }
        try f.cgroups.setCgroup("/p3/c3", usageUsec: 1, memoryCurrent: 1, inactiveFile: 0)
        let upper = try f.scratch.mkdir("upper")
        try f.scratch.write("upper/etc/file", bytes: 20_000)
        let logs = try f.scratch.mkdir("logs")
        try f.scratch.write("logs/0.log", bytes: 5000)
        let emptyDir = try f.scratch.mkdir("empty")
        try f.scratch.write("empty/x", bytes: 7000)
        let secret = try f.scratch.mkdir("secret")
        try f.scratch.write("secret/token", bytes: 100)
        f.collector.register(pod: PodRegistration(uid: "u3", name: "app", namespace: "ns", startTime: t0, volumes: [
            VolumeRegistration(name: "scratch", path: emptyDir, isEphemeral: true),
            VolumeRegistration(name: "token", path: secret, isEphemeral: false),
        ]))
        f.collector.register(container: ContainerRegistration(
            podUID: "u3", podName: "app", namespace: "ns", containerName: "main", containerID: "c3", cgroupPath: "/p3/c3",
            startTime: t0, rootfsUpperDir: upper, logDir: logs))
        f.collector.collect(now: t0)
        let pod = try #require(f.collector.summary()?.pods.first)
        let container = pod.containers[0]
        let expected = [upper, logs, emptyDir].map { try? DirectoryUsage.measure(path: $0) }
        #expect(container.rootfs?.usedBytes == expected[0]?.bytes && container.rootfs?.inodesUsed == 3)
        #expect(container.logs?.usedBytes == expected[1]?.bytes)
        #expect(pod.volume?.map(\.name) == ["scratch", "token"])
        let ephemeral = try #require(pod.ephemeralStorage)
        #expect(ephemeral.usedBytes == expected.compactMap { $0?.bytes }.reduce(0, +), "the secret volume is not ephemeral")
        #expect(ephemeral.inodesUsed == expected.compactMap { $0?.inodes }.reduce(0, +))
        let fs = try FilesystemInfo.of(path: f.scratch.path)
        #expect(ephemeral.capacityBytes == fs.capacityBytes)

        try f.scratch.write("upper/etc/more", bytes: 40_000)
        f.collector.collect(now: t0.addingTimeInterval(30))
        #expect(f.collector.summary()?.pods.first?.containers[0].rootfs?.usedBytes == expected[0]?.bytes, "not walked again within 60 s")
        f.collector.collect(now: t0.addingTimeInterval(61))
        #expect(f.collector.summary()?.pods.first?.containers[0].rootfs?.usedBytes == (try DirectoryUsage.measure(path: upper)).bytes)
        #expect(f.collector.summary()?.node.runtime?.containerFs?.usedBytes == (try DirectoryUsage.measure(path: upper)).bytes)
    }

    @Test("without a pod cgroup the pod's CPU and memory are its containers' sums; unregistering drops the pod")
    func podSumsAndUnregister() throws {
        let f = try Fixture()
        defer { f.remove() }
        try f.cgroups.setCgroup("/q/a", usageUsec: 1_000_000, memoryCurrent: 10_000, inactiveFile: 1000, pids: 2)
        try f.cgroups.setCgroup("/q/b", usageUsec: 2_000_000, memoryCurrent: 20_000, inactiveFile: 2000, pids: 3)
        for (name, path) in [("a", "/q/a"), ("b", "/q/b")] {
            f.collector.register(container: ContainerRegistration(
                podUID: "u4", podName: "pair", namespace: "ns", containerName: name, containerID: "id-" + name,
                cgroupPath: path, startTime: t0))
        }
        f.collector.collect(now: t0)
        let pod = try #require(f.collector.summary()?.pods.first)
        #expect(pod.podRef == PodReference(name: "pair", namespace: "ns", uid: "u4"))
        #expect(pod.containers.map(\.name) == ["a", "b"])
        #expect(pod.cpu?.usageCoreNanoSeconds == 3_000_000_000)
        #expect(pod.memory?.workingSetBytes == 27_000)
        #expect(pod.processStats?.processCount == 5)

        let slim = try #require(f.collector.summary(onlyCPUAndMemory: true))
        #expect(slim.node.fs == nil && slim.node.network == nil && slim.node.rlimit == nil && slim.node.cpu != nil)
        #expect(slim.pods[0].network == nil && slim.pods[0].ephemeralStorage == nil && slim.pods[0].cpu != nil)

        f.collector.unregister(podUID: "u4")
        f.collector.collect(now: t0.addingTimeInterval(10))
        #expect(f.collector.summary()?.pods.isEmpty == true)
    }

    @Test("before the first collection there is no summary and /metrics/resource reports a scrape error")
    func notCollectedYet() throws {
        let f = try Fixture()
        defer { f.remove() }
        #expect(f.collector.summary() == nil)
        #expect(f.collector.lastCollectionTime == nil)
        #expect(f.collector.resourceMetrics() == """
            # HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise
            # TYPE resource_scrape_error gauge
            resource_scrape_error 1
            # HELP scrape_error [ALPHA] (Deprecated since 1.29.0) 1 if there was an error while getting container metrics, 0 otherwise
            # TYPE scrape_error gauge
            scrape_error 1

            """)
        f.collector.collect(now: t0)
        #expect(f.collector.lastCollectionTime == t0)
        #expect(f.collector.resourceMetrics(options: .init(includeDeprecatedScrapeError: false)).contains("scrape_error 0\n"))
        #expect(!f.collector.resourceMetrics(options: .init(includeDeprecatedScrapeError: false)).contains("\nscrape_error"))
    }
}

@Suite("/metrics/resource text")
struct ResourceMetricsTextTests {
    @Test("a summary renders as kubelet renders it: sorted families and samples, Go floats, millisecond timestamps")
    func golden() {
        let time = StatsTime(t0)
        func container(_ name: String, startOffset: TimeInterval, swap: Bool = false) -> ContainerStats {
            ContainerStats(name: name, startTime: StatsTime(t0.addingTimeInterval(startOffset)),
                           cpu: CPUStats(time: time, usageCoreNanoSeconds: 10_000_000_000),
                           memory: MemoryStats(time: time, usageBytes: 2000, workingSetBytes: 1000),
                           swap: swap ? SwapStats(time: time, swapAvailableBytes: 9000, swapUsageBytes: 1000) : nil)
        }
        let summary = Summary(
            node: NodeStats(nodeName: "n", startTime: time, cpu: CPUStats(time: time, usageCoreNanoSeconds: 10_000_000_000),
                            memory: MemoryStats(time: time, workingSetBytes: 1000)),
            pods: [
                PodStats(podRef: PodReference(name: "pod_b", namespace: "namespace_b", uid: "2"), startTime: time,
                         containers: [container("container_a", startOffset: -600)],
                         cpu: CPUStats(time: time, usageCoreNanoSeconds: 10_000_000_000),
                         memory: MemoryStats(time: time, workingSetBytes: 12_926_976)),
                PodStats(podRef: PodReference(name: "pod_a", namespace: "namespace_a", uid: "1"), startTime: time,
                         containers: [container("container_a", startOffset: -30, swap: true), container("container_b", startOffset: -120)]),
            ])
        let expected = """
            # HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds
            # TYPE container_cpu_usage_seconds_total counter
            container_cpu_usage_seconds_total{container="container_a",namespace="namespace_a",pod="pod_a"} 10 1624396278302
            container_cpu_usage_seconds_total{container="container_a",namespace="namespace_b",pod="pod_b"} 10 1624396278302
            container_cpu_usage_seconds_total{container="container_b",namespace="namespace_a",pod="pod_a"} 10 1624396278302
            # HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes
            # TYPE container_memory_working_set_bytes gauge
            container_memory_working_set_bytes{container="container_a",namespace="namespace_a",pod="pod_a"} 1000 1624396278302
            container_memory_working_set_bytes{container="container_a",namespace="namespace_b",pod="pod_b"} 1000 1624396278302
            container_memory_working_set_bytes{container="container_b",namespace="namespace_a",pod="pod_a"} 1000 1624396278302
            # HELP container_start_time_seconds [STABLE] Start time of the container since unix epoch in seconds
            # TYPE container_start_time_seconds gauge
            container_start_time_seconds{container="container_a",namespace="namespace_a",pod="pod_a"} 1.6243962483020916e+09
            container_start_time_seconds{container="container_a",namespace="namespace_b",pod="pod_b"} 1.6243956783020916e+09
            container_start_time_seconds{container="container_b",namespace="namespace_a",pod="pod_a"} 1.6243961583020916e+09
            # HELP container_swap_limit_bytes [ALPHA] Current amount of the container swap limit in bytes. Reported only on non-windows systems
            # TYPE container_swap_limit_bytes gauge
            container_swap_limit_bytes{container="container_a",namespace="namespace_a",pod="pod_a"} 10000 1624396278302
            # HELP container_swap_usage_bytes [ALPHA] Current amount of the container swap usage in bytes. Reported only on non-windows systems
            # TYPE container_swap_usage_bytes gauge
            container_swap_usage_bytes{container="container_a",namespace="namespace_a",pod="pod_a"} 1000 1624396278302
            # HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds
            # TYPE node_cpu_usage_seconds_total counter
            node_cpu_usage_seconds_total 10 1624396278302
            # HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes
            # TYPE node_memory_working_set_bytes gauge
            node_memory_working_set_bytes 1000 1624396278302
            # HELP pod_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the pod in core-seconds
            # TYPE pod_cpu_usage_seconds_total counter
            pod_cpu_usage_seconds_total{namespace="namespace_b",pod="pod_b"} 10 1624396278302
            # HELP pod_memory_working_set_bytes [STABLE] Current working set of the pod in bytes
            # TYPE pod_memory_working_set_bytes gauge
            pod_memory_working_set_bytes{namespace="namespace_b",pod="pod_b"} 1.2926976e+07 1624396278302
            # HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise
            # TYPE resource_scrape_error gauge
            resource_scrape_error 0
            # HELP scrape_error [ALPHA] (Deprecated since 1.29.0) 1 if there was an error while getting container metrics, 0 otherwise
            # TYPE scrape_error gauge
            scrape_error 0

            """
        #expect(ResourceMetrics.render(summary) == expected)
    }

    @Test("label values are escaped as the Prometheus text format requires")
    func escaping() {
        let time = StatsTime(t0)
        let summary = Summary(
            node: NodeStats(nodeName: "n", startTime: time),
            pods: [PodStats(podRef: PodReference(name: "a\"b\\c\nd", namespace: "ns", uid: "u"), startTime: time,
                            cpu: CPUStats(time: time, usageCoreNanoSeconds: 1_500_000_000))])
        #expect(ResourceMetrics.render(summary).contains(#"pod_cpu_usage_seconds_total{namespace="ns",pod="a\"b\\c\nd"} 1.5 1624396278302"#))
    }
}
