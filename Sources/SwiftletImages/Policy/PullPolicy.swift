import SwiftletAPI

/// When to pull a container's image (`core/v1.PullPolicy`).
public enum PullPolicy: String, Sendable, Hashable, CaseIterable, Codable {
    /// Pull on every container start (the registry may still answer "unchanged").
    case always = "Always"
    /// Pull only when the image is not on the node.
    case ifNotPresent = "IfNotPresent"
    /// Never pull; fail when the image is not on the node.
    case never = "Never"

    /// The container's policy: the one it sets, or Kubernetes' default for its image
    /// (`SetDefaults_Container`): `Always` when the image's tag is `latest` or it has neither tag
    /// nor digest, else `IfNotPresent`. A reference that does not parse defaults to
    /// `IfNotPresent`, as in Kubernetes (validation reports it).
    /// - Throws: `PullPolicyError.invalidPolicy` when the container sets another value.
    public static func effective(for container: Container) throws -> PullPolicy {
        if let raw = container.imagePullPolicy, !raw.isEmpty {
            guard let policy = PullPolicy(rawValue: raw) else {
                throw PullPolicyError.invalidPolicy(raw, container: container.name)
            }
            return policy
        }
        return defaulted(forImage: container.image ?? "")
    }

    /// Kubernetes' default policy for `image` (see `effective(for:)`).
    public static func defaulted(forImage image: String) -> PullPolicy {
        guard let reference = try? ImageReference(parsing: image) else { return .ifNotPresent }
        return reference.effectiveTag == ImageReference.defaultTag ? .always : .ifNotPresent
    }

    /// Whether to pull `image` under `policy`, given whether it is already on the node.
    /// - Throws: `PullPolicyError.neverPull` (kubelet's `ErrImageNeverPull`) for `Never` when
    ///   the image is absent.
    public static func shouldPull(policy: PullPolicy, present: Bool, image: String) throws -> Bool {
        switch policy {
        case .always: return true
        case .ifNotPresent: return !present
        case .never:
            if present { return false }
            throw PullPolicyError.neverPull(image: image)
        }
    }
}
