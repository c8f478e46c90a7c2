import Foundation
import Testing
@testable import SwiftletRuntime

/// A fresh directory under the system temp dir, removed by `cleanup()`.
struct SpecTestBundle {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-spec-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func write(_ json: String, to name: String = "config.json") throws {
        try Data(json.utf8).write(to: URL(fileURLWithPath: path).appendingPathComponent(name))
    }

    func makeDirectory(_ name: String) throws {
        try FileManager.default.createDirectory(atPath: path + "/" + name, withIntermediateDirectories: true)
    }

    func cleanup() {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Runs a tool (e.g. `runc spec`) with this bundle as its working directory.
    func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: path)
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SpecError(.io, path: "", "\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
    }
}

let specTestRunc = "/usr/sbin/runc"
let specTestCrun = "/usr/bin/crun"

/// `runc spec` (runc 1.1.5) output, kept verbatim so decoding is tested even where runc isn't installed.
let runcSpecFixture = """
{
\t"ociVersion": "1.0.2-dev",
\t"process": {
\t\t"terminal": true,
\t\t"user": {"uid": 0, "gid": 0},
\t\t"args": ["sh"],
\t\t"env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
\t\t"cwd": "/",
\t\t"capabilities": {
\t\t\t"bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
\t\t\t"effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
\t\t\t"permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
\t\t\t"ambient": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
\t\t},
\t\t"rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
\t\t"noNewPrivileges": true
\t},
\t"root": {"path": "rootfs", "readonly": true},
\t"hostname": "runc",
\t"mounts": [
\t\t{"destination": "/proc", "type": "proc", "source": "proc"},
\t\t{"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
\t\t{"destination": "/dev/pts", "type": "devpts", "source": "devpts",
\t\t "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
\t\t{"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
\t\t{"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
\t\t{"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
\t\t{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}
\t],
\t"linux": {
\t\t"resources": {"devices": [{"allow": false, "access": "rwm"}]},
\t\t"namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}],
\t\t"maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
\t\t\t"/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
\t\t"readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
\t}
}
"""

/// A 1.0.0 config using hooks, devices, resources and seccomp as the 1.0.0 spec defined them.
let spec100Fixture = """
{
  "ociVersion": "1.0.0",
  "process": {
    "terminal": false,
    "consoleSize": {"height": 25, "width": 80},
    "user": {"uid": 1000, "gid": 1000, "additionalGids": [5, 6]},
    "args": ["/bin/app", "--flag"],
    "env": ["PATH=/bin", "HOME=/home/app"],
    "cwd": "/home/app",
    "capabilities": {"bounding": ["CAP_KILL"], "permitted": ["CAP_KILL"], "inheritable": [], "effective": ["CAP_KILL"], "ambient": []},
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 4096, "soft": 1024}, {"type": "RLIMIT_CORE", "hard": 0, "soft": 0}],
    "apparmorProfile": "acme_secure_profile",
    "oomScoreAdj": 100,
    "selinuxLabel": "system_u:system_r:svirt_lxc_net_t:s0:c124,c675",
    "noNewPrivileges": true
  },
  "root": {"path": "/var/lib/app/rootfs", "readonly": false},
  "hostname": "app",
  "mounts": [
    {"destination": "/data", "type": "bind", "source": "/srv/data", "options": ["rbind", "ro", "nosuid"]},
    {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=1777"]}
  ],
  "hooks": {
    "prestart": [{"path": "/usr/bin/fix-mounts", "args": ["fix-mounts", "arg1"], "env": ["key1=value1"]}],
    "poststart": [{"path": "/usr/bin/notify-start", "timeout": 5}],
    "poststop": [{"path": "/usr/sbin/cleanup.sh", "args": ["cleanup.sh", "-f"]}]
  },
  "annotations": {"com.example.key1": "value1"},
  "linux": {
    "devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0}],
    "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
    "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
    "sysctl": {"net.ipv4.ip_forward": "1", "net.core.somaxconn": "256"},
    "cgroupsPath": "/myRuntime/myContainer",
    "resources": {
      "network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 500}]},
      "pids": {"limit": 32771},
      "hugepageLimits": [{"pageSize": "2MB", "limit": 9223372036854772000}],
      "memory": {"limit": 536870912, "reservation": 536870912, "swap": 536870912, "kernel": -1, "kernelTCP": -1,
                 "swappiness": 0, "disableOOMKiller": false},
      "cpu": {"shares": 1024, "quota": 1000000, "period": 500000, "realtimeRuntime": 950000, "realtimePeriod": 1000000,
              "cpus": "2-3", "mems": "0-7"},
      "devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rw"}],
      "blockIO": {"weight": 10, "leafWeight": 10,
                  "weightDevice": [{"major": 8, "minor": 0, "weight": 500, "leafWeight": 300}],
                  "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 600}],
                  "throttleWriteIOPSDevice": [{"major": 8, "minor": 16, "rate": 300}]}
    },
    "rootfsPropagation": "slave",
    "seccomp": {
      "defaultAction": "SCMP_ACT_ALLOW",
      "architectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"],
      "syscalls": [{"names": ["getcwd", "chmod"], "action": "SCMP_ACT_ERRNO"}]
    },
    "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "user"}, {"type": "cgroup"}],
    "maskedPaths": ["/proc/kcore"],
    "readonlyPaths": ["/proc/sys"],
    "mountLabel": "system_u:object_r:svirt_sandbox_file_t:s0:c715,c811"
  }
}
"""

/// A 1.3.0 config using fields added in 1.1–1.3, plus fields no 1.x spec has (which must be ignored).
let spec130Fixture = """
{
  "ociVersion": "1.3.0",
  "futureTopLevel": {"anything": [1, 2, 3]},
  "process": {
    "user": {"uid": 0, "gid": 0, "umask": 18},
    "args": ["/bin/sh"],
    "cwd": "/",
    "ioPriority": {"class": "IOPRIO_CLASS_IDLE", "priority": 4},
    "scheduler": {"policy": "SCHED_BATCH", "nice": 5, "flags": ["SCHED_FLAG_RESET_ON_FORK"]},
    "execCPUAffinity": {"initial": "0", "final": "0-1"},
    "futureProcessField": true
  },
  "root": {"path": "rootfs"},
  "domainname": "example.org",
  "hostname": "h",
  "mounts": [{"destination": "/mnt", "type": "bind", "source": "/srv", "options": ["rbind", "idmap"],
              "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
              "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]}],
  "hooks": {"createRuntime": [{"path": "/bin/true"}], "createContainer": [{"path": "/bin/true"}],
            "startContainer": [{"path": "/bin/true"}]},
  "linux": {
    "namespaces": [{"type": "mount"}, {"type": "uts"}, {"type": "time"}, {"type": "network", "path": "/run/netns/pod"}],
    "timeOffsets": {"monotonic": {"secs": 10, "nanosecs": 5}, "boottime": {"secs": -3}},
    "resources": {
      "memory": {"limit": 1073741824, "checkBeforeUpdate": true, "useHierarchy": true},
      "cpu": {"quota": 50000, "burst": 10000, "period": 100000, "idle": 1},
      "pids": {"limit": 100},
      "rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000}},
      "unified": {"memory.high": "900M", "io.max": "259:0 rbps=2097152"}
    },
    "intelRdt": {"closID": "guaranteed_group", "schemata": ["L3:0=7f0;1=1f", "MB:0=20;1=70"], "enableMonitoring": true},
    "netDevices": {"eth1": {"name": "net1"}, "eth2": {}},
    "memoryPolicy": {"mode": "MPOL_INTERLEAVE", "nodes": "0-1", "flags": ["MPOL_F_STATIC_NODES"]},
    "personality": {"domain": "LINUX32"},
    "seccomp": {
      "defaultAction": "SCMP_ACT_ERRNO",
      "defaultErrnoRet": 38,
      "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],
      "listenerPath": "/run/seccomp-agent.sock",
      "listenerMetadata": "MKNOD=/dev/null",
      "syscalls": [
        {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW", "futureRuleField": 1},
        {"names": ["mknod"], "action": "SCMP_ACT_NOTIFY"},
        {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 255, "valueTwo": 8, "op": "SCMP_CMP_MASKED_EQ"}]}
      ]
    },
    "futureLinuxField": "x"
  },
  "vm": {"hypervisor": {"path": "/usr/bin/qemu"}, "kernel": {"path": "/boot/vmlinuz"}},
  "windows": {"layerFolders": ["C:\\\\layers"]},
  "solaris": {"milestone": "svc:/milestone/container:default"}
}
"""

@Suite("Spec decoding")
struct SpecDecodingTests {
    @Test("decodes the config.json `runc spec` writes, and it validates clean with a rootfs",
          .enabled(if: FileManager.default.isExecutableFile(atPath: specTestRunc), "runc is not installed"))
    func runcSpec() throws {
        let bundle = try SpecTestBundle()
        defer { bundle.cleanup() }
        try bundle.run(specTestRunc, ["spec"])
        try bundle.makeDirectory("rootfs")
        let spec = try Spec.load(bundle: bundle.path)
        #expect(spec.ociVersion.hasPrefix("1."))
        #expect(spec.process?.args == ["sh"])
        #expect(spec.process?.terminal == true)
        #expect(spec.process?.capabilities?.bounding.contains("CAP_KILL") == true)
        #expect(spec.root == Spec.Root(path: "rootfs", readonly: true))
        #expect(spec.mounts.map(\.destination).contains("/dev/pts"))
        #expect(spec.linux?.namespaces.map(\.type).contains(.pid) == true)
        #expect(spec.linux?.maskedPaths.contains("/proc/kcore") == true)
        #expect(SpecValidation.validate(spec, bundle: bundle.path) == [])
    }

    @Test("decodes `runc spec --rootless`: a user namespace with mappings, /sys as an rbind",
          .enabled(if: FileManager.default.isExecutableFile(atPath: specTestRunc), "runc is not installed"))
    func runcRootlessSpec() throws {
        let bundle = try SpecTestBundle()
        defer { bundle.cleanup() }
        try bundle.run(specTestRunc, ["spec", "--rootless"])
        try bundle.makeDirectory("rootfs")
        let spec = try Spec.load(bundle: bundle.path)
        let linux = try #require(spec.linux)
        #expect(linux.namespace(.user) != nil)
        #expect(linux.uidMappings.count == 1)
        #expect(linux.gidMappings.count == 1)
        let sys = try #require(spec.mounts.first { $0.destination == "/sys" })
        #expect(sys.isBind)
        #expect(SpecValidation.validate(spec, bundle: bundle.path) == [])
    }

    @Test("decodes `crun spec` (ociVersion 1.0.0, empty inheritable set)",
          .enabled(if: FileManager.default.isExecutableFile(atPath: specTestCrun), "crun is not installed"))
    func crunSpec() throws {
        let bundle = try SpecTestBundle()
        defer { bundle.cleanup() }
        try bundle.run(specTestCrun, ["spec"])
        try bundle.makeDirectory("rootfs")
        let spec = try Spec.load(bundle: bundle.path)
        #expect(spec.ociVersion == "1.0.0")
        #expect(spec.hostname == "crun")
        #expect(spec.process?.capabilities?.inheritable == [])
        #expect(SpecValidation.validate(spec, bundle: bundle.path) == [])
    }

    @Test("`crun spec --rootless` leaves the mappings to crun; this runtime asks for them",
          .enabled(if: FileManager.default.isExecutableFile(atPath: specTestCrun), "crun is not installed"))
    func crunRootlessSpec() throws {
        let bundle = try SpecTestBundle()
        defer { bundle.cleanup() }
        try bundle.run(specTestCrun, ["spec", "--rootless"])
        try bundle.makeDirectory("rootfs")
        let spec = try Spec.load(bundle: bundle.path)
        #expect(spec.linux?.namespace(.user) != nil)
        #expect(SpecValidation.validate(spec, bundle: bundle.path).map(\.description) == [
            "linux.uidMappings: required when a new user namespace is created",
            "linux.gidMappings: required when a new user namespace is created",
        ])
    }

    @Test("decodes runc 1.1's spec output kept as a fixture")
    func runcFixture() throws {
        let spec = try Spec.decode(Data(runcSpecFixture.utf8))
        #expect(spec.ociVersion == "1.0.2-dev")
        let process = try #require(spec.process)
        #expect(process.user == Spec.User(uid: 0, gid: 0))
        #expect(process.env.count == 2)
        #expect(process.capabilities?.ambient == ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"])
        #expect(process.rlimits == [POSIXRlimit(type: "RLIMIT_NOFILE", hard: 1024, soft: 1024)])
        #expect(process.noNewPrivileges)
        #expect(spec.mounts.count == 7)
        #expect(spec.mounts[0] == Spec.Mount(destination: "/proc", type: "proc", source: "proc"))
        #expect(spec.mounts[6].options == ["nosuid", "noexec", "nodev", "relatime", "ro"])
        let linux = try #require(spec.linux)
        #expect(linux.resources?.devices == [LinuxDeviceCgroup(allow: false, access: "rwm")])
        #expect(linux.namespaces.map(\.type) == [.pid, .network, .ipc, .uts, .mount])
        #expect(linux.maskedPaths.count == 10)
        #expect(linux.readonlyPaths.count == 5)
        #expect(spec.hooks == nil)
        #expect(spec.annotations.isEmpty)
    }

    @Test("decodes a 1.0.0 config with hooks, devices, resources and seccomp")
    func spec100() throws {
        let spec = try Spec.decode(Data(spec100Fixture.utf8))
        let process = try #require(spec.process)
        #expect(process.consoleSize == Spec.Box(height: 25, width: 80))
        #expect(process.user.additionalGids == [5, 6])
        #expect(process.oomScoreAdj == 100)
        #expect(process.capabilities?.inheritable == [])
        #expect(spec.mounts[0].isBind)
        #expect(spec.hooks?.prestart.first?.args == ["fix-mounts", "arg1"])
        #expect(spec.hooks?.poststart.first?.timeout == 5)
        #expect(spec.hooks?.poststop.count == 1)
        #expect(spec.annotations["com.example.key1"] == "value1")
        let linux = try #require(spec.linux)
        #expect(linux.devices == [LinuxDevice(path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0)])
        #expect(linux.sysctl["net.core.somaxconn"] == "256")
        let resources = try #require(linux.resources)
        #expect(resources.memory?.kernel == -1)
        #expect(resources.memory?.disableOOMKiller == false)
        #expect(resources.cpu?.cpus == "2-3")
        #expect(resources.cpu?.realtimeRuntime == 950000)
        #expect(resources.pids?.limit == 32771)
        #expect(resources.blockIO?.weightDevice.first?.leafWeight == 300)
        #expect(resources.blockIO?.throttleWriteIOPSDevice == [LinuxThrottleDevice(major: 8, minor: 16, rate: 300)])
        #expect(resources.hugepageLimits.first?.pageSize == "2MB")
        #expect(resources.network?.classID == 1048577)
        #expect(resources.devices[1] == LinuxDeviceCgroup(allow: true, type: "c", major: 10, minor: 229, access: "rw"))
        #expect(linux.seccomp?.architectures == [.x86, .x32])
        #expect(linux.seccomp?.syscalls.first?.names == ["getcwd", "chmod"])
        #expect(linux.seccomp?.syscalls.first?.errnoRet == nil)
        #expect(linux.rootfsPropagation == "slave")
        // Validation: only the absent rootfs is wrong with this config.
        let bundle = try SpecTestBundle()
        defer { bundle.cleanup() }
        #expect(SpecValidation.validate(spec, bundle: bundle.path).map(\.description) == [
            "root.path: \"/var/lib/app/rootfs\" does not exist (resolved to /var/lib/app/rootfs)",
        ])
    }

    @Test("decodes a 1.3.0 config with the 1.1–1.3 additions and ignores unknown fields")
    func spec130() throws {
        let spec = try Spec.decode(Data(spec130Fixture.utf8))
        #expect(spec.ociVersion == "1.3.0")
        let process = try #require(spec.process)
        #expect(process.user.umask == 0o022)
        #expect(process.ioPriority == LinuxIOPriority(class: "IOPRIO_CLASS_IDLE", priority: 4))
        #expect(process.scheduler?.policy == "SCHED_BATCH")
        #expect(process.scheduler?.nice == 5)
        #expect(process.execCPUAffinity == Spec.CPUAffinity(initial: "0", final: "0-1"))
        #expect(spec.domainname == "example.org")
        #expect(spec.mounts[0].uidMappings == [LinuxIDMapping(containerID: 0, hostID: 1000, size: 1)])
        #expect(spec.hooks?.createRuntime.count == 1)
        #expect(spec.hooks?.startContainer.count == 1)
        let linux = try #require(spec.linux)
        #expect(linux.namespace(.network)?.path == "/run/netns/pod")
        #expect(linux.timeOffsets["monotonic"] == LinuxTimeOffset(secs: 10, nanosecs: 5))
        #expect(linux.timeOffsets["boottime"]?.secs == -3)
        #expect(linux.resources?.memory?.checkBeforeUpdate == true)
        #expect(linux.resources?.cpu?.burst == 10000)
        #expect(linux.resources?.cpu?.idle == 1)
        #expect(linux.resources?.rdma["mlx5_1"] == LinuxRdma(hcaHandles: 3, hcaObjects: 10000))
        #expect(linux.resources?.unified["memory.high"] == "900M")
        #expect(linux.intelRdt?.schemata == ["L3:0=7f0;1=1f", "MB:0=20;1=70"])
        #expect(linux.intelRdt?.enableMonitoring == true)
        #expect(linux.netDevices["eth1"]?.name == "net1")
        #expect(linux.netDevices["eth2"] == LinuxNetDevice())
        #expect(linux.memoryPolicy == LinuxMemoryPolicy(mode: "MPOL_INTERLEAVE", nodes: "0-1", flags: ["MPOL_F_STATIC_NODES"]))
        #expect(linux.personality?.domain == "LINUX32")
        let seccomp = try #require(linux.seccomp)
        #expect(seccomp.defaultErrnoRet == 38)
        #expect(seccomp.flags == [.log, .waitKillableRecv])
        #expect(seccomp.listenerMetadata == "MKNOD=/dev/null")
        #expect(seccomp.syscalls[2].args == [LinuxSeccompArg(index: 0, value: 255, valueTwo: 8, op: .maskedEqual)])

        let bundle = try SpecTestBundle()
        defer { bundle.cleanup() }
        try bundle.makeDirectory("rootfs")
        #expect(SpecValidation.validate(spec, bundle: bundle.path) == [])
    }

    @Test("the 1.2 single-string intelRdt.schemata decodes as lines")
    func schemataString() throws {
        let json = #"{"ociVersion": "1.2.0", "linux": {"intelRdt": {"schemata": "L3:0=7f0\nMB:0=20"}}}"#
        #expect(try Spec.decode(Data(json.utf8)).linux?.intelRdt?.schemata == ["L3:0=7f0", "MB:0=20"])
    }

    @Test("every 1.x ociVersion is accepted", arguments: [
        "1.0.0", "1.0.0-rc5", "1.0.1", "1.0.2-dev", "1.1.0-rc.1", "1.1.0", "1.2.0", "1.2.1", "1.3.0", "1.4.0+build.7",
    ])
    func acceptsOneX(version: String) throws {
        let spec = try Spec.decode(Data(#"{"ociVersion": "\#(version)"}"#.utf8))
        #expect(spec.ociVersion == version)
        #expect(SpecVersion.check(version) == nil)
    }

    @Test("0.x, 2.x and malformed ociVersions are rejected before the rest is decoded", arguments: [
        ("2.0.0", "/b/config.json: ociVersion: unsupported \"2.0.0\": this runtime reads runtime-spec 1.x configs"),
        ("0.5.0", "/b/config.json: ociVersion: unsupported \"0.5.0\": this runtime reads runtime-spec 1.x configs"),
        ("1.0", "/b/config.json: ociVersion: invalid \"1.0\": must be a SemVer version such as \"1.2.0\""),
        ("01.0.0", "/b/config.json: ociVersion: invalid \"01.0.0\": must be a SemVer version such as \"1.2.0\""),
        ("", "/b/config.json: ociVersion: required, e.g. \"1.2.0\""),
    ])
    func rejectsVersions(version: String, message: String) {
        // `process` has the wrong type: the version error must win over the type error.
        let json = #"{"ociVersion": "\#(version)", "process": 42}"#
        do {
            _ = try Spec.decode(Data(json.utf8), file: "/b/config.json")
            Issue.record("\(version) must be rejected")
        } catch {
            #expect("\(error)" == message)
        }
    }

    @Test("a missing ociVersion is reported as required")
    func missingVersion() {
        #expect(throws: SpecError(.required, path: "ociVersion", "required, e.g. \"1.2.0\"", file: "config.json")) {
            try Spec.decode(Data(#"{"process": {"args": ["sh"], "cwd": "/", "user": {"uid": 0, "gid": 0}}}"#.utf8))
        }
    }

    @Test("type errors name the file and the JSON path", arguments: [
        (#"{"ociVersion": "1.2.0", "process": {"user": {"uid": "zero", "gid": 0}, "args": ["sh"], "cwd": "/"}}"#,
         "c.json: process.user.uid: expected an unsigned 32-bit integer, found a string"),
        (#"{"ociVersion": "1.2.0", "process": {"user": {"uid": 0, "gid": 0}, "args": "sh", "cwd": "/"}}"#,
         "c.json: process.args: expected an array, found a string"),
        (#"{"ociVersion": "1.2.0", "process": {"user": {"uid": 0, "gid": 0}, "args": ["sh"], "cwd": "/", "rlimits": [{"type": "RLIMIT_NOFILE", "hard": true, "soft": 1}]}}"#,
         "c.json: process.rlimits[0].hard: expected an unsigned 64-bit integer, found a boolean"),
        (#"{"ociVersion": "1.2.0", "mounts": [{"destination": "/a"}, {"destination": "/b", "options": {"ro": true}}]}"#,
         "c.json: mounts[1].options: expected an array, found an object"),
        (#"{"ociVersion": "1.2.0", "linux": {"namespaces": [{"type": 3}]}}"#,
         "c.json: linux.namespaces[0].type: expected a string, found a number"),
        (#"{"ociVersion": "1.2.0", "process": {"user": {"uid": 0, "gid": 0}, "args": ["sh"]}}"#,
         "c.json: process.cwd: required field is missing"),
        (#"{"ociVersion": "1.2.0", "root": {"readonly": true}}"#,
         "c.json: root.path: required field is missing"),
        (#"{"ociVersion": "1.2.0", "process": {"user": null, "args": ["sh"], "cwd": "/"}}"#,
         "c.json: process.user: expected an object, found null"),
    ])
    func typeErrors(json: String, message: String) {
        do {
            _ = try Spec.decode(Data(json.utf8), file: "c.json")
            Issue.record("decoding should fail with \(message)")
        } catch {
            #expect("\(error)" == message)
        }
    }

    @Test("numbers that don't fit, map keys and malformed JSON are reported precisely", arguments: [
        (#"{"ociVersion": "1.2.0", "process": {"user": {"uid": -1, "gid": 0}, "args": ["sh"], "cwd": "/"}}"#,
         "c.json: process.user.uid: -1 is out of range: expected an unsigned 32-bit integer"),
        (#"{"ociVersion": "1.2.0", "process": {"user": {"uid": 0, "gid": 0}, "args": ["sh"], "cwd": "/", "oomScoreAdj": 1.5}}"#,
         "c.json: process.oomScoreAdj: 1.5 is not an integer: expected a 64-bit integer"),
        (#"{"ociVersion": "1.2.0", "linux": {"resources": {"blockIO": {"weight": 70000}}}}"#,
         "c.json: linux.resources.blockIO.weight: 70000 is out of range: expected an unsigned 16-bit integer"),
        (#"{"ociVersion": "1.2.0", "linux": {"sysctl": {"net.core.somaxconn": 256}}}"#,
         "c.json: linux.sysctl[net.core.somaxconn]: expected a string, found a number"),
        (#"{"ociVersion": "1.2.0", "#, "c.json: invalid JSON at line 1, column 25: unexpected end of input, expected a quoted member name"),
        ("{\"ociVersion\": \"1.2.0\",\n  \"hostname\": \"a\" \"b\"}", "c.json: invalid JSON at line 2, column 19: expected ',' or '}' in object"),
        ("[1, 2]", "c.json: expected a JSON object, found an array"),
        (#"{"ociVersion": 1}"#, "c.json: ociVersion: expected a string, found a number"),
    ])
    func corruptData(json: String, message: String) {
        do {
            _ = try Spec.decode(Data(json.utf8), file: "c.json")
            Issue.record("decoding should fail with \(message)")
        } catch {
            #expect("\(error)" == message)
        }
    }

    @Test("integers written as 1e3 or 10.0 are accepted, strings keep escapes")
    func numberForms() throws {
        let json = #"{"ociVersion": "1.2.0", "hostname": "a\u00e9\ud83d\ude00\n", "process": {"user": {"uid": 1e3, "gid": 10.0}, "args": ["sh"], "cwd": "/"}}"#
        let spec = try Spec.decode(Data(json.utf8))
        #expect(spec.process?.user == Spec.User(uid: 1000, gid: 10))
        #expect(spec.hostname == "a\u{e9}\u{1F600}\n")
    }

    @Test("load reads <bundle>/config.json and names a missing file")
    func load() throws {
        let bundle = try SpecTestBundle()
        defer { bundle.cleanup() }
        #expect(throws: SpecError(.notFound, path: "", "no such file: a bundle directory must contain config.json",
                                  file: bundle.path + "/config.json")) {
            try Spec.load(bundle: bundle.path)
        }
        try bundle.write(runcSpecFixture)
        #expect(try Spec.load(bundle: bundle.path).hostname == "runc")
        #expect(try Spec.load(bundle: bundle.path + "/").hostname == "runc")
    }

    @Test("encoding round-trips and leaves empty fields out, as Go's omitempty does")
    func roundTrip() throws {
        for fixture in [runcSpecFixture, spec100Fixture, spec130Fixture] {
            let spec = try Spec.decode(Data(fixture.utf8))
            #expect(try Spec.decode(spec.jsonData()) == spec)
        }
        let minimal = Spec(process: Spec.Process(args: ["true"]), root: Spec.Root(path: "rootfs"))
        let object = try #require(try JSONSerialization.jsonObject(with: minimal.jsonData()) as? [String: Any])
        #expect(Set(object.keys) == ["ociVersion", "process", "root"])
        let process = try #require(object["process"] as? [String: Any])
        #expect(Set(process.keys) == ["user", "args", "cwd"])
        let root = try #require(object["root"] as? [String: Any])
        #expect(Set(root.keys) == ["path"])
    }
}

@Suite("State")
struct SpecStateTests {
    @Test("writes keys in runc's order, pid always, annotations only when present")
    func encoding() throws {
        let running = State(ociVersion: "1.2.0", id: "c1", pid: 4422, status: .running, bundle: "/b", rootfs: "/b/rootfs",
                            created: "2026-01-02T03:04:05.123456789Z", annotations: ["k": "v\"q", "a": "1"], owner: "")
        let compact = String(decoding: running.jsonData(prettyPrinted: false), as: UTF8.self)
        #expect(compact == #"{"ociVersion":"1.2.0","id":"c1","pid":4422,"status":"running","bundle":"/b","rootfs":"/b/rootfs","created":"2026-01-02T03:04:05.123456789Z","annotations":{"a":"1","k":"v\"q"},"owner":""}"#)
        let stopped = State(id: "c2", pid: 0, status: .stopped, bundle: "/b")
        let pretty = String(decoding: stopped.jsonData(), as: UTF8.self)
        #expect(pretty == """
            {
              "ociVersion": "1.2.0",
              "id": "c2",
              "pid": 0,
              "status": "stopped",
              "bundle": "/b"
            }
            """)
        // Both forms, and the Codable encoding, read back as the same state.
        #expect(try JSONDecoder().decode(State.self, from: running.jsonData()) == running)
        #expect(try JSONDecoder().decode(State.self, from: running.jsonData(prettyPrinted: false)) == running)
        #expect(try JSONDecoder().decode(State.self, from: JSONEncoder().encode(running)) == running)
    }

    @Test("decodes runc's state output and the spec's example state")
    func decoding() throws {
        let runc = """
        {
          "ociVersion": "1.0.2-dev",
          "id": "web",
          "pid": 1234,
          "status": "created",
          "bundle": "/run/bundles/web",
          "rootfs": "/run/bundles/web/rootfs",
          "created": "2026-11-27T09:43:00.123456789Z",
          "owner": ""
        }
        """
        let state = try JSONDecoder().decode(State.self, from: Data(runc.utf8))
        #expect(state == State(ociVersion: "1.0.2-dev", id: "web", pid: 1234, status: .created, bundle: "/run/bundles/web",
                               rootfs: "/run/bundles/web/rootfs", created: "2026-11-27T09:43:00.123456789Z", owner: ""))
        let spec = #"{"ociVersion": "0.2.0", "id": "oci-container1", "status": "running", "pid": 4422, "bundle": "/containers/redis", "annotations": {"myKey": "myValue"}}"#
        let example = try JSONDecoder().decode(State.self, from: Data(spec.utf8))
        #expect(example.annotations == ["myKey": "myValue"])
        #expect(example.status == .running)
        #expect(State.Status.allCases.map(\.rawValue) == ["creating", "created", "running", "stopped", "paused"])
    }
}
