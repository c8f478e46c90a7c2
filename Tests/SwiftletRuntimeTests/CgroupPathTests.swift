import Foundation
import Testing

@testable import SwiftletRuntime

private typealias DeviceRule = CgroupResources.DeviceRule
private typealias HugepageLimit = CgroupResources.HugepageLimit

@Suite("cgroup paths, conversions and detection")
struct CgroupPathTests {
    @Test(
        "pod and container cgroups follow kubelet's cgroupfs layout",
        arguments: [
            (CgroupPath.QoS.guaranteed, "/kubepods/podabc-123", "/kubepods/podabc-123/ctr1"),
            (CgroupPath.QoS.burstable, "/kubepods/burstable/podabc-123", "/kubepods/burstable/podabc-123/ctr1"),
            (CgroupPath.QoS.bestEffort, "/kubepods/besteffort/podabc-123", "/kubepods/besteffort/podabc-123/ctr1"),
        ])
    func kubernetesLayout(qos: CgroupPath.QoS, pod: String, container: String) throws {
        #expect(try CgroupPath.pod(uid: "abc-123", qos: qos) == pod)
        #expect(try CgroupPath.container(podUID: "abc-123", qos: qos, containerID: "ctr1") == container)
    }

    @Test("pod UIDs and container IDs must be single directory names")
    func layoutRejectsTraversal() {
        #expect(throws: CgroupError.self) { try CgroupPath.pod(uid: "../etc", qos: .burstable) }
        #expect(throws: CgroupError.self) { try CgroupPath.container(podUID: "u", qos: .guaranteed, containerID: "") }
        #expect(throws: CgroupError.self) { try CgroupPath.container(podUID: "u", qos: .guaranteed, containerID: "..") }
    }

    @Test(
        "clean collapses dots and slashes and never climbs above the start",
        arguments: [
            ("/a//b/./c/", "/a/b/c"), ("/../../x", "/x"), ("a/../../b", "b"), ("/", "/"), ("./x/y/..", "x"),
        ])
    func clean(input: String, expected: String) {
        #expect(CgroupPath.clean(input) == expected)
    }

    @Test("OCI cgroupsPath: absolute and relative paths are cleaned, empty means the container ID")
    func ociPaths() throws {
        #expect(try CgroupPath.fromOCI(cgroupsPath: "/kubepods/burstable/pod1/c1", containerID: "c1") == "/kubepods/burstable/pod1/c1")
        #expect(try CgroupPath.fromOCI(cgroupsPath: "/a/../../b", containerID: "c1") == "/b")
        #expect(try CgroupPath.fromOCI(cgroupsPath: "mygroup/c1", containerID: "c1") == "mygroup/c1")
        #expect(try CgroupPath.fromOCI(cgroupsPath: nil, containerID: "c1") == "c1")
        #expect(try CgroupPath.fromOCI(cgroupsPath: "", containerID: "c1") == "c1")
        #expect(throws: CgroupError.self) { try CgroupPath.fromOCI(cgroupsPath: "/..", containerID: "c1") }
    }

    @Test("the systemd slice:prefix:name form is rejected with a message pointing at the cgroupfs form")
    func systemdPathRejected() {
        let error = #expect(throws: CgroupError.self) {
            try CgroupPath.fromOCI(cgroupsPath: "system.slice:docker:abc", containerID: "abc")
        }
        #expect(error?.code == .unsupported)
        #expect(error?.message.contains("systemd cgroup driver") == true)
        #expect(error?.message.contains("/kubepods/") == true)
    }

    @Test("/proc/self/cgroup parsing splits co-mounted controllers and finds the unified path")
    func procCgroup() {
        let parsed = CgroupPath.parseProcCgroup("12:pids:/a\n3:cpu,cpuacct:/b\n1:name=systemd:/s\n0::/u/v\n")
        #expect(parsed.v1["pids"] == "/a")
        #expect(parsed.v1["cpu"] == "/b")
        #expect(parsed.v1["cpuacct"] == "/b")
        #expect(parsed.unified == "/u/v")
    }

    @Test(
        "cpu shares convert to cpu.weight with runc's formula",
        arguments: [(UInt64(2), UInt64(1)), (1024, 39), (512, 20), (262_144, 10_000), (1, 1), (1_000_000, 10_000)])
    func cpuWeight(shares: UInt64, weight: UInt64) {
        #expect(CgroupConversions.cpuWeight(fromShares: shares) == weight)
    }

    @Test(
        "blkio weight converts to io.weight with runc's formula",
        arguments: [(UInt16(10), UInt64(1)), (500, 4950), (1000, 10_000), (100, 910)])
    func ioWeight(blkio: UInt16, weight: UInt64) {
        #expect(CgroupConversions.ioWeight(fromBlkioWeight: blkio) == weight)
    }

    @Test("memory.swap.max is memorySwap minus memoryLimit, with -1 meaning max")
    func swapMax() throws {
        #expect(try CgroupConversions.swapMax(memorySwap: 300, memoryLimit: 100) == 200)
        #expect(try CgroupConversions.swapMax(memorySwap: 100, memoryLimit: 100) == 0)
        #expect(try CgroupConversions.swapMax(memorySwap: -1, memoryLimit: 100) == -1)
        #expect(try CgroupConversions.swapMax(memorySwap: nil, memoryLimit: -1) == -1)
        #expect(try CgroupConversions.swapMax(memorySwap: nil, memoryLimit: 100) == nil)
        #expect(throws: CgroupError.self) { try CgroupConversions.swapMax(memorySwap: 300, memoryLimit: nil) }
        #expect(throws: CgroupError.self) { try CgroupConversions.swapMax(memorySwap: 50, memoryLimit: 100) }
    }

    @Test("invalid resource values are refused with the field named")
    func validation() {
        let cases: [(CgroupResources, String)] = [
            (CgroupResources(memoryLimit: -2), "memoryLimit"),
            (CgroupResources(cpuQuota: -7), "cpuQuota"),
            (CgroupResources(blockIOWeight: 5), "blockIOWeight"),
            (CgroupResources(devices: [DeviceRule(allow: true, type: .char, major: 1, minor: 3, access: "rx")]), "access"),
            (CgroupResources(hugepageLimits: [HugepageLimit(pageSize: "2MB/../x", limit: 1)]), "pageSize"),
            (CgroupResources(unified: ["../memory.max": "1"]), "unified key"),
        ]
        for (resources, field) in cases {
            let error = #expect(throws: CgroupError.self) { try resources.validate() }
            #expect(error?.message.contains(field) == true, "\(field)")
        }
    }

    @Test("detect picks v2 only when the root's cgroup.controllers has memory, cpu or pids")
    func detectFake() throws {
        let v2 = try FakeCgroupTree()
        defer { v2.remove() }
        try v2.file("cgroup.controllers", "cpuset cpu io memory pids\n")
        #expect(Cgroups.detect(root: v2.root).version == .v2)

        let hybrid = try FakeCgroupTree()
        defer { hybrid.remove() }
        try hybrid.file("memory/cgroup.procs", "")
        try hybrid.file("unified/cgroup.controllers", "hugetlb\n")
        #expect(Cgroups.detect(root: hybrid.root).version == .v1)

        let emptyV2 = try FakeCgroupTree()
        defer { emptyV2.remove() }
        try emptyV2.file("cgroup.controllers", "hugetlb\n")
        #expect(Cgroups.detect(root: emptyV2.root).version == .v1)
    }

    @Test("detect on this host agrees with /proc/self/mounts (v1 on the hybrid build hosts, v2 in the cgroup2 guest)")
    func detectHost() throws {
        let mounts = String(decoding: try #require(FileHandle(forReadingAtPath: "/proc/self/mounts")).readDataToEndOfFile(), as: UTF8.self)
        let rootIsCgroup2 = mounts.split(separator: "\n").contains { $0.hasPrefix("cgroup2 /sys/fs/cgroup ") }
        let driver = Cgroups.detect()
        #expect(driver.version == (rootIsCgroup2 ? .v2 : .v1))
        if CgroupTestHost.hasV1Hierarchies {
            #expect(driver.version == .v1)
            let v1 = try #require(driver as? CgroupV1Driver)
            #expect(v1.mounts["cpu"] == "/sys/fs/cgroup/cpu")
            #expect(v1.mounts["cpuacct"] == "/sys/fs/cgroup/cpuacct")
            #expect(v1.mounts["memory"] == "/sys/fs/cgroup/memory")
        }
        if CgroupTestHost.hasFullCgroup2 {
            let v2 = try #require(driver as? CgroupV2Driver)
            #expect(v2.root == "/sys/fs/cgroup")
        }
    }
}
