import CSeccomp
import Glibc
import Logging

/// A seccomp filter compiled to classic BPF, ready for `seccomp(SECCOMP_SET_MODE_FILTER, loadFlags, &prog)`
/// in the container init (which has no libseccomp and no Foundation).
///
/// Loading needs either `PR_SET_NO_NEW_PRIVS` set first or CAP_SYS_ADMIN in the caller's user namespace.
/// runc's order, which the init should follow: with `noNewPrivileges`, set no_new_privs and load the
/// filter as late as possible (just before `execve`, so the init's own setup syscalls aren't filtered);
/// without it, load the filter while still holding CAP_SYS_ADMIN, before capabilities are dropped.
public struct CompiledSeccomp: Sendable, Hashable {
    /// The `struct sock_filter` array as raw bytes in host byte order: 8 bytes per instruction
    /// (`u16 code, u8 jt, u8 jf, u32 k`). `sock_fprog.len` is `bpf.count / 8`.
    public var bpf: [UInt8]
    /// `SECCOMP_FILTER_FLAG_*` bits for the `seccomp(2)` call: the config's `flags`, plus
    /// `SECCOMP_FILTER_FLAG_NEW_LISTENER` when a rule uses `SCMP_ACT_NOTIFY` (and `TSYNC_ESRCH` when
    /// that meets `TSYNC`, which the kernel requires).
    public var loadFlags: UInt32
    /// Whether a rule uses `SCMP_ACT_NOTIFY`: the loader gets a notify fd back from `seccomp(2)` and must
    /// send it to the config's `listenerPath`.
    public var usesNotify: Bool
    /// Syscall names libseccomp doesn't know on any architecture; skipped, as runc skips them.
    public var skippedSyscalls: [String]

    public init(bpf: [UInt8], loadFlags: UInt32, usesNotify: Bool, skippedSyscalls: [String]) {
        self.bpf = bpf
        self.loadFlags = loadFlags
        self.usesNotify = usesNotify
        self.skippedSyscalls = skippedSyscalls
    }

    /// Number of BPF instructions.
    public var instructionCount: Int { bpf.count / SeccompCompiler.instructionSize }

    /// The instructions decoded, for inspection and tests.
    public var instructions: [BPFInstruction] {
        stride(from: 0, to: bpf.count - SeccompCompiler.instructionSize + 1, by: SeccompCompiler.instructionSize).map { at in
            let code = UInt16(bpf[at]) | UInt16(bpf[at + 1]) << 8
            let k = UInt32(bpf[at + 4]) | UInt32(bpf[at + 5]) << 8 | UInt32(bpf[at + 6]) << 16 | UInt32(bpf[at + 7]) << 24
            return BPFInstruction(code: code, jt: bpf[at + 2], jf: bpf[at + 3], k: k)
        }
    }
}

/// One classic-BPF instruction (`struct sock_filter`).
public struct BPFInstruction: Sendable, Hashable {
    /// Opcode (`BPF_LD|BPF_W|BPF_ABS`, `BPF_JMP|BPF_JEQ|BPF_K`, `BPF_RET|BPF_K`, …).
    public var code: UInt16
    /// Jump offset when the condition holds.
    public var jt: UInt8
    /// Jump offset when it doesn't.
    public var jf: UInt8
    /// The constant operand: an offset into `seccomp_data`, a value to compare, or a return value.
    public var k: UInt32

    public init(code: UInt16, jt: UInt8, jf: UInt8, k: UInt32) {
        self.code = code
        self.jt = jt
        self.jf = jf
        self.k = k
    }

    /// `BPF_RET | BPF_K`: return the constant `k` (a `SECCOMP_RET_*` value).
    public var isReturnConstant: Bool { code == 0x06 }
}

/// An error building a seccomp filter; names the config field and the libseccomp call that failed.
public struct SeccompError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The config field at fault (`linux.seccomp.syscalls[3].action`), or `linux.seccomp` for the whole filter.
    public var path: String
    /// What went wrong, including the failing libseccomp call and errno where there is one.
    public var message: String

    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// Compiles an OCI `linux.seccomp` section to BPF with libseccomp, following runc's semantics:
///
/// - The native architecture is always in the filter; `architectures` adds more (x86 and x32 on x86_64).
/// - A syscall name libseccomp doesn't know is skipped rather than failing the container.
/// - A rule whose action equals the default action is skipped (libseccomp refuses those; they're no-ops).
/// - A rule whose `args` compare the same argument index twice is split into one rule per comparison
///   (so the comparisons are ORed); otherwise all comparisons go into one rule and are ANDed.
/// - `errnoRet` defaults to EPERM for `SCMP_ACT_ERRNO` and `SCMP_ACT_TRACE`.
///
/// The filter is exported with `seccomp_export_bpf` rather than loaded, so it can be loaded later by
/// the single-threaded container init right before `execve`.
public enum SeccompCompiler {
    /// `sizeof(struct sock_filter)`.
    public static let instructionSize = 8
    /// `SECCOMP_FILTER_FLAG_NEW_LISTENER`.
    public static let newListenerFlag: UInt32 = 8
    /// `SECCOMP_FILTER_FLAG_TSYNC_ESRCH`.
    public static let tsyncESRCHFlag: UInt32 = 16
    /// EPERM, the errno used when none is configured.
    public static let defaultErrno: UInt32 = 1

    /// Builds and exports the filter.
    ///
    /// - Parameters:
    ///   - seccomp: the config section; validate it first with ``SpecValidation`` for field-level messages.
    ///   - logger: skipped syscalls are logged at debug level.
    /// - Returns: the BPF program and the flags to load it with.
    /// - Throws: ``SeccompError`` naming the field (`linux.seccomp.syscalls[3].action`) or the failing
    ///   libseccomp call and its errno.
    public static func compile(
        _ seccomp: LinuxSeccomp,
        logger: Logger = Logger(label: "swiftlet.runtime.seccomp")
    ) throws -> CompiledSeccomp {
        let defaultAction = try actionValue(seccomp.defaultAction, errno: seccomp.defaultErrnoRet,
                                            path: "linux.seccomp.defaultAction")
        if seccomp.defaultAction == .notify {
            throw SeccompError(path: "linux.seccomp.defaultAction", "SCMP_ACT_NOTIFY cannot be the default action")
        }
        guard let ctx = seccomp_init(defaultAction) else {
            throw SeccompError(path: "linux.seccomp.defaultAction",
                               "seccomp_init(\(seccomp.defaultAction.rawValue)) failed: libseccomp rejected the action")
        }
        defer { seccomp_release(ctx) }

        // The init loads the exported program itself, after setting no_new_privs as the config says.
        try check(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0), "seccomp_attr_set(CTL_NNP)", path: "linux.seccomp")

        for (i, arch) in seccomp.architectures.enumerated() {
            let path = "linux.seccomp.architectures[\(i)]"
            guard let name = arch.libseccompName else {
                throw SeccompError(path: path, "unknown architecture \(quoted(arch.rawValue))")
            }
            let token = seccomp_arch_resolve_name(name)
            guard token != 0 else {
                throw SeccompError(path: path, "unknown architecture \(quoted(arch.rawValue)): libseccomp doesn't support it")
            }
            let rc = seccomp_arch_add(ctx, token)
            if rc != 0, rc != -EEXIST {
                try check(rc, "seccomp_arch_add(\(name))", path: path)
            }
        }

        var loadFlags: UInt32 = 0
        for (i, flag) in seccomp.flags.enumerated() {
            let path = "linux.seccomp.flags[\(i)]"
            guard let bit = flag.kernelValue else {
                throw SeccompError(path: path, "unknown flag \(quoted(flag.rawValue))")
            }
            // Setting the matching attribute makes libseccomp check that this kernel supports the flag.
            let attribute: scmp_filter_attr? = switch flag {
            case .tsync: SCMP_FLTATR_CTL_TSYNC
            case .log: SCMP_FLTATR_CTL_LOG
            case .specAllow: SCMP_FLTATR_CTL_SSB
            default: nil
            }
            if let attribute {
                let rc = seccomp_attr_set(ctx, attribute, 1)
                if rc != 0 {
                    throw SeccompError(path: path, "\(flag.rawValue) is not supported by this kernel or libseccomp: "
                        + "seccomp_attr_set: \(errnoName(-rc))")
                }
            }
            loadFlags |= bit
        }

        var skipped: [String] = []
        var usesNotify = false
        for (i, rule) in seccomp.syscalls.enumerated() {
            let path = "linux.seccomp.syscalls[\(i)]"
            let action = try actionValue(rule.action, errno: rule.errnoRet, path: "\(path).action")
            if rule.action == .notify { usesNotify = true }
            if action == defaultAction { continue }
            let conditions = try rule.args.enumerated().map { j, arg in
                try condition(arg, path: "\(path).args[\(j)]")
            }
            let indexes = conditions.map(\.arg)
            // libseccomp can't AND two comparisons of one argument; runc ORs them as separate rules.
            let groups: [[scmp_arg_cmp]] = Set(indexes).count == indexes.count ? [conditions] : conditions.map { [$0] }
            for name in rule.names {
                let number = seccomp_syscall_resolve_name(name)
                if number == __NR_SCMP_ERROR {
                    if !skipped.contains(name) { skipped.append(name) }
                    continue
                }
                for group in groups {
                    let rc = group.withUnsafeBufferPointer { buffer in
                        seccomp_rule_add_array(ctx, action, number, UInt32(buffer.count), buffer.baseAddress)
                    }
                    try check(rc, "seccomp_rule_add(\(name), \(rule.action.rawValue))", path: path)
                }
            }
        }
        if !skipped.isEmpty {
            logger.debug("seccomp: skipping syscalls unknown to libseccomp", metadata: ["syscalls": "\(skipped)"])
        }
        if usesNotify {
            loadFlags |= newListenerFlag
            // The kernel refuses TSYNC with NEW_LISTENER unless told to report a failed sync as ESRCH.
            if loadFlags & LinuxSeccompFlag.tsync.kernelValue! != 0 { loadFlags |= tsyncESRCHFlag }
        }
        return CompiledSeccomp(bpf: try export(ctx), loadFlags: loadFlags, usesNotify: usesNotify, skippedSyscalls: skipped)
    }

    /// The syscall number of `name` on `arch` (the native architecture when nil), nil when libseccomp
    /// doesn't know the name there.
    public static func syscallNumber(_ name: String, arch: LinuxSeccompArch? = nil) -> Int32? {
        let number: Int32
        if let arch {
            guard let token = auditArch(arch) else { return nil }
            number = seccomp_syscall_resolve_name_arch(token, name)
        } else {
            number = seccomp_syscall_resolve_name(name)
        }
        // Negative numbers are libseccomp's pseudo-syscalls: names that exist only on other architectures.
        return number >= 0 ? number : nil
    }

    /// The `AUDIT_ARCH_*` value the kernel reports in `seccomp_data.arch` for an architecture.
    public static func auditArch(_ arch: LinuxSeccompArch) -> UInt32? {
        guard let name = arch.libseccompName else { return nil }
        let token = seccomp_arch_resolve_name(name)
        return token == 0 ? nil : token
    }

    /// The native architecture's `AUDIT_ARCH_*` value.
    public static var nativeAuditArch: UInt32 { seccomp_arch_native() }

    /// The libseccomp action value (`SCMP_ACT_*`) for an OCI action name.
    ///
    /// - Throws: ``SeccompError`` for an unknown name, or an errno given with an action that takes none.
    public static func actionValue(_ action: LinuxSeccompAction, errno: UInt32?, path: String) throws -> UInt32 {
        if errno != nil, !action.takesErrno {
            throw SeccompError(path: path, "an errno can only be given with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not \(action.rawValue)")
        }
        let ret = (errno ?? defaultErrno) & 0xffff
        switch action {
        case .kill, .killThread: return 0x0000_0000
        case .killProcess: return 0x8000_0000
        case .trap: return 0x0003_0000
        case .errno: return 0x0005_0000 | ret
        case .trace: return 0x7ff0_0000 | ret
        case .allow: return 0x7fff_0000
        case .log: return 0x7ffc_0000
        case .notify: return 0x7fc0_0000
        default:
            throw SeccompError(path: path, "unknown action \(quoted(action.rawValue))")
        }
    }

    private static func condition(_ arg: LinuxSeccompArg, path: String) throws -> scmp_arg_cmp {
        guard arg.index <= 5 else {
            throw SeccompError(path: "\(path).index", "must be between 0 and 5, got \(arg.index)")
        }
        let op: scmp_compare = switch arg.op {
        case .notEqual: SCMP_CMP_NE
        case .lessThan: SCMP_CMP_LT
        case .lessEqual: SCMP_CMP_LE
        case .equalTo: SCMP_CMP_EQ
        case .greaterEqual: SCMP_CMP_GE
        case .greaterThan: SCMP_CMP_GT
        case .maskedEqual: SCMP_CMP_MASKED_EQ
        default: throw SeccompError(path: "\(path).op", "unknown operator \(quoted(arg.op.rawValue))")
        }
        // For MASKED_EQ libseccomp takes (mask, value), which is the spec's (value, valueTwo).
        return scmp_arg_cmp(arg: arg.index, op: op, datum_a: arg.value, datum_b: arg.valueTwo)
    }

    /// The kernel's limit on a filter's length (`BPF_MAXINSNS`).
    public static let maxInstructions = 4096

    /// Exports through a pipe: a loadable filter is at most 32 KiB, well under a pipe's 64 KiB buffer,
    /// and a non-blocking write end turns a larger (unloadable) one into an error instead of a hang.
    private static func export(_ ctx: scmp_filter_ctx) throws -> [UInt8] {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            throw SeccompError(path: "linux.seccomp", "pipe: \(errnoName(errno))")
        }
        let readEnd = fds[0]
        var writeEnd = fds[1]
        defer {
            if readEnd >= 0 { close(readEnd) }
            if writeEnd >= 0 { close(writeEnd) }
        }
        for fd in [readEnd, writeEnd] { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(writeEnd, F_SETFL, fcntl(writeEnd, F_GETFL) | O_NONBLOCK)
        let rc = seccomp_export_bpf(ctx, writeEnd)
        close(writeEnd)
        writeEnd = -1
        if rc == -EAGAIN || rc == -EWOULDBLOCK {
            throw SeccompError(path: "linux.seccomp",
                               "the filter is longer than the kernel's limit of \(maxInstructions) instructions; use fewer rules")
        }
        try check(rc, "seccomp_export_bpf", path: "linux.seccomp")
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw SeccompError(path: "linux.seccomp", "read(pipe): \(errnoName(errno))") }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        guard !bytes.isEmpty, bytes.count % instructionSize == 0 else {
            throw SeccompError(path: "linux.seccomp", "seccomp_export_bpf produced \(bytes.count) bytes, not whole instructions")
        }
        guard bytes.count / instructionSize <= maxInstructions else {
            throw SeccompError(path: "linux.seccomp",
                               "the filter has \(bytes.count / instructionSize) instructions, more than the kernel's limit of \(maxInstructions); use fewer rules")
        }
        return bytes
    }

    private static func check(_ rc: Int32, _ call: String, path: String) throws {
        if rc < 0 { throw SeccompError(path: path, "\(call): \(errnoName(-rc))") }
    }

    /// `EINVAL (Invalid argument)`.
    static func errnoName(_ code: Int32) -> String {
        let names: [Int32: String] = [
            EPERM: "EPERM", ENOENT: "ENOENT", EINTR: "EINTR", EBADF: "EBADF", ENOMEM: "ENOMEM", EACCES: "EACCES",
            EFAULT: "EFAULT", EEXIST: "EEXIST", EINVAL: "EINVAL", ENOSYS: "ENOSYS", EOPNOTSUPP: "EOPNOTSUPP",
            ECANCELED: "ECANCELED", EDOM: "EDOM", ESRCH: "ESRCH",
        ]
        let text = strerror(code).map { String(cString: $0) } ?? "errno \(code)"
        return "\(names[code] ?? "errno \(code)") (\(text))"
    }
}
