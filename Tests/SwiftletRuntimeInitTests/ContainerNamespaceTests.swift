import Foundation
import Glibc
import SwiftletRuntimeInit
import Testing

@Suite("containers through swiftlet-monitor: namespaces and cgroups", .enabled(if: TestEnvironment.canRunContainers, "needs root, /bin/busybox and the built swiftlet-monitor"))
struct ContainerNamespaceTests {
    static let idMap = [InitPlan.IDMapping(containerID: 0, hostID: 100_000, size: 65536)]

    /// A user-namespaced plan over a rootfs owned by the mapped root (host uid 100000).
    static func userNamespacePlan(_ script: String, in sandbox: Sandbox) throws -> InitPlan {
        try Shell.run("/bin/chown", ["-R", "100000:100000", sandbox.rootfs])
        var plan = Plans.shell(script, in: sandbox)
        plan.createNamespaces |= Namespace.user
        plan.uidMappings = idMap
        plan.gidMappings = idMap
        return plan
    }

    static func namespaceLink(_ pid: pid_t, _ name: String) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/\(name)")
    }

    static func hostUid(of pid: pid_t) -> String? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        return status.lines.first { $0.hasPrefix("Uid:") }?.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().first.map(String.init)
    }

    @Test("a new user namespace with 0 100000 65536: maps written, root inside is uid 100000 outside, mounts and devices work")
    func userNamespace() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let plan = try Self.userNamespacePlan("""
            cat /proc/self/uid_map /proc/self/gid_map
            echo "uid=$(id -u) pid=$$"
            grep -q '^proc /proc proc' /proc/mounts && echo proc-ok
            [ -c /dev/null ] && echo x > /dev/null && echo devnull-ok
            grep -q ' /sys sysfs ' /proc/mounts && echo sysfs-ok
            touch /tmp/file && echo tmp-ok
            """, in: sandbox)
        let container = try await Container.mustCreate(plan, in: sandbox)
        defer { container.destroy() }
        #expect(Self.hostUid(of: container.initPid) == "100000")
        let (exit, output) = try await container.run()
        #expect(exit.exitCode == 0)
        let maps = output.lines.filter { $0.first == " " || $0.first?.isNumber == true }
            .map { $0.split(separator: " ").joined(separator: " ") }
        #expect(maps == ["0 100000 65536", "0 100000 65536"])
        for expected in ["uid=0 pid=1", "proc-ok", "devnull-ok", "sysfs-ok", "tmp-ok"] {
            #expect(output.lines.contains(expected), "\(expected)")
        }
    }

    @Test("joining another container's net, uts and ipc namespaces by path")
    func joinByPath() async throws {
        let first = try Sandbox()
        defer { first.remove() }
        var planA = Plans.shell("sleep 30", in: first)
        planA.hostname = "alpha"
        let a = try await Container.mustCreate(planA, in: first)
        defer { a.destroy() }

        let second = try Sandbox()
        defer { second.remove() }
        var planB = Plans.shell("""
            echo "host=$(hostname) pid=$$"
            for n in net uts ipc; do readlink /proc/self/ns/$n; done
            """, in: second)
        planB.createNamespaces = Namespace.mount | Namespace.pid
        planB.joinNamespaces = [
            .init(type: Namespace.network, path: "/proc/\(a.initPid)/ns/net"),
            .init(type: Namespace.uts, path: "/proc/\(a.initPid)/ns/uts"),
            .init(type: Namespace.ipc, path: "/proc/\(a.initPid)/ns/ipc"),
        ]
        let b = try await Container.mustCreate(planB, in: second)
        defer { b.destroy() }
        let (exit, output) = try await b.run()
        #expect(exit.exitCode == 0)
        #expect(output.lines.contains("host=alpha pid=1"))
        for name in ["net", "uts", "ipc"] {
            let link = try #require(Self.namespaceLink(a.initPid, name))
            #expect(output.lines.contains(link), "\(name) namespace shared")
        }
    }

    @Test("joining a user namespace by path (with its net namespace) and creating mount/pid namespaces owned by it")
    func joinUserNamespace() async throws {
        let first = try Sandbox()
        defer { first.remove() }
        let a = try await Container.mustCreate(try Self.userNamespacePlan("sleep 30", in: first), in: first)
        defer { a.destroy() }

        let second = try Sandbox()
        defer { second.remove() }
        try Shell.run("/bin/chown", ["-R", "100000:100000", second.rootfs])
        var planB = Plans.shell("""
            echo "uid=$(id -u) pid=$$"
            for n in user net; do readlink /proc/self/ns/$n; done
            grep -q '^proc /proc proc' /proc/mounts && echo proc-ok
            """, in: second)
        planB.createNamespaces = Namespace.mount | Namespace.pid | Namespace.uts | Namespace.ipc
        planB.joinNamespaces = [
            .init(type: Namespace.user, path: "/proc/\(a.initPid)/ns/user"),
            .init(type: Namespace.network, path: "/proc/\(a.initPid)/ns/net"),
        ]
        let b = try await Container.mustCreate(planB, in: second)
        defer { b.destroy() }
        #expect(Self.hostUid(of: b.initPid) == "100000")
        let (exit, output) = try await b.run()
        #expect(exit.exitCode == 0)
        #expect(output.lines.contains("uid=0 pid=1"))
        #expect(output.lines.contains("proc-ok"))
        for name in ["user", "net"] {
            let link = try #require(Self.namespaceLink(a.initPid, name))
            #expect(output.lines.contains(link), "\(name) namespace shared")
        }
    }

    @Test("joining another container's pid namespace by path: not PID 1, and its PID 1 is visible")
    func joinPidNamespace() async throws {
        let first = try Sandbox()
        defer { first.remove() }
        let a = try await Container.mustCreate(Plans.shell("sleep 30", in: first), in: first)
        defer { a.destroy() }

        let second = try Sandbox()
        defer { second.remove() }
        var planB = Plans.shell("echo \"pid=$$\"; [ -d /proc/1 ] && echo sees-pid-1", in: second)
        planB.createNamespaces = Namespace.mount
        planB.joinNamespaces = [.init(type: Namespace.pid, path: "/proc/\(a.initPid)/ns/pid")]
        let b = try await Container.mustCreate(planB, in: second)
        defer { b.destroy() }
        #expect(Self.namespaceLink(b.initPid, "pid") == Self.namespaceLink(a.initPid, "pid"))
        let (exit, output) = try await b.run()
        #expect(exit.exitCode == 0)
        #expect(output.lines.contains("sees-pid-1"))
        #expect(output.lines.contains { $0.hasPrefix("pid=") && $0 != "pid=1" })
    }

    /// A v1 pids cgroup at the hierarchy root, removed by the caller.
    static func makePidsCgroup() throws -> String {
        let path = "/sys/fs/cgroup/pids/swiftlet-test-\(UInt32.random(in: 0...UInt32.max))"
        guard mkdir(path, 0o755) == 0 else { throw HarnessError("mkdir \(path): \(errno)") }
        try "50".write(toFile: path + "/pids.max", atomically: false, encoding: .utf8)
        return path
    }

    @Test("the monitor moves the init into joinCgroupProcs before it runs; the cgroup mount shows the container's cgroup")
    func cgroupJoin() async throws {
        guard FileManager.default.fileExists(atPath: "/sys/fs/cgroup/pids/cgroup.procs") else {
            Issue.record("no cgroup v1 pids hierarchy on this host")
            return
        }
        let cgroup = try Self.makePidsCgroup()
        defer { rmdir(cgroup) }
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        var plan = Plans.shell("grep pids /proc/self/cgroup; cat /sys/fs/cgroup/pids/pids.max; ls /sys/fs/cgroup | tr '\\n' ' '", in: sandbox)
        plan.joinCgroupProcs = [cgroup + "/cgroup.procs"]
        let container = try await Container.mustCreate(plan, in: sandbox)
        defer { container.destroy() }
        let procs = try String(contentsOfFile: cgroup + "/cgroup.procs", encoding: .utf8)
        #expect(procs.lines == ["\(container.initPid)"])
        let (exit, output) = try await container.run()
        #expect(exit.exitCode == 0)
        let name = Sys.baseName(cgroup)
        #expect(output.lines.contains { $0.hasSuffix(":pids:/" + name) })
        #expect(output.lines.contains("50"))
        let hierarchies = Set(output.lines.last?.split(separator: " ").map(String.init) ?? [])
        #expect(hierarchies.isSuperset(of: ["pids", "memory", "cpu"]))
    }

    @Test("with a cgroup namespace the container's cgroup is its root")
    func cgroupNamespace() async throws {
        guard FileManager.default.fileExists(atPath: "/sys/fs/cgroup/pids/cgroup.procs") else {
            Issue.record("no cgroup v1 pids hierarchy on this host")
            return
        }
        let cgroup = try Self.makePidsCgroup()
        defer { rmdir(cgroup) }
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        var plan = Plans.shell("grep pids /proc/self/cgroup; cat /sys/fs/cgroup/pids/pids.max", in: sandbox)
        plan.createNamespaces |= Namespace.cgroup
        plan.joinCgroupProcs = [cgroup + "/cgroup.procs"]
        let container = try await Container.mustCreate(plan, in: sandbox)
        defer { container.destroy() }
        let (exit, output) = try await container.run()
        #expect(exit.exitCode == 0)
        #expect(output.lines.contains { $0.hasSuffix(":pids:/") })
        #expect(output.lines.contains("50"))
    }
}

private enum Sys {
    static func baseName(_ path: String) -> String { String(path.split(separator: "/").last ?? "") }
}
