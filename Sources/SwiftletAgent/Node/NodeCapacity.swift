import SwiftletAPI

/// The node's `capacity` and `allocatable`, computed as kubelet computes them
/// (`nodestatus.MachineInfo` and the container manager's `GetNodeAllocatableReservation`).
public enum NodeCapacity {
    /// `capacity`: `cpu` (online CPUs), `memory` (`MemTotal`), `pods` (`maxPods`),
    /// `ephemeral-storage` (size of the root directory's filesystem) and one `hugepages-<size>`
    /// entry per huge page size.
    public static func capacity(_ resources: NodeResources, maxPods: Int32) -> [String: Quantity] {
        var result: [String: Quantity] = [
            "cpu": Quantity(milliValue: resources.cpus * 1000, format: .decimalSI),
            "memory": Quantity(value: resources.memoryBytes, format: .binarySI),
            "pods": Quantity(value: Int64(maxPods), format: .decimalSI),
        ]
        if let storage = resources.ephemeralStorageBytes {
            result["ephemeral-storage"] = Quantity(value: storage, format: .binarySI)
        }
        for (size, count) in resources.hugePages {
            let name = "hugepages-" + Quantity(value: size, format: .binarySI).description
            result[name] = Quantity(value: size * count, format: .binarySI)
        }
        return result
    }

    /// What `systemReserved`, `kubeReserved` and the hard eviction thresholds hold back from each
    /// capacity resource. `memory.available` reserves memory and `nodefs.available` reserves
    /// ephemeral storage; a percentage is of that resource's capacity, computed in single precision
    /// as kubelet parses it. `0%`/`100%` and unparsable thresholds reserve nothing.
    public static func reservation(capacity: [String: Quantity], systemReserved: [String: Quantity],
                                   kubeReserved: [String: Quantity], evictionHard: [String: String]) -> [String: Quantity] {
        var eviction: [String: Quantity] = [:]
        let signals: [(EvictionSignal, String)] = [(.memoryAvailable, "memory"), (.nodeFsAvailable, "ephemeral-storage")]
        for (signal, resource) in signals {
            guard let text = evictionHard[signal.rawValue], let threshold = try? EvictionThresholdValue(parsing: text),
                  !threshold.isDisabled else { continue }
            switch threshold {
            case .quantity(let q):
                eviction[resource] = q
            case .percentage(let percent):
                let fraction = Float(percent) / 100
                let base = capacity[resource]?.value ?? 0
                eviction[resource] = Quantity(value: Int64(Double(base) * Double(fraction)), format: .binarySI)
            }
        }
        var result: [String: Quantity] = [:]
        for name in capacity.keys {
            var total = Quantity(value: 0, format: .decimalSI)
            for source in [systemReserved, kubeReserved, eviction] {
                if let q = source[name] { total.add(q) }
            }
            if !total.isZero { result[name] = total }
        }
        return result
    }

    /// `allocatable` = capacity − reservation per resource, never below zero; pre-allocated huge
    /// pages are also taken out of allocatable memory.
    public static func allocatable(capacity: [String: Quantity], reservation: [String: Quantity]) -> [String: Quantity] {
        var result: [String: Quantity] = [:]
        for (name, cap) in capacity {
            var value = cap
            if let reserved = reservation[name] { value.subtract(reserved) }
            if value.sign < 0 { value = Quantity(value: 0, format: cap.format) }
            result[name] = value
        }
        for (name, pages) in capacity where name.hasPrefix("hugepages-") {
            guard var memory = result["memory"] else { continue }
            memory.subtract(pages)
            if memory.sign < 0 { memory = Quantity(value: 0, format: memory.format) }
            result["memory"] = memory
        }
        return result
    }

    /// `allocatable` for `configuration`'s reservations and hard eviction thresholds.
    public static func allocatable(capacity: [String: Quantity], configuration: KubeletConfiguration) -> [String: Quantity] {
        allocatable(capacity: capacity, reservation: reservation(
            capacity: capacity, systemReserved: configuration.systemReserved, kubeReserved: configuration.kubeReserved,
            evictionHard: configuration.evictionHard))
    }
}
