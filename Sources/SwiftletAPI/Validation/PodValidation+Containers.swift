extension PodValidator {
    /// `validateContainers`: at least one, unique names, probes and lifecycle allowed,
    /// `restartPolicy` forbidden, host ports unique across all of them.
    func validateContainers(volumes: [String: Volume], claimNames: Set<String>, _ path: FieldPath) -> [FieldError] {
        let containers = spec.containers
        if containers.isEmpty {
            return [.required(path)]
        }
        var errors: [FieldError] = []
        var names = Set<String>()
        for (i, container) in containers.enumerated() {
            let containerPath = path.index(i)
            errors += validateContainerCommon(container, volumes: volumes, claimNames: claimNames, containerPath)
            if !names.insert(container.name).inserted {
                errors.append(.duplicate(containerPath.child("name"), .string(container.name)))
            }
            if let lifecycle = container.lifecycle {
                errors += validateLifecycle(lifecycle, containerPath.child("lifecycle"))
            }
            errors += validateProbe(container.livenessProbe, kind: .liveness, containerPath.child("livenessProbe"))
            errors += validateProbe(container.readinessProbe, kind: .readiness, containerPath.child("readinessProbe"))
            errors += validateProbe(container.startupProbe, kind: .startup, containerPath.child("startupProbe"))
            if container.restartPolicy != nil {
                errors.append(.forbidden(containerPath.child("restartPolicy"), "may not be set for non-init containers"))
            }
        }
        errors += hostPortConflicts(containers, path)
        return errors
    }

    /// `validateInitContainers`: names unique with the app containers; probes and lifecycle only
    /// for sidecars (`restartPolicy: Always`, the only value allowed).
    func validateInitContainers(volumes: [String: Volume], claimNames: Set<String>, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        var names = Set(spec.containers.map(\.name))
        for (i, container) in (spec.initContainers ?? []).enumerated() {
            let containerPath = path.index(i)
            errors += validateContainerCommon(container, volumes: volumes, claimNames: claimNames, containerPath)
            var isSidecar = false
            if let policy = container.restartPolicy {
                if policy != "Always" {
                    errors.append(.notSupported(containerPath.child("restartPolicy"), .json(policy), ["Always"]))
                }
                isSidecar = policy == "Always"
            }
            if names.contains(container.name) {
                errors.append(.duplicate(containerPath.child("name"), .string(container.name)))
            } else if !container.name.isEmpty {
                names.insert(container.name)
            }
            errors += hostPortConflicts([container], path)
            if isSidecar {
                if let lifecycle = container.lifecycle {
                    errors += validateLifecycle(lifecycle, containerPath.child("lifecycle"))
                }
                errors += validateProbe(container.livenessProbe, kind: .liveness, containerPath.child("livenessProbe"))
                errors += validateProbe(container.readinessProbe, kind: .readiness, containerPath.child("readinessProbe"))
                errors += validateProbe(container.startupProbe, kind: .startup, containerPath.child("startupProbe"))
            } else {
                let message = "may not be set for init containers without restartPolicy=Always"
                if container.lifecycle != nil { errors.append(.forbidden(containerPath.child("lifecycle"), message)) }
                if container.livenessProbe != nil { errors.append(.forbidden(containerPath.child("livenessProbe"), message)) }
                if container.readinessProbe != nil { errors.append(.forbidden(containerPath.child("readinessProbe"), message)) }
                if container.startupProbe != nil { errors.append(.forbidden(containerPath.child("startupProbe"), message)) }
            }
        }
        return errors
    }

    /// `validateEphemeralContainers`: names unique across every container, the target must be a
    /// non-ephemeral container, and only debugging-safe fields may be set.
    func validateEphemeralContainers(volumes: [String: Volume], claimNames: Set<String>, _ path: FieldPath) -> [FieldError] {
        let ephemeral = spec.ephemeralContainers ?? []
        if ephemeral.isEmpty { return [] }
        var errors: [FieldError] = []
        let otherNames = Set(spec.containers.map(\.name) + (spec.initContainers ?? []).map(\.name))
        var allNames = otherNames
        for (i, ec) in ephemeral.enumerated() {
            let containerPath = path.index(i)
            let container = ec.asContainer
            errors += validateContainerCommon(container, volumes: volumes, claimNames: claimNames, containerPath)
            let image = container.image ?? ""
            if image != trimmingGoSpace(image) {
                errors.append(.invalid(containerPath.child("image"), .string(image), "must not have leading or trailing whitespace"))
            }
            if !allNames.insert(ec.name).inserted {
                errors.append(.duplicate(containerPath.child("name"), .string(ec.name)))
            }
            if let target = nonEmpty(ec.targetContainerName), !otherNames.contains(target) {
                errors.append(.notFound(containerPath.child("targetContainerName"), .string(target)))
            }
            let message = "cannot be set for an Ephemeral Container"
            if !(ec.ports ?? []).isEmpty { errors.append(.forbidden(containerPath.child("ports"), message)) }
            if let resources = ec.resources, resources != ResourceRequirements() {
                errors.append(.forbidden(containerPath.child("resources"), message))
            }
            if !(ec.resizePolicy ?? []).isEmpty { errors.append(.forbidden(containerPath.child("resizePolicy"), message)) }
            if ec.restartPolicy != nil { errors.append(.forbidden(containerPath.child("restartPolicy"), message)) }
            if ec.livenessProbe != nil { errors.append(.forbidden(containerPath.child("livenessProbe"), message)) }
            if ec.readinessProbe != nil { errors.append(.forbidden(containerPath.child("readinessProbe"), message)) }
            if ec.startupProbe != nil { errors.append(.forbidden(containerPath.child("startupProbe"), message)) }
            if ec.lifecycle != nil { errors.append(.forbidden(containerPath.child("lifecycle"), message)) }
            for (j, mount) in (ec.volumeMounts ?? []).enumerated() {
                if nonEmpty(mount.subPath) != nil {
                    errors.append(.forbidden(containerPath.child("volumeMounts").index(j).child("subPath"), message))
                }
                if nonEmpty(mount.subPathExpr) != nil {
                    errors.append(.forbidden(containerPath.child("volumeMounts").index(j).child("subPathExpr"), message))
                }
            }
        }
        return errors
    }

    /// `validateContainerCommon`: what every kind of container must satisfy.
    func validateContainerCommon(_ container: Container, volumes: [String: Volume], claimNames: Set<String>, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        if container.name.isEmpty {
            errors.append(.required(path.child("name")))
        } else {
            errors += dns1123LabelErrors(container.name, path.child("name"))
        }
        if (container.image ?? "").isEmpty {
            errors.append(.required(path.child("image")))
        }
        let messagePolicy = nonEmpty(container.terminationMessagePolicy) ?? "File"
        if messagePolicy != "File" && messagePolicy != "FallbackToLogsOnError" {
            errors.append(.notSupported(path.child("terminationMessagePolicy"), .json(messagePolicy), ["File", "FallbackToLogsOnError"]))
        }
        errors += validatePorts(container.ports ?? [], path.child("ports"))
        errors += validateEnv(container.env ?? [], path.child("env"))
        errors += validateEnvFrom(container.envFrom ?? [], path.child("envFrom"))
        errors += validateVolumeMounts(container, volumes: volumes, path.child("volumeMounts"))
        errors += validateVolumeDevices(container, volumes: volumes, path.child("volumeDevices"))
        if let pullPolicy = nonEmpty(container.imagePullPolicy) {
            errors += validatePullPolicy(pullPolicy, path.child("imagePullPolicy"))
        }
        errors += validateResourceRequirements(container.resources ?? ResourceRequirements(), defaultingRequests: true,
                                               claimNames: claimNames, podLevel: false, path.child("resources"))
        errors += validateResizePolicy(container.resizePolicy ?? [], path.child("resizePolicy"))
        if let securityContext = container.securityContext {
            errors += validateSecurityContext(securityContext, path.child("securityContext"))
        }
        return errors
    }

    func validatePullPolicy(_ policy: String, _ path: FieldPath) -> [FieldError] {
        switch policy {
        case "Always", "IfNotPresent", "Never": return []
        default: return [.notSupported(path, .json(policy), ["Always", "IfNotPresent", "Never"])]
        }
    }

    // MARK: Ports

    private func validatePorts(_ ports: [ContainerPort], _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        var names = Set<String>()
        for (i, port) in ports.enumerated() {
            let portPath = path.index(i)
            if let name = nonEmpty(port.name) {
                let messages = ValidationRules.portName(name)
                if !messages.isEmpty {
                    errors += messages.map { .invalid(portPath.child("name"), .string(name), $0) }
                } else if !names.insert(name).inserted {
                    errors.append(.duplicate(portPath.child("name"), .string(name)))
                }
            }
            if port.containerPort == 0 {
                errors.append(.required(portPath.child("containerPort")))
            } else {
                errors += ValidationRules.portNumber(Int64(port.containerPort)).map {
                    .invalid(portPath.child("containerPort"), .int(Int64(port.containerPort)), $0)
                }
            }
            let hostPort = effectiveHostPort(port)
            if hostPort != 0 {
                errors += ValidationRules.portNumber(Int64(hostPort)).map {
                    .invalid(portPath.child("hostPort"), .int(Int64(hostPort)), $0)
                }
            }
            let proto = nonEmpty(port.protocol) ?? "TCP"
            if !["SCTP", "TCP", "UDP"].contains(proto) {
                errors.append(.notSupported(portPath.child("protocol"), .json(proto), ["SCTP", "TCP", "UDP"]))
            }
        }
        return errors
    }

    /// `AccumulateUniqueHostPorts`: a protocol/hostIP/hostPort triple may be used once.
    private func hostPortConflicts(_ containers: [Container], _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        var seen = Set<String>()
        for (ci, container) in containers.enumerated() {
            for (pi, port) in (container.ports ?? []).enumerated() {
                let hostPort = effectiveHostPort(port)
                if hostPort == 0 { continue }
                let key = "\(nonEmpty(port.protocol) ?? "TCP")/\(port.hostIP ?? "")/\(hostPort)"
                if !seen.insert(key).inserted {
                    errors.append(.duplicate(path.index(ci).child("ports").index(pi).child("hostPort"), .string(key)))
                }
            }
        }
        return errors
    }

    // MARK: Environment

    static let envFieldPaths = ["metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName",
                                "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"]
    static let volumeFieldPaths = ["metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"]
    static let resourceFieldPaths = ["limits.cpu", "limits.ephemeral-storage", "limits.memory",
                                     "requests.cpu", "requests.ephemeral-storage", "requests.memory"]

    private func envNameErrors(_ name: String) -> [String] {
        options.relaxedEnvironmentVariableNames ? ValidationRules.relaxedEnvVarName(name) : ValidationRules.envVarName(name)
    }

    private func validateEnv(_ env: [EnvVar], _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        for (i, variable) in env.enumerated() {
            let varPath = path.index(i)
            if variable.name.isEmpty {
                errors.append(.required(varPath.child("name")))
            } else {
                errors += envNameErrors(variable.name).map { .invalid(varPath.child("name"), .string(variable.name), $0) }
            }
            if let source = variable.valueFrom {
                errors += validateEnvVarSource(source, hasValue: !(variable.value ?? "").isEmpty, varPath.child("valueFrom"))
            }
        }
        return errors
    }

    private func validateEnvVarSource(_ source: EnvVarSource, hasValue: Bool, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        var count = 0
        if let fieldRef = source.fieldRef {
            count += 1
            errors += validateObjectFieldSelector(fieldRef, allowed: Self.envFieldPaths, path.child("fieldRef"))
        }
        if let resourceRef = source.resourceFieldRef {
            count += 1
            errors += validateResourceFieldSelector(resourceRef, inVolume: false, path.child("resourceFieldRef"))
        }
        if let ref = source.configMapKeyRef {
            count += 1
            errors += validateKeySelector(name: ref.name ?? "", key: ref.key, path.child("configMapKeyRef"))
        }
        if let ref = source.secretKeyRef {
            count += 1
            errors += validateKeySelector(name: ref.name ?? "", key: ref.key, path.child("secretKeyRef"))
        }
        if count == 0 {
            errors.append(.invalid(path, .string(""), "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
        } else if hasValue {
            errors.append(.invalid(path, .string(""), "may not be specified when `value` is not empty"))
        } else if count > 1 {
            errors.append(.invalid(path, .string(""), "may not have more than one field specified at a time"))
        }
        return errors
    }

    private func validateKeySelector(name: String, key: String, _ path: FieldPath) -> [FieldError] {
        var errors = ValidationRules.dns1123Subdomain(name).map { FieldError.invalid(path.child("name"), .string(name), $0) }
        if key.isEmpty {
            errors.append(.required(path.child("key")))
        } else {
            errors += ValidationRules.configMapKey(key).map { .invalid(path.child("key"), .string(key), $0) }
        }
        return errors
    }

    /// `validateObjectFieldSelector`: the downward API field must be one Kubernetes can expose here.
    func validateObjectFieldSelector(_ selector: ObjectFieldSelector, allowed: [String], _ path: FieldPath) -> [FieldError] {
        let apiVersion = nonEmpty(selector.apiVersion) ?? "v1"
        if selector.fieldPath.isEmpty {
            return [.required(path.child("fieldPath"))]
        }
        let fieldPath: String
        switch Self.convertDownwardAPIFieldLabel(version: apiVersion, label: selector.fieldPath) {
        case .failure(let message):
            return [.invalid(path.child("fieldPath"), .string(selector.fieldPath), "error converting fieldPath: " + message)]
        case .success(let converted):
            fieldPath = converted
        }
        if let split = Self.splitSubscriptedPath(fieldPath) {
            let key = split.key
            switch split.base {
            case "metadata.annotations":
                return ValidationRules.qualifiedName(key.lowercased()).map { .invalid(path, .string(key.lowercased()), $0) }
            case "metadata.labels":
                return ValidationRules.qualifiedName(key).map { .invalid(path, .string(key), $0) }
            default:
                return [.invalid(path, .string(split.base), "does not support subscript")]
            }
        }
        if !allowed.contains(fieldPath) {
            return [.notSupported(path.child("fieldPath"), .string(fieldPath), allowed)]
        }
        return []
    }

    private enum Conversion { case success(String), failure(String) }

    /// `ConvertDownwardAPIFieldLabel` for pods.
    private static func convertDownwardAPIFieldLabel(version: String, label: String) -> Conversion {
        if version != "v1" {
            return .failure("unsupported pod version: \(version)")
        }
        if let base = splitSubscriptedPath(label)?.base {
            return base == "metadata.annotations" || base == "metadata.labels"
                ? .success(label) : .failure("field label does not support subscript: \(label)")
        }
        switch label {
        case "metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid",
             "spec.nodeName", "spec.restartPolicy", "spec.serviceAccountName", "spec.schedulerName",
             "status.phase", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs":
            return .success(label)
        case "spec.host":
            return .success("spec.nodeName")
        default:
            return .failure("field label not supported: \(label)")
        }
    }

    /// `fieldpath.SplitMaybeSubscriptedPath`: `metadata.labels['app']` → (`metadata.labels`, `app`).
    private static func splitSubscriptedPath(_ path: String) -> (base: String, key: String)? {
        guard path.hasSuffix("']") else { return nil }
        let trimmed = path.dropLast(2)
        guard let range = trimmed.range(of: "['") else { return nil }
        let base = String(trimmed[..<range.lowerBound])
        if base.isEmpty { return nil }
        return (base, String(trimmed[range.upperBound...]))
    }

    /// `validateContainerResourceFieldSelector`.
    func validateResourceFieldSelector(_ selector: ResourceFieldSelector, inVolume: Bool, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        if inVolume && (selector.containerName ?? "").isEmpty {
            errors.append(.required(path.child("containerName")))
        } else if selector.resource.isEmpty {
            errors.append(.required(path.child("resource")))
        } else if !Self.resourceFieldPaths.contains(selector.resource)
                    && !selector.resource.hasPrefix("limits.hugepages-") && !selector.resource.hasPrefix("requests.hugepages-") {
            errors.append(.notSupported(path.child("resource"), .string(selector.resource), Self.resourceFieldPaths))
        }
        if let divisor = selector.divisor, !divisor.isZero {
            let text = divisor.description
            let memoryDivisors = ["1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"]
            let list = "1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei"
            let resource = selector.resource
            switch resource {
            case "limits.cpu", "requests.cpu":
                if text != "1m" && text != "1" {
                    errors.append(.invalid(path.child("divisor"), .string(resource), "only divisor's values 1m and 1 are supported with the cpu resource"))
                }
            case "limits.memory", "requests.memory":
                if !memoryDivisors.contains(text) {
                    errors.append(.invalid(path.child("divisor"), .string(resource), "only divisor's values \(list) are supported with the memory resource"))
                }
            case "limits.ephemeral-storage", "requests.ephemeral-storage":
                if !memoryDivisors.contains(text) {
                    errors.append(.invalid(path.child("divisor"), .string(resource), "only divisor's values \(list) are supported with the local ephemeral storage resource"))
                }
            default:
                break
            }
            if (resource.hasPrefix("requests.hugepages-") || resource.hasPrefix("limits.hugepages-")) && !memoryDivisors.contains(text) {
                errors.append(.invalid(path.child("divisor"), .string(resource), "only divisor's values \(list) are supported with the hugepages resource"))
            }
        }
        return errors
    }

    private func validateEnvFrom(_ sources: [EnvFromSource], _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        for (i, source) in sources.enumerated() {
            let sourcePath = path.index(i)
            if let prefix = nonEmpty(source.prefix) {
                errors += envNameErrors(prefix).map { .invalid(sourcePath.child("prefix"), .string(prefix), $0) }
            }
            var count = 0
            if let ref = source.configMapRef {
                count += 1
                errors += validateEnvSourceName(ref.name ?? "", sourcePath.child("configMapRef"))
            }
            if let ref = source.secretRef {
                count += 1
                errors += validateEnvSourceName(ref.name ?? "", sourcePath.child("secretRef"))
            }
            if count == 0 {
                errors.append(.invalid(path, .string(""), "must specify one of: `configMapRef` or `secretRef`"))
            } else if count > 1 {
                errors.append(.invalid(path, .string(""), "may not have more than one field specified at a time"))
            }
        }
        return errors
    }

    private func validateEnvSourceName(_ name: String, _ path: FieldPath) -> [FieldError] {
        if name.isEmpty { return [.required(path.child("name"))] }
        return ValidationRules.dns1123Subdomain(maskTrailingDash(name)).map { .invalid(path.child("name"), .string(name), $0) }
    }

    // MARK: Volume mounts and devices

    private func validateVolumeMounts(_ container: Container, volumes: [String: Volume], _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        var mountPoints = Set<String>()
        let devices = container.volumeDevices ?? []
        for (i, mount) in (container.volumeMounts ?? []).enumerated() {
            let mountPath = path.index(i)
            if mount.name.isEmpty {
                errors.append(.required(mountPath.child("name")))
            }
            if volumes[mount.name] == nil {
                errors.append(.notFound(mountPath.child("name"), .string(mount.name)))
            }
            if mount.mountPath.isEmpty {
                errors.append(.required(mountPath.child("mountPath")))
            }
            if !mountPoints.insert(mount.mountPath).inserted {
                errors.append(.invalid(mountPath.child("mountPath"), .string(mount.mountPath), "must be unique"))
            }
            if devices.contains(where: { $0.name == mount.name }) {
                errors.append(.invalid(mountPath.child("name"), .string(mount.name), "must not already exist in volumeDevices"))
            }
            if devices.contains(where: { $0.devicePath == mount.mountPath }) {
                errors.append(.invalid(mountPath.child("mountPath"), .string(mount.mountPath), "must not already exist as a path in volumeDevices"))
            }
            if volumes[mount.name]?.image != nil {
                if let subPath = nonEmpty(mount.subPath) {
                    errors.append(.invalid(mountPath.child("subPath"), .string(subPath), "not allowed in image volume sources"))
                }
                if let expr = nonEmpty(mount.subPathExpr) {
                    errors.append(.invalid(mountPath.child("subPathExpr"), .string(expr), "not allowed in image volume sources"))
                }
            }
            // Kubernetes reports subPath problems at the list's path, not the element's.
            if let subPath = nonEmpty(mount.subPath) {
                errors += validateLocalDescendingPath(subPath, path.child("subPath"))
            }
            if let expr = nonEmpty(mount.subPathExpr) {
                if nonEmpty(mount.subPath) != nil {
                    errors.append(.invalid(mountPath.child("subPathExpr"), .string(expr), "subPathExpr and subPath are mutually exclusive"))
                }
                errors += validateLocalDescendingPath(expr, path.child("subPathExpr"))
            }
            if let propagation = mount.mountPropagation {
                errors += validateMountPropagation(propagation, container: container, path.child("mountPropagation"))
            }
            errors += validateRecursiveReadOnly(mount, path.child("recursiveReadOnly"))
        }
        return errors
    }

    private func validateMountPropagation(_ propagation: String, container: Container, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let supported = ["Bidirectional", "HostToContainer", "None"]
        if !supported.contains(propagation) {
            errors.append(.notSupported(path, .json(propagation), supported))
        }
        if propagation == "Bidirectional" && container.securityContext?.privileged != true {
            errors.append(.forbidden(path, "Bidirectional mount propagation is available only to privileged containers"))
        }
        return errors
    }

    private func validateRecursiveReadOnly(_ mount: VolumeMount, _ path: FieldPath) -> [FieldError] {
        guard let mode = mount.recursiveReadOnly else { return [] }
        switch mode {
        case "Disabled":
            return []
        case "Enabled", "IfPossible":
            var errors: [FieldError] = []
            if mount.readOnly != true {
                errors.append(.forbidden(path, "may only be specified when readOnly is true"))
            }
            if let propagation = mount.mountPropagation, propagation != "None" {
                errors.append(.forbidden(path, "may only be specified when mountPropagation is None or not specified"))
            }
            return errors
        default:
            return [.notSupported(path, .json(mode), ["Disabled", "Enabled", "IfPossible"])]
        }
    }

    private func validateVolumeDevices(_ container: Container, volumes: [String: Volume], _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        var devicePaths = Set<String>()
        var deviceNames = Set<String>()
        let mounts = container.volumeMounts ?? []
        for (i, device) in (container.volumeDevices ?? []).enumerated() {
            let devicePath = path.index(i)
            let volume = volumes[device.name]
            if device.name.isEmpty {
                errors.append(.required(devicePath.child("name")))
            }
            if deviceNames.contains(device.name) {
                errors.append(.invalid(devicePath.child("name"), .string(device.name), "must be unique"))
            }
            if let volume, volume.persistentVolumeClaim == nil && volume.otherSources["ephemeral"] == nil {
                errors.append(.invalid(devicePath.child("name"), .string(device.name),
                                       "can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode"))
            }
            if volume == nil {
                errors.append(.notFound(devicePath.child("name"), .string(device.name)))
            }
            if device.devicePath.isEmpty {
                errors.append(.required(devicePath.child("devicePath")))
            }
            if devicePaths.contains(device.devicePath) {
                errors.append(.invalid(devicePath.child("devicePath"), .string(device.devicePath), "must be unique"))
            }
            if !device.devicePath.isEmpty && hasBacksteps(device.devicePath) {
                errors.append(.invalid(devicePath.child("devicePath"), .string(device.devicePath), "can not contain backsteps ('..')"))
            } else {
                devicePaths.insert(device.devicePath)
            }
            if mounts.contains(where: { $0.name == device.name }) {
                errors.append(.invalid(devicePath.child("name"), .string(device.name), "must not already exist in volumeMounts"))
            }
            if mounts.contains(where: { $0.mountPath == device.devicePath }) {
                errors.append(.invalid(devicePath.child("devicePath"), .string(device.devicePath), "must not already exist as a path in volumeMounts"))
            }
            if !device.name.isEmpty {
                deviceNames.insert(device.name)
            }
        }
        return errors
    }

    // MARK: Resize policy

    private func validateResizePolicy(_ policies: [ContainerResizePolicy], _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        var seen = Set<String>()
        for (i, policy) in policies.enumerated() {
            if !seen.insert(policy.resourceName).inserted {
                errors.append(.duplicate(path.index(i), .json(policy.resourceName)))
            }
            switch policy.resourceName {
            case "cpu", "memory": break
            case "": errors.append(.required(path))
            default: errors.append(.notSupported(path, .json(policy.resourceName), ["cpu", "memory"]))
            }
            switch policy.restartPolicy {
            case "NotRequired", "RestartContainer": break
            case "": errors.append(.required(path))
            default: errors.append(.notSupported(path, .json(policy.restartPolicy), ["NotRequired", "RestartContainer"]))
            }
            if restartPolicy == "Never" && policy.restartPolicy != "NotRequired" {
                errors.append(.invalid(path, .json(policy.restartPolicy), "must be 'NotRequired' when `restartPolicy` is 'Never'"))
            }
        }
        return errors
    }
}

/// `validateLocalDescendingPath`: relative, without `..` elements.
func validateLocalDescendingPath(_ target: String, _ path: FieldPath) -> [FieldError] {
    var errors: [FieldError] = []
    if target.hasPrefix("/") {
        errors.append(.invalid(path, .string(target), "must be a relative path"))
    }
    if hasBacksteps(target) {
        errors.append(.invalid(path, .string(target), "must not contain '..'"))
    }
    return errors
}

/// `ValidateLocalNonReservedPath`: a local descending path that also does not start with `..`.
func validateLocalNonReservedPath(_ target: String, _ path: FieldPath) -> [FieldError] {
    var errors = validateLocalDescendingPath(target, path)
    if target.hasPrefix("..") && !target.hasPrefix("../") {
        errors.append(.invalid(path, .string(target), "must not start with '..'"))
    }
    return errors
}

/// Whether a `/`-separated path has a `..` element.
func hasBacksteps(_ path: String) -> Bool {
    path.split(separator: "/", omittingEmptySubsequences: false).contains("..")
}
