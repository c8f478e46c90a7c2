import Foundation
import SwiftletStats

/// What the node has to offer, as `capacity` reports it.
public struct NodeResources: Sendable, Equatable {
    /// Online CPUs.
    public var cpus: Int64
    /// `MemTotal` of `/proc/meminfo`, in bytes.
    public var memoryBytes: Int64
    /// Size of the filesystem holding the root directory, in bytes; nil when it cannot be read.
    public var ephemeralStorageBytes: Int64?
    /// Pre-allocated huge pages: page size in bytes → number of pages.
    public var hugePages: [Int64: Int64]

    /// Creates resources.
    public init(cpus: Int64, memoryBytes: Int64, ephemeralStorageBytes: Int64?, hugePages: [Int64: Int64] = [:]) {
        self.cpus = cpus
        self.memoryBytes = memoryBytes
        self.ephemeralStorageBytes = ephemeralStorageBytes
        self.hugePages = hugePages
    }

    /// Reads the host: online CPUs, `MemTotal`, `statvfs` of `rootDirectory`, and
    /// `/sys/kernel/mm/hugepages/hugepages-<size>kB/nr_hugepages`.
    public static func read(rootDirectory: String, hostRoot: String = "") -> NodeResources {
        let cpus = Int64(max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let memory = (try? MemInfo.read(procRoot: hostRoot + "/proc")).map { Int64(clamping: $0.memTotalBytes) } ?? 0
        let storage = (try? FilesystemInfo.of(path: rootDirectory)).map { Int64(clamping: $0.capacityBytes) }
        var hugePages: [Int64: Int64] = [:]
        let dir = hostRoot + "/sys/kernel/mm/hugepages"
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
            guard entry.hasPrefix("hugepages-"), entry.hasSuffix("kB"),
                  let kib = Int64(entry.dropFirst("hugepages-".count).dropLast(2)) else { continue }
            let count = (try? String(contentsOfFile: dir + "/" + entry + "/nr_hugepages", encoding: .utf8))
                .flatMap { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
            hugePages[kib * 1024] = count
        }
        return NodeResources(cpus: cpus, memoryBytes: memory, ephemeralStorageBytes: storage, hugePages: hugePages)
    }
}
