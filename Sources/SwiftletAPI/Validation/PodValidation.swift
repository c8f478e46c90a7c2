/// Validation of a Pod as kube-apiserver validates one on create (`ValidatePodCreate` in
/// Kubernetes' `pkg/apis/core/validation`), with the same field paths and messages.
///
/// Every problem is reported, in the order Kubernetes walks the object: metadata, then
/// volumes, containers, init containers, ephemeral containers, then the rest of the spec.
/// Where Kubernetes iterates a map (labels, resources) the keys are visited in sorted order.
///
/// The pod is validated as the API server sees it after defaulting: unset fields that
/// Kubernetes defaults (`restartPolicy`, `dnsPolicy`, port `protocol`, probe thresholds,
/// `httpGet.path` and `scheme`, `terminationGracePeriodSeconds`, requests copied from limits,
/// `hostPort` under `hostNetwork`, ...) are taken at their default value instead of being
/// reported as missing.
public enum PodValidation {
    /// Feature switches that change what Kubernetes accepts. The defaults match a current
    /// kube-apiserver creating a pod (the default feature gates of Kubernetes v1.33 and later).
    public struct Options: Sendable, Hashable {
        /// Environment variable names may use any printable ASCII character but `=`
        /// (`RelaxedEnvironmentVariableValidation`, on since v1.32). When false, names must be C-like.
        public var relaxedEnvironmentVariableNames: Bool
        /// DNS search domains may contain `_` and be `.` (`RelaxedDNSSearchValidation`, on since v1.33).
        public var relaxedDNSSearchValidation: Bool
        /// A `sleep` lifecycle action may sleep 0 seconds (`PodLifecycleSleepActionAllowZero`, on since v1.33).
        public var allowZeroSleepAction: Bool
        /// Whether `metadata.namespace` must be set. Off by default because static pods
        /// take their namespace from the agent.
        public var requireNamespace: Bool

        /// Creates options; every argument defaults to the current kube-apiserver behaviour.
        public init(
            relaxedEnvironmentVariableNames: Bool = true,
            relaxedDNSSearchValidation: Bool = true,
            allowZeroSleepAction: Bool = true,
            requireNamespace: Bool = false
        ) {
            self.relaxedEnvironmentVariableNames = relaxedEnvironmentVariableNames
            self.relaxedDNSSearchValidation = relaxedDNSSearchValidation
            self.allowZeroSleepAction = allowZeroSleepAction
            self.requireNamespace = requireNamespace
        }
    }

    /// Validates `pod` with the default ``Options``.
    /// - Returns: every problem found, empty when the pod is valid.
    public static func validate(_ pod: Pod) -> [FieldError] {
        validate(pod, options: Options())
    }

    /// Validates `pod` as kube-apiserver's `ValidatePodCreate` does.
    /// - Returns: every problem found, empty when the pod is valid.
    public static func validate(_ pod: Pod, options: Options) -> [FieldError] {
        PodValidator(pod: pod, options: options).validateCreate()
    }
}

/// One validation run; holds the pod and options so the per-field checks can consult
/// pod-wide facts (grace period, hostNetwork, volumes) the way Kubernetes passes them down.
struct PodValidator {
    let pod: Pod
    let options: PodValidation.Options

    var spec: PodSpec { pod.spec }
    var metadata: ObjectMeta { pod.metadata }

    /// `spec.terminationGracePeriodSeconds`, defaulted to 30 as the API server does.
    var gracePeriod: Int64 { spec.terminationGracePeriodSeconds ?? 30 }
    /// `spec.restartPolicy`, defaulted to `Always`.
    var restartPolicy: String { nonEmpty(spec.restartPolicy) ?? "Always" }
    var hostNetwork: Bool { spec.hostNetwork ?? false }
    /// False only when the pod asks for a user namespace.
    var hostUsers: Bool { spec.hostUsers ?? true }

    func validateCreate() -> [FieldError] {
        let specPath = FieldPath("spec")
        var errors = validateObjectMeta(FieldPath("metadata"))
        errors += validatePodSpecificAnnotations(FieldPath("metadata").child("annotations"))
        errors += validatePodSpec(specPath)
        errors += validateContainersOnlyForPod(spec.containers, specPath.child("containers"))
        errors += validateContainersOnlyForPod(spec.initContainers ?? [], specPath.child("initContainers"))

        if !(spec.ephemeralContainers ?? []).isEmpty {
            errors.append(.forbidden(specPath.child("ephemeralContainers"), "cannot be set on create"))
        }
        if !(spec.nodeName ?? "").isEmpty && !(spec.schedulingGates ?? []).isEmpty {
            errors.append(.forbidden(specPath.child("nodeName"), "cannot be set until all schedulingGates have been cleared"))
        }
        errors += validateSeccompAnnotationsAndFields(specPath)
        errors += validateAppArmorAnnotationsAndFields(specPath)
        return errors
    }

    // MARK: Metadata

    func validateObjectMeta(_ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        if let generateName = nonEmpty(metadata.generateName) {
            for message in ValidationRules.dns1123Subdomain(maskTrailingDash(generateName)) {
                errors.append(.invalid(path.child("generateName"), .string(generateName), message))
            }
        }
        if let name = nonEmpty(metadata.name) {
            for message in ValidationRules.dns1123Subdomain(name) {
                errors.append(.invalid(path.child("name"), .string(name), message))
            }
        } else {
            errors.append(.required(path.child("name"), "name or generateName is required"))
        }
        if let namespace = nonEmpty(metadata.namespace) {
            for message in ValidationRules.dns1123Label(namespace) {
                errors.append(.invalid(path.child("namespace"), .string(namespace), message))
            }
        } else if options.requireNamespace {
            errors.append(.required(path.child("namespace")))
        }
        if let generation = metadata.generation, generation < 0 {
            errors.append(.invalid(path.child("generation"), .int(generation), ValidationRules.isNegativeError))
        }
        errors += Self.validateLabels(metadata.labels ?? [:], path.child("labels"))
        errors += Self.validateAnnotations(metadata.annotations ?? [:], path.child("annotations"))
        errors += validateOwnerReferences(metadata.ownerReferences ?? [], path.child("ownerReferences"))
        errors += validateFinalizers(metadata.finalizers ?? [], path.child("finalizers"))
        return errors
    }

    /// `ValidateLabels`: each key a qualified name, each value a label value; both reported
    /// at the map's path, as Kubernetes does.
    static func validateLabels(_ labels: [String: String], _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) {
            errors += validateLabelName(key, path)
            for message in ValidationRules.labelValue(value) {
                errors.append(.invalid(path, .string(value), message))
            }
        }
        return errors
    }

    /// `ValidateLabelName`: a qualified name.
    static func validateLabelName(_ name: String, _ path: FieldPath) -> [FieldError] {
        ValidationRules.qualifiedName(name).map { .invalid(path, .string(name), $0) }
    }

    /// `ValidateAnnotations`: keys are qualified names (case-insensitively) and the total
    /// size of keys and values is at most 256 KiB.
    static func validateAnnotations(_ annotations: [String: String], _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        var total = 0
        for (key, value) in annotations.sorted(by: { $0.key < $1.key }) {
            for message in ValidationRules.qualifiedName(key.lowercased()) {
                errors.append(.invalid(path, .string(key), message))
            }
            total += key.utf8.count + value.utf8.count
        }
        if total > ValidationRules.totalAnnotationSizeLimit {
            errors.append(.tooLong(path, ValidationRules.totalAnnotationSizeLimit))
        }
        return errors
    }

    private func validateOwnerReferences(_ references: [OwnerReference], _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        var firstController: String?
        for reference in references {
            let (group, version) = splitAPIVersion(reference.apiVersion)
            if version.isEmpty {
                errors.append(.invalid(path.child("apiVersion"), .string(reference.apiVersion), "version must not be empty"))
            }
            if reference.kind.isEmpty {
                errors.append(.invalid(path.child("kind"), .string(reference.kind), "must not be empty"))
            }
            if reference.name.isEmpty {
                errors.append(.invalid(path.child("name"), .string(reference.name), "must not be empty"))
            }
            if reference.uid.isEmpty {
                errors.append(.invalid(path.child("uid"), .json(reference.uid), "must not be empty"))
            }
            if group.isEmpty && version == "v1" && reference.kind == "Event" {
                errors.append(.invalid(path, ownerReferenceJSON(reference), "/v1, Kind=Event is disallowed from being an owner"))
            }
            if reference.controller == true {
                let current = reference.kind + "/" + reference.name
                if let first = firstController {
                    errors.append(.invalid(path, .raw("[" + references.map { ownerReferenceJSON($0).description }.joined(separator: ",") + "]"),
                                           "Only one reference can have Controller set to true. Found \"true\" in references for \(first) and \(current)"))
                } else {
                    firstController = current
                }
            }
        }
        return errors
    }

    private func ownerReferenceJSON(_ reference: OwnerReference) -> FieldValue {
        var members: [(String, GoJSON)] = [
            ("apiVersion", .string(reference.apiVersion)), ("kind", .string(reference.kind)),
            ("name", .string(reference.name)), ("uid", .string(reference.uid)),
        ]
        if let controller = reference.controller { members.append(("controller", .bool(controller))) }
        if let block = reference.blockOwnerDeletion { members.append(("blockOwnerDeletion", .bool(block))) }
        return GoJSON.object(members).fieldValue
    }

    /// `schema.ParseGroupVersion` as `FromAPIVersionAndKind` uses it: `v1` has no group.
    private func splitAPIVersion(_ apiVersion: String) -> (group: String, version: String) {
        let parts = apiVersion.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return ("", String(parts[0]))
        case 2: return (String(parts[0]), String(parts[1]))
        default: return ("", "")
        }
    }

    private func validateFinalizers(_ finalizers: [String], _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        for finalizer in finalizers {
            errors += ValidationRules.qualifiedName(finalizer).map { .invalid(path, .string(finalizer), $0) }
        }
        if finalizers.contains("orphan") && finalizers.contains("foregroundDeletion") {
            errors.append(.invalid(path, GoJSON.strings(finalizers).fieldValue,
                                   "finalizer orphan and foregroundDeletion cannot be both set"))
        }
        let standard: Set<String> = ["kubernetes", "orphan", "foregroundDeletion"]
        for (i, finalizer) in finalizers.enumerated() where !finalizer.contains("/") && !standard.contains(finalizer) {
            errors.append(.invalid(path.index(i), .string(finalizer),
                                   "name is neither a standard finalizer name nor is it fully qualified"))
        }
        return errors
    }

    // MARK: Pod-specific annotations

    static let mirrorPodAnnotation = "kubernetes.io/config.mirror"
    static let deletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost"
    static let seccompPodAnnotation = "seccomp.security.alpha.kubernetes.io/pod"
    static let seccompContainerAnnotationPrefix = "container.seccomp.security.alpha.kubernetes.io/"
    static let appArmorContainerAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/"

    func validatePodSpecificAnnotations(_ path: FieldPath) -> [FieldError] {
        let annotations = metadata.annotations ?? [:]
        var errors: [FieldError] = []
        if let value = annotations[Self.mirrorPodAnnotation], (spec.nodeName ?? "").isEmpty {
            errors.append(.invalid(path.key(Self.mirrorPodAnnotation), .string(value), "must set spec.nodeName if mirror pod annotation is set"))
        }
        if let cost = annotations[Self.deletionCostAnnotation], !isValidDeletionCost(cost) {
            errors.append(.invalid(path.key(Self.deletionCostAnnotation), .string(cost), "must be a 32bit integer"))
        }
        if let profile = annotations[Self.seccompPodAnnotation] {
            errors += validateSeccompAnnotation(profile, path.child(Self.seccompPodAnnotation))
        }
        for (key, profile) in annotations.sorted(by: { $0.key < $1.key }) where key.hasPrefix(Self.seccompContainerAnnotationPrefix) {
            errors += validateSeccompAnnotation(profile, path.child(key))
        }
        for (key, profile) in annotations.sorted(by: { $0.key < $1.key }) where key.hasPrefix(Self.appArmorContainerAnnotationPrefix) {
            let containerName = String(key.dropFirst(Self.appArmorContainerAnnotationPrefix.count))
            if !allContainers.contains(where: { $0.container.name == containerName }) {
                errors.append(.invalid(path.key(key), .string(containerName), "container not found"))
            }
            if !profile.isEmpty && profile != "runtime/default" && profile != "unconfined" && !profile.hasPrefix("localhost/") {
                errors.append(.invalid(path.key(key), .string(profile), "invalid AppArmor profile name: " + goQuote(profile)))
            }
        }
        return errors
    }

    /// `GetDeletionCostFromPodAnnotations`: a 32-bit decimal integer without `+` or leading zeros.
    private func isValidDeletionCost(_ value: String) -> Bool {
        guard let first = value.unicodeScalars.first else { return false }
        let leadingOK = first == "-" || (first == "0" && value == "0") || ("1"..."9").contains(first)
        return leadingOK && Int32(value) != nil
    }

    private func validateSeccompAnnotation(_ profile: String, _ path: FieldPath) -> [FieldError] {
        if profile == "runtime/default" || profile == "docker/default" || profile == "unconfined" { return [] }
        if profile.hasPrefix("localhost/") {
            return validateLocalDescendingPath(String(profile.dropFirst("localhost/".count)), path)
        }
        return [.invalid(path, .string(profile), "must be a valid seccomp profile")]
    }

    /// Every container with its path, in `VisitContainersWithPath` order: init, regular, ephemeral.
    var allContainers: [(container: Container, path: FieldPath)] {
        let specPath = FieldPath("spec")
        var result: [(Container, FieldPath)] = []
        for (i, c) in (spec.initContainers ?? []).enumerated() { result.append((c, specPath.child("initContainers").index(i))) }
        for (i, c) in spec.containers.enumerated() { result.append((c, specPath.child("containers").index(i))) }
        for (i, c) in (spec.ephemeralContainers ?? []).enumerated() { result.append((c.asContainer, specPath.child("ephemeralContainers").index(i))) }
        return result
    }

    private func validateSeccompAnnotationsAndFields(_ specPath: FieldPath) -> [FieldError] {
        let annotations = metadata.annotations ?? [:]
        var errors: [FieldError] = []
        if let profile = spec.securityContext?.seccompProfile, let annotation = annotations[Self.seccompPodAnnotation],
           let error = seccompMismatch(annotation, profile, specPath.child("securityContext", "seccompProfile")) {
            errors.append(error)
        }
        for (container, path) in allContainers {
            guard let profile = container.securityContext?.seccompProfile,
                  let annotation = annotations[Self.seccompContainerAnnotationPrefix + container.name] else { continue }
            if let error = seccompMismatch(annotation, profile, path.child("securityContext", "seccompProfile")) {
                errors.append(error)
            }
        }
        return errors
    }

    private func seccompMismatch(_ annotation: String, _ profile: SeccompProfile, _ path: FieldPath) -> FieldError? {
        switch profile.type {
        case "Unconfined":
            if annotation != "unconfined" { return .forbidden(path.child("type"), "seccomp type in annotation and field must match") }
        case "RuntimeDefault":
            if annotation != "runtime/default" && annotation != "docker/default" {
                return .forbidden(path.child("type"), "seccomp type in annotation and field must match")
            }
        case "Localhost":
            if !annotation.hasPrefix("localhost/") {
                return .forbidden(path.child("type"), "seccomp type in annotation and field must match")
            }
            if profile.localhostProfile != String(annotation.dropFirst("localhost/".count)) {
                return .forbidden(path.child("localhostProfile"), "seccomp profile in annotation and field must match")
            }
        default:
            break
        }
        return nil
    }

    private func validateAppArmorAnnotationsAndFields(_ specPath: FieldPath) -> [FieldError] {
        if spec.os?.name == "windows" { return [] }
        let annotations = metadata.annotations ?? [:]
        var errors: [FieldError] = []
        for (container, path) in allContainers {
            guard let profile = container.securityContext?.appArmorProfile ?? spec.securityContext?.appArmorProfile,
                  let annotation = annotations[Self.appArmorContainerAnnotationPrefix + container.name] else { continue }
            let appArmorPath = path.child("securityContext", "appArmorProfile")
            switch profile.type {
            case "Unconfined":
                if annotation != "unconfined" {
                    errors.append(.forbidden(appArmorPath.child("type"), "apparmor type in annotation and field must match"))
                }
            case "RuntimeDefault":
                if annotation != "runtime/default" {
                    errors.append(.forbidden(appArmorPath.child("type"), "apparmor type in annotation and field must match"))
                }
            case "Localhost":
                if !annotation.hasPrefix("localhost/") {
                    errors.append(.forbidden(appArmorPath.child("type"), "apparmor type in annotation and field must match"))
                } else if profile.localhostProfile != String(annotation.dropFirst("localhost/".count)) {
                    errors.append(.forbidden(appArmorPath.child("localhostProfile"), "apparmor profile in annotation and field must match"))
                }
            default:
                break
            }
        }
        return errors
    }

    private func validateContainersOnlyForPod(_ containers: [Container], _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        for (i, container) in containers.enumerated() {
            let image = container.image ?? ""
            if image != trimmingGoSpace(image) {
                errors.append(.invalid(path.index(i).child("image"), .string(image), "must not have leading or trailing whitespace"))
            }
        }
        return errors
    }
}

// MARK: - Shared helpers

/// nil for nil or "", as Go treats an unset string.
func nonEmpty(_ s: String?) -> String? {
    guard let s, !s.isEmpty else { return nil }
    return s
}

/// `maskTrailingDash`: a generated-name prefix may end in `-`.
func maskTrailingDash(_ name: String) -> String {
    if name.utf8.count > 1 && name.hasSuffix("-") {
        return String(name.dropLast(2)) + "a"
    }
    return name
}

/// `strings.TrimSpace`: trims Unicode white space.
func trimmingGoSpace(_ s: String) -> String {
    let scalars = Array(s.unicodeScalars)
    var start = 0
    var end = scalars.count
    while start < end && scalars[start].properties.isWhitespace { start += 1 }
    while end > start && scalars[end - 1].properties.isWhitespace { end -= 1 }
    var out = String.UnicodeScalarView()
    out.append(contentsOf: scalars[start..<end])
    return String(out)
}

extension EphemeralContainer {
    /// The container fields of an ephemeral container (`EphemeralContainerCommon` as a `Container`).
    var asContainer: Container {
        Container(
            name: name, image: image, command: command, args: args, workingDir: workingDir, ports: ports,
            envFrom: envFrom, env: env, resources: resources, resizePolicy: resizePolicy, restartPolicy: restartPolicy,
            volumeMounts: volumeMounts, volumeDevices: volumeDevices, livenessProbe: livenessProbe,
            readinessProbe: readinessProbe, startupProbe: startupProbe, lifecycle: lifecycle,
            terminationMessagePath: terminationMessagePath, terminationMessagePolicy: terminationMessagePolicy,
            imagePullPolicy: imagePullPolicy, securityContext: securityContext, stdin: stdin, stdinOnce: stdinOnce, tty: tty)
    }
}
