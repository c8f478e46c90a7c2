import Foundation
import SwiftletAPI

/// A `downwardAPI` volume: pod metadata and container resources as files, written through an
/// ``AtomicWriter`` into `<podDir>/volumes/kubernetes.io~downward-api/<name>`, which (as in
/// kubelet) is a tmpfs.
public enum DownwardAPIVolume {
    /// kubelet's plugin directory name.
    public static let pluginName = "kubernetes.io~downward-api"
    /// Mode of files without `mode` when the volume has no `defaultMode` (0644).
    public static let defaultMode: Int32 = 0o644

    /// The files of `items` (kubelet's `CollectData`): each path with the value of its
    /// `fieldRef` (volume scope, see ``DownwardAPIFields/Scope/volume``) or `resourceFieldRef`
    /// (the named container's, with node allocatable standing in for missing limits), with the
    /// item's `mode`, else `defaultMode`, else 0644.
    /// - Parameter field: the items' field (`spec.volumes[0].downwardAPI`), for errors.
    /// - Throws: ``VolumeError`` listing every item that cannot be resolved, each with its field path.
    public static func payload(items: [DownwardAPIVolumeFile], defaultMode: Int32?, pod: Pod,
                               context: DownwardAPIContext, nodeAllocatable: NodeAllocatable,
                               field: FieldPath) throws -> [String: FileProjection] {
        var payload: [String: FileProjection] = [:]
        var problems: [String] = []
        for (i, item) in items.enumerated() {
            let itemField = field.child("items").index(i)
            let mode = item.mode ?? defaultMode ?? Self.defaultMode
            do {
                let value: String
                if let fieldRef = item.fieldRef {
                    do {
                        value = try DownwardAPIFields.fieldValue(fieldRef, pod: pod, context: context, scope: .volume)
                    } catch let error as VolumeError {
                        throw error.within(itemField.child("fieldRef"))
                    }
                } else if let resourceRef = item.resourceFieldRef {
                    do {
                        value = try resourceValue(resourceRef, pod: pod, nodeAllocatable: nodeAllocatable)
                    } catch let error as VolumeError {
                        throw error.within(itemField.child("resourceFieldRef"))
                    }
                } else {
                    value = ""
                }
                let path = try cleanItemPath(item.path, field: itemField.child("path"))
                payload[path] = FileProjection(value, mode: mode)
            } catch let error as VolumeError {
                problems.append(error.message)
            }
        }
        if !problems.isEmpty { throw VolumeError.other(problems.joined(separator: "\n")) }
        return payload
    }

    /// The value of a volume `resourceFieldRef`, for the container it names (app containers
    /// first, then init containers, as kubelet searches).
    static func resourceValue(_ selector: ResourceFieldSelector, pod: Pod, nodeAllocatable: NodeAllocatable) throws -> String {
        let name = selector.containerName ?? ""
        let all = pod.spec.containers + (pod.spec.initContainers ?? [])
        guard let container = all.first(where: { $0.name == name }) else {
            throw VolumeError.other("container \(name) not found")
        }
        return try DownwardAPIFields.resourceValue(selector, container: container, nodeAllocatable: nodeAllocatable)
    }

    /// An item path checked as the atomic writer checks it, reported with the item's field.
    static func cleanItemPath(_ path: String, field: FieldPath) throws -> String {
        do {
            return try AtomicWriter.validatePath(path)
        } catch let error as VolumeError {
            throw VolumeError.other(error.message, field: field)
        }
    }
}

/// A `projected` volume: several sources merged into one directory through an
/// ``AtomicWriter``, at `<podDir>/volumes/kubernetes.io~projected/<name>` (a tmpfs, as in kubelet).
/// Only `downwardAPI` sources are supported yet; the others need an API server.
public enum ProjectedVolume {
    /// kubelet's plugin directory name.
    public static let pluginName = "kubernetes.io~projected"
    /// Mode of files without `mode` when the volume has no `defaultMode` (0644).
    public static let defaultMode: Int32 = 0o644

    /// The merged files of every source; a later source's file replaces an earlier one on the
    /// same path, as in kubelet.
    /// - Parameter field: the volume's field (`spec.volumes[0]`), for errors.
    /// - Throws: ``VolumeError`` naming `spec.volumes[i].projected.sources[j].<kind>` for a source
    ///   that is not supported yet, or listing the downward API items that cannot be resolved.
    public static func payload(_ source: ProjectedVolumeSource, pod: Pod, context: DownwardAPIContext,
                               nodeAllocatable: NodeAllocatable, field: FieldPath) throws -> [String: FileProjection] {
        try checkSupported(source, field: field)
        var payload: [String: FileProjection] = [:]
        let mode = source.defaultMode ?? Self.defaultMode
        for (j, projection) in (source.sources ?? []).enumerated() {
            guard let downward = projection.downwardAPI else { continue }
            let files = try DownwardAPIVolume.payload(
                items: downward.items ?? [], defaultMode: mode, pod: pod, context: context,
                nodeAllocatable: nodeAllocatable, field: field.child("projected", "sources").index(j).child("downwardAPI"))
            payload.merge(files) { _, new in new }
        }
        return payload
    }

    /// Fails on the first source kind that is not supported yet, before anything is created.
    static func checkSupported(_ source: ProjectedVolumeSource, field: FieldPath) throws {
        for (j, projection) in (source.sources ?? []).enumerated() {
            let sourceField = field.child("projected", "sources").index(j)
            let unsupported: [(String, Bool, String)] = [
                ("configMap", projection.configMap != nil, "there is no API server to read ConfigMaps from in standalone mode"),
                ("secret", projection.secret != nil, "there is no API server to read Secrets from in standalone mode"),
                ("serviceAccountToken", projection.serviceAccountToken != nil,
                 "there is no API server to issue tokens in standalone mode"),
                ("clusterTrustBundle", projection.clusterTrustBundle != nil,
                 "there is no API server to read ClusterTrustBundles from in standalone mode"),
            ]
            for (name, present, why) in unsupported where present {
                throw VolumeError.notSupported(sourceField.child(name), "projected \(name) sources are not supported yet: \(why)")
            }
        }
    }
}
