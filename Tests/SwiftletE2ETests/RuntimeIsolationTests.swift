import Foundation
import Testing

/// What a process sees inside a `swiftlet runtime` container: its namespaces, rootfs, mounts,
/// capabilities, rlimits, seccomp filter and user mapping; `exec` and namespace sharing.
@Suite("swiftlet runtime isolation", .enabled(if: isRoot, "needs root for namespaces and cgroups"))
struct RuntimeIsolationTests {
    @Test("PID 1, hostname, read-only rootfs, mounts, masked paths, CapEff, NoNewPrivs and rlimits as configured")
    func processEnvironment() throws {
        let box = try RuntimeSandbox("env")
        defer { box.cleanup() }
        let shared = box.base + "/shared"
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
        try "from-host\n".write(toFile: shared + "/data.txt", atomically: true, encoding: .utf8)
        // Masked paths of `runc spec` that this host has (kernels differ: /proc/kcore may be absent).
        // A masked file is /dev/null (1:3) and reads empty; the dirs chosen are non-empty on the host.
        let fm = FileManager.default
        let maskedFiles = ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/proc/latency_stats"]
            .filter { fm.fileExists(atPath: $0) }
        let maskedDirs = ["/sys/firmware", "/proc/acpi", "/proc/scsi"]
            .filter { ((try? fm.contentsOfDirectory(atPath: $0)) ?? []).isEmpty == false }
        try #require(!maskedFiles.isEmpty && !maskedDirs.isEmpty, "no masked path of runc's spec exists on this host")
        let script = """
            echo pid=$$
            echo host=$(hostname)
            touch /x 2>/dev/null && echo rootfs=rw || echo rootfs=ro
            touch /tmp/ok && echo tmp=rw
            echo cap=$(grep CapEff /proc/self/status | cut -f2)
            echo bnd=$(grep CapBnd /proc/self/status | cut -f2)
            echo nnp=$(grep NoNewPrivs /proc/self/status | cut -f2)
            echo nofile=$(ulimit -n)
            echo hardnofile=$(ulimit -Hn)
            echo shared=$(cat /mnt/shared/data.txt)
            echo new > /mnt/shared/new 2>/dev/null && echo sharedmode=rw || echo sharedmode=ro
            echo tmpfs=$(grep -c ' /tmp tmpfs ' /proc/mounts)
            """ + maskedFiles.map { "\necho 'masked:\($0)='$(stat -c %t:%T \($0)):$(wc -c < \($0))" }.joined()
            + maskedDirs.map { "\necho 'maskeddir:\($0)='$(ls -A \($0) | wc -l)" }.joined()
        let bundle = try box.bundle("env") { config in
            config["hostname"] = "e2e-box"
            config.args = ["sh", "-c", script]
            config.capabilities(["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"])
            config["process.noNewPrivileges"] = true
            config["process.rlimits"] = [["type": "RLIMIT_NOFILE", "soft": 1234, "hard": 4096]]
            config.addTmpfs("/tmp")
            config.mounts.append(["destination": "/mnt/shared", "type": "bind", "source": shared,
                                  "options": ["rbind", "ro", "nosuid", "nodev"]])
        }
        try FileManager.default.createDirectory(atPath: bundle + "/rootfs/mnt/shared", withIntermediateDirectories: true)
        let id = box.newID("env")
        let out = try box.cli(["run", "--bundle", bundle, id])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        let facts = keyValues(out.stdout)
        #expect(facts["pid"] == "1")
        #expect(facts["host"] == "e2e-box")
        #expect(facts["rootfs"] == "ro")
        #expect(facts["tmp"] == "rw")
        for path in maskedFiles {
            // /dev/null (1:3) bound over the file: it reads empty.
            #expect(facts["masked:\(path)"] == "1:3:0", "masked \(path)")
        }
        for path in maskedDirs {
            #expect(facts["maskeddir:\(path)"] == "0", "masked \(path) is an empty dir")
        }
        // CAP_CHOWN (0), CAP_KILL (5), CAP_NET_BIND_SERVICE (10).
        #expect(facts["cap"] == "0000000000000421")
        #expect(facts["bnd"] == "0000000000000421")
        #expect(facts["nnp"] == "1")
        #expect(facts["nofile"] == "1234")
        #expect(facts["hardnofile"] == "4096")
        #expect(facts["shared"] == "from-host")
        #expect(facts["sharedmode"] == "ro")
        #expect(!FileManager.default.fileExists(atPath: shared + "/new"))
        #expect(facts["tmpfs"] == "1")
    }

    @Test("a NOFILE hard limit above the caller's fails create with a message naming CAP_SYS_RESOURCE")
    func rlimitAboveHardLimit() throws {
        var current = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &current)
        let box = try RuntimeSandbox("rlimit")
        defer { box.cleanup() }
        let bundle = try box.bundle("rlimit") { config in
            config.args = ["true"]
            config["process.rlimits"] = [["type": "RLIMIT_NOFILE", "soft": 1024, "hard": 1_048_576]]
        }
        let id = box.newID("rlimit")
        let out = try box.cli(["create", "--bundle", bundle, id])
        // CAP_SYS_RESOURCE is capability 24.
        let capEff = readText("/proc/self/status").split(separator: "\n").first { $0.hasPrefix("CapEff:") }
            .flatMap { UInt64($0.split(separator: "\t").last ?? "", radix: 16) } ?? 0
        if current.rlim_max >= 1_048_576 || capEff & (1 << 24) != 0 {
            // On a host that allows the raise, create must simply succeed.
            #expect(out.status == 0, "\(out.stderr)")
            return
        }
        #expect(out.status == 1)
        #expect(out.stderr.contains("CAP_SYS_RESOURCE"), "\(out.stderr)")
        #expect(out.stderr.contains("RLIMIT_NOFILE"), "\(out.stderr)")
        #expect(try box.listedIDs().isEmpty, "the failed create left nothing")
    }

    @Test("a seccomp profile in config.json turns mkdir into EPERM and allows the rest")
    func seccompDeniesMkdir() throws {
        let box = try RuntimeSandbox("seccomp")
        defer { box.cleanup() }
        let bundle = try box.bundle("seccomp") { config in
            config.addTmpfs("/tmp")
            config.args = ["sh", "-c", "mkdir /tmp/x; echo mkdir=$?; touch /tmp/y && echo touch=ok; ls -d /tmp/x 2>/dev/null || echo absent=yes"]
            config["linux.seccomp"] = [
                "defaultAction": "SCMP_ACT_ALLOW",
                "syscalls": [["names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"]],
            ]
        }
        let id = box.newID("seccomp")
        let out = try box.cli(["run", "--bundle", bundle, id])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        #expect(out.stderr.contains("Operation not permitted"), "\(out.stderr)")
        let facts = keyValues(out.stdout)
        #expect(facts["mkdir"] == "1")
        #expect(facts["touch"] == "ok")
        #expect(facts["absent"] == "yes")
    }

    @Test("a user namespace maps container root to host uid 100000")
    func userNamespace() throws {
        let box = try RuntimeSandbox("userns")
        defer { box.cleanup() }
        let bundle = try box.bundle("userns", owner: (100_000, 100_000)) { config in
            config.namespaces.append(["type": "user"])
            config["linux.uidMappings"] = [["containerID": 0, "hostID": 100_000, "size": 65536]]
            config["linux.gidMappings"] = [["containerID": 0, "hostID": 100_000, "size": 65536]]
            config.args = ["sh", "-c", "echo uidmap=$(cat /proc/self/uid_map); echo gidmap=$(cat /proc/self/gid_map); echo uid=$(id -u); echo owner=$(stat -c %u:%g /bin/busybox); echo ready=1; exec sleep 30"]
        }
        box.openPermissions()
        let id = box.newID("userns")
        let log = box.base + "/userns.log"
        try #require(try box.createAndStart(id, bundle: bundle, extra: ["--log-path", log]))
        #expect(waitUntil(timeout: 10) { readText(log).contains("ready=1") }, "log: \(readText(log))")
        let facts = keyValues(CRIRecord.parse(readText(log)).map(\.content).joined(separator: "\n"))
        let mapping = "0 100000 65536"
        #expect(facts["uidmap"]?.split(separator: " ").joined(separator: " ") == mapping)
        #expect(facts["gidmap"]?.split(separator: " ").joined(separator: " ") == mapping)
        #expect(facts["uid"] == "0")
        #expect(facts["owner"] == "0:0", "rootfs files owned by host 100000 are root's inside")

        let exec = try box.cli(["exec", id, "--", "sh", "-c", "id -u; cat /proc/self/uid_map"])
        #expect(exec.status == 0, "exec in the user namespace: \(exec.stderr)")
        #expect(exec.stdout.split(whereSeparator: \.isWhitespace) == ["0", "0", "100000", "65536"])

        let pid = try #require(try box.state(id)?["pid"] as? Int)
        let status = readText("/proc/\(pid)/status")
        let uidLine = status.split(separator: "\n").first { $0.hasPrefix("Uid:") }.map(String.init) ?? ""
        #expect(uidLine.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().allSatisfy { $0 == "100000" },
                "the container's process runs as host uid 100000: \(uidLine)")
        let deleted = try box.cli(["delete", "--force", id])
        #expect(deleted.status == 0, "\(deleted.stderr)")
    }

    @Test("exec joins a running container's pid namespace, hostname and cgroup; --process runs a process.json")
    func execIntoContainer() throws {
        let box = try RuntimeSandbox("exec")
        defer { box.cleanup() }
        let bundle = try box.bundle("exec") { config in
            config["hostname"] = "exec-host"
            config.args = ["sleep", "30"]
        }
        let id = box.newID("exec")
        try #require(try box.createAndStart(id, bundle: bundle))

        let out = try box.cli(["exec", id, "--", "sh", "-c", "echo $HOSTNAME; cat /proc/1/cmdline | tr '\\0' ' '; echo; echo pid=$$; cat /proc/self/cgroup"])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        let lines = out.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "exec-host")
        #expect(lines.dropFirst().first?.trimmingCharacters(in: .whitespaces) == "sleep 30", "PID 1 is the container's init")
        let pid = keyValues(out.stdout)["pid"].flatMap(Int.init) ?? 1
        #expect(pid > 1, "the exec'd shell is another process of the container's pid namespace")
        #expect(lines.contains { $0.contains(":memory:") && $0.hasSuffix("/swiftlet/\(id)") }, "joins the container's cgroup: \(lines)")

        let code = try box.cli(["exec", id, "--", "sh", "-c", "exit 5"])
        #expect(code.status == 5)

        let process: [String: Any] = [
            "args": ["sh", "-c", "echo from-process $FOO; pwd; id -u"],
            "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "FOO=bar"],
            "cwd": "/tmp",
            "user": ["uid": 1000, "gid": 1000],
        ]
        let processFile = box.base + "/process.json"
        try JSONSerialization.data(withJSONObject: process).write(to: URL(fileURLWithPath: processFile))
        let viaFile = try box.cli(["exec", "--process", processFile, id])
        #expect(viaFile.status == 0, "stderr: \(viaFile.stderr)")
        #expect(viaFile.stdout == "from-process bar\n/tmp\n1000\n")

        let missing = try box.cli(["exec", "no-such-\(id)", "--", "true"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no-such-\(id)"))
        #expect(try box.status(id) == "running", "exec leaves the container running")
    }

    @Test("a container joins another's net, ipc and uts namespaces by path")
    func joinNamespacesByPath() throws {
        let box = try RuntimeSandbox("join")
        defer { box.cleanup() }
        let alphaBundle = try box.bundle("alpha") { config in
            config["hostname"] = "alpha"
            config.args = ["sleep", "30"]
        }
        let alpha = box.newID("alpha")
        try #require(try box.createAndStart(alpha, bundle: alphaBundle))
        let pid = try #require(try box.state(alpha)?["pid"] as? Int)
        func link(_ path: String) -> String { (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?" }
        let alphaNet = link("/proc/\(pid)/ns/net"), alphaIpc = link("/proc/\(pid)/ns/ipc"), alphaUts = link("/proc/\(pid)/ns/uts")
        #expect(alphaNet != link("/proc/self/ns/net"), "alpha has its own network namespace")

        let betaBundle = try box.bundle("beta") { config in
            config["hostname"] = nil
            config.namespaces = [
                ["type": "pid"], ["type": "mount"],
                ["type": "network", "path": "/proc/\(pid)/ns/net"],
                ["type": "ipc", "path": "/proc/\(pid)/ns/ipc"],
                ["type": "uts", "path": "/proc/\(pid)/ns/uts"],
            ]
            config.args = ["sh", "-c", "echo host=$(hostname); echo net=$(readlink /proc/self/ns/net); echo ipc=$(readlink /proc/self/ns/ipc); echo uts=$(readlink /proc/self/ns/uts); echo pid=$$"]
        }
        let beta = box.newID("beta")
        let out = try box.cli(["run", "--bundle", betaBundle, beta])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        let facts = keyValues(out.stdout)
        #expect(facts["host"] == "alpha")
        #expect(facts["net"] == alphaNet)
        #expect(facts["ipc"] == alphaIpc)
        #expect(facts["uts"] == alphaUts)
        #expect(facts["pid"] == "1", "beta still has its own pid namespace")
        #expect(try box.status(alpha) == "running")
    }
}
