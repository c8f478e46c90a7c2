import Foundation

/// The probe scheduler's queue (and the prober event loop's timers): a binary min-heap of due
/// times. Entries are never removed from the middle; the manager skips those that no longer
/// match their worker (removed, rescheduled or replaced) when they come due, at most one period
/// later, so the heap stays about as large as the number of probes and every operation O(log n).
struct ProbeSchedule<Due: Comparable & Sendable, Key: Sendable>: Sendable {
    struct Entry: Sendable {
        var due: Due
        /// Breaks ties in insertion order, so equal due times run first come, first served.
        var sequence: UInt64
        var key: Key
        /// The worker incarnation the entry was made for (0 where unused).
        var epoch: UInt64

        func precedes(_ other: Entry) -> Bool {
            due != other.due ? due < other.due : sequence < other.sequence
        }
    }

    private var entries: [Entry] = []
    private var nextSequence: UInt64 = 0

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }
    /// The earliest entry.
    var first: Entry? { entries.first }

    mutating func push(due: Due, key: Key, epoch: UInt64 = 0) {
        entries.append(Entry(due: due, sequence: nextSequence, key: key, epoch: epoch))
        nextSequence &+= 1
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].precedes(entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest entry.
    mutating func pop() -> Entry? {
        guard !entries.isEmpty else { return nil }
        entries.swapAt(0, entries.count - 1)
        let top = entries.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < entries.count, entries[left].precedes(entries[smallest]) { smallest = left }
            if right < entries.count, entries[right].precedes(entries[smallest]) { smallest = right }
            guard smallest != parent else { break }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}
