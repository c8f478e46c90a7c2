import Foundation
import SwiftletRuntimeInit

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
        var chosen: Spec.Process
        if let process {
            chosen = process
        } else {
            guard var own = spec.process else { throw RuntimeError.invalidSpec("process: required") }
            own.args = args
            chosen = own
        }
        guard !chosen.args.isEmpty else { throw RuntimeError.invalidSpec("process.args: must not be empty") }

        let dir = stateDir(id) + "/exec-\(UInt32.random(in: 0...UInt32.max))"
        guard mkdir(dir, 0o700) == 0 else { throw RuntimeError.system("mkdir(\(dir)): \(errnoText())") }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = dir + "/exec.fifo"
        // 0622 like runc's exec.fifo: a user namespace's root (an unmapped host uid) must open it
        // for writing; chmod again because mkfifo honours the umask.
        guard mkfifo(fifo, 0o622) == 0, chmod(fifo, 0o622) == 0 else { throw RuntimeError.system("mkfifo(\(fifo)): \(errnoText())") }

        let handle = cgroups.open(path: record.cgroupPath)
        let stdio: InitPlan.Stdio
        switch output {
        case .inherit: stdio = .inherit
        case .criLog(let path): stdio = .criLog(path: path)
        }
        let files = InitPlanBuilder.Files(stateDir: dir, execFifo: fifo, exitFile: dir + "/exit", stdio: stdio,
                                          cgroupProcs: handle.controllerPaths.values.sorted().map { $0 + "/cgroup.procs" })
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
        try FileIO.writeAtomically(Data(plan.encode()), to: dir + "/" + Monitor.planFileName)
        let (monitorPid, pid) = try spawnMonitor(stateDir: dir, inheritStdio: output == .inherit)
        try release(fifo: fifo, pid: pid, what: "exec process in container \"\(id)\"")
        Self.waitForExit(of: monitorPid, timeout: nil)
        guard let text = try? String(contentsOfFile: dir + "/exit", encoding: .utf8), let exit = ExitRecord(parsing: text) else {
            throw RuntimeError.monitor("exec in container \"\(id)\": the monitor recorded no exit status")
        }
        if let error = exit.error, exit.startedAt == 0 { throw RuntimeError.monitor(error) }
        return exit.exitCode
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
