extension PodValidator {
    /// `ValidatePodSpec`.
    func validatePodSpec(_ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let (volumes, volumeErrors) = validateVolumes(spec.volumes ?? [], path.child("volumes"))
        errors += volumeErrors
        let claimNames = Set((spec.resourceClaims ?? []).map(\.name).filter { !$0.isEmpty })
        errors += validatePodResourceClaims(path.child("resourceClaims"))
        errors += validateContainers(volumes: volumes, claimNames: claimNames, path.child("containers"))
        errors += validateInitContainers(volumes: volumes, claimNames: claimNames, path.child("initContainers"))
        errors += validateEphemeralContainers(volumes: volumes, claimNames: claimNames, path.child("ephemeralContainers"))
        errors += validatePodResources(claimNames: claimNames, path.child("resources"))
        errors += validateHostNetworkDependencies(path)

        switch restartPolicy {
        case "Always", "OnFailure", "Never": break
        default:
            errors.append(.notSupported(path.child("restartPolicy"), .json(restartPolicy), ["Always", "OnFailure", "Never"]))
        }
        let dnsPolicy = nonEmpty(spec.dnsPolicy) ?? "ClusterFirst"
        switch dnsPolicy {
        case "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None": break
        default:
            errors.append(.notSupported(path.child("dnsPolicy"), .json(dnsPolicy), ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]))
        }
        errors += Self.validateLabels(spec.nodeSelector ?? [:], path.child("nodeSelector"))
        errors += validatePodSecurityContext(path.child("securityContext"))
        errors += validateAffinity(path.child("affinity"))
        errors += validateDNSConfig(dnsPolicy: dnsPolicy, path.child("dnsConfig"))
        for (i, gate) in (spec.readinessGates ?? []).enumerated() {
            errors += ValidationRules.qualifiedName(gate.conditionType).map {
                .invalid(path.child("readinessGates").index(i).child("conditionType"), .string(gate.conditionType), $0)
            }
        }
        var seenGates = Set<String>()
        for (i, gate) in (spec.schedulingGates ?? []).enumerated() {
            let gatePath = path.child("schedulingGates").index(i)
            errors += ValidationRules.qualifiedName(gate.name).map { .invalid(gatePath, .string(gate.name), $0) }
            if !seenGates.insert(gate.name).inserted {
                errors.append(.duplicate(gatePath, .string(gate.name)))
            }
        }
        errors += validateTopologySpreadConstraints(path.child("topologySpreadConstraints"))
        errors += validateWindowsHostProcessPod(path)
        errors += validateHostUsers(path)
        if let account = nonEmpty(spec.serviceAccountName) ?? nonEmpty(spec.serviceAccount) {
            errors += ValidationRules.dns1123Subdomain(account).map { .invalid(path.child("serviceAccountName"), .string(account), $0) }
        }
        if let nodeName = nonEmpty(spec.nodeName) {
            errors += ValidationRules.dns1123Subdomain(nodeName).map { .invalid(path.child("nodeName"), .string(nodeName), $0) }
        }
        if let deadline = spec.activeDeadlineSeconds, deadline < 1 || deadline > Int64(Int32.max) {
            errors.append(.invalid(path.child("activeDeadlineSeconds"), .int(deadline), ValidationRules.inclusiveRangeError(1, Int64(Int32.max))))
        }
        if let hostname = nonEmpty(spec.hostname) {
            errors += dns1123LabelErrors(hostname, path.child("hostname"))
        }
        if let subdomain = nonEmpty(spec.subdomain) {
            errors += dns1123LabelErrors(subdomain, path.child("subdomain"))
        }
        errors += validateTolerations(spec.tolerations ?? [], path.child("tolerations"))
        for (i, alias) in (spec.hostAliases ?? []).enumerated() {
            let aliasPath = path.child("hostAliases").index(i)
            if !ValidationRules.isIPAddress(alias.ip) {
                errors.append(.invalid(aliasPath.child("ip"), .string(alias.ip), ValidationRules.invalidIPMessage))
            }
            for (j, hostname) in (alias.hostnames ?? []).enumerated() {
                errors += ValidationRules.dns1123Subdomain(hostname).map { .invalid(aliasPath.child("hostnames").index(j), .string(hostname), $0) }
            }
        }
        if let priorityClass = nonEmpty(spec.priorityClassName) {
            errors += ValidationRules.dns1123Subdomain(priorityClass).map { .invalid(path.child("priorityClassName"), .string(priorityClass), $0) }
        }
        if let runtimeClass = spec.runtimeClassName {
            errors += ValidationRules.dns1123Subdomain(runtimeClass).map { .invalid(path.child("runtimeClassName"), .string(runtimeClass), $0) }
        }
        if let preemption = spec.preemptionPolicy {
            switch preemption {
            case "PreemptLowerPriority", "Never": break
            case "": errors.append(.required(path.child("preemptionPolicy")))
            default: errors.append(.notSupported(path.child("preemptionPolicy"), .json(preemption), ["PreemptLowerPriority", "Never"]))
            }
        }
        if let overhead = spec.overhead {
            errors += validateResourceRequirements(ResourceRequirements(limits: overhead), claimNames: [], podLevel: false, path.child("overhead"))
        }
        if let os = spec.os {
            errors += validateOS(os, path)
        }
        return errors
    }

    func dns1123LabelErrors(_ value: String, _ path: FieldPath) -> [FieldError] {
        ValidationRules.dns1123Label(value).map { .invalid(path, .string(value), $0) }
    }

    private func validatePodResourceClaims(_ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        var names = Set<String>()
        for (i, claim) in (spec.resourceClaims ?? []).enumerated() {
            let claimPath = path.index(i)
            if claim.name.isEmpty {
                errors.append(.required(claimPath.child("name")))
            } else if names.contains(claim.name) {
                errors.append(.duplicate(claimPath.child("name"), .string(claim.name)))
            } else {
                errors += dns1123LabelErrors(claim.name, claimPath.child("name"))
                names.insert(claim.name)
            }
            let claimJSON = GoJSON.object([
                ("Name", .string(claim.name)),
                ("ResourceClaimName", .optional(claim.resourceClaimName)),
                ("ResourceClaimTemplateName", .optional(claim.resourceClaimTemplateName)),
            ]).fieldValue
            if claim.resourceClaimName != nil && claim.resourceClaimTemplateName != nil {
                errors.append(.invalid(claimPath, claimJSON, "at most one of `resourceClaimName` or `resourceClaimTemplateName` may be specified"))
            }
            if claim.resourceClaimName == nil && claim.resourceClaimTemplateName == nil {
                errors.append(.invalid(claimPath, claimJSON, "must specify one of: `resourceClaimName`, `resourceClaimTemplateName`"))
            }
            if let name = claim.resourceClaimName {
                errors += ValidationRules.dns1123Subdomain(name).map { .invalid(claimPath.child("resourceClaimName"), .string(name), $0) }
            }
            if let name = claim.resourceClaimTemplateName {
                errors += ValidationRules.dns1123Subdomain(name).map { .invalid(claimPath.child("resourceClaimTemplateName"), .string(name), $0) }
            }
        }
        return errors
    }

    /// `validatePodHostNetworkDeps`: with `hostNetwork`, a pod's `hostPort` must equal its `containerPort`
    /// (an unset `hostPort` is defaulted to the `containerPort`).
    private func validateHostNetworkDependencies(_ path: FieldPath) -> [FieldError] {
        guard hostNetwork else { return [] }
        var errors: [FieldError] = []
        for (i, container) in spec.containers.enumerated() {
            for (j, port) in (container.ports ?? []).enumerated() {
                let hostPort = effectiveHostPort(port)
                if hostPort != port.containerPort {
                    errors.append(.invalid(path.child("containers").index(i).child("ports").index(j).child("hostPort"),
                                           .int(Int64(hostPort)), "must match `containerPort` when `hostNetwork` is true"))
                }
            }
        }
        return errors
    }

    /// The host port after defaulting: `hostNetwork` pods get `hostPort = containerPort` when unset.
    func effectiveHostPort(_ port: ContainerPort) -> Int32 {
        let hostPort = port.hostPort ?? 0
        return hostNetwork && hostPort == 0 ? port.containerPort : hostPort
    }

    // MARK: Pod-level resources

    private func validatePodResources(claimNames: Set<String>, _ path: FieldPath) -> [FieldError] {
        guard let resources = spec.resources else { return [] }
        var errors: [FieldError] = []
        if resources.claims != nil {
            errors.append(.forbidden(path.child("claims"), "claims cannot be set for Resources at pod-level"))
        }
        errors += validateResourceRequirements(resources, claimNames: claimNames, podLevel: true, path)
        errors += validatePodResourceConsistency(resources, path)
        return errors
    }

    /// Pod-level requests must cover what the containers request together; no container limit may
    /// exceed the pod-level limit.
    private func validatePodResourceConsistency(_ resources: ResourceRequirements, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let aggregate = aggregateContainerRequests()
        for (name, total) in aggregate.sorted(by: { $0.key < $1.key }) {
            let podRequest = resources.requests?[name] ?? Quantity(value: 0, format: .decimalSI)
            if total > podRequest {
                errors.append(.invalid(path.child("requests").key(name), .string(podRequest.description),
                                       "must be greater than or equal to aggregate container requests of \(total.description)"))
            }
        }
        for (i, container) in spec.containers.enumerated() {
            for (name, limit) in (container.resources?.limits ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard let podLimit = resources.limits?[name] else { continue }
                if limit > podLimit {
                    errors.append(.invalid(path.child("containers").index(i).key(name).child("limits"), .string(limit.description),
                                           "must be less than or equal to pod limits of \(podLimit.description)"))
                }
            }
        }
        return errors
    }

    /// Kubernetes' `AggregateContainerRequests`: the sum over app containers and sidecars, or the
    /// largest init container (plus the sidecars started before it), whichever is larger.
    private func aggregateContainerRequests() -> [String: Quantity] {
        var total: [String: Quantity] = [:]
        for container in spec.containers {
            add(effectiveRequests(container), to: &total)
        }
        var sidecars: [String: Quantity] = [:]
        var initPeak: [String: Quantity] = [:]
        for container in spec.initContainers ?? [] {
            let requests = effectiveRequests(container)
            if container.restartPolicy == "Always" {
                add(requests, to: &sidecars)
                add(requests, to: &total)
                keepMaximum(sidecars, in: &initPeak)
            } else {
                var running = sidecars
                add(requests, to: &running)
                keepMaximum(running, in: &initPeak)
            }
        }
        keepMaximum(initPeak, in: &total)
        return total
    }

    private func add(_ quantities: [String: Quantity], to sum: inout [String: Quantity]) {
        for (name, q) in quantities {
            sum[name] = sum[name].map { $0.adding(q) } ?? q
        }
    }

    private func keepMaximum(_ quantities: [String: Quantity], in result: inout [String: Quantity]) {
        for (name, q) in quantities where result[name].map({ q > $0 }) ?? true {
            result[name] = q
        }
    }

    /// Requests after defaulting: a limit with no matching request becomes the request.
    func effectiveRequests(_ container: Container) -> [String: Quantity] {
        var requests = container.resources?.requests ?? [:]
        for (name, limit) in container.resources?.limits ?? [:] where requests[name] == nil {
            requests[name] = limit
        }
        return requests
    }

    // MARK: OS

    private func validateOS(_ os: PodOS, _ path: FieldPath) -> [FieldError] {
        if os.name.isEmpty {
            return [.required(path.child("os").child("name"), "cannot be empty")]
        }
        switch os.name {
        case "linux": return validateLinux(path)
        case "windows": return validateWindows(path)
        default: return [.notSupported(path.child("os"), .json(os.name), ["linux", "windows"])]
        }
    }

    private func validateLinux(_ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        if spec.securityContext?.windowsOptions != nil {
            errors.append(.forbidden(path.child("securityContext", "windowsOptions"), "windows options cannot be set for a linux pod"))
        }
        for (container, containerPath) in allContainers where container.securityContext?.windowsOptions != nil {
            errors.append(.forbidden(containerPath.child("securityContext", "windowsOptions"), "windows options cannot be set for a linux pod"))
        }
        return errors
    }

    private func validateWindows(_ path: FieldPath) -> [FieldError] {
        let message = "cannot be set for a windows pod"
        var errors: [FieldError] = []
        let scPath = path.child("securityContext")
        if let sc = spec.securityContext {
            if sc.appArmorProfile != nil { errors.append(.forbidden(scPath.child("appArmorProfile"), message)) }
            if sc.seLinuxOptions != nil { errors.append(.forbidden(scPath.child("seLinuxOptions"), message)) }
        }
        if spec.hostUsers != nil { errors.append(.forbidden(path.child("hostUsers"), message)) }
        if spec.hostPID == true { errors.append(.forbidden(path.child("hostPID"), message)) }
        if spec.hostIPC == true { errors.append(.forbidden(path.child("hostIPC"), message)) }
        if let sc = spec.securityContext {
            if sc.seccompProfile != nil { errors.append(.forbidden(scPath.child("seccompProfile"), message)) }
            if sc.fsGroup != nil { errors.append(.forbidden(scPath.child("fsGroup"), message)) }
            if sc.fsGroupChangePolicy != nil { errors.append(.forbidden(scPath.child("fsGroupChangePolicy"), message)) }
            if !(sc.sysctls ?? []).isEmpty { errors.append(.forbidden(scPath.child("sysctls"), message)) }
        }
        if spec.shareProcessNamespace != nil { errors.append(.forbidden(path.child("shareProcessNamespace"), message)) }
        if let sc = spec.securityContext {
            if sc.runAsUser != nil { errors.append(.forbidden(scPath.child("runAsUser"), message)) }
            if sc.runAsGroup != nil { errors.append(.forbidden(scPath.child("runAsGroup"), message)) }
            if sc.supplementalGroups != nil { errors.append(.forbidden(scPath.child("supplementalGroups"), message)) }
            if sc.supplementalGroupsPolicy != nil { errors.append(.forbidden(scPath.child("supplementalGroupsPolicy"), message)) }
            if sc.seLinuxChangePolicy != nil { errors.append(.forbidden(scPath.child("seLinuxChangePolicy"), message)) }
        }
        for (container, containerPath) in allContainers {
            guard let sc = container.securityContext else { continue }
            let p = containerPath.child("securityContext")
            if sc.appArmorProfile != nil { errors.append(.forbidden(p.child("appArmorProfile"), message)) }
            if sc.seLinuxOptions != nil { errors.append(.forbidden(p.child("seLinuxOptions"), message)) }
            if sc.seccompProfile != nil { errors.append(.forbidden(p.child("seccompProfile"), message)) }
            if sc.capabilities != nil { errors.append(.forbidden(p.child("capabilities"), message)) }
            if sc.readOnlyRootFilesystem != nil { errors.append(.forbidden(p.child("readOnlyRootFilesystem"), message)) }
            if sc.privileged != nil { errors.append(.forbidden(p.child("privileged"), message)) }
            if sc.allowPrivilegeEscalation != nil { errors.append(.forbidden(p.child("allowPrivilegeEscalation"), message)) }
            if sc.procMount != nil { errors.append(.forbidden(p.child("procMount"), message)) }
            if sc.runAsUser != nil { errors.append(.forbidden(p.child("runAsUser"), message)) }
            if sc.runAsGroup != nil { errors.append(.forbidden(p.child("runAsGroup"), message)) }
        }
        return errors
    }

    /// `validateWindowsHostProcessPod`: host-process containers are all-or-nothing and need hostNetwork.
    private func validateWindowsHostProcessPod(_ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let podHostProcess = spec.securityContext?.windowsOptions?.hostProcess
        var count = 0
        var hostProcessCount = 0
        for (container, containerPath) in allContainers {
            count += 1
            let containerHostProcess = container.securityContext?.windowsOptions?.hostProcess
            if let pod = podHostProcess, let own = containerHostProcess, pod != own {
                errors.append(.invalid(containerPath.child("securityContext", "windowsOptions", "hostProcess"), .bool(own),
                                       "pod hostProcess value must be identical if both are specified, was \(pod)"))
            }
            if containerHostProcess == true || (containerHostProcess == nil && podHostProcess == true) {
                hostProcessCount += 1
            }
        }
        if hostProcessCount > 0 {
            if hostProcessCount != count {
                errors.append(.invalid(path, .string(""), "If pod contains any hostProcess containers then all containers must be HostProcess containers"))
            }
            if !hostNetwork {
                errors.append(.invalid(path.child("hostNetwork"), .bool(false), "hostNetwork must be true if pod contains any hostProcess containers"))
            }
        }
        return errors
    }

    /// `validateHostUsers`: a pod in a user namespace may not share the host's namespaces.
    private func validateHostUsers(_ path: FieldPath) -> [FieldError] {
        guard !hostUsers else { return [] }
        var errors: [FieldError] = []
        if hostNetwork { errors.append(.forbidden(path.child("hostNetwork"), "when `pod.Spec.HostUsers` is false")) }
        if spec.hostPID == true { errors.append(.forbidden(path.child("HostPID"), "when `pod.Spec.HostUsers` is false")) }
        if spec.hostIPC == true { errors.append(.forbidden(path.child("HostIPC"), "when `pod.Spec.HostUsers` is false")) }
        return errors
    }
}
