import Foundation
import SwiftletAPI
import SwiftletRuntimeInit

#if canImport(Glibc)
import Glibc
#endif

/// Streams a CRI container log file (`<RFC3339Nano> <stream> <P|F> <content>` per record) as kubelet's
/// `ReadLogs` does for `/containerLogs`: stdout and stderr interleaved, `tailLines`, `sinceSeconds`/
/// `sinceTime`, `timestamps` (nine fraction digits, UTC) and `limitBytes` (the last line may be cut).
///
/// Partial (`P`) records are joined into whole lines as `kubectl logs` shows them; a line counts once
/// for `tailLines` and carries its first record's time. It works on bytes, so a UTF-8 character split
/// across two records stays intact. With `follow`, it keeps reading as the file grows, follows it
/// through rotation (the live file renamed to `<file>.<time>` and a new one created at the path),
/// and ends once the container no longer runs and the log is drained, or when the client leaves.
struct ContainerLogStreamer: Sendable {
    /// Where the formatted output goes.
    struct Output: Sendable {
        /// Sends bytes to the client; throws when it is gone.
        var write: @Sendable ([UInt8]) async throws -> Void
        /// Whether the client is still connected (checked while waiting for new lines).
        var isOpen: @Sendable () -> Bool
    }

    let path: String
    let options: ContainerLogOptions
    /// Lines older than this (nanoseconds since the epoch) are skipped.
    let sinceNanos: Int64?
    let pollInterval: Duration
    let isRunning: @Sendable () async -> Bool

    /// Reads and sends the log. Returns when done (or the client left).
    /// - Throws: ``AgentError`` when the file cannot be opened or read; `CancellationError` when cancelled.
    func run(to output: Output) async throws {
        var file = try LogFile(path: path)
        defer { file.close() }
        var state = FormatState(options: options, sinceNanos: sinceNanos)
        if let tail = options.tailLines {
            file.seek(to: try file.tailStart(lines: tail))
            // kubelet stops after the tail when not following.
            if !options.follow { state.limitLines(tail) }
        }
        var carry: [UInt8] = []
        var containerStopped = false
        var rotationSeen = false
        while !state.done {
            try Task.checkCancellation()
            let chunk = try file.read()
            if !chunk.isEmpty {
                var out: [UInt8] = []
                carry.append(contentsOf: chunk)
                consumeLines(&carry, into: &out, state: &state)
                if !out.isEmpty { try await output.write(out) }
                continue
            }
            // End of the file as it is now.
            guard options.follow else { break }
            if file.replacedAtPath() {
                if !rotationSeen {
                    // Read the old file to its end once more: the runtime may have written to it
                    // between our last read and reopening the path.
                    rotationSeen = true
                    continue
                }
                if let next = try? LogFile(path: path) {
                    // The runtime writes whole records and no longer writes to the old file.
                    file.close()
                    file = next
                    carry.removeAll()
                    rotationSeen = false
                    continue
                }
            }
            if containerStopped { break }
            if !(await isRunning()) {
                // Read once more: lines written just before the container stopped are still sent.
                containerStopped = true
                continue
            }
            guard output.isOpen() else { return }
            try await Task.sleep(for: pollInterval)
            guard output.isOpen() else { return }
        }
        var out: [UInt8] = []
        // A last record without its newline is still shown, as kubelet does.
        if !carry.isEmpty, let record = CRIRecord(carry[...]) { state.add(record, into: &out) }
        // A line whose last part never came (the container stopped mid-line) is still shown, unterminated.
        state.flushPending(into: &out)
        if !out.isEmpty { try await output.write(out) }
    }

    /// Takes the complete records at the front of `buffer`, leaving an unterminated one there.
    private func consumeLines(_ buffer: inout [UInt8], into out: inout [UInt8], state: inout FormatState) {
        var start = 0
        while !state.done, let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
            if let record = CRIRecord(buffer[start..<newline]) { state.add(record, into: &out) }
            start = newline + 1
        }
        if state.done { buffer.removeAll() } else { buffer.removeFirst(start) }
    }
}

/// Joins partial records and applies `since`, `timestamps`, `tailLines` (when not following) and `limitBytes`.
private struct FormatState {
    let timestamps: Bool
    let sinceNanos: Int64?
    var remainingBytes: Int64
    private var remainingLines: Int64?
    var pending: [CRIRecord.Stream: (nanos: Int64, content: [UInt8])] = [:]
    var done = false

    init(options: ContainerLogOptions, sinceNanos: Int64?) {
        timestamps = options.timestamps
        self.sinceNanos = sinceNanos
        remainingBytes = options.limitBytes ?? Int64.max
        if remainingBytes <= 0 { done = true }
    }

    /// Stops after `lines` more whole lines.
    mutating func limitLines(_ lines: Int64) {
        remainingLines = lines
        if lines <= 0 { done = true }
    }

    mutating func add(_ record: CRIRecord, into out: inout [UInt8]) {
        if record.partial {
            if pending[record.stream] == nil {
                pending[record.stream] = (record.unixNanos, Array(record.content))
            } else {
                pending[record.stream]!.content.append(contentsOf: record.content)
            }
            return
        }
        var nanos = record.unixNanos
        var content = Array(record.content)
        if let head = pending.removeValue(forKey: record.stream) {
            nanos = head.nanos
            content = head.content + content
        }
        emit(nanos: nanos, content: content, terminated: true, into: &out)
        if let n = remainingLines {
            remainingLines = n - 1
            if n - 1 <= 0 { done = true }
        }
    }

    mutating func flushPending(into out: inout [UInt8]) {
        guard !done else { return }
        for (_, line) in pending.sorted(by: { $0.value.nanos < $1.value.nanos }) {
            emit(nanos: line.nanos, content: line.content, terminated: false, into: &out)
        }
        pending.removeAll()
    }

    private mutating func emit(nanos: Int64, content: [UInt8], terminated: Bool, into out: inout [UInt8]) {
        guard !done else { return }
        if let since = sinceNanos, nanos < since { return }
        var line: [UInt8] = []
        line.reserveCapacity(content.count + 32)
        if timestamps {
            CRILog.appendTimestamp(unixNanos: nanos, fixedWidth: true, to: &line)
            line.append(UInt8(ascii: " "))
        }
        line.append(contentsOf: content)
        if terminated { line.append(UInt8(ascii: "\n")) }
        if Int64(line.count) >= remainingBytes {
            out.append(contentsOf: line.prefix(Int(remainingBytes)))
            remainingBytes = 0
            done = true
            return
        }
        remainingBytes -= Int64(line.count)
        out.append(contentsOf: line)
    }
}

/// An open log file and its read position.
private struct LogFile {
    let path: String
    private(set) var fd: Int32
    private var inode: ino_t
    private var device: dev_t
    private var offset: Int64 = 0

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AgentError.filesystem("open(\(path)): \(String(cString: strerror(errno)))") }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let message = String(cString: strerror(errno))
            Glibc.close(fd)
            throw AgentError.filesystem("fstat(\(path)): \(message)")
        }
        inode = st.st_ino
        device = st.st_dev
    }

    mutating func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    mutating func seek(to position: Int64) {
        offset = position
    }

    /// Up to 64 KiB from the read position (empty at the end), advancing it.
    mutating func read() throws -> [UInt8] {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw AgentError.filesystem("fstat(\(path)): \(String(cString: strerror(errno)))") }
        // A log truncated in place (copytruncate) is read again from its start.
        if Int64(st.st_size) < offset { offset = 0 }
        let available = Int64(st.st_size) - offset
        guard available > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: Int(min(available, 64 * 1024)))
        while true {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw AgentError.filesystem("read(\(path)): \(String(cString: strerror(errno)))")
            }
            offset += Int64(n)
            buffer.removeSubrange(n...)
            return buffer
        }
    }

    /// Whether another file now sits at the path: the open one was rotated away (renamed, or removed
    /// and created anew). False while nothing is at the path yet.
    func replacedAtPath() -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        return st.st_ino != inode || st.st_dev != device
    }

    /// The offset where the last `lines` whole lines start: just after the newline of the
    /// `lines + 1`-th full (`F`) record counted from the end, or the file's start.
    func tailStart(lines: Int64) throws -> Int64 {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw AgentError.filesystem("fstat(\(path)): \(String(cString: strerror(errno)))") }
        let size = Int64(st.st_size)
        var fullSeen: Int64 = 0
        var lineEnd: Int64?  // offset of the newline ending the line being scanned backwards
        var blockEnd = size
        let blockSize: Int64 = 64 * 1024
        var block = [UInt8](repeating: 0, count: Int(blockSize))
        while blockEnd > 0 {
            let blockStart = max(0, blockEnd - blockSize)
            let count = Int(blockEnd - blockStart)
            let n = block.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(blockStart)) }
            guard n == count else { throw AgentError.filesystem("read(\(path)): short read while seeking the tail") }
            var i = count - 1
            while i >= 0 {
                if block[i] == UInt8(ascii: "\n") {
                    let newline = blockStart + Int64(i)
                    if let end = lineEnd, try isFullRecord(start: newline + 1, end: end) {
                        fullSeen += 1
                        if fullSeen == lines + 1 { return end + 1 }
                    }
                    lineEnd = newline
                }
                i -= 1
            }
            blockEnd = blockStart
        }
        if let end = lineEnd, try isFullRecord(start: 0, end: end), fullSeen + 1 == lines + 1 { return end + 1 }
        return 0
    }

    /// Whether the record in `start..<end` is tagged `F` (read from its first bytes).
    private func isFullRecord(start: Int64, end: Int64) throws -> Bool {
        let count = Int(min(end - start, 96))
        guard count > 0 else { return false }
        var head = [UInt8](repeating: 0, count: count)
        let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(start)) }
        guard n == count else { return false }
        let fields = head.split(separator: UInt8(ascii: " "), maxSplits: 3, omittingEmptySubsequences: false)
        guard fields.count >= 3, let tag = fields[2].first else { return false }
        return tag == UInt8(ascii: "F")
    }
}
