import CRuntimeShim
import Glibc

/// The last steps after `start`, ordered like runc's `finalizeNamespace` + `standard_init`:
/// every inherited descriptor above 2 becomes close-on-exec, seccomp is loaded early only
/// when it needs CAP_SYS_ADMIN (no `noNewPrivileges`), the bounding set is dropped while
/// CAP_SETPCAP is still effective, ids change with `PR_SET_KEEPCAPS` so the permitted set
/// survives, the working directory is entered as the final user, then the capability sets,
/// ambient capabilities, no_new_privs and (as late as possible) seccomp, and execve.
extension ContainerInit {
    func execute(_ executable: String) throws(RuntimeInitError) -> Never {
        try markDescriptorsCloseOnExec()
        if let seccomp = plan.seccomp, !plan.noNewPrivileges {
            try loadSeccomp(seccomp)
        }
        try dropBoundingSet()
        if shim_set_keepcaps(1) != 0 { throw Sys.error("prctl", "PR_SET_KEEPCAPS, 1") }
        try switchUser()
        umask(mode_t(plan.user.umask))
        try enterWorkingDirectory()
        if shim_set_keepcaps(0) != 0 { throw Sys.error("prctl", "PR_SET_KEEPCAPS, 0") }
        let caps = plan.capabilities
        if shim_capset(caps.effective, caps.permitted, caps.inheritable) != 0 {
            throw Sys.error("capset", "effective=0x\(String(caps.effective, radix: 16)), permitted=0x\(String(caps.permitted, radix: 16)), inheritable=0x\(String(caps.inheritable, radix: 16))",
                            hint: Sys.errno == EPERM ? "effective must be within permitted, and inheritable within the bounding set" : nil)
        }
        if shim_cap_ambient_clear_all() != 0 { throw Sys.error("prctl", "PR_CAP_AMBIENT_CLEAR_ALL") }
        // As runc: an ambient capability that is not also permitted and inheritable cannot be
        // raised; `runc spec` asks for such ones, so they are skipped rather than fatal.
        let raisable = caps.ambient & caps.permitted & caps.inheritable
        for cap in 0..<64 where raisable & (1 << UInt64(cap)) != 0 {
            if shim_cap_ambient_raise(Int32(cap)) != 0 {
                throw Sys.error("prctl", "PR_CAP_AMBIENT_RAISE, \(cap)", hint: "an ambient capability must also be permitted and inheritable")
            }
        }
        if plan.noNewPrivileges && shim_set_no_new_privs() != 0 {
            throw Sys.error("prctl", "PR_SET_NO_NEW_PRIVS")
        }
        if let seccomp = plan.seccomp, plan.noNewPrivileges {
            try loadSeccomp(seccomp)
        }
        Self.resetSignals()
        let argv = Sys.cStrings(plan.args)
        let envp = Sys.cStrings(plan.env)
        execve(executable, argv, envp)
        let err = Sys.errno
        Sys.freeCStrings(argv, count: plan.args.count)
        Sys.freeCStrings(envp, count: plan.env.count)
        throw .systemCall("execve", executable, errno: err)
    }

    /// No descriptor of the monitor or its creator may reach the container (runc
    /// CVE-2024-21626 class): close_range(CLOEXEC), or every /proc/self/fd entry.
    private func markDescriptorsCloseOnExec() throws(RuntimeInitError) {
        if shim_close_range(3, UInt32.max, 1) == 0 { return }
        guard let dir = opendir("/proc/self/fd") else { throw Sys.error("opendir", "/proc/self/fd") }
        defer { closedir(dir) }
        let own = dirfd(dir)
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let fd = Int32(name), fd > 2, fd != own else { continue }
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }

    private func loadSeccomp(_ filter: InitPlan.SeccompFilter) throws(RuntimeInitError) {
        let rc = filter.program.withUnsafeBytes { shim_seccomp_load_filter(filter.flags, $0.baseAddress, $0.count) }
        if rc < 0 {
            throw Sys.error("seccomp", "SECCOMP_SET_MODE_FILTER, flags 0x\(String(filter.flags, radix: 16)), \(filter.program.count / 8) instructions")
        }
        // A listener descriptor (SECCOMP_FILTER_FLAG_NEW_LISTENER) has no taker here.
        if rc > 0 { close(rc) }
    }

    private func dropBoundingSet() throws(RuntimeInitError) {
        var cap: Int32 = 0
        while cap < 64 {
            let present = shim_capbset_read(cap)
            if present < 0 { break }  // EINVAL: past the kernel's last capability
            if present == 1 && plan.capabilities.bounding & (1 << UInt64(cap)) == 0 && shim_capbset_drop(cap) != 0 {
                throw Sys.error("prctl", "PR_CAPBSET_DROP, \(cap)")
            }
            cap += 1
        }
    }

    private func switchUser() throws(RuntimeInitError) {
        let user = plan.user
        if !(plan.denySetgroups && user.additionalGids.isEmpty) {
            let rc = user.additionalGids.withUnsafeBufferPointer { setgroups($0.count, $0.baseAddress) }
            if rc != 0 {
                throw Sys.error("setgroups", user.additionalGids.map(String.init).joined(separator: ","),
                                hint: Sys.errno == EPERM && plan.denySetgroups ? "setgroups is denied in this user namespace" : nil)
            }
        }
        let unmapped = "the id is not mapped in the container's user namespace"
        if setgid(user.gid) != 0 { throw Sys.error("setgid", "\(user.gid)", hint: Sys.errno == EINVAL ? unmapped : nil) }
        if setuid(user.uid) != 0 { throw Sys.error("setuid", "\(user.uid)", hint: Sys.errno == EINVAL ? unmapped : nil) }
    }

    /// Enters the working directory and refuses one outside the container's root, which a
    /// leaked host directory descriptor (`/proc/self/fd/N`) would otherwise allow.
    private func enterWorkingDirectory() throws(RuntimeInitError) {
        if chdir(plan.cwd) != 0 { throw Sys.error("chdir", plan.cwd) }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let ok = buffer.withUnsafeMutableBufferPointer { getcwd($0.baseAddress, $0.count) != nil }
        if !ok || buffer[0] != CChar(UInt8(ascii: "/")) {
            throw .containerInit("chdir(\(plan.cwd)): the working directory is outside the container's root filesystem")
        }
    }

    /// Signal dispositions survive execve when ignored, and the mask always does: hand the
    /// process a clean slate (the monitor ignores SIGPIPE and blocks SIGCHLD).
    static func resetSignals() {
        for sig in 1..<65 where sig != SIGKILL && sig != SIGSTOP {
            _ = signal(Int32(sig), SIG_DFL)
        }
        var empty = sigset_t()
        _ = shim_sigemptyset(&empty)
        _ = sigprocmask(SIG_SETMASK, &empty, nil)
    }
}
