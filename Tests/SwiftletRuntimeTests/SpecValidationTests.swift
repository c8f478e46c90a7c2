import Foundation
import Testing
@testable import SwiftletRuntime

/// One invalid config: a change to a valid one and the exact messages it must produce.
/// `$BUNDLE` in an expected message stands for the test's bundle directory.
struct SpecValidationCase: Sendable, CustomTestStringConvertible {
    let name: String
    let expected: [String]
    let mutate: @Sendable (inout Spec) -> Void

    init(_ name: String, _ expected: [String], _ mutate: @escaping @Sendable (inout Spec) -> Void) {
        self.name = name
        self.expected = expected
        self.mutate = mutate
    }

    var testDescription: String { name }
}

private func withSeccomp(_ spec: inout Spec, _ seccomp: LinuxSeccomp) {
    spec.linux!.seccomp = seccomp
}

private let allNamespaces = "pid, network, mount, ipc, uts, user, cgroup, time"
private let allActions = "SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, "
    + "SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY"

let specValidationCases: [SpecValidationCase] = [
    // ociVersion and root
    SpecValidationCase("unsupported version", [#"ociVersion: unsupported "2.0.0": this runtime reads runtime-spec 1.x configs"#]) {
        $0.ociVersion = "2.0.0"
    },
    SpecValidationCase("malformed version", [#"ociVersion: invalid "v1": must be a SemVer version such as "1.2.0""#]) { $0.ociVersion = "v1" },
    SpecValidationCase("no root", ["root: required: the container needs a root filesystem"]) { $0.root = nil },
    SpecValidationCase("empty root path", ["root.path: required"]) { $0.root?.path = "" },
    SpecValidationCase("missing root dir", [#"root.path: "missing" does not exist (resolved to $BUNDLE/missing)"#]) { $0.root?.path = "missing" },
    SpecValidationCase("root is a file", [#"root.path: "afile" is not a directory (resolved to $BUNDLE/afile)"#]) { $0.root?.path = "afile" },

    // process
    SpecValidationCase("no process", ["process: required: the container needs a process to run"]) { $0.process = nil },
    SpecValidationCase("empty args", ["process.args: must not be empty"]) { $0.process?.args = [] },
    SpecValidationCase("empty cwd", ["process.cwd: required"]) { $0.process?.cwd = "" },
    SpecValidationCase("relative cwd", [#"process.cwd: must be an absolute path, got "tmp""#]) { $0.process?.cwd = "tmp" },
    SpecValidationCase("bad env", [#"process.env[1]: must be KEY=VALUE, got "FOO""#, #"process.env[2]: must be KEY=VALUE, got "=x""#]) {
        $0.process?.env += ["FOO", "=x", "EMPTY="]
    },
    SpecValidationCase("umask", ["process.user.umask: must be at most 0777 (511), got 1023"]) { $0.process?.user.umask = 0o1777 },
    SpecValidationCase("unknown capability", [#"process.capabilities.bounding[14]: unknown capability "CAP_FOO""#,
                                          #"process.capabilities.ambient[0]: unknown capability "cap_kill""#]) {
        $0.process?.capabilities?.bounding.append("CAP_FOO")
        $0.process?.capabilities?.ambient = ["cap_kill"]
    },
    SpecValidationCase("unknown rlimit", [#"process.rlimits[1].type: unknown rlimit "RLIMIT_FOO""#]) {
        $0.process?.rlimits.append(POSIXRlimit(type: "RLIMIT_FOO", hard: 1, soft: 1))
    },
    SpecValidationCase("duplicate rlimit", [#"process.rlimits[1].type: duplicate rlimit "RLIMIT_NOFILE""#]) {
        $0.process?.rlimits.append(POSIXRlimit(type: "RLIMIT_NOFILE", hard: 1, soft: 1))
    },
    SpecValidationCase("soft above hard", ["process.rlimits[0]: soft limit 2048 is greater than hard limit 1024"]) {
        $0.process?.rlimits[0].soft = 2048
    },
    SpecValidationCase("oomScoreAdj range", ["process.oomScoreAdj: must be between -1000 and 1000, got 2000"]) { $0.process?.oomScoreAdj = 2000 },
    SpecValidationCase("ioPriority", [
        #"process.ioPriority.class: unknown class "IOPRIO_CLASS_FAST" (supported: IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE)"#,
        "process.ioPriority.priority: must be between 0 and 7, got 9",
    ]) { $0.process?.ioPriority = LinuxIOPriority(class: "IOPRIO_CLASS_FAST", priority: 9) },
    SpecValidationCase("scheduler", [
        #"process.scheduler.policy: unknown policy "SCHED_FAST""#,
        "process.scheduler.nice: must be between -20 and 19, got 30",
        #"process.scheduler.flags[0]: unknown flag "SCHED_FLAG_TURBO""#,
    ]) { $0.process?.scheduler = LinuxScheduler(policy: "SCHED_FAST", nice: 30, flags: ["SCHED_FLAG_TURBO"]) },
    SpecValidationCase("execCPUAffinity", [#"process.execCPUAffinity.initial: invalid cpu list "a-b""#]) {
        $0.process?.execCPUAffinity = Spec.CPUAffinity(initial: "a-b", final: "0-3,7")
    },

    // mounts and hooks
    SpecValidationCase("relative mount destination", [#"mounts[3].destination: must be an absolute path, got "dev/shm""#]) {
        $0.mounts[3].destination = "dev/shm"
    },
    SpecValidationCase("empty mount destination", ["mounts[0].destination: required"]) { $0.mounts[0].destination = "" },
    SpecValidationCase("bind without source", ["mounts[7].source: required for a bind mount"]) {
        $0.mounts.append(Spec.Mount(destination: "/data", options: ["rbind", "ro"]))
    },
    SpecValidationCase("one-sided idmap", ["mounts[7]: uidMappings and gidMappings must be given together for an idmapped mount"]) {
        $0.mounts.append(Spec.Mount(destination: "/data", type: "bind", source: "/srv",
                                    uidMappings: [LinuxIDMapping(containerID: 0, hostID: 1000, size: 1)]))
    },
    SpecValidationCase("hooks", [
        #"hooks.prestart[0].path: must be an absolute path, got "hook.sh""#,
        "hooks.poststop[1].path: required",
        "hooks.poststop[1].timeout: must be greater than zero, got 0",
    ]) {
        $0.hooks = Spec.Hooks(prestart: [Spec.Hook(path: "hook.sh")],
                              poststop: [Spec.Hook(path: "/bin/true", timeout: 3), Spec.Hook(path: "", timeout: 0)])
    },
    SpecValidationCase("hostname without uts", ["hostname: requires a uts namespace in linux.namespaces",
                                            "domainname: requires a uts namespace in linux.namespaces"]) {
        $0.domainname = "example.org"
        $0.linux?.namespaces.removeAll { $0.type == .uts }
    },

    // namespaces and id mappings
    SpecValidationCase("unknown namespace", [#"linux.namespaces[2].type: unknown namespace "foo" (supported: \#(allNamespaces))"#]) {
        $0.linux?.namespaces = [LinuxNamespace(type: .pid), LinuxNamespace(type: .network), LinuxNamespace(type: "foo"),
                                LinuxNamespace(type: .ipc), LinuxNamespace(type: .uts), LinuxNamespace(type: .mount)]
    },
    SpecValidationCase("duplicate namespace", [#"linux.namespaces[5].type: duplicate namespace "pid""#]) {
        $0.linux?.namespaces.append(LinuxNamespace(type: .pid, path: "/proc/1/ns/pid"))
    },
    SpecValidationCase("relative namespace path", [#"linux.namespaces[4].path: must be an absolute path, got "netns/pod""#]) {
        $0.linux?.namespaces[4].path = "netns/pod"
    },
    SpecValidationCase("user namespace without mappings", [
        "linux.uidMappings: required when a new user namespace is created",
        "linux.gidMappings: required when a new user namespace is created",
    ]) { $0.linux?.namespaces.append(LinuxNamespace(type: .user)) },
    SpecValidationCase("mappings without user namespace", [
        "linux.uidMappings: requires a user namespace in linux.namespaces",
        "linux.gidMappings: requires a user namespace in linux.namespaces",
    ]) {
        $0.linux?.uidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
        $0.linux?.gidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
    },
    SpecValidationCase("empty mapping", ["linux.uidMappings[1].size: must be greater than zero"]) {
        $0.linux?.namespaces.append(LinuxNamespace(type: .user))
        $0.linux?.uidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 1), LinuxIDMapping(containerID: 1, hostID: 1, size: 0)]
        $0.linux?.gidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 1)]
    },
    SpecValidationCase("time offsets", [
        "linux.timeOffsets: requires a time namespace in linux.namespaces",
        #"linux.timeOffsets[realtime]: unknown clock "realtime" (supported: monotonic, boottime)"#,
    ]) { $0.linux?.timeOffsets = ["monotonic": LinuxTimeOffset(secs: 1), "realtime": LinuxTimeOffset(secs: 1)] },

    // devices and cgroups
    SpecValidationCase("devices", [
        #"linux.devices[0].path: must be an absolute path, got "dev/fuse""#,
        #"linux.devices[1].type: unknown device type "x" (supported: c, b, u, p)"#,
        #"linux.devices[2].major: required for a "b" device"#,
        #"linux.devices[2].minor: required for a "b" device"#,
        "linux.devices[3].fileMode: must hold permission bits only (at most 07777), got 8630",
    ]) {
        $0.linux?.devices = [
            LinuxDevice(path: "dev/fuse", type: "c", major: 10, minor: 229),
            LinuxDevice(path: "/dev/x", type: "x", major: 1, minor: 1),
            LinuxDevice(path: "/dev/sda", type: "b"),
            LinuxDevice(path: "/dev/null2", type: "c", major: 1, minor: 3, fileMode: 0o20666),
            LinuxDevice(path: "/dev/fifo", type: "p"),
        ]
    },
    SpecValidationCase("cgroupsPath escape", [#"linux.cgroupsPath: must not contain "..", got "/pods/../../escape""#]) {
        $0.linux?.cgroupsPath = "/pods/../../escape"
    },
    SpecValidationCase("device rules", [
        #"linux.resources.devices[1].type: unknown device type "x" (supported: a, c, b)"#,
        #"linux.resources.devices[1].access: must be letters from "rwm", got "rwx""#,
    ]) {
        $0.linux?.resources?.devices.insert(LinuxDeviceCgroup(allow: true, type: "x", access: "rwx"), at: 1)
    },
    SpecValidationCase("memory", [
        "linux.resources.memory.swappiness: must be between 0 and 100, got 200",
        "linux.resources.memory.swap: must be at least memory.limit (1048576): swap is the memory+swap limit, got 1024",
        "linux.resources.memory.reservation: must be -1 (unlimited) or a byte count, got -5",
    ]) {
        $0.linux?.resources?.memory = LinuxMemory(limit: 1_048_576, reservation: -5, swap: 1024, swappiness: 200)
    },
    SpecValidationCase("cpu", [
        "linux.resources.cpu.burst: must not exceed cpu.quota (50000), got 60000",
        "linux.resources.cpu.period: must be between 1000 and 1000000 microseconds, got 10",
        #"linux.resources.cpu.cpus: invalid cpu list "a", expected e.g. "0-3,7""#,
        #"linux.resources.cpu.mems: invalid node list "1-0", expected e.g. "0""#,
    ]) {
        $0.linux?.resources?.cpu = LinuxCPU(quota: 50000, burst: 60000, period: 10, cpus: "a", mems: "1-0")
    },
    SpecValidationCase("blockIO", [
        "linux.resources.blockIO.weight: must be between 10 and 1000, got 5",
        "linux.resources.blockIO.weightDevice[0]: must set weight or leafWeight",
    ]) {
        $0.linux?.resources?.blockIO = LinuxBlockIO(weight: 5, weightDevice: [LinuxWeightDevice(major: 8, minor: 0)])
    },
    SpecValidationCase("hugepages", [#"linux.resources.hugepageLimits[0].pageSize: invalid page size "2M", expected e.g. "2MB" or "1GB""#]) {
        $0.linux?.resources?.hugepageLimits = [LinuxHugepageLimit(pageSize: "2M", limit: 1 << 21)]
    },
    SpecValidationCase("sysctl", [
        "linux.sysctl[net.ipv4.ip_forward]: requires a network namespace in linux.namespaces: without one it would change the host",
        "linux.sysctl[vm.swappiness]: is not namespaced: setting it would change the host",
    ]) {
        $0.linux?.namespaces.removeAll { $0.type == .network }
        $0.linux?.sysctl = ["net.ipv4.ip_forward": "1", "vm.swappiness": "10", "kernel.shmmax": "1000", "fs.mqueue.msg_max": "20"]
    },

    // filesystem, seccomp, personality
    SpecValidationCase("rootfsPropagation", [
        #"linux.rootfsPropagation: unknown propagation "weird" (supported: shared, slave, private, unbindable, rshared, rslave, rprivate, runbindable)"#,
    ]) { $0.linux?.rootfsPropagation = "weird" },
    SpecValidationCase("masked and readonly paths", [
        #"linux.maskedPaths[12]: must be an absolute path, got "proc/foo""#,
        #"linux.readonlyPaths[5]: must be an absolute path, got "proc/bar""#,
    ]) {
        $0.linux?.maskedPaths.append("proc/foo")
        $0.linux?.readonlyPaths.append("proc/bar")
    },
    SpecValidationCase("seccomp default action", [
        #"linux.seccomp.defaultAction: unknown action "SCMP_ACT_NOPE" (supported: \#(allActions))"#,
        "linux.seccomp.defaultErrnoRet: only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_NOPE",
    ]) { withSeccomp(&$0, LinuxSeccomp(defaultAction: "SCMP_ACT_NOPE", defaultErrnoRet: 1)) },
    SpecValidationCase("seccomp notify default", ["linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action"]) {
        withSeccomp(&$0, LinuxSeccomp(defaultAction: .notify, listenerPath: "/run/agent.sock"))
    },
    SpecValidationCase("seccomp header fields", [
        #"linux.seccomp.architectures[1]: unknown architecture "SCMP_ARCH_VAX""#,
        #"linux.seccomp.flags[0]: unknown flag "SECCOMP_FILTER_FLAG_FAST" (supported: SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)"#,
        "linux.seccomp.listenerMetadata: must not be set without listenerPath",
    ]) {
        withSeccomp(&$0, LinuxSeccomp(defaultAction: .errno, architectures: [.x86_64, "SCMP_ARCH_VAX"],
                                      flags: ["SECCOMP_FILTER_FLAG_FAST"], listenerMetadata: "x"))
    },
    SpecValidationCase("seccomp listener path", [#"linux.seccomp.listenerPath: must be an absolute path, got "agent.sock""#]) {
        withSeccomp(&$0, LinuxSeccomp(defaultAction: .allow, listenerPath: "agent.sock",
                                      syscalls: [LinuxSyscall(names: ["mknod"], action: .notify)]))
    },
    SpecValidationCase("seccomp rules", [
        "linux.seccomp.syscalls[0].names: must not be empty",
        "linux.seccomp.syscalls[1].names[1]: must not be empty",
        "linux.seccomp.syscalls[2].errnoRet: only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_ALLOW",
        "linux.seccomp.syscalls[3].args[0].index: must be between 0 and 5, got 6",
        #"linux.seccomp.syscalls[3].args[1].op: unknown operator "SCMP_CMP_ABOUT" (supported: SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ)"#,
        #"linux.seccomp.syscalls[4].action: unknown action "SCMP_ACT_FOO" (supported: \#(allActions))"#,
        "linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY",
    ]) {
        withSeccomp(&$0, LinuxSeccomp(defaultAction: .errno, syscalls: [
            LinuxSyscall(names: [], action: .allow),
            LinuxSyscall(names: ["read", ""], action: .allow),
            LinuxSyscall(names: ["write"], action: .allow, errnoRet: 1),
            LinuxSyscall(names: ["kill"], action: .errno, args: [LinuxSeccompArg(index: 6, value: 1, op: .equalTo),
                                                                   LinuxSeccompArg(index: 1, value: 1, op: "SCMP_CMP_ABOUT")]),
            LinuxSyscall(names: ["getpid"], action: "SCMP_ACT_FOO"),
            LinuxSyscall(names: ["mknod"], action: .notify),
        ]))
    },
    SpecValidationCase("personality", [#"linux.personality.domain: unknown domain "LINUX64" (supported: LINUX, LINUX32)"#]) {
        $0.linux?.personality = LinuxPersonality(domain: "LINUX64")
    },
]

@Suite("SpecValidation")
struct SpecValidationTests {
    /// A bundle with a `rootfs` directory and a regular file `afile`.
    func makeBundle() throws -> SpecTestBundle {
        let bundle = try SpecTestBundle()
        try bundle.makeDirectory("rootfs")
        try bundle.write("not a directory", to: "afile")
        return bundle
    }

    @Test("the default config validates clean, with and without the seccomp profile")
    func defaultsAreValid() throws {
        let bundle = try makeBundle()
        defer { bundle.cleanup() }
        #expect(SpecValidation.validate(RuntimeDefaults.spec(args: ["sh"]), bundle: bundle.path) == [])
        #expect(SpecValidation.validate(RuntimeDefaults.spec(args: ["sh"], seccomp: true), bundle: bundle.path) == [])
        var absolute = RuntimeDefaults.spec(args: ["sh"], rootfs: bundle.path + "/rootfs")
        absolute.linux?.namespaces.append(LinuxNamespace(type: .user))
        absolute.linux?.uidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
        absolute.linux?.gidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
        absolute.linux?.sysctl = ["net.core.somaxconn": "1024", "kernel.shm_rmid_forced": "1"]
        #expect(SpecValidation.validate(absolute, bundle: "/nonexistent") == [])
        try SpecValidation.check(absolute, bundle: "/nonexistent")
    }

    @Test("each invalid field is reported with its JSON path", arguments: specValidationCases)
    func invalid(_ testCase: SpecValidationCase) throws {
        let bundle = try makeBundle()
        defer { bundle.cleanup() }
        var spec = RuntimeDefaults.spec(args: ["sh"])
        testCase.mutate(&spec)
        let messages = SpecValidation.validate(spec, bundle: bundle.path).map(\.description)
        #expect(messages == testCase.expected.map { $0.replacingOccurrences(of: "$BUNDLE", with: bundle.path) })
    }

    @Test("check throws the first error; codes classify problems")
    func checkThrows() throws {
        let bundle = try makeBundle()
        defer { bundle.cleanup() }
        var spec = RuntimeDefaults.spec(args: [])
        spec.linux?.namespaces.append(LinuxNamespace(type: .pid))
        #expect(throws: SpecError(.required, path: "process.args", "must not be empty")) {
            try SpecValidation.check(spec, bundle: bundle.path)
        }
        let errors = SpecValidation.validate(spec, bundle: bundle.path)
        #expect(errors.map(\.code) == [.required, .duplicate])
        #expect(errors.allSatisfy { $0.file == nil })
    }
}
