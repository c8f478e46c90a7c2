/// Conversions from the cgroup-v1-shaped OCI values to cgroup v2 files, with the same
/// formulas as runc and crun so a container gets the same weights under any of them.
public enum CgroupConversions {
    /// v1 `cpu.shares` (2...262144, default 1024) to v2 `cpu.weight` (1...10000, default ~39):
    /// `1 + ((shares - 2) * 9999) / 262142`, with shares clamped into range first.
    public static func cpuWeight(fromShares shares: UInt64) -> UInt64 {
        let clamped = min(max(shares, 2), 262_144)
        return 1 + ((clamped - 2) * 9999) / 262_142
    }

    /// v1 `blkio.weight` (10...1000) to v2 `io.weight` (1...10000): `1 + (weight - 10) * 9999 / 990`.
    public static func ioWeight(fromBlkioWeight weight: UInt16) -> UInt64 {
        let clamped = UInt64(min(max(weight, 10), 1000))
        return 1 + (clamped - 10) * 9999 / 990
    }

    /// The v2 `memory.swap.max` value for an OCI memory/swap pair, where OCI's swap is memory plus swap.
    ///
    /// - Returns: nil to leave `memory.swap.max` alone, -1 for `max`, else the swap-only byte count.
    /// - Throws: `CgroupError.Code.invalidArgument` when a swap limit has no memory limit or is below it.
    public static func swapMax(memorySwap: Int64?, memoryLimit: Int64?) throws -> Int64? {
        guard let swap = memorySwap else {
            // An unlimited memory with unspecified swap means unlimited swap too, like runc.
            return memoryLimit == -1 ? -1 : nil
        }
        if swap == -1 {
            return -1
        }
        guard let memory = memoryLimit, memory > 0 else {
            throw CgroupError(
                .invalidArgument,
                "memorySwap \(swap) needs a memoryLimit: on cgroup v2 the swap limit is memorySwap minus memoryLimit"
            )
        }
        if swap < memory {
            throw CgroupError(.invalidArgument, "memorySwap \(swap) is below memoryLimit \(memory): it must be >= memoryLimit")
        }
        return swap - memory
    }

    /// `max` for -1, else the decimal number (v2 `.max`/`.low` files).
    static func v2Limit(_ value: Int64) -> String {
        value == -1 ? "max" : String(value)
    }
}
