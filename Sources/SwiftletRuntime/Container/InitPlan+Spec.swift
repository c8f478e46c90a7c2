import Foundation
import SwiftletRuntimeInit

/// Turns a validated OCI spec into the flat ``InitPlan`` that `swiftlet-monitor` executes.
///
/// Everything that needs Foundation or libseccomp happens here, in the caller, so that the
/// monitor and the container init stay small: paths are made absolute, mount options parsed,
/// capability and rlimit names turned into numbers, and the seccomp profile compiled to BPF.
enum InitPlanBuilder {
    /// Where the plan's files live and how the container's output is handled.
    struct Files {
        var stateDir: String
        var execFifo: String
        var exitFile: String
        var stdio: InitPlan.Stdio
        var cgroupProcs: [String]
    }

    /// - Throws: `RuntimeError` naming the field for names the kernel does not know
    ///   (capabilities, rlimits) and for seccomp profiles that do not compile.
    static func plan(spec: Spec, bundle: String, files: Files) throws -> InitPlan {
        guard let process = spec.process else {
            throw RuntimeError.invalidSpec("process: required to create a container")
        }
        let linux = spec.linux ?? Linux()
        var plan = processPlan(process, files: files)
        plan.capabilities = try capabilities(process.capabilities, field: "process.capabilities")
        plan.rlimits = try rlimits(process.rlimits)
        plan.oomScoreAdj = process.oomScoreAdj.map { Int32(clamping: $0) }
        plan.hostname = spec.hostname.isEmpty ? nil : spec.hostname
        plan.domainname = spec.domainname.isEmpty ? nil : spec.domainname

        var create: UInt64 = 0
        var join: [InitPlan.NamespaceJoin] = []
        for (i, namespace) in linux.namespaces.enumerated() {
            guard let flag = namespace.type.cloneFlag else {
                throw RuntimeError.invalidSpec("linux.namespaces[\(i)].type: unknown namespace \"\(namespace.type)\"")
            }
            if namespace.path.isEmpty {
                create |= UInt64(UInt32(bitPattern: flag))
            } else {
                join.append(.init(type: UInt64(UInt32(bitPattern: flag)), path: namespace.path))
            }
        }
        plan.createNamespaces = create
        plan.joinNamespaces = join
        plan.uidMappings = linux.uidMappings.map { .init(containerID: $0.containerID, hostID: $0.hostID, size: $0.size) }
        plan.gidMappings = linux.gidMappings.map { .init(containerID: $0.containerID, hostID: $0.hostID, size: $0.size) }

        let root = spec.root?.path ?? "rootfs"
        plan.rootfs = absolute(root, in: bundle)
        plan.rootfsReadonly = spec.root?.readonly ?? false
        if !linux.rootfsPropagation.isEmpty {
            plan.rootfsPropagation = MountOptions.parse([linux.rootfsPropagation]).propagation
        }
        plan.mounts = spec.mounts.map { mount in
            var source = mount.source
            let isBind = mount.type == "bind" || mount.options.contains("bind") || mount.options.contains("rbind")
            if isBind, !source.isEmpty { source = absolute(source, in: bundle) }
            return InitPlan.Mount(destination: mount.destination, source: source,
                                  type: mount.type.isEmpty ? (isBind ? "bind" : "") : mount.type,
                                  options: mount.options)
        }
        plan.devices = devices(linux.devices)
        plan.maskedPaths = linux.maskedPaths
        plan.readonlyPaths = linux.readonlyPaths
        plan.sysctls = linux.sysctl.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: $0.value) }
        if let seccomp = linux.seccomp {
            let compiled: CompiledSeccomp
            do {
                compiled = try SeccompCompiler.compile(seccomp)
            } catch {
                throw RuntimeError.invalidSpec("linux.seccomp: \(error)")
            }
            plan.seccomp = .init(program: compiled.bpf, flags: compiled.loadFlags)
        }
        return plan
    }

    /// The process part of a plan, shared by `create` and `exec`.
    static func processPlan(_ process: Spec.Process, files: Files) -> InitPlan {
        var plan = InitPlan(
            args: process.args,
            env: process.env,
            cwd: process.cwd.isEmpty ? "/" : process.cwd,
            rootfs: "/",
            stateDir: files.stateDir,
            execFifoPath: files.execFifo,
            exitFilePath: files.exitFile
        )
        plan.user = .init(uid: process.user.uid, gid: process.user.gid,
                          additionalGids: process.user.additionalGids, umask: process.user.umask ?? 0o022)
        plan.noNewPrivileges = process.noNewPrivileges
        plan.stdio = files.stdio
        plan.joinCgroupProcs = files.cgroupProcs
        return plan
    }

    static func capabilities(_ caps: LinuxCapabilities?, field: String) throws -> InitPlan.Capabilities {
        guard let caps else { return InitPlan.Capabilities() }
        func mask(_ names: [String], _ set: String) throws -> UInt64 {
            for (i, name) in names.enumerated() where CapabilityNames.number(of: name) == nil {
                throw RuntimeError.invalidSpec("\(field).\(set)[\(i)]: unknown capability \"\(name)\"")
            }
            return CapabilityNames.mask(names)
        }
        return InitPlan.Capabilities(
            bounding: try mask(caps.bounding, "bounding"),
            effective: try mask(caps.effective, "effective"),
            inheritable: try mask(caps.inheritable, "inheritable"),
            permitted: try mask(caps.permitted, "permitted"),
            ambient: try mask(caps.ambient, "ambient")
        )
    }

    static func rlimits(_ limits: [POSIXRlimit]) throws -> [InitPlan.Rlimit] {
        try limits.enumerated().map { i, limit in
            guard let resource = RlimitNames.resource(of: limit.type) else {
                throw RuntimeError.invalidSpec("process.rlimits[\(i)].type: unknown rlimit \"\(limit.type)\"")
            }
            return InitPlan.Rlimit(resource: resource, soft: limit.soft, hard: limit.hard)
        }
    }

    /// The default devices every container gets, plus the spec's (the spec wins on a path clash).
    static func devices(_ specDevices: [LinuxDevice]) -> [InitPlan.Device] {
        var byPath: [String: LinuxDevice] = [:]
        var order: [String] = []
        for device in RuntimeDefaults.devices + specDevices {
            if byPath[device.path] == nil { order.append(device.path) }
            byPath[device.path] = device
        }
        return order.compactMap { path in
            guard let d = byPath[path], let type = d.type.utf8.first else { return nil }
            return InitPlan.Device(path: d.path, type: type == UInt8(ascii: "u") ? UInt8(ascii: "c") : type,
                                   major: UInt32(clamping: d.major ?? 0), minor: UInt32(clamping: d.minor ?? 0),
                                   mode: d.fileMode ?? 0o666, uid: d.uid ?? 0, gid: d.gid ?? 0)
        }
    }

    static func absolute(_ path: String, in bundle: String) -> String {
        path.hasPrefix("/") ? path : (bundle as NSString).appendingPathComponent(path)
    }
}
