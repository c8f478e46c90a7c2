import Foundation
import Glibc
import SwiftletRuntimeInit
import Testing

@Suite("containers through swiftlet-monitor: confinement", .enabled(if: TestEnvironment.canRunContainers, "needs root, /bin/busybox and the built swiftlet-monitor"))
struct ContainerSecurityTests {
    /// A seccomp program returning ERRNO(EPERM) for mkdir (83) and mkdirat (258) on x86_64
    /// and allowing everything else (other architectures are allowed untouched).
    static func denyMkdirFilter() -> [UInt8] {
        func insn(_ code: UInt16, _ jt: UInt8, _ jf: UInt8, _ k: UInt32) -> [UInt8] {
            [UInt8(code & 0xff), UInt8(code >> 8), jt, jf, UInt8(k & 0xff), UInt8(k >> 8 & 0xff), UInt8(k >> 16 & 0xff), UInt8(k >> 24)]
        }
        let ldAbsW: UInt16 = 0x20, jeqK: UInt16 = 0x15, ret: UInt16 = 0x06
        return insn(ldAbsW, 0, 0, 4)                  // A = arch
            + insn(jeqK, 0, 3, 0xc000_003e)          // x86_64? else allow
            + insn(ldAbsW, 0, 0, 0)                  // A = syscall nr
            + insn(jeqK, 2, 0, 83)                   // mkdir -> deny
            + insn(jeqK, 1, 0, 258)                  // mkdirat -> deny
            + insn(ret, 0, 0, 0x7fff_0000)           // SECCOMP_RET_ALLOW
            + insn(ret, 0, 0, 0x0005_0000 | 1)       // SECCOMP_RET_ERRNO | EPERM
    }

    static func statusFields(_ output: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in output.lines {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return fields
    }

    @Test("read-only rootfs, masked files and directories, read-only paths")
    func readonlyAndMasked() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        try "TOPSECRET\n".write(toFile: sandbox.rootfs + "/etc/secret", atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: sandbox.rootfs + "/etc/secretdir", withIntermediateDirectories: true)
        try "x".write(toFile: sandbox.rootfs + "/etc/secretdir/inside", atomically: false, encoding: .utf8)
        var plan = Plans.shell("""
            touch /newfile 2>/dev/null; echo "rootfs-write=$?"
            touch /tmp/ok && echo tmp-write-ok
            cat /etc/secret; echo "secret-read=$?"
            echo "secretdir-entries=$(ls -A /etc/secretdir | wc -l)"
            echo "version-size=$(wc -c < /proc/version)"
            echo 1 > /proc/sys/kernel/shm_rmid_forced 2>/dev/null; echo "procsys-write=$?"
            """, in: sandbox)
        plan.rootfsReadonly = true
        plan.maskedPaths = ["/proc/version", "/etc/secret", "/etc/secretdir", "/does/not/exist"]
        plan.readonlyPaths = ["/proc/sys", "/also/missing"]
        let container = try await Container.mustCreate(plan, in: sandbox)
        defer { container.destroy() }
        let (exit, output) = try await container.run()
        #expect(exit.exitCode == 0)
        let lines = output.lines
        #expect(lines.contains("rootfs-write=1"))
        #expect(lines.contains("tmp-write-ok"))
        #expect(!output.contains("TOPSECRET"))
        #expect(lines.contains("secretdir-entries=0"))
        #expect(lines.contains("version-size=0"))
        #expect(lines.contains { $0.hasPrefix("procsys-write=") && $0 != "procsys-write=0" })
        #expect(!FileManager.default.fileExists(atPath: sandbox.rootfs + "/newfile"))
    }

    @Test("capability sets as requested, no_new_privs, a seccomp filter denying mkdir with EPERM, rlimits")
    func capsSeccompRlimits() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        var plan = Plans.shell("""
            grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status
            echo "nofile=$(ulimit -n)"
            mkdir /tmp/x; echo "mkdir=$?"
            """, in: sandbox)
        plan.noNewPrivileges = true
        plan.seccomp = .init(program: Self.denyMkdirFilter())
        plan.rlimits = [.init(resource: 7, soft: 1024, hard: 1024)]
        let container = try await Container.mustCreate(plan, in: sandbox)
        defer { container.destroy() }
        let (exit, output) = try await container.run()
        #expect(exit.exitCode == 0)
        let status = Self.statusFields(output)
        #expect(status["CapEff"] == "00000000a80425fb")
        #expect(status["CapPrm"] == "00000000a80425fb")
        #expect(status["CapBnd"] == "00000000a80425fb")
        #expect(status["CapInh"] == "0000000000000000")
        #expect(status["CapAmb"] == "0000000000000000")
        #expect(status["NoNewPrivs"] == "1")
        #expect(status["Seccomp"] == "2")
        #expect(output.lines.contains("nofile=1024"))
        #expect(output.contains("mkdir: can't create directory '/tmp/x': Operation not permitted"))
        #expect(output.lines.contains("mkdir=1"))
    }

    @Test("a non-root user keeps ambient capabilities; seccomp without no_new_privs loads before the switch")
    func nonRootAmbientSeccomp() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        var plan = Plans.shell("""
            id
            grep -E '^(CapEff|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status
            mkdir /tmp/y; echo "mkdir=$?"
            """, in: sandbox)
        let netBindService: UInt64 = 1 << 10
        plan.user = .init(uid: 1000, gid: 1000, additionalGids: [10, 20], umask: 0o077)
        plan.capabilities = .init(bounding: Plans.defaultCaps, effective: netBindService, inheritable: netBindService, permitted: netBindService, ambient: netBindService)
        plan.noNewPrivileges = false
        plan.seccomp = .init(program: Self.denyMkdirFilter())
        let container = try await Container.mustCreate(plan, in: sandbox)
        defer { container.destroy() }
        let (exit, output) = try await container.run()
        #expect(exit.exitCode == 0)
        #expect(output.lines.contains("uid=1000 gid=1000 groups=10,20"))
        let status = Self.statusFields(output)
        #expect(status["CapEff"] == "0000000000000400")
        #expect(status["CapAmb"] == "0000000000000400")
        #expect(status["NoNewPrivs"] == "0")
        #expect(status["Seccomp"] == "2")
        #expect(output.lines.contains("mkdir=1"))
    }

    @Test("raising RLIMIT_NOFILE's hard limit without CAP_SYS_RESOURCE fails create with a clear message")
    func rlimitAboveHardLimit() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        var current = rlimit()
        getrlimit(__rlimit_resource_t(7), &current)
        var plan = Plans.shell("ulimit -Hn", in: sandbox)
        let wanted = UInt64(current.rlim_max) * 2
        plan.rlimits = [.init(resource: 7, soft: wanted, hard: wanted)]
        switch try await Container.create(plan, in: sandbox) {
        case .failed(let message):
            #expect(message == "setrlimit(RLIMIT_NOFILE, soft=\(wanted), hard=\(wanted)): EPERM: raising a hard limit needs CAP_SYS_RESOURCE (current hard limit \(current.rlim_max))")
        case .created(let container):
            // Only a root with CAP_SYS_RESOURCE gets here; then the limit must apply.
            defer { container.destroy() }
            let (_, output) = try await container.run()
            #expect(output.lines.contains("\(wanted)"))
        }
    }

    @Test("oom_score_adj: a positive value applies; a negative one without CAP_SYS_RESOURCE fails clearly")
    func oomScoreAdj() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        var plan = Plans.shell("cat /proc/self/oom_score_adj", in: sandbox)
        plan.oomScoreAdj = 500
        let container = try await Container.mustCreate(plan, in: sandbox)
        defer { container.destroy() }
        let (_, output) = try await container.run()
        #expect(output.lines.contains("500"))

        let second = try Sandbox()
        defer { second.remove() }
        var negative = Plans.shell("cat /proc/self/oom_score_adj", in: second)
        negative.oomScoreAdj = -500
        switch try await Container.create(negative, in: second) {
        case .failed(let message):
            #expect(message.hasPrefix("write(/proc/self/oom_score_adj, -500): EACCES: lowering oom_score_adj below its current minimum needs CAP_SYS_RESOURCE"))
        case .created(let c):
            defer { c.destroy() }
            let (_, out) = try await c.run()
            #expect(out.lines.contains("-500"))
        }
    }

    @Test("symlinks in the image pointing at the host cannot redirect mounts or mount points onto the host")
    func symlinkEscape() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let hostTarget = sandbox.dir + "/host-target"
        try FileManager.default.createDirectory(atPath: hostTarget, withIntermediateDirectories: true)
        try "untouched".write(toFile: hostTarget + "/sentinel", atomically: false, encoding: .utf8)
        let source = sandbox.dir + "/bind-source"
        try "bound-content".write(toFile: source, atomically: false, encoding: .utf8)
        let etcName = "swiftlet-escape-\(UInt32.random(in: 0...UInt32.max))"
        defer { rmdir("/etc/" + etcName) }
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: sandbox.rootfs + "/escape", withDestinationPath: hostTarget)
        try fm.createSymbolicLink(atPath: sandbox.rootfs + "/up", withDestinationPath: "../../../../../../../..")
        try fm.createSymbolicLink(atPath: sandbox.rootfs + "/etcl", withDestinationPath: "/etc")
        var plan = Plans.shell("cat /escape/newfile; echo; ls /escape", in: sandbox)
        // No tmpfs on /tmp: what the init creates under the rootfs stays visible from here.
        plan.mounts.removeAll { $0.destination == "/tmp" }
        plan.mounts += [
            .init(destination: "/escape/newfile", source: source, type: "bind", options: ["bind", "ro"]),
            .init(destination: "/up" + hostTarget + "/newdir", source: "tmpfs", type: "tmpfs", options: []),
            .init(destination: "/etcl/" + etcName, source: "tmpfs", type: "tmpfs", options: []),
        ]
        let container = try await Container.mustCreate(plan, in: sandbox)
        defer { container.destroy() }
        let (exit, output) = try await container.run()
        #expect(exit.exitCode == 0)
        #expect(try fm.contentsOfDirectory(atPath: hostTarget) == ["sentinel"])
        #expect(try String(contentsOfFile: hostTarget + "/sentinel", encoding: .utf8) == "untouched")
        #expect(!fm.fileExists(atPath: "/etc/" + etcName))
        // The mount points were created inside the rootfs instead.
        #expect(fm.fileExists(atPath: sandbox.rootfs + hostTarget + "/newfile"))
        #expect(fm.fileExists(atPath: sandbox.rootfs + hostTarget + "/newdir"))
        #expect(fm.fileExists(atPath: sandbox.rootfs + "/etc/" + etcName))
        #expect(output.lines.first == "bound-content")
        #expect(output.lines.contains("newfile"))
        #expect(!output.lines.contains("sentinel"))
    }
}
