import Foundation
import Testing

/// A config.json being edited: the `runc spec` output as a JSON dictionary, with dotted-path
/// access (`config["process.args"]`) for the fields the tests change.
struct OCIConfig {
    var json: [String: Any]

    /// The value at a dotted path of object keys (`linux.resources.pids`); nil when absent.
    subscript(_ path: String) -> Any? {
        get {
            var current: Any? = json
            for key in path.split(separator: ".") {
                current = (current as? [String: Any])?[String(key)]
            }
            return current
        }
        set {
            Self.set(&json, path.split(separator: ".").map(String.init)[...], newValue)
        }
    }

    private static func set(_ dict: inout [String: Any], _ keys: ArraySlice<String>, _ value: Any?) {
        guard let first = keys.first else { return }
        if keys.count == 1 {
            dict[first] = value
            return
        }
        var child = dict[first] as? [String: Any] ?? [:]
        set(&child, keys.dropFirst(), value)
        dict[first] = child
    }

    /// `process.args`.
    var args: [String] {
        get { self["process.args"] as? [String] ?? [] }
        set { self["process.args"] = newValue }
    }

    /// `linux.namespaces`, as `[{"type": …, "path": …}]`.
    var namespaces: [[String: Any]] {
        get { self["linux.namespaces"] as? [[String: Any]] ?? [] }
        set { self["linux.namespaces"] = newValue }
    }

    /// `mounts`.
    var mounts: [[String: Any]] {
        get { json["mounts"] as? [[String: Any]] ?? [] }
        set { json["mounts"] = newValue }
    }

    /// Sets `root.readonly`.
    mutating func readonlyRoot(_ readonly: Bool) { self["root.readonly"] = readonly }

    /// Sets the same capability list in all five sets.
    mutating func capabilities(_ names: [String]) {
        for set in ["bounding", "effective", "inheritable", "permitted", "ambient"] {
            self["process.capabilities.\(set)"] = names
        }
    }

    /// Drops the namespace of `type` (e.g. "pid").
    mutating func removeNamespace(_ type: String) {
        namespaces = namespaces.filter { $0["type"] as? String != type }
    }

    /// Adds a tmpfs mount at `destination`.
    mutating func addTmpfs(_ destination: String) {
        mounts.append(["destination": destination, "type": "tmpfs", "source": "tmpfs",
                       "options": ["nosuid", "nodev", "size=4m"]])
    }
}

/// One CRI log record: `<timestamp> <stream> <P|F> <content>`.
struct CRIRecord {
    var timestamp: String
    var stream: String
    var tag: String
    var content: String

    /// Parses a CRI log file's lines; a malformed line becomes a record with an empty stream.
    static func parse(_ text: String) -> [CRIRecord] {
        text.split(separator: "\n", omittingEmptySubsequences: true).map { line in
            let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 3 else { return CRIRecord(timestamp: "", stream: "", tag: "", content: String(line)) }
            return CRIRecord(timestamp: parts[0], stream: parts[1], tag: parts[2], content: parts.count > 3 ? parts[3] : "")
        }
    }
}

/// One test's private world for `swiftlet runtime`: its own temp dir, `--root`, bundles and
/// container IDs. ``cleanup()`` force-deletes every container it made, then checks that no
/// state dir, cgroup, mount or process of them is left, and removes the temp dir.
final class RuntimeSandbox {
    /// The temp dir holding the state root, bundles, logs and CLI output files.
    let base: String
    /// The `--root` of every command.
    let root: String
    private let tag: String
    private(set) var ids: [String] = []
    /// cgroup paths (as in `linux.cgroupsPath`) that must be gone after cleanup.
    private(set) var cgroupPaths: [String] = []
    private var counter = 0

    init(_ name: String) throws {
        let dir = try TempDir("swiftlet-rt-\(name)")
        base = (dir.path as NSString).standardizingPath
        root = base + "/state"
        tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
    }

    /// A fresh container ID, unique across concurrent tests; its default cgroup is tracked.
    func newID(_ label: String) -> String {
        let id = "e2e-\(label)-\(tag)-\(ids.count)"
        ids.append(id)
        cgroupPaths.append("/swiftlet/\(id)")
        return id
    }

    /// Tracks a custom `linux.cgroupsPath` so cleanup checks it is gone.
    func trackCgroup(_ path: String) { cgroupPaths.append(path) }

    /// A new bundle dir: a busybox rootfs (Debian's busybox-static, applets installed as
    /// symlinks) and the config.json from `runc spec`, with `terminal` false, then `edit`.
    /// - Parameter owner: chown the whole rootfs to this host uid/gid (for user namespaces).
    /// - Returns: the bundle's absolute path.
    func bundle(_ label: String, owner: (uid: uid_t, gid: gid_t)? = nil, _ edit: (inout OCIConfig) throws -> Void) throws -> String {
        counter += 1
        let bundle = "\(base)/bundle-\(label)-\(counter)"
        let rootfs = bundle + "/rootfs"
        let fm = FileManager.default
        for dir in ["bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "tmp", "etc", "mnt"] {
            try fm.createDirectory(atPath: rootfs + "/" + dir, withIntermediateDirectories: true)
        }
        chmod(rootfs + "/tmp", 0o1777)
        try fm.copyItem(atPath: "/bin/busybox", toPath: rootfs + "/bin/busybox")
        try "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"
            .write(toFile: rootfs + "/etc/passwd", atomically: true, encoding: .utf8)
        try "root:x:0:\nnogroup:x:65534:\n".write(toFile: rootfs + "/etc/group", atomically: true, encoding: .utf8)
        let install = try runProcess("/usr/sbin/chroot", [rootfs, "/bin/busybox", "--install", "-s"])
        guard install.status == 0 else { throw SandboxError("busybox --install in \(rootfs): \(install.stderr)") }
        let spec = try runProcess("/usr/sbin/runc", ["spec", "--bundle", bundle])
        guard spec.status == 0 else { throw SandboxError("runc spec --bundle \(bundle): \(spec.stderr)") }

        let path = bundle + "/config.json"
        guard let data = fm.contents(atPath: path),
              let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SandboxError("\(path): not a JSON object")
        }
        var config = OCIConfig(json: json)
        config["process.terminal"] = false
        try edit(&config)
        try JSONSerialization.data(withJSONObject: config.json, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: path))

        if let owner {
            lchown(rootfs, owner.uid, owner.gid)
            let walker = fm.enumerator(atPath: rootfs)
            while let relative = walker?.nextObject() as? String {
                lchown(rootfs + "/" + relative, owner.uid, owner.gid)
            }
        }
        return bundle
    }

    /// Rewrites a bundle's config.json with raw bytes (for malformed configs).
    func overwriteConfig(_ bundle: String, _ text: String) throws {
        try text.write(toFile: bundle + "/config.json", atomically: true, encoding: .utf8)
    }

    /// Makes `base` and every bundle traversable by other users (a user namespace's root).
    func openPermissions() {
        chmod(base, 0o755)
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [] {
            chmod(base + "/" + entry, 0o755)
        }
    }

    // MARK: running the CLI

    /// `swiftlet runtime --root ROOT ARGS…` (the global flag first, as with runc), with stdin from /dev/null and
    /// stdout/stderr to files, so a container that inherits them cannot keep a pipe open.
    /// A command still running after `timeout` s is killed and recorded as an issue.
    func cli(_ arguments: [String], timeout: TimeInterval = 30) throws -> Swiftlet.Output {
        let (process, outPath, errPath) = try launch(arguments)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                Issue.record("swiftlet runtime \(arguments.joined(separator: " ")) timed out after \(timeout) s")
                break
            }
            usleep(5_000)
        }
        process.waitUntilExit()
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return Swiftlet.Output(status: process.terminationStatus, stdout: out, stderr: err)
    }

    /// Starts `swiftlet runtime --root ROOT ARGS…` without waiting for it.
    func launch(_ arguments: [String]) throws -> (process: Process, stdout: String, stderr: String) {
        counter += 1
        let outPath = "\(base)/cli-\(counter).out", errPath = "\(base)/cli-\(counter).err"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer {
            try? out.close()
            try? err.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Swiftlet.binary)
        process.arguments = ["runtime", "--root", root] + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, outPath, errPath)
    }

    /// `state ID` parsed, or nil when the command fails.
    func state(_ id: String) throws -> [String: Any]? {
        let out = try cli(["state", id])
        guard out.status == 0 else { return nil }
        return try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
    }

    /// The `status` field of `state ID`, nil when the command fails.
    func status(_ id: String) throws -> String? { try state(id)?["status"] as? String }

    /// Polls `state ID` until its status is `status`; returns the last state seen.
    @discardableResult
    func waitForStatus(_ id: String, _ status: String, timeout: TimeInterval = 15) throws -> [String: Any]? {
        let deadline = Date().addingTimeInterval(timeout)
        var last: [String: Any]?
        repeat {
            last = try state(id)
            if last?["status"] as? String == status { return last }
            usleep(50_000)
        } while Date() < deadline
        return last
    }

    /// Creates and starts `id`; records an issue (and returns false) when either fails.
    func createAndStart(_ id: String, bundle: String, extra: [String] = []) throws -> Bool {
        let created = try cli(["create", "--bundle", bundle] + extra + [id])
        guard created.status == 0 else {
            Issue.record("create \(id) failed (\(created.status)): \(created.stderr)")
            return false
        }
        let started = try cli(["start", id])
        guard started.status == 0 else {
            let annotations = (try? state(id))?["annotations"] ?? [:]
            Issue.record("start \(id) failed (\(started.status)): \(started.stderr) \(annotations)")
            return false
        }
        return true
    }

    /// The IDs `list -q` prints.
    func listedIDs() throws -> [String] {
        try cli(["list", "-q"]).stdout.split(separator: "\n").map(String.init)
    }

    // MARK: cleanup and leftovers

    /// Force-deletes every container, checks nothing of them is left (state dirs, cgroups,
    /// processes, mounts), scrubs whatever is, and removes the temp dir.
    func cleanup() {
        for id in ids { _ = try? cli(["delete", "--force", id], timeout: 20) }
        for id in ids {
            #expect(!FileManager.default.fileExists(atPath: root + "/" + id), "state dir of \(id) left behind")
        }
        let cgroups = cgroupPaths.flatMap(Self.cgroupDirs)
        #expect(cgroups.isEmpty, "cgroup dirs left behind: \(cgroups)")
        let processes = processesUsing(base)
        #expect(processes.isEmpty, "processes left behind: \(processes)")
        let mounts = mountsUnder(base)
        #expect(mounts.isEmpty, "mounts left behind: \(mounts)")
        scrub(cgroups: cgroups, processes: processes)
        try? FileManager.default.removeItem(atPath: base)
    }

    /// Every existing directory for cgroup `path` in any hierarchy under /sys/fs/cgroup
    /// (v1: `<controller>/<path>`; v2 or hybrid: `<path>` and `unified/<path>`).
    static func cgroupDirs(_ path: String) -> [String] {
        let mountRoot = "/sys/fs/cgroup"
        var candidates = [mountRoot + path]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: mountRoot)) ?? [] {
            candidates.append("\(mountRoot)/\(entry)\(path)")
        }
        return candidates.filter { isDirectory($0) }
    }

    /// A cgroup file, v1 `<controller>/<path>/<file>` or v2 `<path>/<file>`.
    static func cgroupFile(controller: String, path: String, file: String) -> String {
        if FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers") {
            return "/sys/fs/cgroup\(path)/\(file)"
        }
        return "/sys/fs/cgroup/\(controller)\(path)/\(file)"
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    /// Pids whose command line or root directory names `path` (monitors, container processes).
    func processesUsing(_ path: String) -> [Int32] {
        let me = getpid()
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
            guard let pid = Int32(entry), pid != me else { return nil }
            let cmdline = (FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data())
                .map { $0 == 0 ? UInt8(ascii: " ") : $0 }
            if String(decoding: cmdline, as: UTF8.self).contains(path) { return pid }
            if let rootLink = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/root"),
               rootLink.hasPrefix(path) {
                return pid
            }
            return nil
        }
    }

    /// Lines of the host's mount table that name `path`.
    func mountsUnder(_ path: String) -> [String] {
        ((FileHandle(forReadingAtPath: "/proc/self/mountinfo").map { String(decoding: $0.readDataToEndOfFile(), as: UTF8.self) }) ?? "")
            .split(separator: "\n").map(String.init).filter { $0.contains(path) }
    }

    /// Best effort, after a failed check: kill leftovers and remove their cgroups so one
    /// failing test does not leave the host dirty for the next.
    private func scrub(cgroups: [String], processes: [Int32]) {
        for pid in processes { kill(pid, SIGKILL) }
        for dir in cgroups {
            let procs = (try? String(contentsOfFile: dir + "/cgroup.procs", encoding: .utf8)) ?? ""
            for pid in procs.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
        }
        if !cgroups.isEmpty { usleep(100_000) }
        for dir in cgroups.sorted(by: { $0.count > $1.count }) { rmdir(dir) }
    }
}

/// A failure to prepare a test's sandbox.
struct SandboxError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

/// Polls `condition` every 20 ms until it holds or `timeout` s pass; returns whether it held.
func waitUntil(timeout: TimeInterval, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    repeat {
        if try condition() { return true }
        usleep(20_000)
    } while Date() < deadline
    return try condition()
}

/// A file's text, or "" when it cannot be read.
func readText(_ path: String) -> String {
    (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
}

/// `key=value` lines of a container's output, as a dictionary.
func keyValues(_ text: String) -> [String: String] {
    var result: [String: String] = [:]
    for line in text.split(separator: "\n") {
        guard let eq = line.firstIndex(of: "=") else { continue }
        result[String(line[..<eq])] = String(line[line.index(after: eq)...])
    }
    return result
}
