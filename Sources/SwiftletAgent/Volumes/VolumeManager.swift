import Foundation
import Logging
import SwiftletAPI
import SwiftletRuntime

/// A volume of a pod, set up on the node and ready to be bind-mounted into containers.
public struct PodVolume: Sendable, Hashable {
    /// The volume's name in the pod spec.
    public var name: String
    /// kubelet's plugin name (`kubernetes.io~empty-dir`, `kubernetes.io~host-path`, …).
    public var plugin: String
    /// The host path containers bind.
    public var path: String
    /// The plugin forces read-only mounts (downwardAPI and projected volumes, as in kubelet).
    public var readOnly: Bool
    /// A hostPath without `type`: a missing path is created as a directory when a container
    /// mounts it, as containerd and CRI-O do.
    public var createIfMissing: Bool

    /// A set-up volume.
    public init(name: String, plugin: String, path: String, readOnly: Bool = false, createIfMissing: Bool = false) {
        self.name = name
        self.plugin = plugin
        self.path = path
        self.readOnly = readOnly
        self.createIfMissing = createIfMissing
    }
}

/// The OCI mounts of one container's volumes.
public struct ContainerMounts: Sendable, Hashable {
    /// Bind mounts in `volumeMounts` order: type `bind`, options `rbind`, the propagation
    /// (`rprivate`, `rslave` or `rshared`) and `ro`/`rw`.
    public var mounts: [Spec.Mount]
    /// The root propagation the container needs for its mounts to propagate (`rshared` with a
    /// Bidirectional mount, `rslave` with a HostToContainer one), as containerd sets it; nil otherwise.
    public var rootfsPropagation: String?

    /// Mounts and the root propagation they need.
    public init(mounts: [Spec.Mount], rootfsPropagation: String?) {
        self.mounts = mounts
        self.rootfsPropagation = rootfsPropagation
    }
}

/// Sets up a pod's volumes, turns containers' `volumeMounts` into OCI mounts, and tears it all
/// down again: the standalone part of kubelet's volume manager.
///
/// Supported sources: `emptyDir` (disk or `Memory`), `hostPath` (every `type`), `downwardAPI`,
/// and `projected` with `downwardAPI` sources. A volume without a source is an emptyDir (API
/// defaulting). `configMap`, `secret`, `persistentVolumeClaim` and service-account tokens need
/// an API server and fail with an error naming `spec.volumes[i]`.
public struct VolumeManager: Sendable {
    /// Resources reported for missing limits and bounding memory-backed volumes.
    public let nodeAllocatable: NodeAllocatable
    private let logger: Logger

    /// A manager using `nodeAllocatable` (the host's capacity by default).
    public init(nodeAllocatable: NodeAllocatable = .host(), logger: Logger = Logger(label: "swiftlet.volumes")) {
        self.nodeAllocatable = nodeAllocatable
        self.logger = logger
    }

    // MARK: - Set up

    /// Sets up every volume `pod` declares under `podDirectory` and returns them by name.
    ///
    /// Unsupported sources are reported all at once before anything is created. Idempotent: a
    /// second call keeps existing directories and tmpfs mounts and rewrites downward API files
    /// only when their content changed. The pod's `fsGroup` is applied to emptyDir, downwardAPI
    /// and projected volumes.
    /// - Parameter context: node name and IPs for the downward API.
    /// - Throws: ``VolumeError`` naming `spec.volumes[i]` (or a field below it).
    public func setUp(pod: Pod, podDirectory: String, context: DownwardAPIContext = DownwardAPIContext()) throws -> [String: PodVolume] {
        let volumes = pod.spec.volumes ?? []
        var problems: [VolumeError] = []
        var kinds: [Kind] = []
        for (i, volume) in volumes.enumerated() {
            do {
                kinds.append(try kind(of: volume, field: FieldPath("spec").child("volumes").index(i)))
            } catch let error as VolumeError {
                problems.append(error)
            }
        }
        if !problems.isEmpty { throw VolumeError.combined(problems) }

        var result: [String: PodVolume] = [:]
        let fsGroup = pod.spec.securityContext?.fsGroup
        let changePolicy = pod.spec.securityContext?.fsGroupChangePolicy
        for (i, volume) in volumes.enumerated() {
            let field = FieldPath("spec").child("volumes").index(i)
            do {
                let set = try setUp(volume, kind: kinds[i], pod: pod, podDirectory: podDirectory, context: context, field: field)
                if let fsGroup, set.plugin != HostPathVolume.pluginName {
                    try VolumeOwnership.apply(directory: set.path, fsGroup: fsGroup, readOnly: set.readOnly, changePolicy: changePolicy)
                }
                result[volume.name] = set
            } catch let error as VolumeError {
                throw error.within(field)
            }
        }
        logger.debug("volumes set up", metadata: ["pod": "\(pod.metadata.name ?? "")", "uid": "\(pod.metadata.uid ?? "")",
                                                  "volumes": "\(result.keys.sorted())"])
        return result
    }

    private enum Kind { case emptyDir(EmptyDirVolumeSource), hostPath, downwardAPI, projected }

    private func kind(of volume: Volume, field: FieldPath) throws -> Kind {
        let sources = volume.sourceNames
        if sources.isEmpty { return .emptyDir(EmptyDirVolumeSource()) }
        if sources.count > 1 {
            throw VolumeError.invalid(.forbidden(field, "may not specify more than 1 volume type (found \(sources.joined(separator: ", ")))"))
        }
        if let emptyDir = volume.emptyDir { return .emptyDir(emptyDir) }
        if volume.hostPath != nil { return .hostPath }
        if volume.downwardAPI != nil { return .downwardAPI }
        if let projected = volume.projected {
            try ProjectedVolume.checkSupported(projected, field: field)
            return .projected
        }
        let source = sources[0]
        let why: String
        switch source {
        case "configMap": why = "configMap volumes are not supported in standalone mode: there is no API server to read the ConfigMap from"
        case "secret": why = "secret volumes are not supported in standalone mode: there is no API server to read the Secret from"
        case "persistentVolumeClaim":
            why = "persistentVolumeClaim volumes are not supported in standalone mode: there is no API server to bind the claim"
        case "image": why = "image volumes are not supported yet"
        default: why = "\(source) volumes are not supported by swiftlet"
        }
        throw VolumeError.notSupported(field, "volume \(goQuote(volume.name)): \(why)")
    }

    private func setUp(_ volume: Volume, kind: Kind, pod: Pod, podDirectory: String, context: DownwardAPIContext,
                       field: FieldPath) throws -> PodVolume {
        switch kind {
        case .emptyDir(let source):
            let emptyDir = try EmptyDirVolume(podDirectory: podDirectory, name: volume.name, source: source, field: field)
            let size = emptyDir.medium == .memory ? memorySize(source.sizeLimit, pod) : 0
            try emptyDir.setUp(tmpfsSizeBytes: size)
            return PodVolume(name: volume.name, plugin: EmptyDirVolume.pluginName, path: emptyDir.path)
        case .hostPath:
            let hostPath = try HostPathVolume(source: volume.hostPath!, field: field)
            try hostPath.setUp()
            return PodVolume(name: volume.name, plugin: HostPathVolume.pluginName, path: hostPath.path,
                             createIfMissing: hostPath.type == .unset)
        case .downwardAPI:
            let source = volume.downwardAPI!
            let payload = try DownwardAPIVolume.payload(
                items: source.items ?? [], defaultMode: source.defaultMode, pod: pod, context: context,
                nodeAllocatable: nodeAllocatable, field: field.child("downwardAPI"))
            return try writeProjection(volume.name, plugin: DownwardAPIVolume.pluginName, payload: payload, pod: pod,
                                       podDirectory: podDirectory)
        case .projected:
            let payload = try ProjectedVolume.payload(volume.projected!, pod: pod, context: context,
                                                      nodeAllocatable: nodeAllocatable, field: field)
            return try writeProjection(volume.name, plugin: ProjectedVolume.pluginName, payload: payload, pod: pod,
                                       podDirectory: podDirectory)
        }
    }

    /// A memory-backed directory (kubelet wraps these in a `Memory` emptyDir) written atomically.
    private func writeProjection(_ name: String, plugin: String, payload: [String: FileProjection], pod: Pod,
                                 podDirectory: String) throws -> PodVolume {
        let path = VolumeLayout.volumeDirectory(podDirectory: podDirectory, plugin: plugin, name: name)
        try EmptyDirVolume.setUpDirectory(path, medium: .memory, tmpfsSizeBytes: memorySize(nil, pod))
        let writer = try AtomicWriter(
            targetDirectory: path,
            logContext: "pod \(pod.metadata.namespace ?? "default")/\(pod.metadata.name ?? "") volume \(name)",
            logger: logger)
        try writer.write(payload)
        return PodVolume(name: name, plugin: plugin, path: path, readOnly: true)
    }

    private func memorySize(_ sizeLimit: Quantity?, _ pod: Pod) -> Int64 {
        EmptyDirVolume.memorySize(sizeLimit: sizeLimit, pod: pod, nodeAllocatableMemory: nodeAllocatable.memory.value)
    }

    // MARK: - Container mounts

    /// The OCI mounts for the `volumeMounts` of container `containerName` (app, init or
    /// ephemeral) of `pod`, with subPaths resolved and pinned (see ``SubPathResolver``).
    ///
    /// `mountPropagation` None → `rprivate`, HostToContainer → `rslave` (the volume must be on
    /// a shared or slave mount), Bidirectional → `rshared` (privileged containers only, on a
    /// shared mount); `readOnly`, or a read-only volume kind, adds `ro`.
    /// - Parameter environment: the container's environment, for `subPathExpr`.
    /// - Throws: ``VolumeError`` naming `spec.containers[i].volumeMounts[j]` (or the field below it).
    public func mounts(forContainer containerName: String, pod: Pod, podDirectory: String,
                       volumes: [String: PodVolume], environment: [String: String] = [:]) throws -> ContainerMounts {
        guard let container = Self.findContainer(containerName, in: pod) else {
            throw VolumeError.other("container \(goQuote(containerName)) is not in pod \(pod.metadata.name ?? "")")
        }
        let resolver = SubPathResolver(podDirectory: podDirectory, logger: logger)
        var mounts: [Spec.Mount] = []
        var rootfsPropagation: String?
        for (j, volumeMount) in container.volumeMounts.enumerated() {
            let field = container.field.child("volumeMounts").index(j)
            guard let volume = volumes[volumeMount.name] else {
                throw VolumeError.invalid(.notFound(field.child("name"), .string(volumeMount.name)))
            }
            if !volumeMount.mountPath.hasPrefix("/") {
                throw VolumeError.invalid(.invalid(field.child("mountPath"), .string(volumeMount.mountPath), "must be an absolute path"))
            }
            if volumeMount.recursiveReadOnly == "Enabled" {
                throw VolumeError.notSupported(field.child("recursiveReadOnly"), "recursive read-only mounts are not supported yet")
            }
            if volume.createIfMissing, try VolumeSys.stat(volume.path) == nil {
                do {
                    try VolumeSys.mkdirAll(volume.path, mode: 0o755)
                } catch let error as VolumeError {
                    throw error.within(field)
                }
            }
            var source = volume.path
            if let sub = try SubPathResolver.effectiveSubPath(of: volumeMount, environment: environment, field: field) {
                source = try resolver.bind(subPath: sub.path, volumePath: volume.path, volumeName: volume.name,
                                           containerName: containerName, mountIndex: j, field: sub.field)
            }
            let propagation: String
            switch volumeMount.mountPropagation ?? "None" {
            case "None", "":
                propagation = "rprivate"
            case "HostToContainer":
                try requirePropagation(source, shared: false, field: field.child("mountPropagation"))
                propagation = "rslave"
                if rootfsPropagation == nil { rootfsPropagation = "rslave" }
            case "Bidirectional":
                if !container.privileged {
                    throw VolumeError.invalid(.forbidden(field.child("mountPropagation"),
                                                         "Bidirectional mount propagation is available only to privileged containers"))
                }
                try requirePropagation(source, shared: true, field: field.child("mountPropagation"))
                propagation = "rshared"
                rootfsPropagation = "rshared"
            case let other:
                throw VolumeError.invalid(.notSupported(field.child("mountPropagation"), .string(other),
                                                        ["Bidirectional", "HostToContainer", "None"]))
            }
            let readOnly = (volumeMount.readOnly ?? false) || volume.readOnly
            mounts.append(Spec.Mount(destination: volumeMount.mountPath, type: "bind", source: source,
                                     options: ["rbind", propagation, readOnly ? "ro" : "rw"]))
        }
        return ContainerMounts(mounts: mounts, rootfsPropagation: rootfsPropagation)
    }

    /// Sets up the pod's volumes and returns the mounts of every container (init, app and
    /// ephemeral), by container name.
    /// - Parameter environments: each container's environment by name, for `subPathExpr`.
    /// - Throws: ``VolumeError`` as ``setUp(pod:podDirectory:context:)`` and ``mounts(forContainer:pod:podDirectory:volumes:environment:)``.
    public func setUpAll(pod: Pod, podDirectory: String, context: DownwardAPIContext = DownwardAPIContext(),
                         environments: [String: [String: String]] = [:]) throws -> [String: ContainerMounts] {
        let volumes = try setUp(pod: pod, podDirectory: podDirectory, context: context)
        var result: [String: ContainerMounts] = [:]
        for name in Self.containerNames(pod) {
            result[name] = try mounts(forContainer: name, pod: pod, podDirectory: podDirectory, volumes: volumes,
                                      environment: environments[name] ?? [:])
        }
        return result
    }

    /// containerd's rule: a Bidirectional source must be on a shared mount, a HostToContainer
    /// one on a shared or slave mount, or propagation silently does nothing.
    private func requirePropagation(_ source: String, shared: Bool, field: FieldPath) throws {
        let path = VolumeSys.realPath(source)
        guard let mount = MountTable.mount(containing: path, in: MountTable.read()) else { return }
        if mount.isShared || (!shared && mount.isSlave) { return }
        let wanted = shared ? "a shared mount" : "a shared or slave mount"
        throw VolumeError.other("path \(goQuote(path)) is mounted on \(goQuote(mount.mountPoint)) but it is not \(wanted) "
                                + "(make it one, e.g. `mount --make-rshared \(mount.mountPoint)`)", field: field)
    }

    // MARK: - Tear down

    /// Unmounts the pod's subPath binds and volume mounts (tmpfs) and removes
    /// `<podDir>/volume-subpaths` and `<podDir>/volumes`. Idempotent.
    /// - Throws: ``VolumeError`` when something cannot be unmounted; nothing below a remaining
    ///   mount is deleted.
    public func tearDownVolumes(podDirectory: String) throws {
        try SubPathResolver(podDirectory: podDirectory, logger: logger).cleanUp()
        let volumesDir = VolumeLayout.volumesDirectory(podDirectory: podDirectory)
        guard try VolumeSys.lstat(volumesDir) != nil else { return }
        try VolumeMounts.unmountAll(under: volumesDir)
        try VolumeSys.removeTree(volumesDir)
    }

    /// Tears down the volumes, unmounts anything else left below `podDirectory`, and removes
    /// the pod directory. Idempotent: a missing directory is fine. Also cleans up what a crash
    /// left behind for a pod that is gone.
    /// - Throws: ``VolumeError`` when a mount cannot be removed (the directory is then kept).
    public func tearDown(podDirectory: String) throws {
        guard try VolumeSys.lstat(podDirectory) != nil else { return }
        try tearDownVolumes(podDirectory: podDirectory)
        try VolumeMounts.unmountAll(under: podDirectory)
        try VolumeSys.removeTree(podDirectory)
        logger.debug("pod directory removed", metadata: ["dir": "\(podDirectory)"])
    }

    /// Makes `directory` a recursively shared mount (bind-mounting it onto itself first when it
    /// is not a mount point), as kubelet does with its root directory at start, so that
    /// Bidirectional and HostToContainer propagation work for the volumes below it. No-op when
    /// it already lives on a shared mount.
    /// - Throws: ``VolumeError`` naming the failing mount call.
    public static func makeShared(_ directory: String) throws {
        let path = VolumeSys.realPath(directory)
        let table = MountTable.read()
        if let mount = MountTable.mount(containing: path, in: table), mount.isShared { return }
        if !MountTable.isMountPoint(path, in: table) {
            try VolumeSys.mount(source: path, target: path, fsType: nil, flags: VolumeSys.msBind | VolumeSys.msRec, data: nil)
        }
        try VolumeSys.mount(source: "none", target: path, fsType: nil, flags: VolumeSys.msShared | VolumeSys.msRec, data: nil)
    }

    // MARK: - Containers

    struct ContainerInfo {
        var volumeMounts: [VolumeMount]
        var privileged: Bool
        var field: FieldPath
    }

    static func findContainer(_ name: String, in pod: Pod) -> ContainerInfo? {
        let spec = FieldPath("spec")
        for (i, c) in (pod.spec.initContainers ?? []).enumerated() where c.name == name {
            return ContainerInfo(volumeMounts: c.volumeMounts ?? [], privileged: c.securityContext?.privileged ?? false,
                                 field: spec.child("initContainers").index(i))
        }
        for (i, c) in pod.spec.containers.enumerated() where c.name == name {
            return ContainerInfo(volumeMounts: c.volumeMounts ?? [], privileged: c.securityContext?.privileged ?? false,
                                 field: spec.child("containers").index(i))
        }
        for (i, c) in (pod.spec.ephemeralContainers ?? []).enumerated() where c.name == name {
            return ContainerInfo(volumeMounts: c.volumeMounts ?? [], privileged: c.securityContext?.privileged ?? false,
                                 field: spec.child("ephemeralContainers").index(i))
        }
        return nil
    }

    static func containerNames(_ pod: Pod) -> [String] {
        (pod.spec.initContainers ?? []).map(\.name) + pod.spec.containers.map(\.name)
            + (pod.spec.ephemeralContainers ?? []).map(\.name)
    }
}
