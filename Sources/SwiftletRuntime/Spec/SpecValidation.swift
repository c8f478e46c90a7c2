import Foundation

/// Checks a decoded config against the runtime-spec's rules and this runtime's limits before anything
/// is created, so a bad config fails with a message naming the field instead of a failed syscall later.
public enum SpecValidation {
    /// Returns every problem found, in field order; an empty array means the config can be run.
    ///
    /// - Parameters:
    ///   - spec: the decoded config.
    ///   - bundle: the bundle directory; a relative `root.path` is resolved against it and must be a directory.
    public static func validate(_ spec: Spec, bundle: String) -> [SpecError] {
        var v = Validator()
        v.check(spec, bundle: bundle)
        return v.errors
    }

    /// Validates and throws the first problem, for callers that stop at one.
    ///
    /// - Throws: the first ``SpecError`` ``validate(_:bundle:)`` finds.
    public static func check(_ spec: Spec, bundle: String) throws {
        if let first = validate(spec, bundle: bundle).first { throw first }
    }

    /// Values `linux.rootfsPropagation` accepts.
    public static let rootfsPropagations = ["shared", "slave", "private", "unbindable", "rshared", "rslave", "rprivate", "runbindable"]
    /// Clocks `linux.timeOffsets` accepts.
    public static let timeOffsetClocks = ["monotonic", "boottime"]
}

private struct Validator {
    var errors: [SpecError] = []

    mutating func fail(_ code: SpecError.Code, _ path: String, _ message: String) {
        errors.append(SpecError(code, path: path, message))
    }

    mutating func requireAbsolute(_ value: String, _ path: String) {
        if value.isEmpty {
            fail(.required, path, "required")
        } else if !value.hasPrefix("/") {
            fail(.invalid, path, "must be an absolute path, got \(quoted(value))")
        }
    }

    mutating func check(_ spec: Spec, bundle: String) {
        if let error = SpecVersion.check(spec.ociVersion) { errors.append(error) }
        checkRoot(spec.root, bundle: bundle)
        if let process = spec.process {
            checkProcess(process, path: "process")
        } else {
            fail(.required, "process", "required: the container needs a process to run")
        }
        for (i, mount) in spec.mounts.enumerated() { checkMount(mount, path: "mounts[\(i)]") }
        if let hooks = spec.hooks { checkHooks(hooks) }
        let namespaces = Set((spec.linux?.namespaces ?? []).map(\.type))
        if !spec.hostname.isEmpty, !namespaces.contains(.uts) {
            fail(.invalid, "hostname", "requires a uts namespace in linux.namespaces")
        }
        if !spec.domainname.isEmpty, !namespaces.contains(.uts) {
            fail(.invalid, "domainname", "requires a uts namespace in linux.namespaces")
        }
        if let linux = spec.linux { checkLinux(linux) }
    }

    // MARK: root

    mutating func checkRoot(_ root: Spec.Root?, bundle: String) {
        guard let root else {
            fail(.required, "root", "required: the container needs a root filesystem")
            return
        }
        guard !root.path.isEmpty else {
            fail(.required, "root.path", "required")
            return
        }
        let resolved = root.path.hasPrefix("/") ? root.path : (bundle as NSString).appendingPathComponent(root.path)
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory) {
            fail(.notFound, "root.path", "\(quoted(root.path)) does not exist (resolved to \(resolved))")
        } else if !isDirectory.boolValue {
            fail(.invalid, "root.path", "\(quoted(root.path)) is not a directory (resolved to \(resolved))")
        }
    }

    // MARK: process

    mutating func checkProcess(_ process: Spec.Process, path: String) {
        if process.args.isEmpty { fail(.required, "\(path).args", "must not be empty") }
        requireAbsolute(process.cwd, "\(path).cwd")
        for (i, entry) in process.env.enumerated() {
            if let eq = entry.firstIndex(of: "="), eq != entry.startIndex { continue }
            fail(.invalid, "\(path).env[\(i)]", "must be KEY=VALUE, got \(quoted(entry))")
        }
        if let umask = process.user.umask, umask > 0o777 {
            fail(.invalid, "\(path).user.umask", "must be at most 0777 (511), got \(umask)")
        }
        if let caps = process.capabilities {
            let sets: [(String, [String])] = [
                ("bounding", caps.bounding), ("effective", caps.effective), ("inheritable", caps.inheritable),
                ("permitted", caps.permitted), ("ambient", caps.ambient),
            ]
            for (name, set) in sets {
                for (i, cap) in set.enumerated() where CapabilityNames.number(of: cap) == nil {
                    fail(.unknownValue, "\(path).capabilities.\(name)[\(i)]", "unknown capability \(quoted(cap))")
                }
            }
        }
        var seenRlimits: Set<String> = []
        for (i, rlimit) in process.rlimits.enumerated() {
            let p = "\(path).rlimits[\(i)]"
            if RlimitNames.resource(of: rlimit.type) == nil {
                fail(.unknownValue, "\(p).type", "unknown rlimit \(quoted(rlimit.type))")
            } else if !seenRlimits.insert(rlimit.type).inserted {
                fail(.duplicate, "\(p).type", "duplicate rlimit \(quoted(rlimit.type))")
            }
            if rlimit.soft > rlimit.hard {
                fail(.invalid, p, "soft limit \(rlimit.soft) is greater than hard limit \(rlimit.hard)")
            }
        }
        if let adj = process.oomScoreAdj, !(-1000...1000).contains(adj) {
            fail(.invalid, "\(path).oomScoreAdj", "must be between -1000 and 1000, got \(adj)")
        }
        if let io = process.ioPriority {
            if !LinuxIOPriority.classes.contains(io.class) {
                fail(.unknownValue, "\(path).ioPriority.class",
                     "unknown class \(quoted(io.class)) (supported: \(LinuxIOPriority.classes.joined(separator: ", ")))")
            }
            if !(0...7).contains(io.priority) {
                fail(.invalid, "\(path).ioPriority.priority", "must be between 0 and 7, got \(io.priority)")
            }
        }
        if let scheduler = process.scheduler {
            let p = "\(path).scheduler"
            if !LinuxScheduler.policies.contains(scheduler.policy) {
                fail(.unknownValue, "\(p).policy", "unknown policy \(quoted(scheduler.policy))")
            }
            if let nice = scheduler.nice, !(-20...19).contains(nice) {
                fail(.invalid, "\(p).nice", "must be between -20 and 19, got \(nice)")
            }
            for (i, flag) in scheduler.flags.enumerated() where !LinuxScheduler.knownFlags.contains(flag) {
                fail(.unknownValue, "\(p).flags[\(i)]", "unknown flag \(quoted(flag))")
            }
        }
        if let affinity = process.execCPUAffinity {
            if !affinity.initial.isEmpty, !isValidList(affinity.initial) {
                fail(.invalid, "\(path).execCPUAffinity.initial", "invalid cpu list \(quoted(affinity.initial))")
            }
            if !affinity.final.isEmpty, !isValidList(affinity.final) {
                fail(.invalid, "\(path).execCPUAffinity.final", "invalid cpu list \(quoted(affinity.final))")
            }
        }
    }

    // MARK: mounts and hooks

    mutating func checkMount(_ mount: Spec.Mount, path: String) {
        requireAbsolute(mount.destination, "\(path).destination")
        if mount.isBind, mount.source.isEmpty {
            fail(.required, "\(path).source", "required for a bind mount")
        }
        if mount.uidMappings.isEmpty != mount.gidMappings.isEmpty {
            fail(.invalid, path, "uidMappings and gidMappings must be given together for an idmapped mount")
        }
    }

    mutating func checkHooks(_ hooks: Spec.Hooks) {
        for (name, list) in hooks.all {
            for (i, hook) in list.enumerated() {
                let p = "hooks.\(name)[\(i)]"
                requireAbsolute(hook.path, "\(p).path")
                if let timeout = hook.timeout, timeout <= 0 {
                    fail(.invalid, "\(p).timeout", "must be greater than zero, got \(timeout)")
                }
            }
        }
    }

    // MARK: linux

    mutating func checkLinux(_ linux: Linux) {
        var seen: Set<LinuxNamespaceType> = []
        for (i, ns) in linux.namespaces.enumerated() {
            let p = "linux.namespaces[\(i)]"
            if ns.type.cloneFlag == nil {
                fail(.unknownValue, "\(p).type",
                     "unknown namespace \(quoted(ns.type.rawValue)) (supported: \(LinuxNamespaceType.all.map(\.rawValue).joined(separator: ", ")))")
            } else if !seen.insert(ns.type).inserted {
                fail(.duplicate, "\(p).type", "duplicate namespace \(quoted(ns.type.rawValue))")
            }
            if !ns.path.isEmpty, !ns.path.hasPrefix("/") {
                fail(.invalid, "\(p).path", "must be an absolute path, got \(quoted(ns.path))")
            }
        }

        let userNamespace = linux.namespace(.user)
        if let userNamespace, userNamespace.path.isEmpty {
            if linux.uidMappings.isEmpty {
                fail(.required, "linux.uidMappings", "required when a new user namespace is created")
            }
            if linux.gidMappings.isEmpty {
                fail(.required, "linux.gidMappings", "required when a new user namespace is created")
            }
        }
        if userNamespace == nil {
            if !linux.uidMappings.isEmpty {
                fail(.invalid, "linux.uidMappings", "requires a user namespace in linux.namespaces")
            }
            if !linux.gidMappings.isEmpty {
                fail(.invalid, "linux.gidMappings", "requires a user namespace in linux.namespaces")
            }
        }
        for (name, mappings) in [("uidMappings", linux.uidMappings), ("gidMappings", linux.gidMappings)] {
            for (i, mapping) in mappings.enumerated() where mapping.size == 0 {
                fail(.invalid, "linux.\(name)[\(i)].size", "must be greater than zero")
            }
        }

        if !linux.timeOffsets.isEmpty, linux.namespace(.time) == nil {
            fail(.invalid, "linux.timeOffsets", "requires a time namespace in linux.namespaces")
        }
        for clock in linux.timeOffsets.keys.sorted() where !SpecValidation.timeOffsetClocks.contains(clock) {
            fail(.unknownValue, "linux.timeOffsets[\(clock)]", "unknown clock \(quoted(clock)) (supported: monotonic, boottime)")
        }

        for (i, device) in linux.devices.enumerated() {
            let p = "linux.devices[\(i)]"
            requireAbsolute(device.path, "\(p).path")
            if !["c", "b", "u", "p"].contains(device.type) {
                fail(.unknownValue, "\(p).type", "unknown device type \(quoted(device.type)) (supported: c, b, u, p)")
            } else if device.type != "p" {
                if device.major == nil { fail(.required, "\(p).major", "required for a \(quoted(device.type)) device") }
                if device.minor == nil { fail(.required, "\(p).minor", "required for a \(quoted(device.type)) device") }
            }
            if let mode = device.fileMode, mode > 0o7777 {
                fail(.invalid, "\(p).fileMode", "must hold permission bits only (at most 07777), got \(mode)")
            }
        }

        if !linux.cgroupsPath.isEmpty, linux.cgroupsPath.split(separator: "/").contains("..") {
            fail(.invalid, "linux.cgroupsPath", "must not contain \"..\", got \(quoted(linux.cgroupsPath))")
        }
        if let resources = linux.resources { checkResources(resources) }

        let namespaces = Set(linux.namespaces.map(\.type))
        for key in linux.sysctl.keys.sorted() {
            let p = "linux.sysctl[\(key)]"
            if key.isEmpty {
                fail(.required, "linux.sysctl", "keys must not be empty")
            } else if let needed = sysctlNamespace(key) {
                if !namespaces.contains(needed) {
                    fail(.invalid, p, "requires a \(needed.rawValue) namespace in linux.namespaces: without one it would change the host")
                }
            } else {
                fail(.invalid, p, "is not namespaced: setting it would change the host")
            }
        }

        if !linux.rootfsPropagation.isEmpty, !SpecValidation.rootfsPropagations.contains(linux.rootfsPropagation) {
            fail(.unknownValue, "linux.rootfsPropagation",
                 "unknown propagation \(quoted(linux.rootfsPropagation)) (supported: \(SpecValidation.rootfsPropagations.joined(separator: ", ")))")
        }
        for (i, p) in linux.maskedPaths.enumerated() { requireAbsolute(p, "linux.maskedPaths[\(i)]") }
        for (i, p) in linux.readonlyPaths.enumerated() { requireAbsolute(p, "linux.readonlyPaths[\(i)]") }
        if let seccomp = linux.seccomp { checkSeccomp(seccomp) }
        if let personality = linux.personality, !LinuxPersonality.domains.contains(personality.domain) {
            fail(.unknownValue, "linux.personality.domain", "unknown domain \(quoted(personality.domain)) (supported: LINUX, LINUX32)")
        }
    }

    /// The namespace that makes a sysctl container-local, following runc's rules; nil when none does.
    func sysctlNamespace(_ key: String) -> LinuxNamespaceType? {
        let ipc: Set<String> = ["kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
                                "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"]
        if ipc.contains(key) || key.hasPrefix("fs.mqueue.") { return .ipc }
        if key.hasPrefix("net.") { return .network }
        if key == "kernel.hostname" || key == "kernel.domainname" { return .uts }
        return nil
    }

    mutating func checkResources(_ r: LinuxResources) {
        for (i, rule) in r.devices.enumerated() {
            let p = "linux.resources.devices[\(i)]"
            if !["", "a", "c", "b"].contains(rule.type) {
                fail(.unknownValue, "\(p).type", "unknown device type \(quoted(rule.type)) (supported: a, c, b)")
            }
            if !rule.access.allSatisfy({ "rwm".contains($0) }) {
                fail(.invalid, "\(p).access", "must be letters from \"rwm\", got \(quoted(rule.access))")
            }
        }
        if let memory = r.memory {
            if let swappiness = memory.swappiness, swappiness > 100 {
                fail(.invalid, "linux.resources.memory.swappiness", "must be between 0 and 100, got \(swappiness)")
            }
            if let limit = memory.limit, let swap = memory.swap, limit > 0, swap > 0, swap < limit {
                fail(.invalid, "linux.resources.memory.swap",
                     "must be at least memory.limit (\(limit)): swap is the memory+swap limit, got \(swap)")
            }
            for (name, value) in [("limit", memory.limit), ("reservation", memory.reservation), ("swap", memory.swap)] {
                if let value, value < -1 {
                    fail(.invalid, "linux.resources.memory.\(name)", "must be -1 (unlimited) or a byte count, got \(value)")
                }
            }
        }
        if let cpu = r.cpu {
            if let quota = cpu.quota, let burst = cpu.burst, quota > 0, burst > UInt64(quota) {
                fail(.invalid, "linux.resources.cpu.burst", "must not exceed cpu.quota (\(quota)), got \(burst)")
            }
            if let period = cpu.period, period != 0, !(1000...1_000_000).contains(period) {
                fail(.invalid, "linux.resources.cpu.period", "must be between 1000 and 1000000 microseconds, got \(period)")
            }
            if !cpu.cpus.isEmpty, !isValidList(cpu.cpus) {
                fail(.invalid, "linux.resources.cpu.cpus", "invalid cpu list \(quoted(cpu.cpus)), expected e.g. \"0-3,7\"")
            }
            if !cpu.mems.isEmpty, !isValidList(cpu.mems) {
                fail(.invalid, "linux.resources.cpu.mems", "invalid node list \(quoted(cpu.mems)), expected e.g. \"0\"")
            }
        }
        if let io = r.blockIO {
            for (name, value) in [("weight", io.weight), ("leafWeight", io.leafWeight)] {
                if let value, value != 0, !(10...1000).contains(value) {
                    fail(.invalid, "linux.resources.blockIO.\(name)", "must be between 10 and 1000, got \(value)")
                }
            }
            for (i, device) in io.weightDevice.enumerated() where device.weight == nil && device.leafWeight == nil {
                fail(.required, "linux.resources.blockIO.weightDevice[\(i)]", "must set weight or leafWeight")
            }
        }
        for (i, limit) in r.hugepageLimits.enumerated() where !isValidPageSize(limit.pageSize) {
            fail(.invalid, "linux.resources.hugepageLimits[\(i)].pageSize",
                 "invalid page size \(quoted(limit.pageSize)), expected e.g. \"2MB\" or \"1GB\"")
        }
    }

    mutating func checkSeccomp(_ s: LinuxSeccomp) {
        let p = "linux.seccomp"
        let actions = LinuxSeccompAction.all.map(\.rawValue).joined(separator: ", ")
        if !LinuxSeccompAction.all.contains(s.defaultAction) {
            fail(.unknownValue, "\(p).defaultAction", "unknown action \(quoted(s.defaultAction.rawValue)) (supported: \(actions))")
        } else if s.defaultAction == .notify {
            fail(.invalid, "\(p).defaultAction", "SCMP_ACT_NOTIFY cannot be the default action")
        }
        if s.defaultErrnoRet != nil, !s.defaultAction.takesErrno {
            fail(.invalid, "\(p).defaultErrnoRet", "only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not \(s.defaultAction.rawValue)")
        }
        for (i, arch) in s.architectures.enumerated() where !LinuxSeccompArch.all.contains(arch) {
            fail(.unknownValue, "\(p).architectures[\(i)]", "unknown architecture \(quoted(arch.rawValue))")
        }
        for (i, flag) in s.flags.enumerated() where flag.kernelValue == nil {
            fail(.unknownValue, "\(p).flags[\(i)]",
                 "unknown flag \(quoted(flag.rawValue)) (supported: \(LinuxSeccompFlag.all.map(\.rawValue).joined(separator: ", ")))")
        }
        if !s.listenerPath.isEmpty, !s.listenerPath.hasPrefix("/") {
            fail(.invalid, "\(p).listenerPath", "must be an absolute path, got \(quoted(s.listenerPath))")
        }
        if !s.listenerMetadata.isEmpty, s.listenerPath.isEmpty {
            fail(.invalid, "\(p).listenerMetadata", "must not be set without listenerPath")
        }
        var usesNotify = false
        for (i, call) in s.syscalls.enumerated() {
            let cp = "\(p).syscalls[\(i)]"
            if call.names.isEmpty { fail(.required, "\(cp).names", "must not be empty") }
            for (j, name) in call.names.enumerated() where name.isEmpty {
                fail(.required, "\(cp).names[\(j)]", "must not be empty")
            }
            if !LinuxSeccompAction.all.contains(call.action) {
                fail(.unknownValue, "\(cp).action", "unknown action \(quoted(call.action.rawValue)) (supported: \(actions))")
            }
            if call.action == .notify { usesNotify = true }
            if call.errnoRet != nil, !call.action.takesErrno {
                fail(.invalid, "\(cp).errnoRet", "only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not \(call.action.rawValue)")
            }
            for (j, arg) in call.args.enumerated() {
                if arg.index > 5 {
                    fail(.invalid, "\(cp).args[\(j)].index", "must be between 0 and 5, got \(arg.index)")
                }
                if !LinuxSeccompOperator.all.contains(arg.op) {
                    fail(.unknownValue, "\(cp).args[\(j)].op",
                         "unknown operator \(quoted(arg.op.rawValue)) (supported: \(LinuxSeccompOperator.all.map(\.rawValue).joined(separator: ", ")))")
                }
            }
        }
        if usesNotify, s.listenerPath.isEmpty {
            fail(.required, "\(p).listenerPath", "required when a rule uses SCMP_ACT_NOTIFY")
        }
    }

    /// A cpuset-style list: `0`, `0-3`, `0-3,7,9-10`.
    func isValidList(_ text: String) -> Bool {
        text.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { item in
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), let low = UInt(bounds[0]) else { return false }
            if bounds.count == 2 {
                guard let high = UInt(bounds[1]), low <= high else { return false }
            }
            return true
        }
    }

    /// `<number><KB|MB|GB|TB|PB>`, as the hugetlb controller's file names spell sizes.
    func isValidPageSize(_ text: String) -> Bool {
        guard let unit = ["KB", "MB", "GB", "TB", "PB"].first(where: { text.hasSuffix($0) }) else { return false }
        let number = text.dropLast(unit.count)
        return !number.isEmpty && UInt(number) != nil
    }
}
