import Foundation
import SwiftletAPI
import SwiftletImages
import SwiftletRuntime
import Testing
@testable import SwiftletAgent

private func decodePod(_ yaml: String) throws -> Pod {
    let result = PodManifestReader.read(Data(yaml.utf8))
    let doc = try #require(result.documents.first)
    #expect(doc.errors.isEmpty, "\(doc.errors)")
    var pod = try #require(doc.pod)
    pod.metadata.uid = pod.metadata.uid ?? "0123456789abcdef0123456789abcdef"
    return pod
}

private let image = ImageConfig(
    architecture: "amd64", os: "linux",
    config: ImageConfig.ProcessDefaults(user: nil, env: ["PATH=/bin", "FROM_IMAGE=1"], entrypoint: ["/bin/sh"], cmd: ["-c", "echo image"], workingDir: "/srv"),
    rootfs: ImageConfig.RootFS(type: "layers", diffIDs: []))

/// A rootfs dir with an /etc/passwd and /etc/group.
private final class FakeRootfs {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "swiftlet-spec-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path + "/etc", withIntermediateDirectories: true)
        try "root:x:0:0:root:/root:/bin/sh\nwww:x:33:44:www:/var/www:/bin/sh\n".write(toFile: path + "/etc/passwd", atomically: true, encoding: .utf8)
        try "root:x:0:\nstaff:x:50:\n".write(toFile: path + "/etc/group", atomically: true, encoding: .utf8)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

private func input(_ pod: Pod, _ index: Int = 0, image: ImageConfig = image, rootfs: String = "/tmp/none",
                   netns: String? = "/run/swiftlet/netns/p1", seccompDefault: Bool = false, seccompRoot: String = "/nonexistent") throws -> ContainerSpecInput {
    let container = pod.spec.containers[index]
    let env = try EnvResolver.resolve(container: container, pod: pod, context: PodEnvContext(
        hostIP: "10.0.0.5", podIPs: ["10.88.0.7"], nodeAllocatableMilliCPU: 2000, nodeAllocatableMemory: 4 << 30))
    return ContainerSpecInput(
        pod: pod, container: container, image: image, environment: env, rootfs: rootfs, netnsPath: netns,
        cgroupsPath: PodResources.podCgroup(pod) + "/c1", mounts: [], seccompDefault: seccompDefault,
        seccompRoot: seccompRoot, annotations: ["io.kubernetes.pod.uid": pod.metadata.uid ?? ""])
}

@Suite("Container spec from a PodSpec and an image config")
struct ContainerSpecTests {
    @Test("command replaces Entrypoint and drops Cmd, env expands in order over the image's, workingDir, hostname, pod netns")
    func process() throws {
        let pod = try decodePod("""
            apiVersion: v1
            kind: Pod
            metadata: {name: web, namespace: shop, labels: {app: web}}
            spec:
              containers:
              - name: c
                image: busybox
                command: ["/bin/echo", "$(GREETING) from $(POD)", "$$(GREETING)"]
                env:
                - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
                - {name: GREETING, value: "hi $(POD)"}
                - {name: APP, valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}}
                - {name: IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
                - {name: MEM, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}
                - {name: CPU, valueFrom: {resourceFieldRef: {resource: requests.cpu, divisor: 1m}}}
                resources: {requests: {cpu: 250m}}
            """)
        let rootfs = try FakeRootfs()
        let spec = try ContainerSpecBuilder.build(try input(pod, rootfs: rootfs.path))
        let p = try #require(spec.process)
        #expect(p.args == ["/bin/echo", "hi web from web", "$(GREETING)"])
        #expect(p.env.contains("FROM_IMAGE=1") && p.env.contains("PATH=/bin"))
        #expect(p.env.contains("GREETING=hi web") && p.env.contains("APP=web") && p.env.contains("IP=10.88.0.7"))
        #expect(p.env.contains("MEM=4096"))  // no limit: node allocatable, 4 GiB in MiB
        #expect(p.env.contains("CPU=250"))
        #expect(p.cwd == "/srv")
        #expect(spec.hostname == "web")
        #expect(spec.linux?.namespaces.contains(LinuxNamespace(type: .network, path: "/run/swiftlet/netns/p1")) == true)
        #expect(spec.linux?.cgroupsPath == "/kubepods/burstable/pod0123456789abcdef0123456789abcdef/c1")
        #expect(spec.linux?.resources?.cpu?.shares == 256)
        #expect(spec.linux?.resources?.cpu?.quota == nil)
        #expect(p.noNewPrivileges == false)
        #expect(spec.linux?.seccomp == nil)
        #expect(SpecValidation.validate(spec, bundle: "/tmp").isEmpty)
    }

    @Test("users: runAsUser/runAsGroup win, the image's named USER resolves through its /etc/passwd, fsGroup joins the groups; runAsNonRoot violations carry kubelet's messages")
    func users() throws {
        let rootfs = try FakeRootfs()
        var named = image
        named.config?.user = "www:staff"
        let base = """
            apiVersion: v1
            kind: Pod
            metadata: {name: u}
            spec:
              securityContext: {fsGroup: 2000, supplementalGroups: [3000]}
              containers:
              - name: c
                image: busybox
            """
        let plain = try decodePod(base)
        let fromImage = try ContainerSpecBuilder.build(try input(plain, image: named, rootfs: rootfs.path))
        #expect(fromImage.process?.user == Spec.User(uid: 33, gid: 50, additionalGids: [3000, 2000]))

        let explicit = try decodePod(base + "\n    securityContext: {runAsUser: 1000, runAsGroup: 1001}\n")
        let spec = try ContainerSpecBuilder.build(try input(explicit, image: named, rootfs: rootfs.path))
        #expect(spec.process?.user.uid == 1000 && spec.process?.user.gid == 1001)

        let nonRootNamed = try decodePod(base + "\n    securityContext: {runAsNonRoot: true}\n")
        let e1 = #expect(throws: ContainerConfigError.self) {
            try ContainerSpecBuilder.build(try input(nonRootNamed, image: named, rootfs: rootfs.path))
        }
        #expect(e1?.message.hasPrefix("container has runAsNonRoot and image has non-numeric user (www), cannot verify user is non-root") == true)
        let e2 = #expect(throws: ContainerConfigError.self) {
            try ContainerSpecBuilder.build(try input(nonRootNamed, rootfs: rootfs.path))
        }
        #expect(e2?.message.hasPrefix("container has runAsNonRoot and image will run as root") == true)
        let rootByUser = try decodePod(base + "\n    securityContext: {runAsNonRoot: true, runAsUser: 0}\n")
        let e3 = #expect(throws: ContainerConfigError.self) {
            try ContainerSpecBuilder.build(try input(rootByUser, rootfs: rootfs.path))
        }
        #expect(e3?.message.hasPrefix("container's runAsUser breaks non-root policy") == true)
    }

    @Test("capabilities add/drop over the defaults, drop ALL, privileged; read-only root; no_new_privs only when allowPrivilegeEscalation is false")
    func privileges() throws {
        let pod = try decodePod("""
            apiVersion: v1
            kind: Pod
            metadata: {name: caps}
            spec:
              containers:
              - name: a
                image: busybox
                securityContext: {capabilities: {add: [NET_ADMIN], drop: [CHOWN, kill]}, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false}
              - name: b
                image: busybox
                securityContext: {capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}}
              - name: c
                image: busybox
                securityContext: {privileged: true}
            """)
        let a = try ContainerSpecBuilder.build(try input(pod, 0))
        let caps = try #require(a.process?.capabilities?.effective)
        #expect(caps.contains("CAP_NET_ADMIN") && !caps.contains("CAP_CHOWN") && !caps.contains("CAP_KILL") && caps.contains("CAP_SETUID"))
        #expect(a.root?.readonly == true)
        #expect(a.process?.noNewPrivileges == true)
        let b = try ContainerSpecBuilder.build(try input(pod, 1))
        #expect(b.process?.capabilities?.effective == ["CAP_NET_BIND_SERVICE"])
        #expect(b.root?.readonly == false)
        let c = try ContainerSpecBuilder.build(try input(pod, 2, seccompDefault: true))
        #expect(c.process?.capabilities?.effective.contains("CAP_SYS_ADMIN") == true)
        #expect(c.linux?.seccomp == nil)
        #expect(c.linux?.maskedPaths.isEmpty == true)
        #expect(c.linux?.resources?.devices.first == LinuxDeviceCgroup(allow: true, access: "rwm"))
    }

    @Test("seccomp: seccompDefault gives RuntimeDefault, Unconfined opts out, Localhost loads <rootDir>/seccomp/<name> and names a missing file")
    func seccomp() throws {
        let dir = NSTemporaryDirectory() + "swiftlet-seccomp-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/profiles", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}"#
            .write(toFile: dir + "/profiles/no-mkdir.json", atomically: true, encoding: .utf8)
        let pod = try decodePod("""
            apiVersion: v1
            kind: Pod
            metadata: {name: sec}
            spec:
              containers:
              - {name: a, image: busybox}
              - {name: b, image: busybox, securityContext: {seccompProfile: {type: Unconfined}}}
              - {name: c, image: busybox, securityContext: {seccompProfile: {type: Localhost, localhostProfile: profiles/no-mkdir.json}}}
              - {name: d, image: busybox, securityContext: {seccompProfile: {type: Localhost, localhostProfile: profiles/missing.json}}}
            """)
        #expect(try ContainerSpecBuilder.build(try input(pod, 0, seccompDefault: true)).linux?.seccomp?.defaultAction == .errno)
        #expect(try ContainerSpecBuilder.build(try input(pod, 0, seccompDefault: false)).linux?.seccomp == nil)
        #expect(try ContainerSpecBuilder.build(try input(pod, 1, seccompDefault: true)).linux?.seccomp == nil)
        let local = try ContainerSpecBuilder.build(try input(pod, 2, seccompRoot: dir))
        #expect(local.linux?.seccomp?.syscalls.first?.names == ["mkdir"])
        let error = #expect(throws: ContainerConfigError.self) {
            try ContainerSpecBuilder.build(try input(pod, 3, seccompRoot: dir))
        }
        #expect(error?.message.contains(dir + "/profiles/missing.json") == true)
    }

    @Test("QoS classes and their cgroups; limits become CFS quota and a memory limit; hostNetwork keeps the host's network and UTS")
    func resources() throws {
        let pod = try decodePod("""
            apiVersion: v1
            kind: Pod
            metadata: {name: q}
            spec:
              hostNetwork: true
              containers:
              - name: c
                image: busybox
                resources: {limits: {cpu: 500m, memory: 64Mi}}
            """)
        #expect(PodResources.qosClass(pod.spec) == "Guaranteed")
        let spec = try ContainerSpecBuilder.build(try input(pod, netns: nil))
        #expect(spec.linux?.cgroupsPath == "/kubepods/pod0123456789abcdef0123456789abcdef/c1")
        #expect(spec.linux?.resources?.cpu?.shares == 512)
        #expect(spec.linux?.resources?.cpu?.quota == 50_000 && spec.linux?.resources?.cpu?.period == 100_000)
        #expect(spec.linux?.resources?.memory?.limit == 64 << 20)
        #expect(spec.linux?.namespaces.contains { $0.type == .network } == false)
        #expect(spec.linux?.namespaces.contains { $0.type == .uts } == false)
        #expect(spec.hostname.isEmpty)

        var best = pod
        best.spec.containers[0].resources = nil
        #expect(PodResources.qosClass(best.spec) == "BestEffort")
        #expect(PodResources.podCgroup(best).hasPrefix("/kubepods/besteffort/pod"))
        var burst = pod
        burst.spec.containers[0].resources?.limits?["memory"] = nil
        #expect(PodResources.qosClass(burst.spec) == "Burstable")
        #expect(PodResources.cpuShares(milliCPU: 0) == 2)
        #expect(PodResources.cpuQuota(milliCPU: 1) == 1000)
    }

    @Test("env from ConfigMaps or Secrets, and unknown field paths, are configuration errors naming the variable")
    func envErrors() throws {
        let pod = try decodePod("""
            apiVersion: v1
            kind: Pod
            metadata: {name: e}
            spec:
              containers:
              - name: c
                image: busybox
                env:
                - {name: S, valueFrom: {secretKeyRef: {name: s, key: k}}}
            """)
        let error = #expect(throws: ContainerConfigError.self) {
            _ = try input(pod)
        }
        #expect(error?.message.contains("env S") == true)
    }

    @Test("shareProcessNamespace joins the pod's PID namespace; otherwise each container gets its own, and hostPID none")
    func pidNamespace() throws {
        let pod = try decodePod("""
            apiVersion: v1
            kind: Pod
            metadata: {name: p}
            spec:
              shareProcessNamespace: true
              containers:
              - {name: c, image: busybox}
            """)
        var shared = try input(pod)
        shared.pidPath = "/run/swiftlet/podns/u.pid"
        let spec = try ContainerSpecBuilder.build(shared)
        #expect(spec.linux?.namespaces.filter { $0.type == .pid } == [LinuxNamespace(type: .pid, path: "/run/swiftlet/podns/u.pid")])

        var own = pod
        own.spec.shareProcessNamespace = nil
        let ownSpec = try ContainerSpecBuilder.build(try input(own))
        #expect(ownSpec.linux?.namespaces.filter { $0.type == .pid } == [LinuxNamespace(type: .pid)])

        var host = own
        host.spec.hostPID = true
        let hostSpec = try ContainerSpecBuilder.build(try input(host))
        #expect(hostSpec.linux?.namespaces.contains { $0.type == .pid } == false)
    }
}
