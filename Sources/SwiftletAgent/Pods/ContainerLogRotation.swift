import CZlib
import Foundation
import Glibc
import Logging

/// kubelet's container log rotation: when a running container's log reaches
/// `containerLogMaxSize`, it is renamed to `<log>.<UTC timestamp>`, the monitor reopens a fresh
/// `<log>`, and the oldest rotated files are removed so that at most `containerLogMaxFiles`
/// files (the live one included) remain. Rotated files other than the newest are gzipped to
/// `<log>.<timestamp>.gz`, as kubelet does; the newest stays plain, since a writer that was
/// slow to reopen may still append to it.
public enum ContainerLogRotation {
    /// Rotates `logPath` when it is at least `maxSize` bytes.
    /// - Parameters:
    ///   - reopen: makes the writer reopen `logPath` (the runtime's `reopenLog`).
    ///   - now: names the rotated file.
    /// - Returns: whether a rotation happened.
    @discardableResult
    public static func rotateIfNeeded(logPath: String, maxSize: Int64, maxFiles: Int, now: Date = Date(),
                                      reopen: () throws -> Void) throws -> Bool {
        var st = stat()
        guard maxSize > 0, stat(logPath, &st) == 0, Int64(st.st_size) >= maxSize else { return false }
        let rotated = logPath + "." + timestamp(now)
        guard rename(logPath, rotated) == 0 else {
            throw AgentError.filesystem("\(logPath): cannot rotate: \(String(cString: strerror(errno)))")
        }
        do {
            try reopen()
        } catch {
            // Put it back: a monitor that cannot reopen keeps writing to the renamed file.
            _ = rename(rotated, logPath)
            throw error
        }
        prune(logPath: logPath, maxFiles: maxFiles)
        compressOlder(logPath: logPath)
        return true
    }

    /// Gzips every rotated file of `logPath` but the newest. A failure leaves that file plain
    /// (and removes a partial `.gz`), so no line is lost.
    static func compressOlder(logPath: String) {
        for file in rotatedFiles(of: logPath).dropLast() where !file.hasSuffix(".gz") {
            do {
                try gzip(file, to: file + ".gz")
                unlink(file)
            } catch {
                Logger(label: "swiftlet.logs").warning("cannot compress rotated log", metadata: ["file": "\(file)", "error": "\(error)"])
            }
        }
    }

    /// Writes `source` gzipped to `destination` through a temp file and a rename.
    static func gzip(_ source: String, to destination: String) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw AgentError.filesystem("\(source): \(String(cString: strerror(errno)))") }
        defer { close(input) }
        let temp = destination + ".tmp"
        guard let gz = gzopen(temp, "wb") else { throw AgentError.filesystem("\(temp): cannot create") }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var failure: String?
        while failure == nil {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { failure = "read \(source): \(String(cString: strerror(errno)))"; break }
            if n == 0 { break }
            let written = buffer.withUnsafeBytes { gzwrite(gz, $0.baseAddress, UInt32(n)) }
            if written != Int32(n) { failure = "write \(temp) failed" }
        }
        if gzclose(gz) != Z_OK && failure == nil { failure = "close \(temp) failed" }
        if let failure {
            unlink(temp)
            throw AgentError.filesystem(failure)
        }
        guard rename(temp, destination) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(temp)
            throw AgentError.filesystem("rename \(temp): \(message)")
        }
    }

    /// The rotated files of `logPath`, oldest first.
    public static func rotatedFiles(of logPath: String) -> [String] {
        let dir = (logPath as NSString).deletingLastPathComponent
        let base = (logPath as NSString).lastPathComponent + "."
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { $0.hasPrefix(base) && !$0.hasSuffix(".tmp") }
            .sorted()
            .map { dir + "/" + $0 }
    }

    static func prune(logPath: String, maxFiles: Int) {
        let rotated = rotatedFiles(of: logPath)
        let keep = max(1, maxFiles - 1)
        for file in rotated.dropLast(keep) { unlink(file) }
    }

    /// `20260127-130501.123456`: sortable, like kubelet's `20060102-150405.000000`.
    static func timestamp(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&t, &parts)
        let micros = Int((date.timeIntervalSince1970 - Double(t)) * 1_000_000)
        return String(format: "%04d%02d%02d-%02d%02d%02d.%06d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, micros)
    }
}
