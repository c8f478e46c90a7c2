/// `linux.seccomp`: a syscall filter in libseccomp's vocabulary. Compile it with ``SeccompCompiler``.
public struct LinuxSeccomp: Codable, Sendable, Hashable {
    /// What happens to a syscall no rule matches.
    public var defaultAction: LinuxSeccompAction
    /// errno for a default `SCMP_ACT_ERRNO`/`SCMP_ACT_TRACE`; EPERM (1) when absent.
    public var defaultErrnoRet: UInt32?
    /// Extra architectures (`SCMP_ARCH_X86` for 32-bit programs on x86_64); the native one is always included.
    @OmitEmpty public var architectures: [LinuxSeccompArch]
    /// `SECCOMP_FILTER_FLAG_*` names passed to `seccomp(2)` when loading.
    @OmitEmpty public var flags: [LinuxSeccompFlag]
    /// Unix socket that receives the notify fd when a rule uses `SCMP_ACT_NOTIFY`.
    @OmitEmpty public var listenerPath: String
    /// Opaque data sent with the notify fd.
    @OmitEmpty public var listenerMetadata: String
    /// Rules, in order.
    @OmitEmpty public var syscalls: [LinuxSyscall]

    public init(
        defaultAction: LinuxSeccompAction,
        defaultErrnoRet: UInt32? = nil,
        architectures: [LinuxSeccompArch] = [],
        flags: [LinuxSeccompFlag] = [],
        listenerPath: String = "",
        listenerMetadata: String = "",
        syscalls: [LinuxSyscall] = []
    ) {
        self.defaultAction = defaultAction
        self.defaultErrnoRet = defaultErrnoRet
        self.architectures = architectures
        self.flags = flags
        self.listenerPath = listenerPath
        self.listenerMetadata = listenerMetadata
        self.syscalls = syscalls
    }
}

/// `linux.seccomp.syscalls[]`: one rule for a set of syscall names.
public struct LinuxSyscall: Codable, Sendable, Hashable {
    /// Syscall names as libseccomp spells them (`openat`, `_llseek`); at least one.
    public var names: [String]
    /// What happens when a listed syscall matches the `args`.
    public var action: LinuxSeccompAction
    /// errno for `SCMP_ACT_ERRNO` (or the trace message for `SCMP_ACT_TRACE`); EPERM when absent.
    public var errnoRet: UInt32?
    /// Argument comparisons; all must hold (see ``SeccompCompiler`` for repeated indexes).
    @OmitEmpty public var args: [LinuxSeccompArg]

    public init(names: [String], action: LinuxSeccompAction, errnoRet: UInt32? = nil, args: [LinuxSeccompArg] = []) {
        self.names = names
        self.action = action
        self.errnoRet = errnoRet
        self.args = args
    }
}

/// `syscalls[].args[]`: compare syscall argument `index` (0…5) with `value`.
/// For `SCMP_CMP_MASKED_EQ`, `value` is the mask and `valueTwo` the expected masked value.
public struct LinuxSeccompArg: Codable, Sendable, Hashable {
    /// Which argument, 0…5.
    public var index: UInt32
    /// The value compared with (the mask for `SCMP_CMP_MASKED_EQ`).
    public var value: UInt64
    /// The expected masked value for `SCMP_CMP_MASKED_EQ`; unused otherwise.
    @OmitEmpty public var valueTwo: UInt64
    /// The comparison.
    public var op: LinuxSeccompOperator

    public init(index: UInt32, value: UInt64, valueTwo: UInt64 = 0, op: LinuxSeccompOperator) {
        self.index = index
        self.value = value
        self.valueTwo = valueTwo
        self.op = op
    }
}

/// A seccomp action name (`SCMP_ACT_*`). Unknown names decode and are reported by validation.
public struct LinuxSeccompAction: RawRepresentable, Codable, Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The name as it appears in config.json.
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    /// The name as it appears in config.json.
    public var description: String { rawValue }

    /// Same as `SCMP_ACT_KILL_THREAD`.
    public static let kill: LinuxSeccompAction = "SCMP_ACT_KILL"
    public static let killProcess: LinuxSeccompAction = "SCMP_ACT_KILL_PROCESS"
    public static let killThread: LinuxSeccompAction = "SCMP_ACT_KILL_THREAD"
    public static let trap: LinuxSeccompAction = "SCMP_ACT_TRAP"
    public static let errno: LinuxSeccompAction = "SCMP_ACT_ERRNO"
    public static let trace: LinuxSeccompAction = "SCMP_ACT_TRACE"
    public static let allow: LinuxSeccompAction = "SCMP_ACT_ALLOW"
    public static let log: LinuxSeccompAction = "SCMP_ACT_LOG"
    public static let notify: LinuxSeccompAction = "SCMP_ACT_NOTIFY"

    /// Every action the spec defines.
    public static let all: [LinuxSeccompAction] = [
        .kill, .killProcess, .killThread, .trap, .errno, .trace, .allow, .log, .notify,
    ]

    /// Whether an errno (`errnoRet`/`defaultErrnoRet`) is meaningful with this action.
    public var takesErrno: Bool { self == .errno || self == .trace }
}

/// A comparison operator name (`SCMP_CMP_*`).
public struct LinuxSeccompOperator: RawRepresentable, Codable, Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The name as it appears in config.json.
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    /// The name as it appears in config.json.
    public var description: String { rawValue }

    public static let notEqual: LinuxSeccompOperator = "SCMP_CMP_NE"
    public static let lessThan: LinuxSeccompOperator = "SCMP_CMP_LT"
    public static let lessEqual: LinuxSeccompOperator = "SCMP_CMP_LE"
    public static let equalTo: LinuxSeccompOperator = "SCMP_CMP_EQ"
    public static let greaterEqual: LinuxSeccompOperator = "SCMP_CMP_GE"
    public static let greaterThan: LinuxSeccompOperator = "SCMP_CMP_GT"
    public static let maskedEqual: LinuxSeccompOperator = "SCMP_CMP_MASKED_EQ"

    /// Every operator the spec defines.
    public static let all: [LinuxSeccompOperator] = [
        .notEqual, .lessThan, .lessEqual, .equalTo, .greaterEqual, .greaterThan, .maskedEqual,
    ]
}

/// An architecture name (`SCMP_ARCH_*`).
public struct LinuxSeccompArch: RawRepresentable, Codable, Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The name as it appears in config.json.
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    /// The name as it appears in config.json.
    public var description: String { rawValue }

    public static let x86: LinuxSeccompArch = "SCMP_ARCH_X86"
    public static let x86_64: LinuxSeccompArch = "SCMP_ARCH_X86_64"
    public static let x32: LinuxSeccompArch = "SCMP_ARCH_X32"
    public static let arm: LinuxSeccompArch = "SCMP_ARCH_ARM"
    public static let aarch64: LinuxSeccompArch = "SCMP_ARCH_AARCH64"
    public static let riscv64: LinuxSeccompArch = "SCMP_ARCH_RISCV64"
    public static let s390: LinuxSeccompArch = "SCMP_ARCH_S390"
    public static let s390x: LinuxSeccompArch = "SCMP_ARCH_S390X"
    public static let ppc64le: LinuxSeccompArch = "SCMP_ARCH_PPC64LE"

    /// Every architecture the spec defines.
    public static let all: [LinuxSeccompArch] = [
        "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
        "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",
        "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390",
        "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",
    ]

    /// libseccomp's own name for the architecture (`SCMP_ARCH_X86_64` → `x86_64`), for `seccomp_arch_resolve_name`.
    public var libseccompName: String? {
        guard rawValue.hasPrefix("SCMP_ARCH_") else { return nil }
        return rawValue.dropFirst("SCMP_ARCH_".count).lowercased()
    }
}

/// A `seccomp(2)` filter flag name (`SECCOMP_FILTER_FLAG_*`).
public struct LinuxSeccompFlag: RawRepresentable, Codable, Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The name as it appears in config.json.
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    /// The name as it appears in config.json.
    public var description: String { rawValue }

    public static let tsync: LinuxSeccompFlag = "SECCOMP_FILTER_FLAG_TSYNC"
    public static let log: LinuxSeccompFlag = "SECCOMP_FILTER_FLAG_LOG"
    public static let specAllow: LinuxSeccompFlag = "SECCOMP_FILTER_FLAG_SPEC_ALLOW"
    public static let waitKillableRecv: LinuxSeccompFlag = "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"

    /// Every flag the spec defines.
    public static let all: [LinuxSeccompFlag] = [.tsync, .log, .specAllow, .waitKillableRecv]

    /// The kernel's bit for the flag (linux/seccomp.h), nil for an unknown name.
    public var kernelValue: UInt32? {
        switch self {
        case .tsync: return 1
        case .log: return 2
        case .specAllow: return 4
        case .waitKillableRecv: return 32
        default: return nil
        }
    }
}
