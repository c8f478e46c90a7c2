import Foundation
import Testing
@testable import SwiftletRuntime

@Suite("RuntimeDefaults")
struct RuntimeDefaultsTests {
    @Test("the 14 default capabilities are containerd's, all known to the kernel")
    func capabilities() {
        #expect(RuntimeDefaults.capabilities.count == 14)
        #expect(Set(RuntimeDefaults.capabilities) == [
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
            "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
        ])
        #expect(RuntimeDefaults.capabilities.allSatisfy { CapabilityNames.number(of: $0) != nil })
        #expect(!RuntimeDefaults.capabilities.contains("CAP_SYS_ADMIN"))
        // CAP_CHOWN=0, CAP_KILL=5, CAP_SYS_CHROOT=18, CAP_AUDIT_WRITE=29.
        #expect(CapabilityNames.mask(["CAP_CHOWN", "CAP_KILL"]) == 0b100001)
        #expect(CapabilityNames.number(of: "CAP_SYS_CHROOT") == 18)
        #expect(CapabilityNames.number(of: "CAP_AUDIT_WRITE") == 29)
        #expect(CapabilityNames.number(of: "CAP_CHECKPOINT_RESTORE") == 40)
        #expect(RlimitNames.resource(of: "RLIMIT_NOFILE") == 7)
        #expect(RlimitNames.resource(of: "RLIMIT_RTTIME") == 15)
    }

    @Test("masked and read-only paths cover /proc/kcore, /proc/sys and the rest of containerd's lists")
    func paths() {
        #expect(RuntimeDefaults.maskedPaths.contains("/proc/kcore"))
        #expect(RuntimeDefaults.maskedPaths.contains("/proc/keys"))
        #expect(RuntimeDefaults.maskedPaths.contains("/sys/firmware"))
        #expect(RuntimeDefaults.readonlyPaths == ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"])
        #expect((RuntimeDefaults.maskedPaths + RuntimeDefaults.readonlyPaths).allSatisfy { $0.hasPrefix("/") })
        #expect(Set(RuntimeDefaults.maskedPaths).count == RuntimeDefaults.maskedPaths.count)
    }

    @Test("our masked paths include every path `runc spec` masks",
          .enabled(if: FileManager.default.isExecutableFile(atPath: specTestRunc), "runc is not installed"))
    func coversRunc() throws {
        let bundle = try SpecTestBundle()
        defer { bundle.cleanup() }
        try bundle.run(specTestRunc, ["spec"])
        let runc = try Spec.load(bundle: bundle.path)
        let masked = Set(runc.linux?.maskedPaths ?? [])
        let readonly = Set(runc.linux?.readonlyPaths ?? [])
        #expect(!masked.isEmpty)
        #expect(masked.isSubset(of: RuntimeDefaults.maskedPaths))
        #expect(readonly == Set(RuntimeDefaults.readonlyPaths))
        // Same mounts as runc's (containerd adds nosuid/noexec/nodev to /proc).
        let runcMounts = runc.mounts.filter { $0.destination != "/sys/fs/cgroup" }
        #expect(runcMounts.map(\.destination) == RuntimeDefaults.mounts.map(\.destination))
        #expect(runcMounts.map(\.type) == RuntimeDefaults.mounts.map(\.type))
        #expect(runcMounts.map(\.source) == RuntimeDefaults.mounts.map(\.source))
    }

    @Test("default devices are the six nodes the spec requires, 0666 and root-owned; ptmx links to devpts")
    func devices() {
        let nodes = RuntimeDefaults.devices.map { "\($0.path) \($0.type) \($0.major ?? -1):\($0.minor ?? -1)" }
        #expect(nodes == ["/dev/null c 1:3", "/dev/zero c 1:5", "/dev/full c 1:7", "/dev/random c 1:8",
                          "/dev/urandom c 1:9", "/dev/tty c 5:0"])
        #expect(RuntimeDefaults.devices.allSatisfy { $0.fileMode == 0o666 && $0.uid == 0 && $0.gid == 0 })
        #expect(RuntimeDefaults.deviceSymlinks.contains(RuntimeDefaults.DeviceSymlink(path: "/dev/ptmx", target: "pts/ptmx")))
        #expect(RuntimeDefaults.deviceSymlinks.contains(RuntimeDefaults.DeviceSymlink(path: "/dev/fd", target: "/proc/self/fd")))
    }

    @Test("device cgroup rules deny everything first, then allow the default devices, ptys and tun")
    func deviceRules() {
        let rules = RuntimeDefaults.deviceCgroupRules
        #expect(rules.first == LinuxDeviceCgroup(allow: false, access: "rwm"))
        #expect(rules.dropFirst().allSatisfy { $0.allow && $0.type == "c" && $0.access == "rwm" })
        for device in RuntimeDefaults.devices {
            #expect(rules.contains { $0.allow && $0.major == device.major && $0.minor == device.minor }, "\(device.path) allowed")
        }
        #expect(rules.contains(LinuxDeviceCgroup(allow: true, type: "c", major: 136, minor: nil, access: "rwm")), "/dev/pts/*")
        #expect(rules.contains(LinuxDeviceCgroup(allow: true, type: "c", major: 5, minor: 2, access: "rwm")), "/dev/ptmx")
        #expect(rules.contains(LinuxDeviceCgroup(allow: true, type: "c", major: 10, minor: 200, access: "rwm")), "tun")
    }

    @Test("default mounts are proc, /dev tmpfs, devpts, shm, mqueue and a read-only sysfs")
    func mounts() {
        #expect(RuntimeDefaults.mounts.map(\.destination) == ["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys"])
        #expect(RuntimeDefaults.mounts.map(\.type) == ["proc", "tmpfs", "devpts", "tmpfs", "mqueue", "sysfs"])
        #expect(RuntimeDefaults.mounts[5].options.contains("ro"))
        #expect(RuntimeDefaults.mounts[2].options.contains("newinstance"))
        #expect(RuntimeDefaults.mounts.allSatisfy { $0.options.contains("nosuid") })
    }

    @Test("the seccomp profile is an EPERM allowlist for the architecture, read allowed, kexec_load not")
    func seccompProfile() {
        let profile = RuntimeDefaults.seccompProfile(capabilities: RuntimeDefaults.capabilities, architecture: .x86_64)
        #expect(profile.defaultAction == .errno)
        #expect(profile.defaultErrnoRet == 1)
        #expect(profile.architectures == [.x86_64, .x86, .x32])
        let allowed = Set(profile.syscalls.filter { $0.action == .allow && $0.args.isEmpty }.flatMap(\.names))
        #expect(allowed.isSuperset(of: ["read", "write", "openat", "execve", "exit_group", "futex", "arch_prctl", "chroot"]))
        for denied in ["kexec_load", "mount", "umount2", "unshare", "setns", "bpf", "reboot",
                       "init_module", "open_by_handle_at", "clone3", "perf_event_open", "syslog"] {
            #expect(!allowed.contains(denied), "\(denied) must not be allowed")
        }
        #expect(!profile.syscalls.contains { $0.names.contains("kexec_load") })
        #expect(profile.syscalls.contains(LinuxSyscall(names: ["clone3"], action: .errno, errnoRet: 38)))
        let clone = profile.syscalls.first { $0.names == ["clone"] }
        #expect(clone?.args == [LinuxSeccompArg(index: 0, value: 0x7E02_0000, valueTwo: 0, op: .maskedEqual)])
        #expect(profile.syscalls.filter { $0.names == ["personality"] }.count == 5)
        // Everything in it is a well-formed, valid section.
        var spec = RuntimeDefaults.spec(args: ["sh"])
        spec.linux?.seccomp = profile
        #expect(SpecValidation.validate(spec, bundle: "/").filter { $0.path.hasPrefix("linux.seccomp") } == [])
    }

    @Test("capabilities unlock their syscalls: CAP_SYS_ADMIN mount and free clone, CAP_SYS_PTRACE process_vm_readv")
    func capabilityConditional() {
        let profile = RuntimeDefaults.seccompProfile(
            capabilities: RuntimeDefaults.capabilities + ["CAP_SYS_ADMIN", "CAP_SYS_PTRACE", "CAP_SYS_TIME"],
            architecture: .x86_64
        )
        let allowed = Set(profile.syscalls.filter { $0.action == .allow && $0.args.isEmpty }.flatMap(\.names))
        #expect(allowed.isSuperset(of: ["mount", "umount2", "unshare", "setns", "clone", "clone3", "process_vm_readv",
                                        "settimeofday", "clock_settime"]))
        #expect(!profile.syscalls.contains { $0.names == ["clone3"] && $0.action == .errno })
        #expect(!profile.syscalls.contains { $0.names == ["clone"] && !$0.args.isEmpty })
        #expect(!allowed.contains("reboot"))
        #expect(!allowed.contains("kexec_load"))
    }

    @Test("aarch64 gets its own architectures and syscalls, not x86's")
    func aarch64() {
        let profile = RuntimeDefaults.seccompProfile(capabilities: [], architecture: .aarch64)
        #expect(profile.architectures == [.arm, .aarch64])
        let allowed = Set(profile.syscalls.filter { $0.action == .allow }.flatMap(\.names))
        #expect(allowed.contains("set_tls"))
        #expect(!allowed.contains("arch_prctl"))
        #expect(!allowed.contains("chroot"), "CAP_SYS_CHROOT isn't held")
    }

    @Test("spec(args:) writes a complete config like `runc spec`, that round-trips through JSON")
    func spec() throws {
        let spec = RuntimeDefaults.spec(args: ["/bin/echo", "hi"], rootfs: "rootfs", hostname: "box", seccomp: true)
        #expect(SpecVersion.check(spec.ociVersion) == nil)
        let process = try #require(spec.process)
        #expect(process.args == ["/bin/echo", "hi"])
        #expect(process.cwd == "/")
        #expect(process.noNewPrivileges)
        #expect(process.capabilities?.bounding == RuntimeDefaults.capabilities)
        #expect(process.capabilities?.effective == RuntimeDefaults.capabilities)
        #expect(process.capabilities?.permitted == RuntimeDefaults.capabilities)
        #expect(process.capabilities?.ambient == [])
        #expect(process.env.first?.hasPrefix("PATH=") == true)
        #expect(spec.root == Spec.Root(path: "rootfs", readonly: true))
        #expect(spec.hostname == "box")
        #expect(spec.mounts.last == RuntimeDefaults.cgroupMount)
        let linux = try #require(spec.linux)
        #expect(linux.namespaces.map(\.type) == [.pid, .ipc, .uts, .mount, .network])
        #expect(linux.maskedPaths == RuntimeDefaults.maskedPaths)
        #expect(linux.resources?.devices == RuntimeDefaults.deviceCgroupRules)
        #expect(linux.seccomp == RuntimeDefaults.seccompProfile(capabilities: RuntimeDefaults.capabilities))
        #expect(RuntimeDefaults.spec(args: ["sh"]).linux?.seccomp == nil)

        let decoded = try Spec.decode(spec.jsonData())
        #expect(decoded == spec)
        let compiled = try SeccompCompiler.compile(try #require(decoded.linux?.seccomp))
        #expect(compiled.instructionCount > 100)
    }
}
