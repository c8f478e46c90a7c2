import Foundation

/// The node memory figures of `/proc/meminfo`, in bytes.
public struct MemInfo: Sendable, Equatable {
    /// `MemTotal`: the node's memory capacity.
    public var memTotalBytes: UInt64
    /// `MemFree`.
    public var memFreeBytes: UInt64
    /// `MemAvailable`; nil on kernels without it.
    public var memAvailableBytes: UInt64?
    /// `Inactive(file)`.
    public var inactiveFileBytes: UInt64
    /// `AnonPages`.
    public var anonBytes: UInt64
    /// `SwapTotal`; 0 when the node has no swap.
    public var swapTotalBytes: UInt64
    /// `SwapFree`.
    public var swapFreeBytes: UInt64

    /// Creates figures.
    public init(memTotalBytes: UInt64, memFreeBytes: UInt64, memAvailableBytes: UInt64? = nil, inactiveFileBytes: UInt64 = 0,
                anonBytes: UInt64 = 0, swapTotalBytes: UInt64 = 0, swapFreeBytes: UInt64 = 0) {
        self.memTotalBytes = memTotalBytes
        self.memFreeBytes = memFreeBytes
        self.memAvailableBytes = memAvailableBytes
        self.inactiveFileBytes = inactiveFileBytes
        self.anonBytes = anonBytes
        self.swapTotalBytes = swapTotalBytes
        self.swapFreeBytes = swapFreeBytes
    }

    private static let keys: [[UInt8]] = ["MemTotal", "MemFree", "MemAvailable", "Inactive(file)", "AnonPages", "SwapTotal", "SwapFree"]
        .map { Array($0.utf8) }

    /// Parses `/proc/meminfo` text (values in kB); nil when `MemTotal` or `MemFree` is missing.
    public static func parse(_ text: String) -> MemInfo? {
        KernelText.withBytes(text) { parse(bytes: $0) }
    }

    static func parse(bytes: UnsafeRawBufferPointer) -> MemInfo? {
        let v = KernelText.keyedValues(bytes, keys: keys).map { $0.map { $0 &* 1024 } }
        guard let total = v[0], let free = v[1] else { return nil }
        return MemInfo(memTotalBytes: total, memFreeBytes: free, memAvailableBytes: v[2], inactiveFileBytes: v[3] ?? 0,
                       anonBytes: v[4] ?? 0, swapTotalBytes: v[5] ?? 0, swapFreeBytes: v[6] ?? 0)
    }

    /// Reads `<procRoot>/meminfo`.
    ///
    /// - Throws: `StatsError` when the file cannot be read or lacks `MemTotal`/`MemFree`.
    public static func read(procRoot: String = "/proc") throws -> MemInfo {
        try read(procRoot: procRoot, reader: KernelFileReader())
    }

    static func read(procRoot: String, reader: KernelFileReader) throws -> MemInfo {
        let path = procRoot + "/meminfo"
        guard let info = try reader.withContents(of: path, { parse(bytes: $0) }) else {
            throw StatsError(.malformed, "\(path): no MemTotal or MemFree line", path: path)
        }
        return info
    }
}
