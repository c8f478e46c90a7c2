extension RuntimeDefaults {
    /// The CPU architectures the RuntimeDefault profile is specialised for.
    public enum Architecture: String, Sendable, Hashable, CaseIterable {
        case x86_64
        case aarch64

        /// The architecture this binary runs on.
        public static var native: Architecture {
            #if arch(arm64)
            return .aarch64
            #else
            return .x86_64
            #endif
        }

        /// The seccomp architectures a filter must cover so that compat-mode programs are filtered too.
        public var seccompArchitectures: [LinuxSeccompArch] {
            switch self {
            case .x86_64: return [.x86_64, .x86, .x32]
            case .aarch64: return [.arm, .aarch64]
            }
        }

        /// Architecture-specific syscalls the profile allows.
        var extraSyscalls: [String] {
            switch self {
            case .x86_64: return ["arch_prctl", "modify_ldt"]
            case .aarch64:
                return ["arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush", "set_tls"]
            }
        }
    }

    /// Syscalls every container may make under the RuntimeDefault profile (containerd's allowlist).
    public static let seccompAllowedSyscalls: [String] = """
        accept accept4 access adjtimex alarm bind brk capget capset chdir chmod chown chown32 clock_adjtime
        clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64 clock_nanosleep
        clock_nanosleep_time64 close close_range connect copy_file_range creat dup dup2 dup3 epoll_create
        epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old eventfd eventfd2
        execve execveat exit exit_group faccessat faccessat2 fadvise64 fadvise64_64 fallocate fanotify_mark fchdir
        fchmod fchmodat fchown fchown32 fchownat fcntl fcntl64 fdatasync fgetxattr flistxattr flock fork
        fremovexattr fsetxattr fstat fstat64 fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64 futex
        futex_time64 futex_waitv futimesat getcpu getcwd getdents getdents64 getegid getegid32 geteuid geteuid32
        getgid getgid32 getgroups getgroups32 getitimer getpeername getpgid getpgrp getpid getppid getpriority
        getrandom getresgid getresgid32 getresuid getresuid32 getrlimit get_robust_list getrusage getsid
        getsockname getsockopt get_thread_area gettid gettimeofday getuid getuid32 getxattr inotify_add_watch
        inotify_init inotify_init1 inotify_rm_watch io_cancel ioctl io_destroy io_getevents io_pgetevents
        io_pgetevents_time64 ioprio_get ioprio_set io_setup io_submit io_uring_enter io_uring_register
        io_uring_setup ipc kill landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown lchown32
        lgetxattr link linkat listen listxattr llistxattr _llseek lremovexattr lseek lsetxattr lstat lstat64
        madvise membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2 mlockall mmap
        mmap2 mprotect mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend
        mq_timedsend_time64 mq_unlink mremap msgctl msgget msgrcv msgsnd msync munlock munlockall munmap nanosleep
        newfstatat _newselect open openat openat2 pause pidfd_open pidfd_send_signal pipe pipe2 poll ppoll
        ppoll_time64 prctl pread64 preadv preadv2 prlimit64 process_mrelease pselect6 pselect6_time64 pwrite64
        pwritev pwritev2 read readahead readlink readlinkat readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg
        remap_file_pages removexattr rename renameat renameat2 restart_syscall rmdir rseq rt_sigaction
        rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait
        rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_getaffinity sched_getattr sched_getparam
        sched_get_priority_max sched_get_priority_min sched_getscheduler sched_rr_get_interval
        sched_rr_get_interval_time64 sched_setaffinity sched_setattr sched_setparam sched_setscheduler sched_yield
        seccomp select semctl semget semop semtimedop semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg
        sendto setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 setitimer setpgid
        setpriority setregid setregid32 setresgid setresgid32 setresuid setresuid32 setreuid setreuid32 setrlimit
        set_robust_list setsid setsockopt set_thread_area set_tid_address setuid setuid32 setxattr shmat shmctl
        shmdt shmget shutdown sigaltstack signalfd signalfd4 sigprocmask sigreturn socket socketcall socketpair
        splice stat stat64 statfs statfs64 statx symlink symlinkat sync sync_file_range syncfs sysinfo tee tgkill
        time timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64 timer_settime
        timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64 times
        tkill truncate truncate64 ugetrlimit umask uname unlink unlinkat utime utimensat utimensat_time64 utimes
        vfork vmsplice wait4 waitid waitpid write writev ptrace
        """.split(whereSeparator: \.isWhitespace).map(String.init)

    /// `personality(2)` values the profile allows: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32,
    /// and the 0xffffffff query.
    static let allowedPersonalities: [UInt64] = [0x0, 0x0008, 0x20000, 0x20008, 0xffff_ffff]

    /// Syscalls unlocked by holding a capability in the bounding set.
    static let capabilitySyscalls: [(capability: String, syscalls: [String])] = [
        ("CAP_DAC_READ_SEARCH", ["open_by_handle_at"]),
        ("CAP_SYS_ADMIN", [
            "bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick", "lookup_dcookie",
            "mount", "mount_setattr", "move_mount", "name_to_handle_at", "open_tree", "perf_event_open", "quotactl",
            "quotactl_fd", "setdomainname", "sethostname", "setns", "syslog", "umount", "umount2", "unshare",
        ]),
        ("CAP_SYS_BOOT", ["reboot"]),
        ("CAP_SYS_CHROOT", ["chroot"]),
        ("CAP_SYS_MODULE", ["delete_module", "init_module", "finit_module"]),
        ("CAP_SYS_PACCT", ["acct"]),
        ("CAP_SYS_PTRACE", ["kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"]),
        ("CAP_SYS_RAWIO", ["iopl", "ioperm"]),
        ("CAP_SYS_TIME", ["settimeofday", "stime", "clock_settime", "clock_settime64"]),
        ("CAP_SYS_TTY_CONFIG", ["vhangup"]),
        ("CAP_SYSLOG", ["syslog"]),
        ("CAP_BPF", ["bpf"]),
        ("CAP_PERFMON", ["perf_event_open"]),
    ]

    /// The namespace-creating `clone` flags a container without CAP_SYS_ADMIN may not pass.
    static let namespaceCloneFlags: UInt64 =
        0x0002_0000 | 0x0400_0000 | 0x0800_0000 | 0x1000_0000 | 0x2000_0000 | 0x4000_0000 | 0x0200_0000

    /// The RuntimeDefault seccomp profile, resolved for a capability set and architecture the way
    /// containerd's `DefaultProfile` does: an allowlist with everything else failing with EPERM.
    ///
    /// - Parameters:
    ///   - capabilities: the container's bounding set; CAP_SYS_ADMIN, CAP_SYS_PTRACE and others unlock
    ///     the syscalls they govern. Without CAP_SYS_ADMIN, `clone` may not create namespaces and
    ///     `clone3` fails with ENOSYS so that libc falls back to `clone`, whose flags can be checked.
    ///   - architecture: which architecture-specific syscalls and compat architectures to include.
    public static func seccompProfile(capabilities: [String], architecture: Architecture = .native) -> LinuxSeccomp {
        var rules: [LinuxSyscall] = [LinuxSyscall(names: seccompAllowedSyscalls, action: .allow)]
        for value in allowedPersonalities {
            rules.append(LinuxSyscall(names: ["personality"], action: .allow,
                                      args: [LinuxSeccompArg(index: 0, value: value, op: .equalTo)]))
        }
        rules.append(LinuxSyscall(names: architecture.extraSyscalls, action: .allow))
        let held = Set(capabilities)
        for (capability, syscalls) in capabilitySyscalls where held.contains(capability) {
            rules.append(LinuxSyscall(names: syscalls, action: .allow))
        }
        if !held.contains("CAP_SYS_ADMIN") {
            rules.append(LinuxSyscall(names: ["clone"], action: .allow,
                                      args: [LinuxSeccompArg(index: 0, value: namespaceCloneFlags, valueTwo: 0, op: .maskedEqual)]))
            rules.append(LinuxSyscall(names: ["clone3"], action: .errno, errnoRet: 38))
        }
        return LinuxSeccomp(
            defaultAction: .errno,
            defaultErrnoRet: 1,
            architectures: architecture.seccompArchitectures,
            syscalls: rules
        )
    }
}
