import Foundation
import Logging
import SwiftletRuntimeInit

/// The OCI runtime engine behind `swiftlet runtime` and the agent: creates containers from
/// bundles through a per-container `swiftlet-monitor`, and starts, inspects, signals and
/// deletes them by ID. Every operation reads the state from disk, so any process (or a
/// restarted agent) can act on containers another one created.
public struct ContainerRuntime: Sendable {
    /// The state root (`--root`), one directory per container.
    public let root: String
    /// The `swiftlet-monitor` executable.
    public let monitorPath: String
    let cgroups: any CgroupDriver
    let logger: Logger

    /// Annotation keys `state` adds about the container's end.
    public enum Annotation {
        public static let exitCode = "io.swiftlet.exit-code"
        public static let exitSignal = "io.swiftlet.exit-signal"
        public static let startedAt = "io.swiftlet.started-at"
        public static let finishedAt = "io.swiftlet.finished-at"
        public static let oomKilled = "io.swiftlet.oom-killed"
        public static let error = "io.swiftlet.error"
    }

    /// - Parameters:
    ///   - root: the state root; created on demand.
    ///   - monitorPath: defaults to `swiftlet-monitor` next to the running executable.
    public init(root: String = "/run/swiftlet/runtime", monitorPath: String? = nil,
                cgroupRoot: String = "/sys/fs/cgroup", logger: Logger = Logger(label: "swiftlet.runtime")) {
        self.root = root
        self.monitorPath = monitorPath ?? Self.defaultMonitorPath()
        self.cgroups = Cgroups.detect(root: cgroupRoot)
        self.logger = logger
    }

    /// `swiftlet-monitor` beside this process's executable, else on PATH.
    public static func defaultMonitorPath() -> String {
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let sibling = ((exe as NSString).deletingLastPathComponent as NSString).appendingPathComponent("swiftlet-monitor")
            if FileManager.default.isExecutableFile(atPath: sibling) { return sibling }
        }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin").split(separator: ":") {
            let candidate = "\(dir)/swiftlet-monitor"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return "/usr/local/bin/swiftlet-monitor"
    }

    /// How `create` handles the container's output.
    public enum Output: Sendable, Equatable {
        /// The container shares the caller's stdin/stdout/stderr (like runc without a terminal).
        case inherit
        /// stdout/stderr go to this CRI-format log file; stdin is /dev/null.
        case criLog(String)
    }

    // MARK: create

    /// Creates a container from `bundle`: validates config.json, sets up its cgroup, and starts
    /// its monitor, which leaves the init paused until ``start(id:)``.
    ///
    /// A failed create leaves nothing behind: no cgroup, process or state directory.
    /// - Throws: `RuntimeError` naming the ID, the config.json field, or the failing call and path.
    @discardableResult
    public func create(id: String, bundle: String, output: Output = .inherit, pidFile: String? = nil) throws -> State {
        try Self.validate(id: id)
        let bundle = InitPlanBuilder.absolute(bundle, in: FileManager.default.currentDirectoryPath)
        let spec: Spec
        do {
            spec = try Spec.load(bundle: bundle)
        } catch {
            throw RuntimeError.invalidSpec("\(error)")
        }
        let problems = SpecValidation.validate(spec, bundle: bundle)
        if !problems.isEmpty {
            throw RuntimeError.invalidSpec(problems.map { "\($0)" }.joined(separator: "\n"))
        }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o711])
        let dir = stateDir(id)
        guard mkdir(dir, 0o711) == 0 else {
            if errno == EEXIST { throw RuntimeError.exists(id) }
            throw RuntimeError.system("mkdir(\(dir)): \(errnoText())")
        }
        var cgroup: (any CgroupHandle)?
        var monitorPid: Int32 = 0
        var initPid: Int32 = 0
        do {
            let cgroupPath = spec.linux?.cgroupsPath.isEmpty == false ? spec.linux!.cgroupsPath : "\(Self.defaultCgroupParent)/\(id)"
            let handle = try cgroups.create(path: cgroupPath)
            cgroup = handle
            try handle.apply(CgroupResources(spec.linux?.resources, devices: spec.linux?.devices ?? []))

            let fifo = dir + "/exec.fifo"
            // 0622 like runc's exec.fifo: a user namespace's root (an unmapped host uid) must open it
            // for writing; chmod again because mkfifo honours the umask.
            guard mkfifo(fifo, 0o622) == 0, chmod(fifo, 0o622) == 0 else { throw RuntimeError.system("mkfifo(\(fifo)): \(errnoText())") }
            let stdio: InitPlan.Stdio
            switch output {
            case .inherit: stdio = .inherit
            case .criLog(let path): stdio = .criLog(path: path)
            }
            let files = InitPlanBuilder.Files(
                stateDir: dir, execFifo: fifo, exitFile: dir + "/exit", stdio: stdio,
                cgroupProcs: handle.controllerPaths.values.sorted().map { $0 + "/cgroup.procs" })
            let plan = try InitPlanBuilder.plan(spec: spec, bundle: bundle, files: files)
            try FileIO.writeAtomically(Data(plan.encode()), to: dir + "/" + Monitor.planFileName)

            var record = ContainerRecord(
                id: id, bundle: bundle, ociVersion: spec.ociVersion, annotations: spec.annotations,
                cgroupPath: handle.path, pid: 0, monitorPid: 0, pidStartTime: 0,
                created: Self.rfc3339(Date()), started: false, logPath: output.logPath, hooks: spec.hooks)
            try save(record)

            (monitorPid, initPid) = try spawnMonitor(stateDir: dir, inheritStdio: output == .inherit)
            record.pid = initPid
            record.monitorPid = monitorPid
            record.pidStartTime = FileIO.startTime(of: initPid) ?? 0
            try save(record)
            if let pidFile {
                try FileIO.writeAtomically(Data("\(initPid)".utf8), to: pidFile, mode: 0o644)
            }
            let state = try self.state(id: id)
            if let hooks = spec.hooks {
                try HookRunner.run(hooks.prestart, phase: "prestart", state: state)
                try HookRunner.run(hooks.createRuntime, phase: "createRuntime", state: state)
                try HookRunner.run(hooks.createContainer, phase: "createContainer", state: state, namespacesOf: initPid)
            }
            logger.debug("container created", metadata: ["containerID": "\(id)", "pid": "\(initPid)"])
            return state
        } catch {
            // Everything in the cgroup first (the init and anything it started), then the init by
            // pid in case it never joined the cgroup, then wait for the monitor to record the end.
            if let cgroup { try? cgroup.killAll() }
            if initPid > 0 { Glibc.kill(initPid, SIGKILL) }
            if monitorPid > 0 { Self.waitForExit(of: monitorPid, timeout: 5) }
            if let cgroup {
                try? cgroup.killAll()
                try? cgroup.delete()
                removeDefaultParent(of: cgroup)
            }
            try? FileManager.default.removeItem(atPath: dir)
            throw error
        }
    }

    // MARK: start

    /// Releases the init of a created container into the user's process.
    /// - Throws: `RuntimeError` when the container is not in the `created` state.
    public func start(id: String) throws {
        let record = try load(id)
        let state = self.state(of: record)
        guard state.status == .created else {
            throw RuntimeError.state("cannot start container \"\(id)\": it is \(state.status.rawValue), not created")
        }
        if let hooks = record.hooks {
            try HookRunner.run(hooks.startContainer, phase: "startContainer", state: state, namespacesOf: record.pid)
        }
        try release(fifo: stateDir(id) + "/exec.fifo", pid: record.pid, what: "container \"\(id)\"")
        var updated = record
        updated.started = true
        try save(updated)
        if let hooks = record.hooks {
            do {
                try HookRunner.run(hooks.poststart, phase: "poststart", state: try self.state(id: id))
            } catch {
                // As runc: a failing poststart hook is reported, and the container stays.
                logger.warning("poststart hook failed", metadata: ["containerID": "\(id)", "error": "\(error)"])
            }
        }
    }

    // MARK: state

    /// The container's OCI state, with exit details in annotations once it has stopped.
    public func state(id: String) throws -> State {
        state(of: try load(id))
    }

    /// The state of a record already read from disk.
    func state(of record: ContainerRecord) -> State {
        let id = record.id
        var annotations = record.annotations
        let status: State.Status
        var exit = exitRecord(id: id)
        if exit == nil, record.pid > 0, record.monitorPid > 0, Self.initIsGone(record) {
            // The monitor writes the exit file (durably) just after reaping the init and draining
            // its output: wait for that moment, so that `stopped` always comes with the exit code.
            let deadline = Date().addingTimeInterval(2)
            while exit == nil, Date() < deadline, !FileIO.isDeadOrZombie(record.monitorPid) {
                usleep(2_000)
                exit = exitRecord(id: id)
            }
            if exit == nil { exit = exitRecord(id: id) }
        }
        if record.pid == 0 {
            status = .creating
        } else if let exit {
            status = .stopped
            annotations[Annotation.exitCode] = "\(exit.exitCode)"
            annotations[Annotation.exitSignal] = "\(exit.signal)"
            annotations[Annotation.startedAt] = "\(exit.startedAt)"
            annotations[Annotation.finishedAt] = "\(exit.finishedAt)"
            if let error = exit.error { annotations[Annotation.error] = error }
        } else if Self.initIsGone(record) {
            status = .stopped
        } else if isFrozen(record) {
            status = .paused
        } else {
            status = record.started ? .running : .created
        }
        if status == .stopped, let count = try? cgroups.open(path: record.cgroupPath).oomKillCount(), count > 0 {
            annotations[Annotation.oomKilled] = "true"
        }
        return State(ociVersion: record.ociVersion, id: record.id, pid: status == .stopped ? 0 : record.pid,
                     status: status, bundle: record.bundle, rootfs: nil, created: record.created,
                     annotations: annotations, owner: "")
    }

    /// Whether the container's init has exited (dead, a zombie, or its pid reused).
    static func initIsGone(_ record: ContainerRecord) -> Bool {
        // One read of /proc/PID/stat: the state (a zombie is gone) and the start time (a
        // recycled pid is not the init).
        guard let fields = FileIO.statFields(of: record.pid), fields.count > 19 else { return true }
        return fields[0] == "Z" || fields[0] == "X" || UInt64(fields[19]) != record.pidStartTime
    }

    /// The exit file the monitor wrote, if the container has exited.
    public func exitRecord(id: String) -> ExitRecord? {
        guard let text = try? String(contentsOfFile: stateDir(id) + "/exit", encoding: .utf8) else { return nil }
        return ExitRecord(parsing: text)
    }

    private func isFrozen(_ record: ContainerRecord) -> Bool {
        let handle = cgroups.open(path: record.cgroupPath)
        for (controller, path) in handle.controllerPaths {
            if controller == "freezer", let s = try? String(contentsOfFile: path + "/freezer.state", encoding: .utf8) {
                return s.hasPrefix("FROZEN")
            }
            if controller == "unified", let s = try? String(contentsOfFile: path + "/cgroup.freeze", encoding: .utf8) {
                return s.hasPrefix("1")
            }
        }
        return false
    }

    // MARK: kill

    /// Sends `signal` to the container's init, or with `all` to every process in its cgroup.
    public func kill(id: String, signal: Int32, all: Bool = false) throws {
        let record = try load(id)
        let state = self.state(of: record)
        guard state.status == .created || state.status == .running || state.status == .paused else {
            throw RuntimeError.state("cannot kill container \"\(id)\": it is \(state.status.rawValue)")
        }
        if all {
            let pids = (try? cgroups.open(path: record.cgroupPath).pids()) ?? []
            for pid in pids { _ = Glibc.kill(pid, signal) }
            if pids.isEmpty { _ = Glibc.kill(record.pid, signal) }
            return
        }
        guard Glibc.kill(record.pid, signal) == 0 else {
            throw RuntimeError.system("kill(\(record.pid), \(signal)) for container \"\(id)\": \(errnoText())")
        }
    }

    // MARK: delete

    /// Removes a stopped container (or, with `force`, kills and removes any container): its
    /// processes, cgroup and state directory; then runs its poststop hooks.
    public func delete(id: String, force: Bool = false) throws {
        let record: ContainerRecord
        do {
            record = try load(id)
        } catch let error as RuntimeError where !error.isNotFound {
            // A half-written state dir (an agent killed mid-create): remove it.
            guard force else { throw error }
            try? FileManager.default.removeItem(atPath: stateDir(id))
            return
        }
        let state = self.state(of: record)
        let handle = cgroups.open(path: record.cgroupPath)
        switch state.status {
        case .stopped:
            break
        case .created, .creating:
            break
        case .running, .paused:
            guard force else {
                throw RuntimeError.state("cannot delete container \"\(id)\": it is \(state.status.rawValue); stop it first or use --force")
            }
        }
        if state.status != .stopped {
            try? handle.killAll()
            if record.pid > 0 { _ = Glibc.kill(record.pid, SIGKILL) }
            _ = try? handle.thaw()
        }
        if record.monitorPid > 0 { Self.waitForExit(of: record.monitorPid, timeout: 10) }
        // Orphans the init left behind (daemons) die with the container.
        if let left = try? handle.pids(), !left.isEmpty { try? handle.killAll() }
        do {
            try handle.delete()
        } catch {
            throw RuntimeError.system("delete cgroup of container \"\(id)\": \(error)")
        }
        removeDefaultParent(of: handle)
        try? FileManager.default.removeItem(atPath: stateDir(id))
        if let hooks = record.hooks {
            do {
                try HookRunner.run(hooks.poststop, phase: "poststop", state: state)
            } catch {
                logger.warning("poststop hook failed", metadata: ["containerID": "\(id)", "error": "\(error)"])
            }
        }
    }

    /// Removes the `/swiftlet` parent cgroup that `create` makes for configs without a
    /// cgroupsPath once its last container is gone; a busy parent stays.
    func removeDefaultParent(of handle: any CgroupHandle) {
        guard handle.path.hasPrefix(Self.defaultCgroupParent + "/") else { return }
        for dir in handle.controllerPaths.values {
            _ = rmdir((dir as NSString).deletingLastPathComponent)
        }
    }

    /// Parent of the cgroups of containers whose config.json has no cgroupsPath.
    static let defaultCgroupParent = "/swiftlet"

    // MARK: run and wait

    /// create + start + wait + delete; returns the exit code (128 + signal when killed).
    public func run(id: String, bundle: String, output: Output = .inherit, pidFile: String? = nil) throws -> Int32 {
        try create(id: id, bundle: bundle, output: output, pidFile: pidFile)
        do {
            try start(id: id)
        } catch {
            try? delete(id: id, force: true)
            throw error
        }
        let exit = try wait(id: id)
        try delete(id: id, force: true)
        return exit.exitCode
    }

    /// Blocks until the container has exited and returns what the monitor recorded.
    public func wait(id: String) throws -> ExitRecord {
        let record = try load(id)
        if record.monitorPid > 0 { Self.waitForExit(of: record.monitorPid, timeout: nil) }
        while true {
            if let exit = exitRecord(id: id) { return exit }
            // The monitor is gone without an exit file: it was killed. Report what the kernel knows.
            if record.monitorPid <= 0 || FileIO.isDeadOrZombie(record.monitorPid) {
                if !FileIO.isDeadOrZombie(record.pid) { usleep(10_000); continue }
                return ExitRecord(exitCode: 255, signal: 0, startedAt: 0, finishedAt: 0,
                                  error: "the monitor of container \"\(id)\" died before the container exited")
            }
            usleep(10_000)
        }
    }

    /// Asks the container's monitor to reopen its log file (after the caller renamed it for
    /// rotation), as CRI's ReopenContainerLog does.
    /// - Throws: `RuntimeError` when the container or its monitor is gone.
    public func reopenLog(id: String) throws {
        let record = try load(id)
        guard record.monitorPid > 0, Glibc.kill(record.monitorPid, SIGUSR1) == 0 else {
            throw RuntimeError.state("cannot reopen the log of container \"\(id)\": its monitor is not running")
        }
    }

    // MARK: list and ps

    /// Every container under the root, sorted by ID.
    public func list() throws -> [State] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.sorted().compactMap { try? state(id: $0) }
    }

    /// The processes in the container's cgroup.
    public func ps(id: String) throws -> [Int32] {
        let record = try load(id)
        do {
            return try cgroups.open(path: record.cgroupPath).pids().sorted()
        } catch {
            throw RuntimeError.system("list processes of container \"\(id)\": \(error)")
        }
    }

    // MARK: state files

    func stateDir(_ id: String) -> String { root + "/" + id }

    func load(_ id: String) throws -> ContainerRecord {
        try Self.validate(id: id)
        let path = stateDir(id) + "/state.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            if FileManager.default.fileExists(atPath: stateDir(id)) {
                throw RuntimeError.state("container \"\(id)\": \(path) is missing: the container was not fully created")
            }
            throw RuntimeError.notFound(id)
        }
        do {
            return try JSONDecoder().decode(ContainerRecord.self, from: data)
        } catch {
            throw RuntimeError.state("container \"\(id)\": \(path) is unreadable: \(error)")
        }
    }

    func save(_ record: ContainerRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try FileIO.writeAtomically(try encoder.encode(record), to: stateDir(record.id) + "/state.json")
    }

    static func validate(id: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-.")
        guard !id.isEmpty, id.count <= 1024, id != ".", id != "..", id.allSatisfy(allowed.contains) else {
            throw RuntimeError.invalidID(id)
        }
    }

    /// RFC 3339 with nanoseconds in UTC, as runc writes `created` (without Foundation's
    /// formatters, which cost milliseconds to set up on every CLI call).
    static func rfc3339(_ date: Date) -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        if abs(Double(ts.tv_sec) - date.timeIntervalSince1970) > 1 {
            ts.tv_sec = Int(date.timeIntervalSince1970)
            ts.tv_nsec = Int((date.timeIntervalSince1970 - Double(ts.tv_sec)) * 1e9)
        }
        var tm = tm()
        var seconds = time_t(ts.tv_sec)
        gmtime_r(&seconds, &tm)
        let nanos = String(ts.tv_nsec)
        let padded = String(repeating: "0", count: max(0, 9 - nanos.count)) + nanos
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(tm.tm_year + 1900)-\(two(tm.tm_mon + 1))-\(two(tm.tm_mday))T\(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec)).\(padded)Z"
    }
}

extension ContainerRuntime.Output {
    var logPath: String? {
        if case .criLog(let path) = self { return path }
        return nil
    }
}
