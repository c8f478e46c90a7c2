import Foundation
import Synchronization
import Testing

@testable import SwiftletRuntime

#if canImport(Glibc)
import Glibc
#endif

// Shared fixtures for the cgroup suites (the file name keeps to the Cgroup*Tests.swift pattern).

/// Collects every write a driver makes, in order.
final class CgroupWriteLog: Sendable {
    private let entries = Mutex<[(path: String, value: String)]>([])

    var observer: CgroupWriteObserver {
        { path, value in self.entries.withLock { $0.append((path, value)) } }
    }

    /// The writes, with `root` stripped from the paths.
    func writes(relativeTo root: String) -> [String] {
        entries.withLock { list in
            list.map { entry in
                let path = entry.path.hasPrefix(root) ? String(entry.path.dropFirst(root.count)) : entry.path
                return "\(path)=\(entry.value)"
            }
        }
    }

    func clear() {
        entries.withLock { $0.removeAll() }
    }
}

/// A temporary directory standing in for /sys/fs/cgroup, made of regular files.
struct FakeCgroupTree {
    let root: String
    let log = CgroupWriteLog()

    init() throws {
        let base = FileManager.default.temporaryDirectory.path + "/swiftlet-cgfake-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        root = base
    }

    var fs: CgroupFS { CgroupFS(simulated: true, writeObserver: log.observer) }

    /// Writes `content` to `root/relative`, creating directories.
    func file(_ relative: String, _ content: String) throws {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try content.write(toFile: path, atomically: false, encoding: .utf8)
    }

    func read(_ relative: String) throws -> String {
        try String(contentsOfFile: root + "/" + relative, encoding: .utf8)
    }

    func exists(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: root + "/" + relative)
    }

    func writes() -> [String] { log.writes(relativeTo: root) }

    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// A `/bin/sh` child that blocks on stdin until `release()`, so the test can put it in a cgroup
/// before its workload (and everything it forks) starts.
final class GatedShell {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let errors = Pipe()

    init(_ script: String) throws {
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "read _gate; " + script]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    func release() {
        input.fileHandleForWriting.write(Data("go\n".utf8))
    }

    /// Waits up to `seconds` for the shell to exit.
    @discardableResult
    func wait(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline {
            usleep(10_000)
        }
        return !process.isRunning
    }

    /// True when the shell died from SIGKILL.
    var wasKilled: Bool {
        !process.isRunning && process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
    }

    /// Everything written to stdout; only call once every writer (children too) is gone.
    func stdout() -> String {
        String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    /// Everything written to stderr; only call once every writer (children too) is gone.
    func stderr() -> String {
        String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    /// Kills the shell if it still runs and reaps it.
    func stop() {
        if process.isRunning {
            kill(pid, SIGKILL)
        }
        process.waitUntilExit()
    }
}

enum CgroupTestHost {
    static var isRoot: Bool { getuid() == 0 }

    /// The cgroup root every host suite works under.
    static let root = "/sys/fs/cgroup"

    /// Set by the cgroup-v2 guest's runner (scripts/cgroup2-vm); there the full-v2 suite must run, never skip.
    static var inCgroup2VM: Bool { ProcessInfo.processInfo.environment["SWIFTLET_IN_CGROUP2_VM"] == "1" }

    /// The layout `Cgroups.detect()` picks for this host; the host suites run only on the matching one.
    static var detectedVersion: CgroupVersion { Cgroups.detect().version }

    /// The hierarchy roots of this host are cgroup v1 (memory, cpu, cpuacct, … mounted separately).
    static var hasV1Hierarchies: Bool {
        detectedVersion == .v1
            && FileManager.default.fileExists(atPath: root + "/memory/memory.limit_in_bytes")
            && FileManager.default.fileExists(atPath: root + "/cpu/cpu.cfs_quota_us")
    }

    /// `/sys/fs/cgroup` is a cgroup2 mount whose root offers memory, cpu and pids (a "pure" v2 host,
    /// such as the scripts/cgroup2-vm guest).
    static var hasFullCgroup2: Bool {
        let mounts = (FileHandle(forReadingAtPath: "/proc/self/mounts").map { String(decoding: $0.readDataToEndOfFile(), as: UTF8.self) }) ?? ""
        // The last mount on the path is the visible one.
        var rootType = ""
        for line in mounts.split(separator: "\n") {
            let fields: [Substring] = line.split(separator: " ")
            if fields.count > 2 && fields[1] == root {
                rootType = String(fields[2])
            }
        }
        return rootType == "cgroup2" && controllers(root).isSuperset(of: ["memory", "cpu", "pids"])
    }

    /// The controllers listed in `dir/cgroup.controllers` (empty when unreadable).
    static func controllers(_ dir: String) -> Set<String> {
        words(dir + "/cgroup.controllers")
    }

    /// The whitespace-separated words of a cgroup file (empty when unreadable).
    static func words(_ path: String) -> Set<String> {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return Set(text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
    }

    /// Why the v1 host suite does not run here.
    static var v1SkipReason: Comment {
        if !isRoot {
            return "needs root"
        }
        return Comment(
            rawValue: "needs cgroup v1 hierarchies at /sys/fs/cgroup/{memory,cpu}; Cgroups.detect() found \(detectedVersion.rawValue) here")
    }

    /// The hybrid layout's cgroup2 mount, which has freeze/kill but no memory/cpu/pids controllers.
    static let unifiedMount = "/sys/fs/cgroup/unified"

    static var hasHybridUnified: Bool {
        detectedVersion == .v1 && FileManager.default.fileExists(atPath: unifiedMount + "/cgroup.controllers")
    }

    /// Why the hybrid-unified suite does not run here.
    static var hybridSkipReason: Comment {
        if !isRoot {
            return "needs root"
        }
        return Comment(
            rawValue: "needs the hybrid layout's cgroup2 mount at \(unifiedMount) on a cgroup v1 host; Cgroups.detect() found \(detectedVersion.rawValue) here")
    }

    /// Why the full-v2 suite does not run here.
    static var fullV2SkipReason: Comment {
        if !isRoot {
            return "needs root"
        }
        return Comment(
            rawValue: "needs /sys/fs/cgroup to be cgroup2 with memory, cpu and pids (Cgroups.detect() found \(detectedVersion.rawValue) here); "
                + "`make test-cgroup2` runs this suite in a cgroup-v2 guest")
    }

    /// A unique top-level cgroup name for one test.
    static func uniqueName(_ test: String) -> String {
        "swiftlet-test-\(test)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Waits up to `seconds` for `condition`.
    static func eventually(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() {
                return true
            }
            usleep(20_000)
        }
        return try condition()
    }
}
