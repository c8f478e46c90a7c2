import CRuntimeShim
import Glibc

/// The code that runs in the monitor's forked child and becomes the container process.
///
/// The monitor is single-threaded, so its `fork()` child is a consistent copy in which Swift
/// and glibc code may run freely until execve.
///
/// Namespace strategy (fork + setns/unshare, then a second fork for pid/time namespaces):
/// 1. Stage 1 (the forked child, still root in the host user namespace) joins every
///    namespace given by path except the user namespace, then joins that last: as host root
///    it may enter namespaces owned by any user namespace, which it could not do after
///    entering a user namespace. Joining the mount namespace does not disturb the later
///    setns calls, since every namespace file was opened by the monitor beforehand.
/// 2. It unshares the namespaces to create (the kernel creates the user namespace first, so
///    it owns the others) and, when a user namespace was created, asks the monitor to write
///    the uid/gid maps.
/// 3. A pid (or time) namespace, created or joined, only applies to children, so stage 1
///    unshares or joins it and forks stage 2, which becomes PID 1 (or a member of the joined
///    namespace). Stage 1 reports stage 2's pid and exits; the monitor, a child subreaper,
///    adopts stage 2 and only then sends `go`. Without a pid namespace stage 1 is the init.
/// 4. The cgroup namespace is unshared only after `go`, once the monitor has moved the init
///    into its cgroups, so the namespace's root is the container's cgroup (as runc does).
struct ContainerInit {
    let plan: InitPlan
    let channel: SyncChannel
    /// Namespace files opened by the monitor, in plan order.
    let namespaceFds: [(type: UInt64, fd: Int32)]
    /// O_PATH descriptor of the exec FIFO, and of its directory (fallback when the
    /// container has no /proc to reopen the FIFO through).
    let fifoFd: Int32
    let fifoDirFd: Int32
    /// Descriptors to install as 0, 1, 2 (nil: keep the monitor's).
    let stdio: (stdin: Int32, stdout: Int32, stderr: Int32)?

    /// Set once the exec FIFO was opened: from then on errors also go to the container's stderr.
    private var started = false

    init(plan: InitPlan, channel: SyncChannel, namespaceFds: [(type: UInt64, fd: Int32)], fifoFd: Int32, fifoDirFd: Int32, stdio: (stdin: Int32, stdout: Int32, stderr: Int32)?) {
        self.plan = plan
        self.channel = channel
        self.namespaceFds = namespaceFds
        self.fifoFd = fifoFd
        self.fifoDirFd = fifoDirFd
        self.stdio = stdio
    }

    /// Stage 1: namespaces, then the init itself (directly or in a forked stage 2). Never returns.
    mutating func runStage1() -> Never {
        do throws(RuntimeInitError) {
            if let stdio {
                for (from, to) in [(stdio.stdin, Int32(0)), (stdio.stdout, 1), (stdio.stderr, 2)] where from != to {
                    if dup2(from, to) < 0 { throw Sys.error("dup2", "\(from) -> \(to)") }
                }
            }
            // Exact modes for mount points and device nodes; the container's umask comes later.
            umask(0)
            try joinNamespaces()
            let forking = Namespace.pid | Namespace.time
            let create = plan.createNamespaces & ~(forking | Namespace.cgroup)
            if create != 0 && shim_unshare(Int32(truncatingIfNeeded: create)) != 0 {
                throw Sys.error("unshare", Self.describe(flags: create))
            }
            if create & Namespace.user != 0 {
                channel.send("maps")
                guard channel.receive() == "mapped" else { Self.exitQuietly() }
            }
            if inUserNamespace {
                try becomeNamespaceRoot()
            }
            let createForking = plan.createNamespaces & forking
            if createForking != 0 && shim_unshare(Int32(truncatingIfNeeded: createForking)) != 0 {
                throw Sys.error("unshare", Self.describe(flags: createForking))
            }
            let joinsForking = namespaceFds.contains { $0.type & forking != 0 }
            if createForking != 0 || joinsForking {
                let child = fork()
                if child < 0 { throw Sys.error("fork", "container init") }
                if child == 0 { runInit() }
                channel.send("pid \(child)")
                _exit(0)
            }
            channel.send("pid \(getpid())")
        } catch {
            fail(error)
        }
        runInit()
    }

    /// Joins the namespaces given by path: all but the user namespace first, the user
    /// namespace last (see the type's documentation).
    private func joinNamespaces() throws(RuntimeInitError) {
        for (type, fd) in namespaceFds where type != Namespace.user {
            if shim_setns(fd, Int32(truncatingIfNeeded: type)) != 0 {
                throw Sys.error("setns", "\(Namespace.name(type)) namespace \(path(of: type))")
            }
        }
        for (type, fd) in namespaceFds where type == Namespace.user {
            if shim_setns(fd, Int32(truncatingIfNeeded: type)) != 0 {
                throw Sys.error("setns", "user namespace \(path(of: type))")
            }
        }
        for (_, fd) in namespaceFds { close(fd) }
    }

    /// After entering a user namespace the process still has its host ids, which the
    /// namespace does not map (files it creates would fail with EOVERFLOW): switch to the
    /// namespace's root, keeping full capabilities in it, as runc does.
    private func becomeNamespaceRoot() throws(RuntimeInitError) {
        if !plan.denySetgroups { _ = setgroups(0, nil) }
        let hint = "uid and gid 0 must be mapped in the container's user namespace"
        if shim_setresgid(0, 0, 0) != 0 { throw Sys.error("setresgid", "0 in the user namespace", hint: Sys.errno == EINVAL ? hint : nil) }
        if shim_setresuid(0, 0, 0) != 0 { throw Sys.error("setresuid", "0 in the user namespace", hint: Sys.errno == EINVAL ? hint : nil) }
    }

    private func path(of type: UInt64) -> String {
        plan.joinNamespaces.first { $0.type == type }?.path ?? "?"
    }

    /// The init proper: waits for `go`, sets up the container, pauses on the exec FIFO, execs.
    private mutating func runInit() -> Never {
        do throws(RuntimeInitError) {
            guard channel.receive() == "go" else { Self.exitQuietly() }
            // The monitor is our parent now (stage 1 is reaped before `go`): die with it
            // until `start`, since nobody would record our exit.
            _ = shim_set_pdeathsig(SIGKILL)
            if plan.createNamespaces & Namespace.cgroup != 0 && shim_unshare(Int32(truncatingIfNeeded: Namespace.cgroup)) != 0 {
                throw Sys.error("unshare", "cgroup namespace")
            }
            let ownsMountNamespace = plan.createNamespaces & Namespace.mount != 0
            let joinsMountNamespace = plan.joinNamespaces.contains { $0.type == Namespace.mount }
            if ownsMountNamespace {
                try setUpRootfs()
            } else if !joinsMountNamespace {
                throw .containerInit("the plan neither creates nor joins a mount namespace; a container root filesystem needs one")
            }
            try setHostAndDomainName()
            try setRlimits()
            if let adj = plan.oomScoreAdj { try setOOMScoreAdj(adj) }
            let executable = try lookUpExecutable()
            channel.send("created")
            try waitForStart()
            started = true
            channel.send("started")
            try execute(executable)
        } catch {
            fail(error)
        }
    }

    // MARK: - Names, limits

    private func setHostAndDomainName() throws(RuntimeInitError) {
        if let hostname = plan.hostname {
            var name = hostname
            let rc = name.withUTF8 { $0.withMemoryRebound(to: CChar.self) { shim_sethostname($0.baseAddress, $0.count) } }
            if rc != 0 { throw Sys.error("sethostname", hostname, hint: Sys.errno == EPERM ? "a UTS namespace is required" : nil) }
        }
        if let domainname = plan.domainname {
            var name = domainname
            let rc = name.withUTF8 { $0.withMemoryRebound(to: CChar.self) { shim_setdomainname($0.baseAddress, $0.count) } }
            if rc != 0 { throw Sys.error("setdomainname", domainname, hint: Sys.errno == EPERM ? "a UTS namespace is required" : nil) }
        }
    }

    private func setRlimits() throws(RuntimeInitError) {
        for limit in plan.rlimits {
            if shim_setrlimit(limit.resource, limit.soft, limit.hard) == 0 { continue }
            let err = Sys.errno
            let detail = "\(Self.rlimitName(limit.resource)), soft=\(Self.rlimitValue(limit.soft)), hard=\(Self.rlimitValue(limit.hard))"
            var hint: String?
            var currentSoft: UInt64 = 0
            var currentHard: UInt64 = 0
            if err == EPERM && shim_getrlimit(limit.resource, &currentSoft, &currentHard) == 0 && limit.hard > currentHard {
                hint = "raising a hard limit needs CAP_SYS_RESOURCE (current hard limit \(Self.rlimitValue(currentHard)))"
            } else if err == EINVAL && limit.soft > limit.hard {
                hint = "the soft limit exceeds the hard limit"
            }
            throw .systemCall("setrlimit", detail, errno: err, hint: hint)
        }
    }

    private func setOOMScoreAdj(_ adj: Int32) throws(RuntimeInitError) {
        let path = "/proc/self/oom_score_adj"
        let fd = Glibc.open(path, O_WRONLY | O_CLOEXEC)
        if fd < 0 { throw Sys.error("open", path) }
        defer { close(fd) }
        if Sys.writeAll(fd, "\(adj)") { return }
        let err = Sys.errno
        var hint: String?
        if err == EACCES {
            let current = (try? Sys.readFile(path)).map { String(decoding: $0, as: UTF8.self).replacingNewlines() } ?? "?"
            hint = "lowering oom_score_adj below its current minimum needs CAP_SYS_RESOURCE (current value \(current.trimmingSpaces()))"
        }
        throw .systemCall("write", "\(path), \(adj)", errno: err, hint: hint)
    }

    static func rlimitName(_ resource: Int32) -> String {
        let names = ["RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS",
                     "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS",
                     "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME"]
        return resource >= 0 && Int(resource) < names.count ? names[Int(resource)] : "resource \(resource)"
    }

    static func rlimitValue(_ value: UInt64) -> String { value == UInt64.max ? "unlimited" : "\(value)" }

    // MARK: - Start

    /// Finds `args[0]` like runc does (Go's exec.LookPath): names with a `/` are used as
    /// given, others are searched in the container's `PATH` (a standard default when the
    /// environment has none). Done before pausing so a missing binary fails `create`.
    private func lookUpExecutable() throws(RuntimeInitError) -> String {
        guard let name = plan.args.first, !name.isEmpty else {
            throw .containerInit("the process has no args: args[0] names the program to run")
        }
        if name.contains("/") {
            try checkExecutable(name, reportedAs: name)
            return name
        }
        let pathValue = plan.env.last { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) }
            ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        for dir in pathValue.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (dir.isEmpty ? "." : String(dir)) + "/" + name
            if (try? checkExecutable(candidate, reportedAs: name)) != nil { return candidate }
        }
        throw .containerInit("exec: \"\(name)\": executable file not found in $PATH")
    }

    /// Checks `path` (relative to the process's cwd-to-be) is an executable regular file.
    private func checkExecutable(_ path: String, reportedAs name: String) throws(RuntimeInitError) {
        let resolved = path.hasPrefix("/") ? path : (plan.cwd.hasSuffix("/") ? plan.cwd : plan.cwd + "/") + path
        var st = stat()
        if stat(resolved, &st) != 0 { throw Sys.error("exec: stat", resolved) }
        if st.st_mode & S_IFMT == S_IFDIR {
            throw .containerInit("exec: \"\(name)\": \(resolved) is a directory")
        }
        if st.st_mode & 0o111 == 0 {
            throw .containerInit("exec: \"\(name)\": \(resolved) is not executable (permission denied)")
        }
    }

    /// Blocks opening the exec FIFO for writing until `start` opens it for reading (like
    /// runc's exec.fifo), then writes one byte so `start` can tell the init was waiting.
    private func waitForStart() throws(RuntimeInitError) {
        var fd = Glibc.open(ContainerRoot.procPath(fifoFd), O_WRONLY | O_CLOEXEC)
        if fd < 0 && Sys.errno == ENOENT {
            fd = openat(fifoDirFd, Sys.baseName(plan.execFifoPath), O_WRONLY | O_CLOEXEC)
        }
        if fd < 0 { throw Sys.error("open", "exec fifo \(plan.execFifoPath)") }
        _ = Sys.writeAll(fd, "0")
        close(fd)
        close(fifoFd)
        close(fifoDirFd)
        // The container keeps running if its monitor dies after this point.
        _ = shim_set_pdeathsig(0)
    }

    // MARK: - Failure

    /// Reports `error` to the monitor (and, after start, to the container's stderr) and exits 127.
    private func fail(_ error: RuntimeInitError) -> Never {
        channel.send("error " + error.message.replacingNewlines())
        if started {
            Sys.writeAll(2, "swiftlet-init: \(error.message)\n")
        }
        _exit(127)
    }

    /// Exits when the monitor went away mid-handshake: there is nobody to report to.
    static func exitQuietly() -> Never { _exit(126) }

    static func describe(flags: UInt64) -> String {
        var names: [String] = []
        for flag in [Namespace.user, Namespace.mount, Namespace.uts, Namespace.ipc, Namespace.network, Namespace.pid, Namespace.cgroup, Namespace.time] where flags & flag != 0 {
            names.append(Namespace.name(flag))
        }
        return names.joined(separator: "|")
    }
}

extension String {
    /// The string without leading/trailing spaces and newlines.
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f.isNewline { s.removeFirst() }
        while let l = s.last, l == " " || l.isNewline { s.removeLast() }
        return String(s)
    }
}
