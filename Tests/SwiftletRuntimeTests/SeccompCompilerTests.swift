import Foundation
import Testing
@testable import SwiftletRuntime

/// Runs a classic-BPF seccomp program against one syscall, as the kernel would, so the compiled
/// filter's semantics can be checked without loading it into the (multithreaded) test process.
struct SeccompInterpreter {
    enum Failure: Error, CustomStringConvertible {
        case unsupportedOpcode(UInt16, at: Int)
        case outOfBounds(Int)
        case fellOffEnd
        var description: String {
            switch self {
            case .unsupportedOpcode(let code, let at): return "unsupported BPF opcode 0x\(String(code, radix: 16)) at \(at)"
            case .outOfBounds(let offset): return "load outside seccomp_data at offset \(offset)"
            case .fellOffEnd: return "program ended without RET"
            }
        }
    }

    let program: [BPFInstruction]

    /// The `SECCOMP_RET_*` value for syscall `nr` on `arch` with `args`.
    func run(nr: Int32, arch: UInt32, args: [UInt64] = []) throws -> UInt32 {
        // struct seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6]; little-endian words.
        var words: [UInt32] = [UInt32(bitPattern: nr), arch, 0, 0]
        for i in 0..<6 {
            let value = i < args.count ? args[i] : 0
            words.append(UInt32(truncatingIfNeeded: value))
            words.append(UInt32(truncatingIfNeeded: value >> 32))
        }
        var a: UInt32 = 0
        var x: UInt32 = 0
        var memory = [UInt32](repeating: 0, count: 16)
        var pc = 0
        while pc < program.count {
            let ins = program[pc]
            pc += 1
            switch ins.code {
            case 0x20:  // LD W ABS
                guard ins.k % 4 == 0, Int(ins.k / 4) < words.count else { throw Failure.outOfBounds(Int(ins.k)) }
                a = words[Int(ins.k / 4)]
            case 0x00: a = ins.k  // LD IMM
            case 0x01: x = ins.k  // LDX IMM
            case 0x60: a = memory[Int(ins.k)]  // LD MEM
            case 0x61: x = memory[Int(ins.k)]  // LDX MEM
            case 0x02: memory[Int(ins.k)] = a  // ST
            case 0x03: memory[Int(ins.k)] = x  // STX
            case 0x54: a &= ins.k  // ALU AND K
            case 0x44: a |= ins.k  // ALU OR K
            case 0x5c: a &= x  // ALU AND X
            case 0x87: a = x  // MISC TXA
            case 0x07: x = a  // MISC TAX
            case 0x05: pc += Int(ins.k)  // JA
            case 0x15: pc += a == ins.k ? Int(ins.jt) : Int(ins.jf)  // JEQ K
            case 0x25: pc += a > ins.k ? Int(ins.jt) : Int(ins.jf)  // JGT K
            case 0x35: pc += a >= ins.k ? Int(ins.jt) : Int(ins.jf)  // JGE K
            case 0x45: pc += a & ins.k != 0 ? Int(ins.jt) : Int(ins.jf)  // JSET K
            case 0x1d: pc += a == x ? Int(ins.jt) : Int(ins.jf)  // JEQ X
            case 0x2d: pc += a > x ? Int(ins.jt) : Int(ins.jf)  // JGT X
            case 0x3d: pc += a >= x ? Int(ins.jt) : Int(ins.jf)  // JGE X
            case 0x06: return ins.k  // RET K
            case 0x16: return a  // RET A
            default: throw Failure.unsupportedOpcode(ins.code, at: pc - 1)
            }
        }
        throw Failure.fellOffEnd
    }
}

private let retAllow: UInt32 = 0x7fff_0000
private func retErrno(_ e: UInt32) -> UInt32 { 0x0005_0000 | e }

@Suite("SeccompCompiler")
struct SeccompCompilerTests {
    let native = SeccompCompiler.nativeAuditArch

    func number(_ name: String) throws -> Int32 {
        try #require(SeccompCompiler.syscallNumber(name), "libseccomp knows \(name)")
    }

    @Test("the RuntimeDefault profile compiles to a non-empty program of whole instructions")
    func defaultProfileCompiles() throws {
        let compiled = try SeccompCompiler.compile(RuntimeDefaults.seccompProfile(capabilities: RuntimeDefaults.capabilities))
        #expect(!compiled.bpf.isEmpty)
        #expect(compiled.bpf.count % 8 == 0)
        #expect(compiled.instructionCount == compiled.bpf.count / 8)
        #expect(compiled.instructionCount <= SeccompCompiler.maxInstructions)
        #expect(compiled.skippedSyscalls.isEmpty, "libseccomp 2.5 knows every name in the profile")
        #expect(compiled.loadFlags == 0)
        #expect(!compiled.usesNotify)
        // The default action's return value is in the program: SECCOMP_RET_ERRNO | EPERM.
        #expect(compiled.instructions.contains { $0.isReturnConstant && $0.k == retErrno(1) })
        #expect(compiled.instructions.contains { $0.isReturnConstant && $0.k == retAllow })
    }

    @Test("the RuntimeDefault filter allows read, denies kexec_load with EPERM and gates clone flags")
    func defaultProfileSemantics() throws {
        let compiled = try SeccompCompiler.compile(RuntimeDefaults.seccompProfile(capabilities: RuntimeDefaults.capabilities))
        let vm = SeccompInterpreter(program: compiled.instructions)
        #expect(try vm.run(nr: number("read"), arch: native) == retAllow)
        #expect(try vm.run(nr: number("write"), arch: native) == retAllow)
        #expect(try vm.run(nr: number("kexec_load"), arch: native) == retErrno(1))
        #expect(try vm.run(nr: number("mount"), arch: native) == retErrno(1))
        #expect(try vm.run(nr: number("chroot"), arch: native) == retAllow, "CAP_SYS_CHROOT is a default capability")
        #expect(try vm.run(nr: number("clone3"), arch: native) == retErrno(38), "clone3 gets ENOSYS without CAP_SYS_ADMIN")
        let newUser: UInt64 = 0x1000_0000
        let sigchld: UInt64 = 17
        // clone's flags are argument 0 on x86_64 and aarch64.
        let plain = [sigchld]
        let namespaced = [sigchld | newUser]
        #expect(try vm.run(nr: number("clone"), arch: native, args: plain) == retAllow)
        #expect(try vm.run(nr: number("clone"), arch: native, args: namespaced) == retErrno(1))
        #expect(try vm.run(nr: number("personality"), arch: native, args: [0]) == retAllow)
        #expect(try vm.run(nr: number("personality"), arch: native, args: [0x0040_0000]) == retErrno(1))
    }

    @Test("CAP_SYS_ADMIN in the bounding set unlocks mount and unrestricted clone")
    func adminProfileSemantics() throws {
        let caps = RuntimeDefaults.capabilities + ["CAP_SYS_ADMIN"]
        let compiled = try SeccompCompiler.compile(RuntimeDefaults.seccompProfile(capabilities: caps))
        let vm = SeccompInterpreter(program: compiled.instructions)
        #expect(try vm.run(nr: number("mount"), arch: native) == retAllow)
        #expect(try vm.run(nr: number("clone"), arch: native, args: [0x1000_0000 | 17]) == retAllow)
        #expect(try vm.run(nr: number("clone3"), arch: native) == retAllow)
    }

    @Test("a tiny profile compiles to the expected actions, including errnoRet and the default")
    func tinyProfile() throws {
        let profile = LinuxSeccomp(
            defaultAction: .allow,
            syscalls: [
                LinuxSyscall(names: ["getpid"], action: .errno, errnoRet: 99),
                LinuxSyscall(names: ["getppid"], action: .errno),
                LinuxSyscall(names: ["uname"], action: .killProcess),
                LinuxSyscall(names: ["sync"], action: .trap),
                LinuxSyscall(names: ["syncfs"], action: .log),
                LinuxSyscall(names: ["getuid"], action: .trace, errnoRet: 7),
                LinuxSyscall(names: ["getgid"], action: .kill),
            ]
        )
        let compiled = try SeccompCompiler.compile(profile)
        let returns = Set(compiled.instructions.filter(\.isReturnConstant).map(\.k))
        #expect(returns.isSuperset(of: [retAllow, retErrno(99), retErrno(1), 0x8000_0000, 0x0003_0000, 0x7ffc_0000, 0x7ff0_0007, 0]))
        let vm = SeccompInterpreter(program: compiled.instructions)
        #expect(try vm.run(nr: number("getpid"), arch: native) == retErrno(99))
        #expect(try vm.run(nr: number("getppid"), arch: native) == retErrno(1))
        #expect(try vm.run(nr: number("uname"), arch: native) == 0x8000_0000)
        #expect(try vm.run(nr: number("sync"), arch: native) == 0x0003_0000)
        #expect(try vm.run(nr: number("getuid"), arch: native) == 0x7ff0_0007)
        #expect(try vm.run(nr: number("getgid"), arch: native) == 0)
        #expect(try vm.run(nr: number("read"), arch: native) == retAllow)
    }

    @Test("argument comparisons: every operator, masked equality, ANDed across indexes, ORed on one index")
    func argumentOperators() throws {
        let eperm = retErrno(1)
        let profile = LinuxSeccomp(
            defaultAction: .allow,
            syscalls: [
                LinuxSyscall(names: ["dup"], action: .errno, args: [LinuxSeccompArg(index: 0, value: 5, op: .equalTo)]),
                LinuxSyscall(names: ["close"], action: .errno, args: [LinuxSeccompArg(index: 0, value: 5, op: .notEqual)]),
                LinuxSyscall(names: ["fsync"], action: .errno, args: [LinuxSeccompArg(index: 0, value: 5, op: .lessThan)]),
                LinuxSyscall(names: ["fdatasync"], action: .errno, args: [LinuxSeccompArg(index: 0, value: 5, op: .lessEqual)]),
                LinuxSyscall(names: ["fchdir"], action: .errno, args: [LinuxSeccompArg(index: 0, value: 5, op: .greaterThan)]),
                LinuxSyscall(names: ["syncfs"], action: .errno, args: [LinuxSeccompArg(index: 0, value: 5, op: .greaterEqual)]),
                LinuxSyscall(names: ["umask"], action: .errno,
                             args: [LinuxSeccompArg(index: 0, value: 0o700, valueTwo: 0o200, op: .maskedEqual)]),
                // Two different indexes: both must hold.
                LinuxSyscall(names: ["kill"], action: .errno, args: [
                    LinuxSeccompArg(index: 0, value: 1, op: .equalTo), LinuxSeccompArg(index: 1, value: 9, op: .equalTo),
                ]),
                // The same index twice: either may hold (runc's behaviour).
                LinuxSyscall(names: ["setuid"], action: .errno, args: [
                    LinuxSeccompArg(index: 0, value: 0, op: .equalTo), LinuxSeccompArg(index: 0, value: 1000, op: .equalTo),
                ]),
            ]
        )
        let vm = SeccompInterpreter(program: try SeccompCompiler.compile(profile).instructions)
        func run(_ name: String, _ args: UInt64...) throws -> UInt32 { try vm.run(nr: number(name), arch: native, args: args) }
        #expect(try run("dup", 5) == eperm)
        #expect(try run("dup", 6) == retAllow)
        #expect(try run("close", 5) == retAllow)
        #expect(try run("close", 6) == eperm)
        #expect(try run("fsync", 4) == eperm)
        #expect(try run("fsync", 5) == retAllow)
        #expect(try run("fdatasync", 5) == eperm)
        #expect(try run("fdatasync", 6) == retAllow)
        #expect(try run("fchdir", 6) == eperm)
        #expect(try run("fchdir", 5) == retAllow)
        #expect(try run("syncfs", 5) == eperm)
        #expect(try run("syncfs", 4) == retAllow)
        #expect(try run("umask", 0o227) == eperm)
        #expect(try run("umask", 0o022) == retAllow)
        #expect(try run("kill", 1, 9) == eperm)
        #expect(try run("kill", 1, 15) == retAllow)
        #expect(try run("kill", 2, 9) == retAllow)
        #expect(try run("setuid", 0) == eperm)
        #expect(try run("setuid", 1000) == eperm)
        #expect(try run("setuid", 1) == retAllow)
    }

    @Test("extra architectures are checked; a foreign architecture gets the bad-arch kill")
    func architectures() throws {
        let x86 = try #require(SeccompCompiler.auditArch(.x86))
        let x86_64 = try #require(SeccompCompiler.auditArch(.x86_64))
        #expect(x86 == 0x4000_0003)
        #expect(x86_64 == 0xc000_003e)
        let profile = LinuxSeccomp(
            defaultAction: .errno,
            architectures: [.x86_64, .x86],
            syscalls: [LinuxSyscall(names: ["getpid", "chown32"], action: .allow)]
        )
        let compiled = try SeccompCompiler.compile(profile)
        #expect(compiled.instructions.contains { $0.code == 0x15 && $0.k == x86 })
        let vm = SeccompInterpreter(program: compiled.instructions)
        // chown32 exists only on 32-bit x86 (number 212 there); getpid is 20 on x86, 39 on x86_64.
        let chown32 = try #require(SeccompCompiler.syscallNumber("chown32", arch: .x86))
        #expect(try vm.run(nr: chown32, arch: x86) == retAllow)
        #expect(try vm.run(nr: #require(SeccompCompiler.syscallNumber("getpid", arch: .x86)), arch: x86) == retAllow)
        #expect(try vm.run(nr: #require(SeccompCompiler.syscallNumber("getpid", arch: .x86_64)), arch: x86_64) == retAllow)
        #expect(try vm.run(nr: 0, arch: 0xc000_00b7) == 0, "aarch64 isn't in the filter: SECCOMP_RET_KILL_THREAD")
    }

    @Test("unknown syscall names are skipped like runc, and rules equal to the default are dropped")
    func unknownNamesSkipped() throws {
        let profile = LinuxSeccomp(
            defaultAction: .errno,
            syscalls: [
                LinuxSyscall(names: ["read", "no_such_syscall", "another_fake"], action: .allow),
                LinuxSyscall(names: ["write"], action: .errno),
            ]
        )
        let compiled = try SeccompCompiler.compile(profile)
        #expect(compiled.skippedSyscalls == ["no_such_syscall", "another_fake"])
        let vm = SeccompInterpreter(program: compiled.instructions)
        #expect(try vm.run(nr: number("read"), arch: native) == retAllow)
        #expect(try vm.run(nr: number("write"), arch: native) == retErrno(1))
    }

    @Test("flags become load flags; SCMP_ACT_NOTIFY adds SECCOMP_FILTER_FLAG_NEW_LISTENER")
    func loadFlags() throws {
        let flagged = LinuxSeccomp(
            defaultAction: .allow,
            flags: [.log, .specAllow, .waitKillableRecv],
            syscalls: [LinuxSyscall(names: ["getpid"], action: .errno)]
        )
        let compiled = try SeccompCompiler.compile(flagged)
        #expect(compiled.loadFlags == 2 | 4 | 32)
        #expect(!compiled.usesNotify)

        let tsync = try SeccompCompiler.compile(LinuxSeccomp(defaultAction: .allow, flags: [.tsync],
                                                             syscalls: [LinuxSyscall(names: ["getpid"], action: .errno)]))
        #expect(tsync.loadFlags == 1)

        let notify = LinuxSeccomp(
            defaultAction: .allow,
            listenerPath: "/run/agent.sock",
            syscalls: [LinuxSyscall(names: ["mknod"], action: .notify)]
        )
        let notified = try SeccompCompiler.compile(notify)
        #expect(notified.usesNotify)
        #expect(notified.loadFlags == SeccompCompiler.newListenerFlag)
        #expect(notified.instructions.contains { $0.isReturnConstant && $0.k == 0x7fc0_0000 })

        var synced = notify
        synced.flags = [.tsync]
        #expect(try SeccompCompiler.compile(synced).loadFlags == 1 | 8 | 16)
    }

    @Test("invalid sections fail with the field path")
    func errors() {
        #expect(throws: SeccompError(path: "linux.seccomp.syscalls[0].action", "unknown action \"SCMP_ACT_FOO\"")) {
            try SeccompCompiler.compile(LinuxSeccomp(defaultAction: .allow,
                                                     syscalls: [LinuxSyscall(names: ["read"], action: "SCMP_ACT_FOO")]))
        }
        #expect(throws: SeccompError(path: "linux.seccomp.defaultAction", "unknown action \"SCMP_ACT_NOPE\"")) {
            try SeccompCompiler.compile(LinuxSeccomp(defaultAction: "SCMP_ACT_NOPE"))
        }
        #expect(throws: SeccompError(path: "linux.seccomp.syscalls[0].args[0].op", "unknown operator \"SCMP_CMP_XX\"")) {
            try SeccompCompiler.compile(LinuxSeccomp(defaultAction: .allow, syscalls: [
                LinuxSyscall(names: ["read"], action: .errno, args: [LinuxSeccompArg(index: 0, value: 1, op: "SCMP_CMP_XX")]),
            ]))
        }
        #expect(throws: SeccompError(path: "linux.seccomp.architectures[0]", "unknown architecture \"SCMP_ARCH_VAX\": libseccomp doesn't support it")) {
            try SeccompCompiler.compile(LinuxSeccomp(defaultAction: .allow, architectures: ["SCMP_ARCH_VAX"]))
        }
        #expect(throws: SeccompError(path: "linux.seccomp.flags[0]", "unknown flag \"SECCOMP_FILTER_FLAG_BOGUS\"")) {
            try SeccompCompiler.compile(LinuxSeccomp(defaultAction: .allow, flags: ["SECCOMP_FILTER_FLAG_BOGUS"]))
        }
        #expect(throws: SeccompError(path: "linux.seccomp.syscalls[0].action",
                                     "an errno can only be given with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_ALLOW")) {
            try SeccompCompiler.compile(LinuxSeccomp(defaultAction: .errno,
                                                     syscalls: [LinuxSyscall(names: ["read"], action: .allow, errnoRet: 1)]))
        }
        #expect(throws: SeccompError(path: "linux.seccomp.defaultAction", "SCMP_ACT_NOTIFY cannot be the default action")) {
            try SeccompCompiler.compile(LinuxSeccomp(defaultAction: .notify))
        }
    }
}

/// Loads compiled filters for real, in a separate Python process (the test process is multithreaded, so
/// it must not fork): the child sets no_new_privs, calls seccomp(SECCOMP_SET_MODE_FILTER) with the BPF
/// bytes, then makes raw syscalls and reports the errno each one got.
@Suite("SeccompCompiler kernel load")
struct SeccompKernelLoadTests {
    static let python: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return (path.split(separator: ":").map { "\($0)/python3" } + ["/usr/bin/python3"])
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static let loader = """
        import ctypes, sys
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        bpf_path, flags, seccomp_nr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
        data = open(bpf_path, "rb").read()
        buf = ctypes.create_string_buffer(data, len(data))
        class Prog(ctypes.Structure):
            _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
        prog = Prog(len(data) // 8, ctypes.cast(buf, ctypes.c_void_p))
        if libc.prctl(38, 1, 0, 0, 0) != 0:
            sys.exit("prctl(PR_SET_NO_NEW_PRIVS) failed: %d" % ctypes.get_errno())
        if libc.syscall(seccomp_nr, 1, flags, ctypes.byref(prog)) < 0:
            sys.exit("seccomp(SECCOMP_SET_MODE_FILTER) failed: %d" % ctypes.get_errno())
        out = []
        for check in sys.argv[4:]:
            name, nr = check.split("=")
            ctypes.set_errno(0)
            rc = libc.syscall(int(nr), 0, 0, 0, 0, 0, 0)
            out.append("%s=%d" % (name, ctypes.get_errno() if rc < 0 else 0))
        sys.stdout.write(" ".join(out))
        """

    /// Loads `compiled` in a child and returns `name=errno` (0 when the call succeeded) for each syscall.
    func run(_ compiled: CompiledSeccomp, _ syscalls: [String]) throws -> String {
        let python = try #require(Self.python)
        let bundle = try SpecTestBundle()
        defer { bundle.cleanup() }
        try Data(compiled.bpf).write(to: URL(fileURLWithPath: bundle.path + "/filter.bpf"))
        try bundle.write(Self.loader, to: "load.py")
        let seccompNumber = try #require(SeccompCompiler.syscallNumber("seccomp"))
        var arguments = [bundle.path + "/load.py", bundle.path + "/filter.bpf", String(compiled.loadFlags), String(seccompNumber)]
        for name in syscalls {
            arguments.append("\(name)=\(try #require(SeccompCompiler.syscallNumber(name)))")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "loader failed: \(stderr)")
        return text
    }

    @Test("the kernel accepts the RuntimeDefault filter: getpid works, kexec_load/mount/unshare get EPERM, clone3 ENOSYS",
          .enabled(if: python != nil, "python3 is not installed"))
    func runtimeDefault() throws {
        let compiled = try SeccompCompiler.compile(RuntimeDefaults.seccompProfile(capabilities: RuntimeDefaults.capabilities))
        let result = try run(compiled, ["getpid", "kexec_load", "mount", "unshare", "clone3"])
        #expect(result == "getpid=0 kexec_load=1 mount=1 unshare=1 clone3=38")
    }

    @Test("a tiny profile with a custom errno and the LOG flag loads and takes effect",
          .enabled(if: python != nil, "python3 is not installed"))
    func tinyProfile() throws {
        let compiled = try SeccompCompiler.compile(LinuxSeccomp(
            defaultAction: .allow,
            flags: [.log],
            syscalls: [LinuxSyscall(names: ["getppid"], action: .errno, errnoRet: 99)]
        ))
        #expect(try run(compiled, ["getpid", "getppid"]) == "getpid=0 getppid=99")
    }
}
