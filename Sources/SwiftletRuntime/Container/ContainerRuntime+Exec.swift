import CRuntimeShim
import Foundation
import SwiftletRuntimeInit

/// What an exec in one container starts from, worked out once: the container's record and
/// the process plan (user, capabilities, rlimits, the namespaces to join, the compiled seccomp
/// filter). A prober that execs into the same container every second builds it once and skips
/// reading and decoding config.json and compiling the filter at every run.
public struct ExecTemplate: Sendable {
    public let containerID: String
    let record: ContainerRecord
    let plan: InitPlan
    /// A pidfd of the container's init, taken when the template was made: it becomes readable
    /// when that process ends, which a poll tells without reading /proc at every run.
    let initHandle: ProcessHandle?

    /// Whether the container's init (this instance of the container) still runs.
    public var isRunning: Bool {
        if let initHandle { return !initHandle.hasExited }
        return !ContainerRuntime.initIsGone(record)
    }
}

/// An exec handed to a container's monitor (``ContainerRuntime/startExec(_:args:environment:)``),
/// whose end the caller waits for: the process's stdout and stderr come on `output`; once it has
/// ended, the monitor writes its exit record on `reply` and closes it. Both descriptors are
/// non-blocking and close-on-exec, and the caller's to close.
public struct StartedExec: Sendable {
    public let reply: Int32
    public let output: Int32

    /// The exit code from everything `reply` brought.
    /// - Throws: `RuntimeError.monitor` when the process could not be started, or the monitor
    ///   reported no exit.
    public static func exitCode(fromReply bytes: [UInt8]) throws -> Int32 {
        try ContainerRuntime.exitRecord(fromReply: String(decoding: bytes, as: UTF8.self)).execExitCode()
    }
}

extension ExitRecord {
    /// The exit code of an exec; an exec that never started throws its error.
    func execExitCode() throws -> Int32 {
        if let error, startedAt == 0 { throw RuntimeError.monitor(error) }
        return exitCode
    }
}

/// An open pidfd, closed when the last template holding it goes.
final class ProcessHandle: Sendable {
    let fd: Int32

    /// A pidfd for `pid` if it still is the process that started at `startTime` (clock ticks
    /// since boot); nil when it is gone, or pidfds are not available (Linux before 5.3).
    init?(pid: Int32, startTime: UInt64) {
        let fd = shim_pidfd_open(pid, 0)
        guard fd >= 0 else { return nil }
        // Checked after opening: the pid cannot be reused while the pidfd is held.
        guard FileIO.startTime(of: pid) == startTime else {
            close(fd)
            return nil
        }
        self.fd = fd
    }

    deinit { close(fd) }

    var hasExited: Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) != 0
    }
}

extension ContainerRuntime {
    /// Runs an extra process in a running container: it joins the container's namespaces and
    /// cgroup, and gets the container's (or `process`'s) user, capabilities, rlimits and
    /// seccomp filter. Blocks until it exits.
    ///
    /// - Parameters:
    ///   - process: the whole process (`exec --process process.json`); nil uses the
    ///     container's own process from config.json with `args` replaced.
    /// - Returns: its exit code, 128 + signal when killed.
    public func exec(id: String, process: Spec.Process? = nil, args: [String] = [], output: Output = .inherit) throws -> Int32 {
        let template = try prepareExec(id: id, process: process)
        return try exec(template, args: process == nil ? args : nil, output: output)
    }

    /// Works out an exec's set-up in container `id` for ``exec(_:args:environment:output:)``;
    /// `process` nil takes the container's own from config.json. The template stays valid while
    /// this instance of the container runs.
    public func prepareExec(id: String, process: Spec.Process? = nil) throws -> ExecTemplate {
        let record = try load(id)
        let state = self.state(of: record)
        guard state.status == .running || state.status == .created else {
            throw RuntimeError.state("cannot exec in container \"\(id)\": it is \(state.status.rawValue)")
        }
        let spec: Spec
        do {
            spec = try Spec.load(bundle: record.bundle)
        } catch {
            throw RuntimeError.invalidSpec("container \"\(id)\": \(error)")
        }
        guard let chosen = process ?? spec.process else { throw RuntimeError.invalidSpec("process: required") }
        let handle = cgroups.open(path: record.cgroupPath)
        let cgroupProcs = handle.controllerPaths.values.sorted().map { $0 + "/cgroup.procs" }
        let files = InitPlanBuilder.Files(stateDir: "", execFifo: "", exitFile: "", stdio: .inherit, cgroupProcs: cgroupProcs)
        var plan = InitPlanBuilder.processPlan(chosen, files: files)
        plan.capabilities = try InitPlanBuilder.capabilities(chosen.capabilities, field: "process.capabilities")
        plan.rlimits = try InitPlanBuilder.rlimits(chosen.rlimits)
        // Join every namespace the container has; the kernel resolves each from its init.
        var joins: [InitPlan.NamespaceJoin] = []
        for namespace in spec.linux?.namespaces ?? [] {
            guard let flag = namespace.type.cloneFlag else { continue }
            let type = UInt64(UInt32(bitPattern: flag))
            joins.append(.init(type: type, path: "/proc/\(record.pid)/ns/\(Namespace.name(type))"))
        }
        if !joins.contains(where: { $0.type == Namespace.mount }) {
            joins.append(.init(type: Namespace.mount, path: "/proc/\(record.pid)/ns/mnt"))
        }
        plan.joinNamespaces = joins
        if let seccomp = spec.linux?.seccomp {
            do {
                let compiled = try SeccompCompiler.compile(seccomp)
                plan.seccomp = .init(program: compiled.bpf, flags: compiled.loadFlags)
            } catch {
                throw RuntimeError.invalidSpec("linux.seccomp: \(error)")
            }
        }
        return ExecTemplate(containerID: id, record: record, plan: plan, initHandle: ProcessHandle(pid: record.pid, startTime: record.pidStartTime))
    }

    /// Runs a process in the container of `template`, as ``exec(id:process:args:output:)``
    /// does, with `args` (nil: the template's process's own) and `environment` added to the
    /// process's. Blocks until it exits.
    /// - Throws: `RuntimeError.state` once the container's init is gone.
    public func exec(_ template: ExecTemplate, args: [String]? = nil, environment: [String] = [], output: Output = .inherit) throws -> Int32 {
        let stdio: InitPlan.Stdio
        switch output {
        case .inherit: stdio = .inherit
        case .criLog(let path): stdio = .criLog(path: path)
        }
        let plan = try attachedPlan(template, args: args, environment: environment, stdio: stdio)
        let (exit, _) = try runAttachedMonitor(plan: plan.encode(), inheritStdio: output == .inherit)
        return try exit.execExitCode()
    }

    /// Runs a process in the container of `template` as ``exec(_:args:environment:output:)``
    /// does, and returns its stdout and stderr (one stream, as written, at most `limit` bytes)
    /// instead of logging them: what an exec probe or hook reports.
    public func execCapturing(_ template: ExecTemplate, args: [String]? = nil, environment: [String] = [],
                              limit: Int) throws -> (exitCode: Int32, output: [UInt8]) {
        let plan = try attachedPlan(template, args: args, environment: environment, stdio: .inherit)
        let exit: ExitRecord
        let output: [UInt8]
        if let connection = connectExecServer(template.containerID) {
            (exit, output) = try runThroughMonitor(connection: connection, plan: plan.encode(), captureLimit: limit)
        } else {
            (exit, output) = try runAttachedMonitor(plan: plan.encode(), inheritStdio: false, captureLimit: limit)
        }
        return (try exit.execExitCode(), output)
    }

    /// Starts a process in the container of `template` as ``execCapturing(_:args:environment:limit:)``
    /// does, through the container monitor's exec socket, without waiting for it: for a caller
    /// that waits on its own event loop, which nothing here blocks. Nil when the monitor serves
    /// no exec socket (an older monitor) or takes no connection now (a full backlog): use
    /// ``execCapturing(_:args:environment:limit:)`` then.
    /// - Throws: `RuntimeError.state` once the container's init is gone; `RuntimeError.monitor`
    ///   when the monitor would not take the exec.
    public func startExec(_ template: ExecTemplate, args: [String]? = nil, environment: [String] = []) throws -> StartedExec? {
        let plan = try attachedPlan(template, args: args, environment: environment, stdio: .inherit)
        guard let connection = connectExecServer(template.containerID, nonBlocking: true) else { return nil }
        do {
            // A fresh connection's send buffer takes the request and plan whole.
            let output = try sendExec(on: connection, plan: plan.encode())
            return StartedExec(reply: connection, output: output)
        } catch {
            close(connection)
            throw error
        }
    }

    /// The plan of one attached run from `template`.
    /// - Throws: `RuntimeError.state` once the container's init is gone.
    private func attachedPlan(_ template: ExecTemplate, args: [String]?, environment: [String], stdio: InitPlan.Stdio) throws -> InitPlan {
        let id = template.containerID
        // The container must still be this instance: its init alive.
        guard template.isRunning else { throw RuntimeError.state("cannot exec in container \"\(id)\": it is stopped") }
        var plan = template.plan
        if let args { plan.args = args }
        plan.env += environment
        guard !plan.args.isEmpty else { throw RuntimeError.invalidSpec("process.args: must not be empty") }
        // The monitor makes the exec FIFO (and removes it): a name in the container's state
        // directory, unique to this run.
        plan.stateDir = ""
        plan.execFifoPath = stateDir(id) + "/exec-\(String(UInt64.random(in: 1...UInt64.max), radix: 16)).fifo"
        plan.exitFilePath = ""
        plan.stdio = stdio
        return plan
    }

    /// Opens an exec FIFO for reading, which lets the paused init (blocked opening it for
    /// writing) go on to execve; fails if the init dies or does not answer in 10 s.
    func release(fifo: String, pid: Int32, what: String) throws {
        let fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw RuntimeError.system("open(\(fifo)): \(errnoText())") }
        defer { close(fd) }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let deadline = Date().addingTimeInterval(10)
        while true {
            if poll(&pfd, 1, 50) > 0 {
                var byte: UInt8 = 0
                if read(fd, &byte, 1) == 1 { break }
            }
            if FileIO.isDeadOrZombie(pid) || Date() > deadline {
                throw RuntimeError.state("cannot start \(what): its init (pid \(pid)) is not waiting to start")
            }
        }
        unlink(fifo)
    }
}
