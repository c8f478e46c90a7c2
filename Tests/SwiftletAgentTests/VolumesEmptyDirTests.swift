import Foundation
import SwiftletAPI
import Testing
@testable import SwiftletAgent

private func q(_ s: String) -> Quantity { try! Quantity(parsing: s) }

@Suite("Volume emptyDir", .enabled(if: volumeTestsRunAsRoot, "tmpfs mounts need root"))
struct VolumeEmptyDirTests {
    let field = FieldPath("spec").child("volumes").index(0)

    @Test("an on-disk emptyDir is <podDir>/volumes/kubernetes.io~empty-dir/<name> with mode 0777, removed by tearDown")
    func disk() throws {
        let dir = try VolumeTestDir("ed-disk")
        defer { dir.remove() }
        let volume = try EmptyDirVolume(podDirectory: dir.sub("pod"), name: "cache", source: EmptyDirVolumeSource(), field: field)
        #expect(volume.path == dir.sub("pod/volumes/kubernetes.io~empty-dir/cache"))
        #expect(volume.medium == .disk)
        try volume.setUp(tmpfsSizeBytes: 0)
        #expect(fileMode(volume.path) == 0o777)
        #expect(dir.mounts.isEmpty)
        try dir.write("pod/volumes/kubernetes.io~empty-dir/cache/data", "x")
        try volume.setUp(tmpfsSizeBytes: 0)  // idempotent: keeps the data
        #expect(readText(volume.path + "/data") == "x")
        try volume.tearDown()
        #expect(!FileManager.default.fileExists(atPath: volume.path))
        try volume.tearDown()
    }

    @Test("medium Memory mounts a tmpfs of sizeLimit bytes, once; tearDown unmounts and removes it")
    func memory() throws {
        let dir = try VolumeTestDir("ed-mem")
        defer { dir.remove() }
        let source = EmptyDirVolumeSource(medium: "Memory", sizeLimit: q("1Mi"))
        let volume = try EmptyDirVolume(podDirectory: dir.sub("pod"), name: "scratch", source: source, field: field)
        let pod = makePod(containers: [Container(name: "app")])
        let size = EmptyDirVolume.memorySize(sizeLimit: source.sizeLimit, pod: pod, nodeAllocatableMemory: 1 << 30)
        #expect(size == 1 << 20)
        try volume.setUp(tmpfsSizeBytes: size)
        try volume.setUp(tmpfsSizeBytes: size)
        let mounts = dir.mounts
        #expect(mounts.count == 1)
        let mount = try #require(mounts.first)
        #expect(mount.mountPoint == VolumeSys.realPath(volume.path))
        #expect(mount.fsType == "tmpfs")
        var fs = statvfs()
        #expect(statvfs(volume.path, &fs) == 0)
        #expect(Int64(fs.f_blocks) * Int64(fs.f_frsize) == 1 << 20)
        // tmpfs roots are 1777; kubelet compares only the permission bits, so the sticky bit stays.
        #expect(fileMode(volume.path) == 0o1777)
        try volume.tearDown()
        #expect(dir.mounts.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: volume.path))
    }

    @Test("HugePages and unknown media are refused naming the field")
    func badMedium() throws {
        let huge = try #require(throws: VolumeError.self) {
            _ = try EmptyDirVolume(podDirectory: "/nonexistent", name: "h", source: EmptyDirVolumeSource(medium: "HugePages-2Mi"), field: field)
        }
        #expect(huge.message.hasPrefix("spec.volumes[0].emptyDir.medium: "))
        #expect(huge.isNotSupported)
        let odd = try #require(throws: VolumeError.self) {
            _ = try EmptyDirVolume(podDirectory: "/nonexistent", name: "h", source: EmptyDirVolumeSource(medium: "Disk"), field: field)
        }
        #expect(odd.message == "spec.volumes[0].emptyDir.medium: Unsupported value: \"Disk\": supported values: \"\", \"Memory\"")
    }
}

@Suite("Volume emptyDir memory size")
struct VolumeEmptyDirSizeTests {
    private func container(_ name: String, memory: String?, restartPolicy: String? = nil) -> Container {
        Container(name: name, resources: memory.map { ResourceRequirements(limits: ["memory": q($0)]) }, restartPolicy: restartPolicy)
    }

    @Test("the tmpfs size is node allocatable, lowered to the pod limit when every container has one, then to sizeLimit")
    func sizes() {
        let node: Int64 = 8 << 30
        let unlimited = makePod(containers: [container("a", memory: "1Gi"), container("b", memory: nil)])
        #expect(EmptyDirVolume.memorySize(sizeLimit: nil, pod: unlimited, nodeAllocatableMemory: node) == node)
        #expect(EmptyDirVolume.memorySize(sizeLimit: q("64Mi"), pod: unlimited, nodeAllocatableMemory: node) == 64 << 20)
        #expect(EmptyDirVolume.memorySize(sizeLimit: q("16Gi"), pod: unlimited, nodeAllocatableMemory: node) == node)

        let limited = makePod(containers: [container("a", memory: "1Gi"), container("b", memory: "512Mi")])
        #expect(EmptyDirVolume.memorySize(sizeLimit: nil, pod: limited, nodeAllocatableMemory: node) == 1536 << 20)
        #expect(EmptyDirVolume.memorySize(sizeLimit: q("2Gi"), pod: limited, nodeAllocatableMemory: node) == 1536 << 20)
        #expect(EmptyDirVolume.memorySize(sizeLimit: q("100Mi"), pod: limited, nodeAllocatableMemory: node) == 100 << 20)

        // An init container bigger than the app containers sets the pod limit; sidecars add up.
        let withInit = makePod(containers: [container("a", memory: "256Mi")],
                               initContainers: [container("setup", memory: "2Gi"), container("side", memory: "128Mi", restartPolicy: "Always")])
        #expect(EmptyDirVolume.memorySize(sizeLimit: nil, pod: withInit, nodeAllocatableMemory: node) == 2 << 30)
        let sidecarFirst = makePod(containers: [container("a", memory: "256Mi")],
                                   initContainers: [container("side", memory: "128Mi", restartPolicy: "Always"), container("setup", memory: "2Gi")])
        #expect(EmptyDirVolume.memorySize(sizeLimit: nil, pod: sidecarFirst, nodeAllocatableMemory: node) == (2 << 30) + (128 << 20))
        // A pod limit above the node's allocatable does not raise the size.
        #expect(EmptyDirVolume.memorySize(sizeLimit: nil, pod: limited, nodeAllocatableMemory: 1 << 30) == 1 << 30)
    }

    @Test("the host's allocatable memory is MemTotal")
    func hostMemory() throws {
        let text = try String(contentsOfFile: "/proc/meminfo", encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("MemTotal:") })
        let kib = try #require(Int64(line.split(separator: " ")[1]))
        #expect(NodeAllocatable.host().memory.value == kib * 1024)
        #expect(NodeAllocatable.host().cpu.value >= 1)
    }
}
