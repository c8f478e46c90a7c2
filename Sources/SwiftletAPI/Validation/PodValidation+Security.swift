extension PodValidator {
    /// `ValidateSecurityContext` for a container.
    func validateSecurityContext(_ sc: SecurityContext, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        if let uid = sc.runAsUser {
            errors += ValidationRules.userID(uid).map { .invalid(path.child("runAsUser"), .int(uid), $0) }
        }
        if let gid = sc.runAsGroup {
            errors += ValidationRules.groupID(gid).map { .invalid(path.child("runAsGroup"), .int(gid), $0) }
        }
        if let procMount = sc.procMount {
            if procMount != "Default" && procMount != "Unmasked" {
                errors.append(.notSupported(path.child("procMount"), .json(procMount), ["Default", "Unmasked"]))
            }
            if hostUsers && procMount == "Unmasked" {
                errors.append(.invalid(path.child("procMount"), .json(procMount), "`hostUsers` must be false to use `Unmasked`"))
            }
        }
        errors += validateSeccompProfile(sc.seccompProfile, path.child("seccompProfile"))
        if sc.allowPrivilegeEscalation == false {
            if sc.privileged == true {
                errors.append(.invalid(path, GoJSON.of(sc).fieldValue, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
            }
            for capability in sc.capabilities?.add ?? [] where capability == "CAP_SYS_ADMIN" {
                errors.append(.invalid(path, GoJSON.of(sc).fieldValue, "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN"))
            }
        }
        errors += validateWindowsOptions(sc.windowsOptions, path.child("windowsOptions"))
        errors += validateAppArmorProfile(sc.appArmorProfile, path.child("appArmorProfile"))
        return errors
    }

    /// `validatePodSpecSecurityContext`. Kubernetes keeps `hostNetwork`, `hostPID`, `hostIPC` and
    /// `shareProcessNamespace` in the internal pod security context, so these checks run even
    /// when `spec.securityContext` is unset.
    func validatePodSecurityContext(_ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let sc = spec.securityContext ?? PodSecurityContext()
        if let gid = sc.fsGroup {
            errors += ValidationRules.groupID(gid).map { .invalid(path.child("fsGroup"), .int(gid), $0) }
        }
        if let uid = sc.runAsUser {
            errors += ValidationRules.userID(uid).map { .invalid(path.child("runAsUser"), .int(uid), $0) }
        }
        if let gid = sc.runAsGroup {
            errors += ValidationRules.groupID(gid).map { .invalid(path.child("runAsGroup"), .int(gid), $0) }
        }
        for (i, gid) in (sc.supplementalGroups ?? []).enumerated() {
            errors += ValidationRules.groupID(gid).map { .invalid(path.child("supplementalGroups").index(i), .int(gid), $0) }
        }
        if spec.shareProcessNamespace == true && spec.hostPID == true {
            errors.append(.invalid(path.child("shareProcessNamespace"), .bool(true), "ShareProcessNamespace and HostPID cannot both be enabled"))
        }
        if let sysctls = sc.sysctls, !sysctls.isEmpty {
            errors += validateSysctls(sysctls, path.child("sysctls"))
        }
        if let policy = sc.fsGroupChangePolicy, policy != "OnRootMismatch" && policy != "Always" {
            errors.append(.notSupported(path.child("fsGroupChangePolicy"), .json(policy), ["Always", "OnRootMismatch"]))
        }
        errors += validateSeccompProfile(sc.seccompProfile, path.child("seccompProfile"))
        errors += validateWindowsOptions(sc.windowsOptions, path.child("windowsOptions"))
        errors += validateAppArmorProfile(sc.appArmorProfile, path.child("appArmorProfile"))
        if let policy = sc.supplementalGroupsPolicy, policy != "Merge" && policy != "Strict" {
            errors.append(.notSupported(path.child("supplementalGroupsPolicy"), .json(policy), ["Merge", "Strict"]))
        }
        if let policy = sc.seLinuxChangePolicy, policy != "Recursive" && policy != "MountOption" {
            errors.append(.notSupported(path.child("seLinuxChangePolicy"), .json(policy), ["MountOption", "Recursive"]))
        }
        return errors
    }

    private func validateSysctls(_ sysctls: [Sysctl], _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        var names = Set<String>()
        for (i, sysctl) in sysctls.enumerated() {
            let namePath = path.index(i).child("name")
            if sysctl.name.isEmpty {
                errors.append(.required(namePath))
            } else if !ValidationRules.isSysctlName(sysctl.name) {
                errors.append(.invalid(namePath, .string(sysctl.name),
                                       "must have at most 253 characters and match regex \(ValidationRules.sysctlNamePattern)"))
            } else if names.contains(sysctl.name) {
                errors.append(.duplicate(namePath, .string(sysctl.name)))
            }
            switch Self.sysctlNamespace(sysctl.name) {
            case .net where hostNetwork:
                errors.append(.invalid(namePath, .string(sysctl.name), "may not be specified when 'hostNetwork' is true"))
            case .ipc where spec.hostIPC == true:
                errors.append(.invalid(namePath, .string(sysctl.name), "may not be specified when 'hostIPC' is true"))
            default:
                break
            }
            names.insert(sysctl.name)
        }
        return errors
    }

    enum SysctlNamespace { case net, ipc, other }

    /// The kernel namespace a sysctl belongs to (`utilsysctl.GetNamespace`): `/`-separated names
    /// are normalized to dots first and a `*` ends the name.
    static func sysctlNamespace(_ name: String) -> SysctlNamespace {
        var normalized = name
        if let separator = name.firstIndex(where: { $0 == "." || $0 == "/" }), name[separator] == "/" {
            normalized = String(name.map { $0 == "/" ? "." : ($0 == "." ? "/" : $0) })
        }
        if let star = normalized.firstIndex(of: "*") {
            normalized = String(normalized[..<star])
        }
        let ipcNames: Set<String> = [
            "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced", "kernel.shm",
            "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.msg",
        ]
        if ipcNames.contains(normalized) || normalized.hasPrefix("fs.mqueue.") { return .ipc }
        if normalized.hasPrefix("net.") { return .net }
        return .other
    }

    /// `validateSeccompProfileField`.
    func validateSeccompProfile(_ profile: SeccompProfile?, _ path: FieldPath) -> [FieldError] {
        guard let profile else { return [] }
        var errors: [FieldError] = []
        switch profile.type {
        case "Localhost", "RuntimeDefault", "Unconfined": break
        case "": errors.append(.required(path.child("type"), "type is required when seccompProfile is set"))
        default: errors.append(.notSupported(path.child("type"), .json(profile.type), ["Localhost", "RuntimeDefault", "Unconfined"]))
        }
        if profile.type == "Localhost" {
            if let localhost = profile.localhostProfile {
                errors += validateLocalDescendingPath(localhost, path.child("localhostProfile"))
            } else {
                errors.append(.required(path.child("localhostProfile"), "must be set when seccomp type is Localhost"))
            }
        } else if profile.localhostProfile != nil {
            errors.append(.invalid(path.child("localhostProfile"), GoJSON.of(profile).fieldValue, "can only be set when seccomp type is Localhost"))
        }
        return errors
    }

    /// `ValidateAppArmorProfileField`.
    func validateAppArmorProfile(_ profile: AppArmorProfile?, _ path: FieldPath) -> [FieldError] {
        guard let profile else { return [] }
        var errors: [FieldError] = []
        switch profile.type {
        case "Localhost":
            guard let localhost = profile.localhostProfile else {
                return [.required(path.child("localhostProfile"), "must be set when AppArmor type is Localhost")]
            }
            let trimmed = trimmingGoSpace(localhost)
            if trimmed != localhost {
                errors.append(.invalid(path.child("localhostProfile"), .string(localhost), "must not be padded with whitespace"))
            } else if trimmed.isEmpty {
                errors.append(.required(path.child("localhostProfile"), "must be set when AppArmor type is Localhost"))
            }
            if localhost.utf8.count > 4095 {
                errors.append(.tooLong(path.child("localhostProfile"), 4095))
            }
        case "RuntimeDefault", "Unconfined":
            if let localhost = profile.localhostProfile {
                errors.append(.invalid(path.child("localhostProfile"), .json(localhost), "can only be set when AppArmor type is Localhost"))
            }
        case "":
            errors.append(.required(path.child("type"), "type is required when appArmorProfile is set"))
        default:
            errors.append(.notSupported(path.child("type"), .json(profile.type), ["Localhost", "RuntimeDefault", "Unconfined"]))
        }
        return errors
    }

    /// `validateWindowsSecurityContextOptions`.
    func validateWindowsOptions(_ options: WindowsSecurityContextOptions?, _ path: FieldPath) -> [FieldError] {
        guard let options else { return [] }
        var errors: [FieldError] = []
        if let name = options.gmsaCredentialSpecName {
            errors += ValidationRules.dns1123Subdomain(name).map { .invalid(path.child("gmsaCredentialSpecName"), .json(name), $0) }
        }
        if let credentialSpec = options.gmsaCredentialSpec {
            if credentialSpec.isEmpty {
                errors.append(.invalid(path.child("gmsaCredentialSpec"), .json(credentialSpec), "gmsaCredentialSpec cannot be an empty string"))
            } else if credentialSpec.utf8.count > 64 * 1024 {
                errors.append(.invalid(path.child("gmsaCredentialSpec"), .json(credentialSpec), "gmsaCredentialSpec size must be under 64 KiB"))
            }
        }
        if let userName = options.runAsUserName {
            errors += validateRunAsUserName(userName, path.child("runAsUserName"))
        }
        return errors
    }

    private func validateRunAsUserName(_ userName: String, _ path: FieldPath) -> [FieldError] {
        let value = FieldValue.json(userName)
        if userName.isEmpty {
            return [.invalid(path, value, "runAsUserName cannot be an empty string")]
        }
        if userName.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return [.invalid(path, value, "runAsUserName cannot contain control characters")]
        }
        let parts = userName.split(separator: "\\", omittingEmptySubsequences: false).map(String.init)
        if parts.count > 2 {
            return [.invalid(path, value, "runAsUserName cannot contain more than one backslash")]
        }
        var errors: [FieldError] = []
        let hasDomain = parts.count == 2
        let domain = hasDomain ? parts[0] : ""
        let user = hasDomain ? parts[1] : parts[0]
        if domain.utf8.count >= 256 {
            errors.append(.invalid(path, value, "runAsUserName's Domain length must be under 256 characters"))
        }
        if hasDomain && !(Self.isNetBiosDomain(domain) || Self.isWindowsDNSDomain(domain)) {
            errors.append(.invalid(path, value, "runAsUserName's Domain doesn't match the NetBios nor the DNS format"))
        }
        if user.isEmpty {
            errors.append(.invalid(path, value, "runAsUserName's User cannot be empty"))
        } else if user.utf8.count > 104 {
            errors.append(.invalid(path, value, "runAsUserName's User length must not be longer than 104 characters"))
        }
        if !user.isEmpty && user.allSatisfy({ $0 == "." || $0 == " " }) {
            errors.append(.invalid(path, value, "runAsUserName's User cannot contain only periods or spaces"))
        }
        if user.contains(where: { "\"/\\:;|=,+*?<>@[]".contains($0) }) {
            errors.append(.invalid(path, value, "runAsUserName's User cannot contain the following characters: \"/\\:;|=,+*?<>@[]"))
        }
        return errors
    }

    private static func isNetBiosDomain(_ domain: String) -> Bool {
        let forbidden = "\\/:*?\"<>|"
        let chars = Array(domain.unicodeScalars)
        guard let first = chars.first, chars.count <= 15 else { return false }
        if forbidden.unicodeScalars.contains(first) || first == "." { return false }
        return chars.allSatisfy { !forbidden.unicodeScalars.contains($0) }
    }

    private static func isWindowsDNSDomain(_ domain: String) -> Bool {
        domain.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            let s = Array(label.unicodeScalars)
            guard let first = s.first, let last = s.last, s.count <= 63 else { return false }
            return ValidationRules.isAlnum(first) && ValidationRules.isAlnum(last)
                && s.allSatisfy { ValidationRules.isAlnum($0) || $0 == "-" }
        }
    }
}
