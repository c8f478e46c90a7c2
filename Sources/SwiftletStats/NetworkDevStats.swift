/// Counters of one network interface, from a `/proc/<pid>/net/dev` line.
public struct InterfaceCounters: Sendable, Equatable {
    /// Interface name (`eth0`).
    public var name: String
    /// Bytes received.
    public var rxBytes: UInt64
    /// Packets received.
    public var rxPackets: UInt64
    /// Receive errors.
    public var rxErrors: UInt64
    /// Received packets dropped.
    public var rxDropped: UInt64
    /// Bytes transmitted.
    public var txBytes: UInt64
    /// Packets transmitted.
    public var txPackets: UInt64
    /// Transmit errors.
    public var txErrors: UInt64
    /// Transmitted packets dropped.
    public var txDropped: UInt64

    /// Creates counters.
    public init(name: String, rxBytes: UInt64 = 0, rxPackets: UInt64 = 0, rxErrors: UInt64 = 0, rxDropped: UInt64 = 0,
                txBytes: UInt64 = 0, txPackets: UInt64 = 0, txErrors: UInt64 = 0, txDropped: UInt64 = 0) {
        self.name = name
        self.rxBytes = rxBytes
        self.rxPackets = rxPackets
        self.rxErrors = rxErrors
        self.rxDropped = rxDropped
        self.txBytes = txBytes
        self.txPackets = txPackets
        self.txErrors = txErrors
        self.txDropped = txDropped
    }
}

/// Parses `/proc/<pid>/net/dev`, which lists the interfaces of the network namespace that `<pid>`
/// is in: reading it for a process inside a pod gives the pod's interfaces without entering the
/// namespace.
public enum NetworkDevStats {
    /// The interfaces in `text`, in file order, without those `skip` rejects.
    public static func parse(_ text: String, skip: (String) -> Bool = { $0 == "lo" }) -> [InterfaceCounters] {
        KernelText.withBytes(text) { parse(bytes: $0, skip: skip) }
    }

    static func parse(bytes: UnsafeRawBufferPointer, skip: (String) -> Bool) -> [InterfaceCounters] {
        var result: [InterfaceCounters] = []
        var i = 0
        let n = bytes.count
        while i < n {
            let lineStart = i
            while i < n, bytes[i] != KernelText.newline { i += 1 }
            let lineEnd = i
            i += 1
            // "  eth0: 123 4 0 0 0 0 0 0 567 8 0 0 0 0 0 0"; the two header lines have no colon before a number.
            var c = lineStart
            while c < lineEnd, bytes[c] != KernelText.colon { c += 1 }
            guard c < lineEnd else { continue }
            var nameStart = lineStart
            while nameStart < c, bytes[nameStart] == KernelText.space { nameStart += 1 }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[nameStart..<c]), as: UTF8.self)
            if name.isEmpty || name.contains("|") || skip(name) { continue }
            var fields: [UInt64] = []
            fields.reserveCapacity(16)
            var j = c + 1
            while j < lineEnd, fields.count < 16 {
                while j < lineEnd, bytes[j] == KernelText.space { j += 1 }
                guard let v = KernelText.number(bytes, from: &j) else { break }
                fields.append(v)
            }
            guard fields.count >= 12 else { continue }
            result.append(InterfaceCounters(
                name: name, rxBytes: fields[0], rxPackets: fields[1], rxErrors: fields[2], rxDropped: fields[3],
                txBytes: fields[8], txPackets: fields[9], txErrors: fields[10], txDropped: fields[11]))
        }
        return result
    }
}
