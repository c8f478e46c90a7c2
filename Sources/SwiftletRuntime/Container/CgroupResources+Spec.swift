/// Maps the OCI `linux.resources` block onto the cgroup drivers' input.
extension CgroupResources {
    /// The resources of a spec. With no device rules, RuntimeDefaults' rules apply (deny all,
    /// allow the default devices). With rules, as runc and crun do, the default devices and the
    /// spec's `linux.devices` are allowed after them, so `runc spec`'s lone "deny all" still
    /// leaves /dev/null, /dev/zero and the ptys usable.
    /// - Parameter specDevices: `linux.devices`, each allowed `rwm`.
    init(_ r: LinuxResources?, devices specDevices: [LinuxDevice] = []) throws {
        self.init()
        let deviceAllows = specDevices.compactMap(Self.allowRule)
        guard let r else {
            devices = Self.defaultDeviceRules + deviceAllows
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
        if r.devices.isEmpty {
            devices = Self.defaultDeviceRules + deviceAllows
        } else {
            devices = try r.devices.enumerated().map { i, rule in try Self.deviceRule(rule, field: "linux.resources.devices[\(i)]") }
                + Self.defaultDeviceRules.filter(\.allow) + deviceAllows
        }
    }

    static var defaultDeviceRules: [DeviceRule] {
        RuntimeDefaults.deviceCgroupRules.compactMap { try? deviceRule($0, field: "") }
    }

    private static func deviceRule(_ rule: LinuxDeviceCgroup, field: String) throws -> DeviceRule {
        let kind: DeviceRule.Kind
        switch rule.type {
        case "", "a": kind = .all
        case "c": kind = .char
        case "b": kind = .block
        default:
            throw RuntimeError.invalidSpec("\(field).type: unknown device type \"\(rule.type)\"")
        }
        return DeviceRule(allow: rule.allow, type: kind, major: rule.major, minor: rule.minor,
                          access: rule.access.isEmpty ? "rwm" : rule.access)
    }

    private static func allowRule(_ device: LinuxDevice) -> DeviceRule? {
        let kind: DeviceRule.Kind
        switch device.type {
        case "c", "u": kind = .char
        case "b": kind = .block
        default: return nil
        }
        return DeviceRule(allow: true, type: kind, major: device.major, minor: device.minor, access: "rwm")
    }
}
