import CSystemd
import Glibc

/// The fields of one journal entry, packed in a single buffer for `sd_journal_sendv`.
///
/// Each field is `NAME=value` with the value's bytes as they are: journald's native protocol
/// carries newlines and binary data, so nothing is escaped.
package struct JournalEntry: Sendable {
    /// Every field's bytes, back to back.
    package private(set) var bytes: [UInt8] = []
    /// Where each field ends in ``bytes``; field `i` starts where field `i - 1` ends.
    package private(set) var ends: [Int] = []

    /// An empty entry with room for `capacity` bytes and `fieldCapacity` fields before it grows.
    package init(capacity: Int = 512, fieldCapacity: Int = 16) {
        bytes.reserveCapacity(capacity)
        ends.reserveCapacity(fieldCapacity)
    }

    /// The number of fields added so far.
    package var count: Int { ends.count }

    /// Adds `name=value`. `name` must already be a valid journal field name.
    package mutating func append(name: String, value: String) {
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: "="))
        bytes.append(contentsOf: value.utf8)
        ends.append(bytes.count)
    }

    /// Adds `name=` followed by whatever `writeValue` appends.
    package mutating func append(name: String, writeValue: (inout [UInt8]) -> Void) {
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: "="))
        writeValue(&bytes)
        ends.append(bytes.count)
    }

    /// The fields as (name, value bytes) pairs, in the order they were added.
    package var fields: [(name: String, value: [UInt8])] {
        var result: [(name: String, value: [UInt8])] = []
        var start = 0
        for end in ends {
            let field = bytes[start..<end]
            let equals = field.firstIndex(of: UInt8(ascii: "=")) ?? end
            let valueStart = min(equals + 1, end)
            result.append((String(decoding: bytes[start..<equals], as: UTF8.self), Array(bytes[valueStart..<end])))
            start = end
        }
        return result
    }

    /// Sends the entry to the journal with `sd_journal_sendv`.
    ///
    /// - Returns: 0 or a negative errno. libsystemd reports success when no journald listens at all.
    @discardableResult
    package func send() -> Int32 {
        guard !ends.isEmpty else { return -EINVAL }
        return bytes.withUnsafeBytes { raw -> Int32 in
            guard let base = raw.baseAddress else { return -EINVAL }
            return withUnsafeTemporaryAllocation(of: iovec.self, capacity: ends.count) { vectors -> Int32 in
                var start = 0
                for (index, end) in ends.enumerated() {
                    vectors[index] = iovec(iov_base: UnsafeMutableRawPointer(mutating: base + start), iov_len: end - start)
                    start = end
                }
                return sd_journal_sendv(vectors.baseAddress, Int32(ends.count))
            }
        }
    }
}
