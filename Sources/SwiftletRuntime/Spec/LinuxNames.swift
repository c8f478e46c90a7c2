/// Linux capability names (`CAP_*`) and their numbers (linux/capability.h), for validation and for
/// turning `process.capabilities` into the bitmasks `capset(2)` takes.
public enum CapabilityNames {
    /// Every capability the kernel defines as of Linux 5.9, indexed by number.
    public static let all: [String] = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ]

    private static let numbers: [String: Int] = Dictionary(uniqueKeysWithValues: all.enumerated().map { ($1, $0) })

    /// The capability's number (`CAP_SYS_ADMIN` → 21), nil for an unknown name.
    public static func number(of name: String) -> Int? { numbers[name] }

    /// The 64-bit set of the named capabilities; unknown names are ignored (validation reports them).
    public static func mask(_ names: [String]) -> UInt64 {
        names.reduce(0) { mask, name in number(of: name).map { mask | (1 << UInt64($0)) } ?? mask }
    }
}

/// `RLIMIT_*` names and their resource numbers (asm-generic/resource.h, as on x86_64 and aarch64).
public enum RlimitNames {
    /// Every resource, indexed by number.
    public static let all: [String] = [
        "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC",
        "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE",
        "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
    ]

    /// The resource number for `setrlimit` (`RLIMIT_NOFILE` → 7), nil for an unknown name.
    public static func resource(of name: String) -> Int32? {
        all.firstIndex(of: name).map(Int32.init)
    }
}
