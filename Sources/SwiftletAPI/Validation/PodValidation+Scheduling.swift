extension PodValidator {
    // MARK: Affinity

    func validateAffinity(_ path: FieldPath) -> [FieldError] {
        guard let affinity = spec.affinity else { return [] }
        var errors: [FieldError] = []
        if let node = affinity.nodeAffinity {
            let nodePath = path.child("nodeAffinity")
            if let required = node.requiredDuringSchedulingIgnoredDuringExecution {
                errors += validateNodeSelector(required, nodePath.child("requiredDuringSchedulingIgnoredDuringExecution"))
            }
            for (i, term) in (node.preferredDuringSchedulingIgnoredDuringExecution ?? []).enumerated() {
                let termPath = nodePath.child("preferredDuringSchedulingIgnoredDuringExecution").index(i)
                if term.weight <= 0 || term.weight > 100 {
                    errors.append(.invalid(termPath.child("weight"), .int(Int64(term.weight)), "must be in the range 1-100"))
                }
                // Preferred terms may carry invalid label values: they can still match on a one-node cluster.
                errors += validateNodeSelectorTerm(term.preference, checkValues: false, termPath.child("preference"))
            }
        }
        if let pod = affinity.podAffinity {
            errors += validatePodAffinityTerms(required: pod.requiredDuringSchedulingIgnoredDuringExecution,
                                               preferred: pod.preferredDuringSchedulingIgnoredDuringExecution, path.child("podAffinity"))
        }
        if let anti = affinity.podAntiAffinity {
            errors += validatePodAffinityTerms(required: anti.requiredDuringSchedulingIgnoredDuringExecution,
                                               preferred: anti.preferredDuringSchedulingIgnoredDuringExecution, path.child("podAntiAffinity"))
        }
        return errors
    }

    private func validateNodeSelector(_ selector: NodeSelector, _ path: FieldPath) -> [FieldError] {
        let termsPath = path.child("nodeSelectorTerms")
        if selector.nodeSelectorTerms.isEmpty {
            return [.required(termsPath, "must have at least one node selector term")]
        }
        var errors: [FieldError] = []
        for (i, term) in selector.nodeSelectorTerms.enumerated() {
            errors += validateNodeSelectorTerm(term, checkValues: true, termsPath.index(i))
        }
        return errors
    }

    private func validateNodeSelectorTerm(_ term: NodeSelectorTerm, checkValues: Bool, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        for (j, requirement) in (term.matchExpressions ?? []).enumerated() {
            let reqPath = path.child("matchExpressions").index(j)
            let values = requirement.values ?? []
            switch requirement.operator {
            case "In", "NotIn":
                if values.isEmpty { errors.append(.required(reqPath.child("values"), "must be specified when `operator` is 'In' or 'NotIn'")) }
            case "Exists", "DoesNotExist":
                if !values.isEmpty { errors.append(.forbidden(reqPath.child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")) }
            case "Gt", "Lt":
                if values.count != 1 { errors.append(.required(reqPath.child("values"), "must be specified single value when `operator` is 'Lt' or 'Gt'")) }
            default:
                errors.append(.invalid(reqPath.child("operator"), .json(requirement.operator), "not a valid selector operator"))
            }
            errors += Self.validateLabelName(requirement.key, reqPath.child("key"))
            if checkValues {
                for (k, value) in values.enumerated() {
                    errors += ValidationRules.labelValue(value).map { .invalid(reqPath.child("values").index(k), .string(value), $0) }
                }
            }
        }
        for (j, requirement) in (term.matchFields ?? []).enumerated() {
            let reqPath = path.child("matchFields").index(j)
            let values = requirement.values ?? []
            switch requirement.operator {
            case "In", "NotIn":
                if values.count != 1 {
                    errors.append(.required(reqPath.child("values"), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"))
                }
            default:
                errors.append(.invalid(reqPath.child("operator"), .json(requirement.operator), "not a valid selector operator"))
            }
            if requirement.key != "metadata.name" {
                errors.append(.invalid(reqPath.child("key"), .string(requirement.key), "not a valid field selector key"))
            } else {
                for (k, value) in values.enumerated() {
                    errors += ValidationRules.dns1123Subdomain(value).map { .invalid(reqPath.child("values").index(k), .string(value), $0) }
                }
            }
        }
        return errors
    }

    private func validatePodAffinityTerms(required: [PodAffinityTerm]?, preferred: [WeightedPodAffinityTerm]?, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        for (i, term) in (required ?? []).enumerated() {
            errors += validatePodAffinityTerm(term, path.child("requiredDuringSchedulingIgnoredDuringExecution").index(i))
        }
        for (i, weighted) in (preferred ?? []).enumerated() {
            let termPath = path.child("preferredDuringSchedulingIgnoredDuringExecution").index(i)
            if weighted.weight <= 0 || weighted.weight > 100 {
                errors.append(.invalid(termPath.child("weight"), .int(Int64(weighted.weight)), "must be in the range 1-100"))
            }
            errors += validatePodAffinityTerm(weighted.podAffinityTerm, termPath.child("podAffinityTerm"))
        }
        return errors
    }

    private func validatePodAffinityTerm(_ term: PodAffinityTerm, _ path: FieldPath) -> [FieldError] {
        var errors = Self.validateLabelSelector(term.labelSelector, path.child("labelSelector"))
        errors += Self.validateLabelSelector(term.namespaceSelector, path.child("namespaceSelector"))
        for namespace in term.namespaces ?? [] {
            errors += ValidationRules.dns1123Label(namespace).map { .invalid(path.child("namespace"), .string(namespace), $0) }
        }
        errors += validateMatchLabelKeys(term, path)
        if term.topologyKey.isEmpty {
            errors.append(.required(path.child("topologyKey"), "can not be empty"))
        }
        errors += Self.validateLabelName(term.topologyKey, path.child("topologyKey"))
        return errors
    }

    /// `validateMatchLabelKeysAndMismatchLabelKeys`.
    private func validateMatchLabelKeys(_ term: PodAffinityTerm, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let match = term.matchLabelKeys ?? []
        let mismatch = term.mismatchLabelKeys ?? []
        for (keys, name) in [(match, "matchLabelKeys"), (mismatch, "mismatchLabelKeys")] where !keys.isEmpty {
            if term.labelSelector == nil {
                errors.append(.forbidden(path.child(name), "must not be specified when labelSelector is not set"))
            } else {
                for (i, key) in keys.enumerated() {
                    errors += Self.validateLabelName(key, path.child(name).index(i))
                }
            }
        }
        if let selector = term.labelSelector {
            var firstIndex: [String: Int] = [:]
            for (i, key) in match.enumerated() { firstIndex[key] = i }
            var selectorKeys = Set((selector.matchLabels ?? [:]).keys)
            for expression in selector.matchExpressions ?? [] {
                if let i = firstIndex[expression.key], selectorKeys.contains(expression.key) {
                    errors.append(.invalid(path.index(i), .string(expression.key), "exists in both matchLabelKeys and labelSelector"))
                }
                selectorKeys.insert(expression.key)
            }
        }
        let mismatchSet = Set(mismatch)
        for (i, key) in match.enumerated() where mismatchSet.contains(key) {
            errors.append(.invalid(path.child("matchLabelKeys").index(i), .string(key), "exists in both matchLabelKeys and mismatchLabelKeys"))
        }
        return errors
    }

    /// `ValidateLabelSelector` (label values checked, as for new objects).
    static func validateLabelSelector(_ selector: LabelSelector?, _ path: FieldPath) -> [FieldError] {
        guard let selector else { return [] }
        var errors = validateLabels(selector.matchLabels ?? [:], path.child("matchLabels"))
        for (i, requirement) in (selector.matchExpressions ?? []).enumerated() {
            let reqPath = path.child("matchExpressions").index(i)
            let values = requirement.values ?? []
            switch requirement.operator {
            case "In", "NotIn":
                if values.isEmpty { errors.append(.required(reqPath.child("values"), "must be specified when `operator` is 'In' or 'NotIn'")) }
            case "Exists", "DoesNotExist":
                if !values.isEmpty { errors.append(.forbidden(reqPath.child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")) }
            default:
                errors.append(.invalid(reqPath.child("operator"), .json(requirement.operator), "not a valid selector operator"))
            }
            errors += validateLabelName(requirement.key, reqPath.child("key"))
            for (k, value) in values.enumerated() {
                errors += ValidationRules.labelValue(value).map { .invalid(reqPath.child("values").index(k), .string(value), $0) }
            }
        }
        return errors
    }

    // MARK: Tolerations

    /// `ValidateTolerations`.
    func validateTolerations(_ tolerations: [Toleration], _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        for (i, toleration) in tolerations.enumerated() {
            let tPath = path.index(i)
            let key = toleration.key ?? ""
            let op = toleration.operator ?? ""
            let effect = toleration.effect ?? ""
            let value = toleration.value ?? ""
            if !key.isEmpty {
                errors += Self.validateLabelName(key, tPath.child("key"))
            }
            if key.isEmpty && op != "Exists" {
                errors.append(.invalid(tPath.child("operator"), .json(op),
                                       "operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
            }
            if toleration.tolerationSeconds != nil && effect != "NoExecute" {
                errors.append(.invalid(tPath.child("effect"), .json(effect), "effect must be 'NoExecute' when `tolerationSeconds` is set"))
            }
            switch op {
            case "Equal", "":
                let messages = ValidationRules.labelValue(value)
                if !messages.isEmpty {
                    errors.append(.invalid(tPath.child("operator"), .string(value), messages.joined(separator: ";")))
                }
            case "Exists":
                if !value.isEmpty {
                    errors.append(.invalid(tPath.child("operator"), .string(value), "value must be empty when `operator` is 'Exists'"))
                }
            default:
                errors.append(.notSupported(tPath.child("operator"), .json(op), ["Equal", "Exists"]))
            }
            if !effect.isEmpty && !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(effect) {
                errors.append(.notSupported(tPath.child("effect"), .json(effect), ["NoSchedule", "PreferNoSchedule", "NoExecute"]))
            }
        }
        return errors
    }

    // MARK: DNS

    /// `validatePodDNSConfig`: `None` needs name servers; at most 3 servers and 32 search domains.
    func validateDNSConfig(dnsPolicy: String, _ path: FieldPath) -> [FieldError] {
        let config = spec.dnsConfig
        if dnsPolicy == "None" {
            guard let config else {
                return [.required(path, "must provide `dnsConfig` when `dnsPolicy` is None")]
            }
            if (config.nameservers ?? []).isEmpty {
                return [.required(path.child("nameservers"), "must provide at least one DNS nameserver when `dnsPolicy` is None")]
            }
        }
        guard let config else { return [] }
        var errors: [FieldError] = []
        let nameservers = config.nameservers ?? []
        if nameservers.count > 3 {
            errors.append(.invalid(path.child("nameservers"), GoJSON.strings(nameservers).fieldValue, "must not have more than 3 nameservers"))
        }
        for (i, server) in nameservers.enumerated() where !ValidationRules.isIPAddress(server) {
            errors.append(.invalid(path.child("nameservers").index(i), .string(server), ValidationRules.invalidIPMessage))
        }
        let searches = config.searches ?? []
        if searches.count > 32 {
            errors.append(.invalid(path.child("searches"), GoJSON.strings(searches).fieldValue, "must not have more than 32 search paths"))
        }
        if searches.joined(separator: " ").utf8.count > 2048 {
            errors.append(.invalid(path.child("searches"), GoJSON.strings(searches).fieldValue,
                                   "must not have more than 2048 characters (including spaces) in the search list"))
        }
        for (i, search) in searches.enumerated() {
            let searchPath = path.child("searches").index(i)
            if options.relaxedDNSSearchValidation {
                if search != "." {
                    let trimmed = search.hasSuffix(".") ? String(search.dropLast()) : search
                    errors += ValidationRules.dns1123SubdomainWithUnderscore(trimmed).map { .invalid(searchPath, .string(trimmed), $0) }
                }
            } else {
                let trimmed = search.hasSuffix(".") ? String(search.dropLast()) : search
                errors += ValidationRules.dns1123Subdomain(trimmed).map { .invalid(searchPath, .string(trimmed), $0) }
            }
        }
        for (i, option) in (config.options ?? []).enumerated() where (option.name ?? "").isEmpty {
            errors.append(.required(path.child("options").index(i), "must not be empty"))
        }
        return errors
    }

    // MARK: Topology spread

    func validateTopologySpreadConstraints(_ path: FieldPath) -> [FieldError] {
        let constraints = spec.topologySpreadConstraints ?? []
        var errors: [FieldError] = []
        for (i, constraint) in constraints.enumerated() {
            let cPath = path.index(i)
            if constraint.maxSkew <= 0 {
                errors.append(.invalid(cPath.child("maxSkew"), .int(Int64(constraint.maxSkew)), "must be greater than zero"))
            }
            if constraint.topologyKey.isEmpty {
                errors.append(.required(cPath.child("topologyKey"), "can not be empty"))
            }
            if constraint.whenUnsatisfiable != "DoNotSchedule" && constraint.whenUnsatisfiable != "ScheduleAnyway" {
                errors.append(.notSupported(cPath.child("whenUnsatisfiable"), .json(constraint.whenUnsatisfiable), ["DoNotSchedule", "ScheduleAnyway"]))
            }
            if constraints[(i + 1)...].contains(where: { $0.topologyKey == constraint.topologyKey && $0.whenUnsatisfiable == constraint.whenUnsatisfiable }) {
                errors.append(.duplicate(cPath.child("{topologyKey, whenUnsatisfiable}"),
                                         .string("{\(constraint.topologyKey), \(constraint.whenUnsatisfiable)}")))
            }
            if let minDomains = constraint.minDomains {
                if minDomains <= 0 {
                    errors.append(.invalid(cPath.child("minDomains"), .int(Int64(minDomains)), "must be greater than zero"))
                }
                if constraint.whenUnsatisfiable != "DoNotSchedule" {
                    errors.append(.invalid(cPath.child("minDomains"), .int(Int64(minDomains)),
                                           "can only use minDomains if whenUnsatisfiable=DoNotSchedule, not \(constraint.whenUnsatisfiable)"))
                }
            }
            for (policy, name) in [(constraint.nodeAffinityPolicy, "nodeAffinityPolicy"), (constraint.nodeTaintsPolicy, "nodeTaintsPolicy")] {
                if let policy, policy != "Honor" && policy != "Ignore" {
                    errors.append(.notSupported(cPath.child(name), .json(policy), ["Honor", "Ignore"]))
                }
            }
            let keys = constraint.matchLabelKeys ?? []
            if !keys.isEmpty {
                let keysPath = cPath.child("matchLabelKeys")
                var selectorKeys = Set<String>()
                if let selector = constraint.labelSelector {
                    selectorKeys.formUnion((selector.matchLabels ?? [:]).keys)
                    selectorKeys.formUnion((selector.matchExpressions ?? []).map(\.key))
                } else {
                    errors.append(.forbidden(keysPath, "must not be specified when labelSelector is not set"))
                }
                for (k, key) in keys.enumerated() {
                    errors += Self.validateLabelName(key, keysPath.index(k))
                    if selectorKeys.contains(key) {
                        errors.append(.invalid(keysPath.index(k), .string(key), "exists in both matchLabelKeys and labelSelector"))
                    }
                }
            }
            errors += Self.validateLabelSelector(constraint.labelSelector, cPath.child("labelSelector"))
        }
        return errors
    }
}
