import CRuntimeShim
import Foundation
import Glibc
import SwiftletRuntimeInit

/// Why kernel-facing tests cannot run here, or nil when they can.
enum TestEnvironment {
    static let isRoot = geteuid() == 0
    static let hasBusybox = FileManager.default.isExecutableFile(atPath: "/bin/busybox")
    static var canRunContainers: Bool { isRoot && hasBusybox && monitorPath != nil }

    /// `swiftlet-monitor`, built next to the test bundle (`.build/debug/`): searched from the
    /// test runner's directory up to three levels.
    static let monitorPath: String? = {
        var starts: [URL] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            starts.append(URL(fileURLWithPath: exe).deletingLastPathComponent())
        }
        starts.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        for start in starts {
            var dir = start
            for _ in 0...3 {
                let candidate = dir.appendingPathComponent("swiftlet-monitor").path
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
                dir = dir.deletingLastPathComponent()
            }
        }
        return nil
    }()
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A per-test directory with a busybox rootfs and a state dir; `remove()` deletes it.
struct Sandbox {
    let dir: String
    let rootfs: String
    let stateDir: String
    let outputPath: String

    /// Builds `DIR/rootfs` from Debian's busybox-static: `bin sbin usr/bin usr/sbin`, the
    /// busybox binary, `busybox --install -s` run chrooted, and the usual mount points.
    init() throws {
        var template = Array("/tmp/swiftlet-rt-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw HarnessError("mkdtemp failed") }
        dir = String(cString: made)
        // Reachable by a container's unmapped (user namespace) root.
        chmod(dir, 0o755)
        rootfs = dir + "/rootfs"
        stateDir = dir + "/state"
        outputPath = dir + "/output"
        do {
            try populate()
        } catch {
            remove()
            throw error
        }
    }

    private func populate() throws {
        let fm = FileManager.default
        for sub in ["bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "tmp", "etc", "root"] {
            try fm.createDirectory(atPath: rootfs + "/" + sub, withIntermediateDirectories: true)
        }
        try fm.createDirectory(atPath: stateDir, withIntermediateDirectories: true)
        // cp in a child: a write descriptor for the binary in this (multi-threaded) test
        // process could leak into a concurrent fork and make its exec fail with ETXTBSY.
        try Shell.run("/bin/cp", ["/bin/busybox", rootfs + "/bin/busybox"])
        try Shell.run("/usr/sbin/chroot", [rootfs, "/bin/busybox", "--install", "-s"])
        try "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n".write(toFile: rootfs + "/etc/passwd", atomically: false, encoding: .utf8)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// The output the container wrote to the monitor's (inherited) stdout/stderr.
    func output() -> String {
        (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }
}

enum Shell {
    /// Runs a program to completion; throws with its stderr on a non-zero exit.
    @discardableResult
    static func run(_ path: String, _ args: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = args
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw HarnessError("\(path) \(args.joined(separator: " ")) exited \(process.terminationStatus): \(String(decoding: error, as: UTF8.self))")
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// Plans for the tests: a runc-like default container over a sandbox.
enum Plans {
    /// The 14 capabilities containerd grants by default (bits 0,1,3,4,5,6,7,8,10,13,18,27,29,31).
    static let defaultCaps: UInt64 = 0x0000_0000_a804_25fb

    static let path = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    static func standardMounts() -> [InitPlan.Mount] {
        [
            .init(destination: "/proc", source: "proc", type: "proc", options: ["nosuid", "noexec", "nodev"]),
            .init(destination: "/dev", source: "tmpfs", type: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
            .init(destination: "/dev/pts", source: "devpts", type: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
            .init(destination: "/dev/shm", source: "shm", type: "tmpfs", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
            .init(destination: "/dev/mqueue", source: "mqueue", type: "mqueue", options: ["nosuid", "noexec", "nodev"]),
            .init(destination: "/sys", source: "sysfs", type: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]),
            .init(destination: "/sys/fs/cgroup", source: "cgroup", type: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"]),
            .init(destination: "/tmp", source: "tmpfs", type: "tmpfs", options: ["nosuid", "nodev", "mode=1777"]),
        ]
    }

    static func standardDevices() -> [InitPlan.Device] {
        let c = UInt8(ascii: "c")
        return [
            .init(path: "/dev/null", type: c, major: 1, minor: 3),
            .init(path: "/dev/zero", type: c, major: 1, minor: 5),
            .init(path: "/dev/full", type: c, major: 1, minor: 7),
            .init(path: "/dev/random", type: c, major: 1, minor: 8),
            .init(path: "/dev/urandom", type: c, major: 1, minor: 9),
            .init(path: "/dev/tty", type: c, major: 5, minor: 0),
        ]
    }

    /// A container running `/bin/sh -c script` in new mount/pid/uts/ipc/net namespaces.
    static func shell(_ script: String, in sandbox: Sandbox) -> InitPlan {
        InitPlan(
            args: ["/bin/sh", "-c", script],
            env: [path, "HOME=/root"],
            cwd: "/",
            capabilities: .init(bounding: defaultCaps, effective: defaultCaps, inheritable: 0, permitted: defaultCaps, ambient: 0),
            createNamespaces: Namespace.mount | Namespace.pid | Namespace.uts | Namespace.ipc | Namespace.network,
            rootfs: sandbox.rootfs,
            mounts: standardMounts(),
            devices: standardDevices(),
            stateDir: sandbox.stateDir,
            execFifoPath: sandbox.stateDir + "/exec.fifo",
            exitFilePath: sandbox.stateDir + "/exit")
    }
}

/// A container created through the real `swiftlet-monitor` binary.
struct Container {
    let sandbox: Sandbox
    let plan: InitPlan
    let monitorPid: pid_t
    let initPid: pid_t

    enum Launch {
        case created(Container)
        case failed(String)
    }

    /// Writes the plan, spawns `swiftlet-monitor STATE_DIR` with fd 3 as the sync pipe and
    /// stdout/stderr to the sandbox's output file, and waits for its `ok`/`error` line.
    static func create(_ plan: InitPlan, in sandbox: Sandbox, extraInheritedFd: Int32? = nil) async throws -> Launch {
        try Data(plan.encode()).write(to: URL(fileURLWithPath: sandbox.stateDir + "/plan.bin"))
        var fds: [Int32] = [-1, -1]
        guard shim_pipe2(&fds, O_CLOEXEC) == 0 else { throw HarnessError("pipe2: \(errno)") }
        defer { close(fds[0]) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, sandbox.outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 3)
        if let extra = extraInheritedFd {
            posix_spawn_file_actions_adddup2(&actions, extra, 7)
        }
        let monitor = TestEnvironment.monitorPath!
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(monitor), strdup(sandbox.stateDir), nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, monitor, &actions, nil, argv, environ)
        close(fds[1])
        guard rc == 0 else { throw HarnessError("posix_spawn \(monitor): \(rc)") }
        let line = try await readLine(fds[0], timeout: 60)
        if line.hasPrefix("ok ") {
            guard let initPid = pid_t(line.dropFirst(3).trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw HarnessError("bad monitor line: \(line)")
            }
            return .created(Container(sandbox: sandbox, plan: plan, monitorPid: pid, initPid: initPid))
        }
        // Reap the monitor without ever blocking a cooperative thread on it: a monitor that
        // said nothing may still be alive, and a blocked pool starves every other test.
        var status: Int32 = 0
        let reapBy = Date().addingTimeInterval(5)
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > reapBy {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                break
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        if line.hasPrefix("error ") {
            return .failed(String(line.dropFirst(6)).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        throw HarnessError("monitor said \(line.debugDescription), output: \(sandbox.output())")
    }

    /// Like ``create(_:in:extraInheritedFd:)`` but requires success.
    static func mustCreate(_ plan: InitPlan, in sandbox: Sandbox) async throws -> Container {
        switch try await create(plan, in: sandbox) {
        case .created(let container): return container
        case .failed(let message): throw HarnessError("create failed: \(message)")
        }
    }

    /// Reads one line from `fd` (non-blocking polls), giving up after `timeout` seconds.
    static func readLine(_ fd: Int32, timeout: Double) async throws -> String {
        var bytes: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        // The deadline is checked only after a poll found nothing: a task resumed late on a busy
        // cooperative pool still reads a line that arrived meanwhile.
        while true {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, 0) > 0 {
                var byte: UInt8 = 0
                let n = read(fd, &byte, 1)
                if n <= 0 { break }
                if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
                bytes.append(byte)
                continue
            }
            if Date() >= deadline { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Opens the exec FIFO for reading (what `start` does) and reads the init's byte.
    func start() throws {
        let fd = open(plan.execFifoPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HarnessError("open fifo: \(errno)") }
        var byte: UInt8 = 0
        let n = read(fd, &byte, 1)
        close(fd)
        guard n == 1, byte == UInt8(ascii: "0") else { throw HarnessError("fifo read \(n) byte \(byte)") }
    }

    /// Waits for the monitor's exit file and reaps the monitor when it is our child.
    func waitForExit(timeout: Double = 20) async throws -> ExitRecord {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: plan.exitFilePath, encoding: .utf8), let record = ExitRecord(parsing: text) {
                var status: Int32 = 0
                for _ in 0..<200 {
                    if waitpid(monitorPid, &status, WNOHANG) != 0 { break }
                    try await Task.sleep(for: .milliseconds(10))
                }
                return record
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw HarnessError("no exit file after \(timeout)s; output: \(sandbox.output())")
    }

    /// Start, wait, and return the exit record with the inherited-stdio output.
    func run() async throws -> (ExitRecord, String) {
        try start()
        let record = try await waitForExit()
        return (record, sandbox.output())
    }

    /// Kills whatever is left (init, monitor) and reaps the monitor.
    func destroy() {
        kill(initPid, SIGKILL)
        kill(monitorPid, SIGKILL)
        var status: Int32 = 0
        waitpid(monitorPid, &status, 0)
    }
}

extension String {
    /// Non-empty lines.
    var lines: [String] { split(separator: "\n").map(String.init) }
}
