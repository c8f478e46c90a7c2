import Foundation
import SwiftletAPI
import Testing
@testable import SwiftletAgent

private func q(_ text: String) -> Quantity { try! Quantity(parsing: text) }

@Suite("node status")
struct NodeStatusTests {
    let gib: Int64 = 1 << 30

    func resources(cpus: Int64 = 4, memory: Int64 = 8 << 30, storage: Int64? = 100 << 30, hugePages: [Int64: Int64] = [:]) -> NodeResources {
        NodeResources(cpus: cpus, memoryBytes: memory, ephemeralStorageBytes: storage, hugePages: hugePages)
    }

    @Test("capacity lists cpu, memory, pods, ephemeral-storage and huge pages in kubelet's formats")
    func capacity() {
        let cap = NodeCapacity.capacity(resources(hugePages: [2 << 20: 512, 1 << 30: 0]), maxPods: 110)
        #expect(cap.mapValues(\.description) == [
            "cpu": "4", "memory": "8Gi", "pods": "110", "ephemeral-storage": "100Gi", "hugepages-2Mi": "1Gi", "hugepages-1Gi": "0",
        ])
    }

    @Test("allocatable is capacity minus system and kube reservations and the hard eviction thresholds")
    func allocatableArithmetic() {
        var config = KubeletConfiguration()
        config.systemReserved = ["cpu": q("500m"), "memory": q("500Mi"), "pid": q("1000")]
        config.kubeReserved = ["memory": q("200Mi"), "ephemeral-storage": q("1Gi")]
        config.evictionHard = ["memory.available": "100Mi", "nodefs.available": "10%", "imagefs.available": "15%", "nodefs.inodesFree": "5%"]
        let cap = NodeCapacity.capacity(resources(), maxPods: 110)
        let alloc = NodeCapacity.allocatable(capacity: cap, configuration: config)
        #expect(alloc["cpu"] == q("3500m"))
        #expect(alloc["memory"] == q("7392Mi"), "8Gi − 500Mi − 200Mi − 100Mi")
        // 10% in single precision, as kubelet parses it: 100Gi × float32(0.1) = 10737418400 bytes.
        #expect(alloc["ephemeral-storage"] == Quantity(value: 100 * gib - gib - 10_737_418_400, format: .binarySI))
        #expect(alloc["pods"] == q("110"))
        #expect(alloc["pid"] == nil, "only capacity resources are allocatable")
        #expect(alloc["memory"]?.description == "7392Mi")
    }

    @Test("allocatable never goes negative, ignores 0% thresholds and takes huge pages out of memory")
    func allocatableEdges() {
        let cap = NodeCapacity.capacity(resources(memory: 4 << 30, hugePages: [2 << 20: 512]), maxPods: 10)
        let tooMuch = NodeCapacity.allocatable(capacity: cap, reservation: NodeCapacity.reservation(
            capacity: cap, systemReserved: ["memory": q("3Gi")], kubeReserved: ["memory": q("3Gi"), "cpu": q("8")], evictionHard: [:]))
        #expect(tooMuch["memory"] == q("0") && tooMuch["cpu"] == q("0"))
        #expect(tooMuch["memory"]!.sign == 0)
        let hugeOnly = NodeCapacity.allocatable(capacity: cap, reservation: NodeCapacity.reservation(
            capacity: cap, systemReserved: [:], kubeReserved: [:], evictionHard: ["memory.available": "0%", "nodefs.available": "100%"]))
        #expect(hugeOnly["memory"] == q("3Gi"), "4Gi minus 1Gi of 2Mi pages")
        #expect(hugeOnly["hugepages-2Mi"] == q("1Gi"))
        #expect(hugeOnly["ephemeral-storage"] == q("100Gi"))
    }

    @Test("conditions start with kubelet's no-pressure reasons, keep transition times, and flip with events")
    func conditionTransitions() throws {
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        let t1 = t0.addingTimeInterval(10)
        let t2 = t0.addingTimeInterval(20)
        let first = NodeConditions.update(previous: [], pressure: NodePressure(), notReadyReasons: [], now: t0)
        #expect(first.conditions.map(\.type) == ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"])
        #expect(first.conditions.map(\.status) == ["False", "False", "False", "True"])
        #expect(first.conditions.map { $0.reason ?? "" } == ["KubeletHasSufficientMemory", "KubeletHasNoDiskPressure", "KubeletHasSufficientPID", "KubeletReady"])
        #expect(first.conditions.map { $0.message ?? "" } == [
            "kubelet has sufficient memory available", "kubelet has no disk pressure", "kubelet has sufficient PID available",
            "kubelet is posting ready status",
        ])
        #expect(first.conditions.allSatisfy { $0.lastTransitionTime == Time(t0) && $0.lastHeartbeatTime == Time(t0) })
        #expect(first.events == ["NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID"])

        let second = NodeConditions.update(previous: first.conditions, pressure: NodePressure(memory: true, pid: true),
                                           notReadyReasons: [], now: t1)
        let memory = try #require(second.conditions.first { $0.type == "MemoryPressure" })
        #expect(memory.status == "True" && memory.reason == "KubeletHasInsufficientMemory")
        #expect(memory.message == "kubelet has insufficient memory available")
        #expect(memory.lastTransitionTime == Time(t1) && memory.lastHeartbeatTime == Time(t1))
        let disk = try #require(second.conditions.first { $0.type == "DiskPressure" })
        #expect(disk.lastTransitionTime == Time(t0) && disk.lastHeartbeatTime == Time(t1))
        let pid = try #require(second.conditions.first { $0.type == "PIDPressure" })
        #expect(pid.reason == "KubeletHasInsufficientPID" && pid.message == "kubelet has insufficient PID available")
        #expect(second.events == ["NodeHasInsufficientMemory", "NodeHasInsufficientPID"])

        let third = NodeConditions.update(previous: second.conditions, pressure: NodePressure(disk: true),
                                          notReadyReasons: ["container runtime is down", "network plugin not ready"], now: t2)
        #expect(third.conditions.map(\.status) == ["False", "True", "False", "False"])
        let ready = try #require(third.conditions.last)
        #expect(ready.reason == "KubeletNotReady" && ready.message == "[container runtime is down, network plugin not ready]")
        #expect(ready.lastTransitionTime == Time(t2))
        #expect(third.conditions[1].reason == "KubeletHasDiskPressure" && third.conditions[1].message == "kubelet has disk pressure")
        #expect(third.events == ["NodeHasSufficientMemory", "NodeHasDiskPressure", "NodeHasSufficientPID", "NodeNotReady"])

        let fourth = NodeConditions.update(previous: third.conditions, pressure: NodePressure(disk: true), notReadyReasons: [],
                                           now: t2.addingTimeInterval(10))
        #expect(fourth.events == ["NodeReady"])
        #expect(fourth.conditions[1].lastTransitionTime == Time(t2), "still under disk pressure: no transition")
    }

    @Test("nodeInfo comes from the identity files, os-release's PRETTY_NAME and the Go architecture name")
    func nodeInfoFromFixtures() throws {
        let root = NSTemporaryDirectory() + "swiftlet-nodeinfo-\(UUID().uuidString.prefix(12))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        func write(_ path: String, _ text: String) throws {
            try FileManager.default.createDirectory(atPath: root + (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: root + path, atomically: false, encoding: .utf8)
        }
        try write("/etc/machine-id", "3d1219c7c4c5404aaa1f6d2a48adfda4\n")
        try write("/proc/sys/kernel/random/boot_id", "719ee037-30e4-4b7a-ba71-74d2c8862e36\n")
        try write("/sys/class/dmi/id/product_uuid", "EC2A1B2C-0000-1111-2222-333344445555\n")
        try write("/proc/sys/kernel/osrelease", "6.1.0-18-amd64\n")
        try write("/etc/os-release", "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n")
        let identity = NodeIdentity.read(hostRoot: root)
        #expect(identity == NodeIdentity(machineID: "3d1219c7c4c5404aaa1f6d2a48adfda4", systemUUID: "EC2A1B2C-0000-1111-2222-333344445555",
                                         bootID: "719ee037-30e4-4b7a-ba71-74d2c8862e36", kernelVersion: "6.1.0-18-amd64",
                                         osImage: "Debian GNU/Linux 12 (bookworm)"))

        let builder = NodeStatusBuilder(configuration: KubeletConfiguration(), nodeName: "node-a", nodeIPs: ["10.0.0.5", "fd00::5"],
                                        version: "0.1.0", rootDirectory: root, hostname: "host-a", identity: identity,
                                        resources: resources())
        let status = builder.build(previous: nil, pressure: NodePressure(), now: Date(timeIntervalSince1970: 1_700_000_000)).status
        let info = try #require(status.nodeInfo)
        #expect(info.machineID == identity.machineID && info.bootID == identity.bootID && info.systemUUID == identity.systemUUID)
        #expect(info.kernelVersion == "6.1.0-18-amd64" && info.osImage == "Debian GNU/Linux 12 (bookworm)")
        #expect(info.containerRuntimeVersion == "swiftlet://0.1.0" && info.kubeletVersion == "0.1.0" && info.kubeProxyVersion == "")
        #expect(info.operatingSystem == "linux")
        #if arch(x86_64)
        #expect(info.architecture == "amd64")
        #elseif arch(arm64)
        #expect(info.architecture == "arm64")
        #endif
        #expect(status.addresses == [NodeAddress(type: "InternalIP", address: "10.0.0.5"), NodeAddress(type: "InternalIP", address: "fd00::5"),
                                     NodeAddress(type: "Hostname", address: "host-a")])
        #expect(status.daemonEndpoints?.kubeletEndpoint?.port == 10250)
        #expect(status.capacity?["pods"] == q("110"))
        #expect(status.allocatable?["memory"] == q("8092Mi"), "8Gi minus the default 100Mi memory.available")
        #expect(status.conditions?.last?.status == "True")

        // Missing files leave fields empty; the OS image falls back to Linux.
        let bare = NodeIdentity.read(hostRoot: root + "/nonexistent")
        #expect(bare.machineID == "" && bare.systemUUID == "" && bare.osImage == "Linux")
    }

    @Test("os-release values lose their shell quoting")
    func osReleaseQuoting() {
        let values = NodeIdentity.osRelease("""
            # comment
            PRETTY_NAME="Ubuntu 24.04 LTS"
            NAME='Fedora Linux'
            VERSION=40\\ (Workstation)
            QUOTED="say \\"hi\\""
            BROKEN

            """)
        #expect(values["PRETTY_NAME"] == "Ubuntu 24.04 LTS")
        #expect(values["NAME"] == "Fedora Linux")
        #expect(values["VERSION"] == "40 (Workstation)")
        #expect(values["QUOTED"] == "say \"hi\"")
        #expect(values["BROKEN"] == nil)
    }

    @Test("a node whose root filesystem cannot be measured is not Ready, with kubelet's message; times carry over")
    func missingCapacityNotReady() throws {
        let identity = NodeIdentity(machineID: "m", systemUUID: "", bootID: "b", kernelVersion: "k", osImage: "o")
        let builder = NodeStatusBuilder(configuration: KubeletConfiguration(), nodeName: "n", nodeIPs: ["192.0.2.1"], version: "0.1.0",
                                        rootDirectory: "/", hostname: "n", identity: identity, resources: resources(storage: nil))
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        let first = builder.build(previous: nil, pressure: NodePressure(), now: t0)
        let ready = try #require(first.status.conditions?.last)
        #expect(ready.status == "False" && ready.reason == "KubeletNotReady")
        #expect(ready.message == "missing node capacity for resources: ephemeral-storage")
        let second = builder.build(previous: first.status, pressure: NodePressure(), now: t0.addingTimeInterval(10))
        #expect(second.status.conditions?.last?.lastTransitionTime == Time(t0))
        #expect(second.status.conditions?.last?.lastHeartbeatTime == Time(t0.addingTimeInterval(10)))
        #expect(second.events.isEmpty)
    }
}
