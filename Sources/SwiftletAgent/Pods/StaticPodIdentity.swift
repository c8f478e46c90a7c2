import Foundation
import SwiftletAPI
import SwiftletImages

/// What kubelet does to a pod read from a manifest file before running it (its file source's
/// defaults): the name gets `-<nodeName>`, the namespace defaults to `default`, the UID is a
/// hash of the node, the file and the pod (so an unchanged file keeps its pod, an edited one
/// replaces it), the pod is bound to this node, marked as a static pod, and tolerates every
/// NoExecute taint.
public enum StaticPodIdentity {
    /// `kubernetes.io/config.hash`: the hash the UID was made from.
    public static let configHashAnnotation = "kubernetes.io/config.hash"
    /// `kubernetes.io/config.source`: `file` for manifests.
    public static let configSourceAnnotation = "kubernetes.io/config.source"
    /// `kubernetes.io/config.seen`: when the agent first saw this version.
    public static let configSeenAnnotation = "kubernetes.io/config.seen"

    /// Applies the file source's defaults to `pod`, read from `file` on node `nodeName`.
    public static func apply(to pod: inout Pod, nodeName: String, file: String, seen: Date = Date()) {
        let node = nodeName.lowercased()
        var hasher = SHA256Hasher()
        hasher.update(Array("host:\(node)".utf8))
        hasher.update(Array("file:\(file)".utf8))
        hasher.update(canonicalBytes(pod))
        let hash = String(hasher.finalizeHex().prefix(32))
        if (pod.metadata.uid ?? "").isEmpty { pod.metadata.uid = hash }
        if let name = pod.metadata.name { pod.metadata.name = "\(name)-\(node)" }
        if (pod.metadata.namespace ?? "").isEmpty { pod.metadata.namespace = "default" }
        pod.spec.nodeName = node
        var annotations = pod.metadata.annotations ?? [:]
        annotations[configHashAnnotation] = hash
        annotations[configSourceAnnotation] = "file"
        annotations[configSeenAnnotation] = MicroTime(seen).description
        pod.metadata.annotations = annotations
        var tolerations = pod.spec.tolerations ?? []
        if !tolerations.contains(where: { $0.operator == "Exists" && $0.effect == "NoExecute" && $0.key == nil }) {
            tolerations.append(Toleration(operator: "Exists", effect: "NoExecute"))
        }
        pod.spec.tolerations = tolerations
    }

    /// Whether `pod` came from a manifest file.
    public static func isStatic(_ pod: Pod) -> Bool {
        pod.metadata.annotations?[configSourceAnnotation] == "file"
    }

    /// The pod encoded with sorted keys, so equal pods hash equally.
    private static func canonicalBytes(_ pod: Pod) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? Array(encoder.encode(pod))) ?? []
    }
}
