import Foundation
import SwiftletAPI
import SwiftletImages
import SwiftletRuntime

/// Everything needed to turn one container of a pod into an OCI runtime spec.
public struct ContainerSpecInput: Sendable {
    public var pod: Pod
    public var container: Container
    public var image: ImageConfig
    /// The container's resolved environment (`EnvResolver`), in order.
    public var environment: [(name: String, value: String)]
    /// The mounted root filesystem (an overlay snapshot).
    public var rootfs: String
    /// The pod's network namespace to join; nil with `hostNetwork`.
    public var netnsPath: String?
    /// The pod's shared IPC and UTS namespaces to join; nil: a new one per container (or the
    /// node's with hostIPC/hostNetwork).
    public var ipcPath: String?
    public var utsPath: String?
    /// The pod's shared PID namespace (`shareProcessNamespace`); nil: one per container (or
    /// the node's with hostPID).
    public var pidPath: String?
    /// The container's cgroup, e.g. `/kubepods/besteffort/pod<uid>/<id>`.
    public var cgroupsPath: String
    /// Volume mounts and the pod's `/etc/hosts`, `/etc/resolv.conf` and termination log.
    public var mounts: [Spec.Mount]
    /// kubelet's `seccompDefault`: RuntimeDefault for containers that name no profile.
    public var seccompDefault: Bool
    /// `<rootDir>/seccomp`, where Localhost profiles live.
    public var seccompRoot: String
    /// Labels the runtime state carries for re-adoption.
    public var annotations: [String: String]

    public init(pod: Pod, container: Container, image: ImageConfig, environment: [(name: String, value: String)],
                rootfs: String, netnsPath: String?, ipcPath: String? = nil, utsPath: String? = nil,
                pidPath: String? = nil, cgroupsPath: String, mounts: [Spec.Mount],
                seccompDefault: Bool, seccompRoot: String, annotations: [String: String]) {
        self.pod = pod
        self.container = container
        self.image = image
        self.environment = environment
        self.rootfs = rootfs
        self.netnsPath = netnsPath
        self.ipcPath = ipcPath
        self.utsPath = utsPath
        self.pidPath = pidPath
        self.cgroupsPath = cgroupsPath
        self.mounts = mounts
        self.seccompDefault = seccompDefault
        self.seccompRoot = seccompRoot
        self.annotations = annotations
    }
}

/// Builds the OCI spec for a container from its PodSpec and image config, the way kubelet and
/// containerd's CRI plugin do together: command/args against Entrypoint/Cmd, the user from
/// `runAsUser`/`runAsGroup` or the image's USER, capabilities add/drop over containerd's
/// defaults, privileged, read-only root, no_new_privs from `allowPrivilegeEscalation: false`,
/// seccomp RuntimeDefault/Unconfined/Localhost, the pod's namespaces, and cgroup resources from
/// requests and limits.
public enum ContainerSpecBuilder {
    /// - Throws: `ContainerConfigError` for what kubelet reports as CreateContainerConfigError
    ///   (runAsNonRoot violations, a missing Localhost profile, nothing to run).
    public static func build(_ input: ContainerSpecInput) throws -> Spec {
        let pod = input.pod, container = input.container
        let process: ContainerProcess
        do {
            process = try ContainerProcess.resolve(container: container, image: input.image, environment: input.environment)
        } catch {
            throw ContainerConfigError("\(error)")
        }
        let podSC = pod.spec.securityContext
        let sc = container.securityContext
        let privileged = sc?.privileged == true
        let user = try resolveUser(input: input, imageUser: process.user)

        var capabilities = RuntimeDefaults.capabilities
        let add = (sc?.capabilities?.add ?? []).map(capName)
        let drop = Set((sc?.capabilities?.drop ?? []).map(capName))
        if privileged {
            capabilities = allCapabilities
        } else {
            if drop.contains("CAP_ALL") { capabilities = [] } else { capabilities.removeAll { drop.contains($0) } }
            if add.contains("CAP_ALL") {
                capabilities = allCapabilities
            } else {
                for cap in add where !capabilities.contains(cap) { capabilities.append(cap) }
            }
        }

        var env = process.env
        if !env.contains(where: { $0.hasPrefix("PATH=") }) { env.insert(RuntimeDefaults.env[0], at: 0) }
        env.append("HOSTNAME=\(hostname(pod))")

        var spec = RuntimeDefaults.spec(args: process.args, rootfs: input.rootfs, hostname: hostname(pod))
        spec.process?.env = env
        spec.process?.cwd = process.workingDir
        spec.process?.user = user
        spec.process?.capabilities = LinuxCapabilities(bounding: capabilities, effective: capabilities, permitted: capabilities)
        spec.process?.noNewPrivileges = sc?.allowPrivilegeEscalation == false
        spec.process?.terminal = container.tty == true
        spec.root = Spec.Root(path: input.rootfs, readonly: sc?.readOnlyRootFilesystem == true)
        spec.annotations = input.annotations

        var linux = spec.linux ?? Linux()
        var namespaces: [LinuxNamespace] = [LinuxNamespace(type: .mount), LinuxNamespace(type: .cgroup)]
        if pod.spec.hostPID != true { namespaces.append(LinuxNamespace(type: .pid, path: input.pidPath ?? "")) }
        if pod.spec.hostIPC != true { namespaces.append(LinuxNamespace(type: .ipc, path: input.ipcPath ?? "")) }
        if pod.spec.hostNetwork != true {
            namespaces.append(LinuxNamespace(type: .uts, path: input.utsPath ?? ""))
            // A joined UTS namespace already carries the pod's hostname.
            if input.utsPath != nil { spec.hostname = "" }
            namespaces.append(LinuxNamespace(type: .network, path: input.netnsPath ?? ""))
        } else {
            // A host-network pod has the node's hostname.
            spec.hostname = ""
        }
        linux.namespaces = namespaces
        linux.cgroupsPath = input.cgroupsPath
        linux.resources = resources(container, privileged: privileged)
        if sc?.procMount == "Unmasked" {
            // procMount Unmasked: /proc as the kernel shows it (Kubernetes requires hostUsers: false).
            linux.maskedPaths = []
            linux.readonlyPaths = []
        }
        if privileged {
            linux.maskedPaths = []
            linux.readonlyPaths = []
            linux.seccomp = nil
        } else {
            linux.seccomp = try seccomp(input: input, capabilities: capabilities)
        }
        var sysctls: [String: String] = [:]
        for sysctl in podSC?.sysctls ?? [] { sysctls[Sysctls.canonical(sysctl.name)] = sysctl.value }
        linux.sysctl = sysctls
        spec.linux = linux
        spec.mounts = mergeMounts(spec.mounts, input.mounts, readOnlySys: !privileged)
        return spec
    }

    /// The pod's hostname: `spec.hostname`, else the pod name, at most 63 characters.
    public static func hostname(_ pod: Pod) -> String {
        let name = (pod.spec.hostname?.isEmpty == false ? pod.spec.hostname : pod.metadata.name) ?? "pod"
        return String(name.prefix(63)).trimmingCharacters(in: CharacterSet(charactersIn: "-."))
    }

    static func capName(_ name: String) -> String {
        let upper = name.uppercased()
        return upper.hasPrefix("CAP_") ? upper : "CAP_" + upper
    }

    /// Every capability the kernel knows (privileged containers get them all).
    static let allCapabilities: [String] = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
        "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
        "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ]

    /// Container-level settings win over pod-level ones; the image's USER fills in the rest.
    static func resolveUser(input: ContainerSpecInput, imageUser: String?) throws -> Spec.User {
        let pod = input.pod, container = input.container
        let podSC = pod.spec.securityContext, sc = container.securityContext
        let runAsUser = sc?.runAsUser ?? podSC?.runAsUser
        let runAsGroup = sc?.runAsGroup ?? podSC?.runAsGroup
        let runAsNonRoot = sc?.runAsNonRoot ?? podSC?.runAsNonRoot ?? false
        var uid: UInt32 = 0, gid: UInt32 = 0
        var imageNamed: String?
        if let runAsUser {
            uid = UInt32(truncatingIfNeeded: runAsUser)
            gid = UInt32(truncatingIfNeeded: runAsGroup ?? 0)
            if runAsGroup == nil, let entry = PasswdFile.lookup(uid: uid, rootfs: input.rootfs) { gid = entry.gid }
        } else if let imageUser, !imageUser.isEmpty {
            let parts = imageUser.split(separator: ":", maxSplits: 1).map(String.init)
            if let numeric = UInt32(parts[0]) {
                uid = numeric
                gid = PasswdFile.lookup(uid: numeric, rootfs: input.rootfs)?.gid ?? 0
            } else {
                imageNamed = parts[0]
                guard let entry = PasswdFile.lookup(name: parts[0], rootfs: input.rootfs) else {
                    throw ContainerConfigError("container \(container.name): image user \"\(parts[0])\" is not in the image's /etc/passwd")
                }
                uid = entry.uid
                gid = entry.gid
            }
            if parts.count == 2 {
                if let numeric = UInt32(parts[1]) {
                    gid = numeric
                } else if let group = PasswdFile.lookupGroup(name: parts[1], rootfs: input.rootfs) {
                    gid = group
                } else {
                    throw ContainerConfigError("container \(container.name): image group \"\(parts[1])\" is not in the image's /etc/group")
                }
            }
            if let runAsGroup { gid = UInt32(truncatingIfNeeded: runAsGroup) }
        } else if let runAsGroup {
            gid = UInt32(truncatingIfNeeded: runAsGroup)
        }
        if runAsNonRoot {
            if runAsUser == nil, let imageNamed {
                throw ContainerConfigError("container has runAsNonRoot and image has non-numeric user (\(imageNamed)), cannot verify user is non-root (pod: \"\(pod.metadata.name ?? "")_\(pod.metadata.namespace ?? "default")(\(pod.metadata.uid ?? ""))\", container: \(container.name))")
            }
            if uid == 0 {
                throw ContainerConfigError(runAsUser != nil
                    ? "container's runAsUser breaks non-root policy (pod: \"\(pod.metadata.name ?? "")_\(pod.metadata.namespace ?? "default")(\(pod.metadata.uid ?? ""))\", container: \(container.name))"
                    : "container has runAsNonRoot and image will run as root (pod: \"\(pod.metadata.name ?? "")_\(pod.metadata.namespace ?? "default")(\(pod.metadata.uid ?? ""))\", container: \(container.name))")
            }
        }
        var groups: [UInt32] = []
        for g in (podSC?.supplementalGroups ?? []) + (podSC?.fsGroup.map { [$0] } ?? []) {
            let value = UInt32(truncatingIfNeeded: g)
            if !groups.contains(value) { groups.append(value) }
        }
        return Spec.User(uid: uid, gid: gid, additionalGids: groups)
    }

    static func resources(_ container: Container, privileged: Bool) -> LinuxResources {
        var resources = LinuxResources(devices: privileged ? [LinuxDeviceCgroup(allow: true, access: "rwm")] : RuntimeDefaults.deviceCgroupRules)
        let requests = PodResources.effectiveRequests(container)
        let limits = container.resources?.limits ?? [:]
        var cpu = LinuxCPU()
        cpu.shares = PodResources.cpuShares(milliCPU: requests["cpu"]?.milliValue ?? 0)
        if let limit = limits["cpu"], let quota = PodResources.cpuQuota(milliCPU: limit.milliValue) {
            cpu.quota = quota
            cpu.period = 100_000
        }
        resources.cpu = cpu
        if let memory = limits["memory"], memory.value > 0 {
            resources.memory = LinuxMemory(limit: memory.value)
        }
        return resources
    }

    static func seccomp(input: ContainerSpecInput, capabilities: [String]) throws -> LinuxSeccomp? {
        let profile = input.container.securityContext?.seccompProfile ?? input.pod.spec.securityContext?.seccompProfile
        let type = profile?.type ?? (input.seccompDefault ? "RuntimeDefault" : "Unconfined")
        switch type {
        case "Unconfined":
            return nil
        case "RuntimeDefault":
            return RuntimeDefaults.seccompProfile(capabilities: capabilities)
        case "Localhost":
            guard let name = profile?.localhostProfile, !name.isEmpty, !name.hasPrefix("/"),
                  !name.split(separator: "/").contains("..") else {
                throw ContainerConfigError("seccompProfile.localhostProfile must be a relative path below \(input.seccompRoot)")
            }
            let path = input.seccompRoot + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ContainerConfigError("seccomp profile \(path) (localhostProfile \"\(name)\") cannot be read")
            }
            do {
                return try JSONDecoder().decode(LinuxSeccomp.self, from: data)
            } catch {
                throw ContainerConfigError("seccomp profile \(path): not a valid profile: \(error)")
            }
        default:
            throw ContainerConfigError("unsupported seccompProfile.type \"\(type)\"")
        }
    }

    /// The runtime's default mounts, minus any a pod mount replaces, then the pod's.
    static func mergeMounts(_ defaults: [Spec.Mount], _ extra: [Spec.Mount], readOnlySys: Bool) -> [Spec.Mount] {
        let taken = Set(extra.map(\.destination))
        return defaults.filter { !taken.contains($0.destination) } + extra
    }
}

/// Reads the image's /etc/passwd and /etc/group, never following a symlink out of the rootfs.
enum PasswdFile {
    struct Entry { var uid: UInt32; var gid: UInt32 }

    static func read(_ relative: String, rootfs: String) -> [[Substring]] {
        let path = rootfs + relative
        var st = stat()
        guard lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size < 4 << 20,
              let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map { $0.split(separator: ":", omittingEmptySubsequences: false) }
    }

    static func lookup(name: String, rootfs: String) -> Entry? {
        read("/etc/passwd", rootfs: rootfs).first { $0.count >= 4 && $0[0] == name }
            .flatMap { fields in UInt32(fields[2]).flatMap { uid in UInt32(fields[3]).map { Entry(uid: uid, gid: $0) } } }
    }

    static func lookup(uid: UInt32, rootfs: String) -> Entry? {
        read("/etc/passwd", rootfs: rootfs).first { $0.count >= 4 && UInt32($0[2]) == uid }
            .flatMap { fields in UInt32(fields[3]).map { Entry(uid: uid, gid: $0) } }
    }

    static func lookupGroup(name: String, rootfs: String) -> UInt32? {
        read("/etc/group", rootfs: rootfs).first { $0.count >= 3 && $0[0] == name }.flatMap { UInt32($0[2]) }
    }
}
