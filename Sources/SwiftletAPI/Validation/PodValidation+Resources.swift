extension PodValidator {
    /// `validateResourceRequirements` for a container (`podLevel: false`) or the pod (`podLevel: true`).
    /// With `defaultingRequests`, a limit without a request also counts as the request, as the API
    /// server's defaulting makes it.
    func validateResourceRequirements(
        _ requirements: ResourceRequirements, defaultingRequests: Bool = false,
        claimNames: Set<String>, podLevel: Bool, _ path: FieldPath
    ) -> [FieldError] {
        var errors: [FieldError] = []
        let limitsPath = path.child("limits")
        let requestsPath = path.child("requests")
        let limits = requirements.limits ?? [:]
        var requests = requirements.requests ?? [:]
        if defaultingRequests || podLevel {
            for (name, limit) in limits where requests[name] == nil { requests[name] = limit }
        }
        var limitsHaveCPUOrMemory = false
        var requestsHaveCPUOrMemory = false
        var hasHugePages = false

        for (name, quantity) in limits.sorted(by: { $0.key < $1.key }) {
            let quantityPath = limitsPath.key(name)
            errors += podLevel ? validatePodResourceName(name, quantityPath) : validateContainerResourceName(name, quantityPath)
            errors += validateResourceQuantity(name, quantity, quantityPath)
            if Self.isHugePageResource(name) {
                hasHugePages = true
                if let message = hugePageValueError(name, quantity) {
                    errors.append(.invalid(quantityPath, .string(quantity.description), message))
                }
            }
            if name == "cpu" || name == "memory" { limitsHaveCPUOrMemory = true }
        }
        for (name, quantity) in requests.sorted(by: { $0.key < $1.key }) {
            let quantityPath = requestsPath.key(name)
            errors += podLevel ? validatePodResourceName(name, quantityPath) : validateContainerResourceName(name, quantityPath)
            errors += validateResourceQuantity(name, quantity, quantityPath)
            if let limit = limits[name] {
                if quantity != limit && !Self.isOvercommitAllowed(name) {
                    errors.append(.invalid(requestsPath, .string(quantity.description), "must be equal to \(name) limit of \(limit.description)"))
                } else if quantity > limit {
                    errors.append(.invalid(requestsPath, .string(quantity.description), "must be less than or equal to \(name) limit of \(limit.description)"))
                }
            } else if !Self.isOvercommitAllowed(name) {
                errors.append(.required(limitsPath, "Limit must be set for non overcommitable resources"))
            }
            if Self.isHugePageResource(name) {
                hasHugePages = true
                if let message = hugePageValueError(name, quantity) {
                    errors.append(.invalid(quantityPath, .string(quantity.description), message))
                }
            }
            if name == "cpu" || name == "memory" { requestsHaveCPUOrMemory = true }
        }
        if !limitsHaveCPUOrMemory && !requestsHaveCPUOrMemory && hasHugePages {
            errors.append(.forbidden(path, "HugePages require cpu or memory"))
        }
        errors += validateResourceClaimNames(requirements.claims ?? [], claimNames: claimNames, path.child("claims"))
        return errors
    }

    /// `ValidateResourceQuantityValue`: non-negative, and whole for integer resources.
    private func validateResourceQuantity(_ name: String, _ quantity: Quantity, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        if quantity.sign < 0 {
            errors.append(.invalid(path, .string(quantity.description), ValidationRules.isNegativeError))
        }
        if Self.isIntegerResource(name) && quantity.milliValue % 1000 != 0 {
            errors.append(.invalid(path, .json(quantity.description), "must be an integer"))
        }
        return errors
    }

    private func hugePageValueError(_ name: String, _ quantity: Quantity) -> String? {
        let divisible: Bool
        if let pageSize = try? Quantity(parsing: String(name.dropFirst("hugepages-".count))),
           pageSize.sign > 0, pageSize.milliValue % 1000 == 0, pageSize.value > 0 {
            divisible = quantity.value % pageSize.value == 0
        } else {
            divisible = false
        }
        return divisible ? nil : "\(quantity.description) is not positive integer multiple of \(name)"
    }

    /// `validateResourceName`: a qualified name; unprefixed names must be standard.
    private func validateResourceName(_ name: String, _ path: FieldPath) -> [FieldError] {
        let errors = ValidationRules.qualifiedName(name).map { FieldError.invalid(path, .json(name), $0) }
        if !errors.isEmpty { return errors }
        if !name.contains("/") && !Self.isStandardResource(name) {
            return [.invalid(path, .json(name), "must be a standard resource type or fully qualified")]
        }
        return []
    }

    /// `validateContainerResourceName`: cpu, memory, ephemeral-storage, hugepages or an extended resource.
    private func validateContainerResourceName(_ name: String, _ path: FieldPath) -> [FieldError] {
        var errors = validateResourceName(name, path)
        if !name.contains("/") {
            if !(["cpu", "memory", "ephemeral-storage"].contains(name) || Self.isHugePageResource(name)) {
                errors.append(.invalid(path, .json(name), "must be a standard resource for containers"))
            }
        } else if !Self.isNativeResource(name) && !Self.isExtendedResource(name) {
            errors.append(.invalid(path, .json(name), "doesn't follow extended resource name standard"))
        }
        return errors
    }

    /// `validatePodResourceName`: pod-level resources are limited to cpu, memory and hugepages.
    private func validatePodResourceName(_ name: String, _ path: FieldPath) -> [FieldError] {
        let errors = validateResourceName(name, path)
        if !errors.isEmpty { return errors }
        if name != "cpu" && name != "memory" && !Self.isHugePageResource(name) {
            return [.notSupported(path, .json(name), ["cpu", "memory"])]
        }
        return []
    }

    private func validateResourceClaimNames(_ claims: [ResourceClaim], claimNames: Set<String>, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        var names = Set<String>()
        for (i, claim) in claims.enumerated() {
            let name = claim.name
            if name.isEmpty {
                errors.append(.required(path.index(i)))
                continue
            }
            if names.contains(name) {
                errors.append(.duplicate(path.index(i), .string(name)))
            } else {
                var key = name
                if let request = nonEmpty(claim.request) {
                    errors += dns1123LabelErrors(request, path.index(i).child("request"))
                    key += "/" + request
                }
                if names.contains(key) {
                    errors.append(.duplicate(path.index(i), .string(key)))
                } else if nonEmpty(claim.request) == nil {
                    let overlapping = names.filter { $0.hasPrefix(name + "/") }.count
                    errors += Array(repeating: .duplicate(path.index(i), .string(name)), count: overlapping)
                }
                names.insert(key)
            }
            if !claimNames.contains(name) {
                var error = FieldError.notFound(path.index(i), .string(name))
                error.detail = "must be one of the names in pod.spec.resourceClaims"
                    + (claimNames.isEmpty ? " which is empty" : ": " + claimNames.sorted().joined(separator: ", "))
                errors.append(error)
            }
        }
        return errors
    }

    // MARK: Resource name classes (pkg/apis/core/helper)

    static func isHugePageResource(_ name: String) -> Bool { name.hasPrefix("hugepages-") }

    static func isNativeResource(_ name: String) -> Bool {
        !name.contains("/") || name.contains("kubernetes.io/")
    }

    static func isExtendedResource(_ name: String) -> Bool {
        if isNativeResource(name) || name.hasPrefix("requests.") { return false }
        return ValidationRules.qualifiedName("requests." + name).isEmpty
    }

    static func isOvercommitAllowed(_ name: String) -> Bool {
        isNativeResource(name) && !isHugePageResource(name)
    }

    static func isIntegerResource(_ name: String) -> Bool {
        ["pods", "resourcequotas", "services", "replicationcontrollers", "secrets", "configmaps",
         "persistentvolumeclaims", "services.nodeports", "services.loadbalancers"].contains(name) || isExtendedResource(name)
    }

    static func isStandardResource(_ name: String) -> Bool {
        let standard: Set<String> = [
            "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.ephemeral-storage",
            "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods", "resourcequotas", "services",
            "replicationcontrollers", "secrets", "configmaps", "persistentvolumeclaims", "storage",
            "requests.storage", "services.nodeports", "services.loadbalancers",
        ]
        return standard.contains(name) || name.hasPrefix("hugepages-") || name.hasPrefix("requests.hugepages-")
    }
}
