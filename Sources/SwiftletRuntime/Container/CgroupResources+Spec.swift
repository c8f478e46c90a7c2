/// Maps the OCI `linux.resources` block onto the cgroup drivers' input.
extension CgroupResources {
    /// The resources of a spec; device rules default to RuntimeDefaults' allow-list.
    init(_ r: LinuxResources?) throws {
        self.init()
        guard let r else {
            devices = Self.defaultDeviceRules
            return
        }
        memoryLimit = r.memory?.limit
        memoryReservation = r.memory?.reservation
        memorySwap = r.memory?.swap
        cpuShares = r.cpu?.shares
        cpuQuota = r.cpu?.quota
        cpuPeriod = r.cpu?.period
        cpuBurst = r.cpu?.burst
        cpus = r.cpu.flatMap { $0.cpus.isEmpty ? nil : $0.cpus }
        mems = r.cpu.flatMap { $0.mems.isEmpty ? nil : $0.mems }
        pidsLimit = r.pids?.limit
        blockIOWeight = r.blockIO?.weight
        hugepageLimits = r.hugepageLimits.map { HugepageLimit(pageSize: $0.pageSize, limit: $0.limit) }
        unified = r.unified
        let rules = r.devices.isEmpty ? RuntimeDefaults.deviceCgroupRules : r.devices
        devices = try rules.enumerated().map { i, rule in
            let kind: DeviceRule.Kind
            switch rule.type {
            case "", "a": kind = .all
            case "c": kind = .char
            case "b": kind = .block
            default:
                throw RuntimeError.invalidSpec("linux.resources.devices[\(i)].type: unknown device type \"\(rule.type)\"")
            }
            return DeviceRule(allow: rule.allow, type: kind, major: rule.major, minor: rule.minor,
                              access: rule.access.isEmpty ? "rwm" : rule.access)
        }
    }

    static var defaultDeviceRules: [DeviceRule] {
        (try? CgroupResources(LinuxResources(devices: RuntimeDefaults.deviceCgroupRules)).devices) ?? []
    }
}
