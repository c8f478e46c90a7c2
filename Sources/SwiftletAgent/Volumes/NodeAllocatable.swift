import Foundation
import SwiftletAPI

/// The node's allocatable resources, which downward API `resourceFieldRef`s report for a
/// container without a limit and which bound a memory-backed emptyDir without a smaller limit.
public struct NodeAllocatable: Sendable, Hashable {
    /// Allocatable CPU (cores).
    public var cpu: Quantity
    /// Allocatable memory (bytes).
    public var memory: Quantity
    /// Allocatable ephemeral storage (bytes).
    public var ephemeralStorage: Quantity

    /// Allocatable resources as given.
    public init(cpu: Quantity, memory: Quantity, ephemeralStorage: Quantity) {
        self.cpu = cpu
        self.memory = memory
        self.ephemeralStorage = ephemeralStorage
    }

    /// The host's capacity with nothing reserved: online CPUs, `MemTotal` from `/proc/meminfo`, and
    /// the size of the filesystem holding `rootDirectory`.
    public static func host(rootDirectory: String = "/") -> NodeAllocatable {
        let cpus = Int64(max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let memory = VolumeSys.hostMemTotal() ?? 0
        var fs = statvfs()
        let storage: Int64 = statvfs(rootDirectory, &fs) == 0 ? Int64(fs.f_blocks) * Int64(fs.f_frsize) : 0
        return NodeAllocatable(
            cpu: Quantity(value: cpus, format: .decimalSI),
            memory: Quantity(value: memory, format: .binarySI),
            ephemeralStorage: Quantity(value: storage, format: .binarySI))
    }
}
