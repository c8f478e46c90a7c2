import SwiftletRuntimeInit
import Testing

@Suite("InitPlan binary codec")
struct InitPlanCodecTests {
    static func fullPlan() -> InitPlan {
        InitPlan(
            args: ["/bin/sh", "-c", "echo héllo; exit 3"],
            env: ["PATH=/bin", "EMPTY=", "UNICODE=☃"],
            cwd: "/work dir",
            user: .init(uid: 1000, gid: 1001, additionalGids: [5, 10, 4_000_000_000], umask: 0o027),
            capabilities: .init(bounding: 0xa80425fb, effective: 0x400, inheritable: 0x400, permitted: 0xffff_ffff_ffff, ambient: 0x400),
            rlimits: [.init(resource: 7, soft: 1024, hard: 4096), .init(resource: 3, soft: UInt64.max, hard: UInt64.max)],
            noNewPrivileges: true,
            oomScoreAdj: -998,
            hostname: "web-0",
            domainname: "cluster.local",
            createNamespaces: Namespace.mount | Namespace.pid | Namespace.user | Namespace.cgroup,
            joinNamespaces: [.init(type: Namespace.network, path: "/run/netns/pod"), .init(type: Namespace.ipc, path: "/proc/42/ns/ipc")],
            uidMappings: [.init(containerID: 0, hostID: 100_000, size: 65536)],
            gidMappings: [.init(containerID: 0, hostID: 200_000, size: 1), .init(containerID: 1, hostID: 300_000, size: 9)],
            denySetgroups: true,
            rootfs: "/var/lib/swiftlet/rootfs",
            rootfsReadonly: true,
            rootfsPropagation: MountFlag.private | MountFlag.recursive,
            mounts: [
                .init(destination: "/proc", source: "proc", type: "proc", options: ["nosuid", "noexec"]),
                .init(destination: "/data", source: "/srv/data", type: "bind", options: ["rbind", "ro", "rslave"]),
            ],
            devices: [.init(path: "/dev/fuse", type: UInt8(ascii: "c"), major: 10, minor: 229, mode: 0o600, uid: 1, gid: 2)],
            maskedPaths: ["/proc/kcore", "/proc/keys"],
            readonlyPaths: ["/proc/sys"],
            sysctls: [.init(key: "net.ipv4.ip_forward", value: "1")],
            seccomp: .init(program: [0x06, 0, 0, 0, 0, 0, 0xff, 0x7f], flags: 2),
            stdio: .criLog(path: "/var/log/pods/x/0.log"),
            stateDir: "/run/swiftlet/runtime/abc",
            execFifoPath: "/run/swiftlet/runtime/abc/exec.fifo",
            exitFilePath: "/run/swiftlet/runtime/abc/exit",
            joinCgroupProcs: ["/sys/fs/cgroup/memory/kubepods/abc/cgroup.procs", "/sys/fs/cgroup/pids/kubepods/abc/cgroup.procs"])
    }

    @Test("a plan with every field set survives encode/decode unchanged")
    func roundTripFull() throws {
        let plan = Self.fullPlan()
        let decoded = try InitPlan(decoding: plan.encode())
        #expect(decoded == plan)
    }

    @Test("a minimal plan (nil optionals, inherited stdio, no seccomp) round-trips")
    func roundTripMinimal() throws {
        let plan = InitPlan(args: ["true"], rootfs: "/r", stateDir: "/s", execFifoPath: "/s/f", exitFilePath: "/s/e")
        let decoded = try InitPlan(decoding: plan.encode())
        #expect(decoded == plan)
        #expect(decoded.stdio == .inherit)
        #expect(decoded.oomScoreAdj == nil)
        #expect(decoded.seccomp == nil)
    }

    @Test("every truncation of an encoded plan is rejected, never crashes")
    func truncated() {
        let bytes = Self.fullPlan().encode()
        for length in stride(from: 0, to: bytes.count, by: 7) {
            #expect(throws: RuntimeInitError.self) { try InitPlan(decoding: Array(bytes[0..<length])) }
        }
    }

    @Test("bad magic, other versions and trailing bytes are rejected with a message")
    func rejectsForeignBytes() {
        var bytes = Self.fullPlan().encode()
        var wrongMagic = bytes
        wrongMagic[0] = UInt8(ascii: "X")
        #expect(throws: RuntimeInitError.self) { try InitPlan(decoding: wrongMagic) }
        var wrongVersion = bytes
        wrongVersion[4] = 99
        do {
            _ = try InitPlan(decoding: wrongVersion)
            Issue.record("version 99 decoded")
        } catch {
            #expect(error.message.contains("version 99"))
        }
        bytes.append(0)
        #expect(throws: RuntimeInitError.self) { try InitPlan(decoding: bytes) }
    }

    @Test("a huge array count is rejected before allocating")
    func hugeCount() {
        var bytes = Array("SWIP".utf8) + [1, 0, 0, 0]
        bytes += [0xff, 0xff, 0xff, 0x7f]  // args count
        #expect(throws: RuntimeInitError.self) { try InitPlan(decoding: bytes) }
    }
}
