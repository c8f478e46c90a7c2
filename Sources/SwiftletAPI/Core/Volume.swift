/// A named volume of a pod (`core/v1.Volume`): its name and exactly one source.
///
/// Sources swiftlet does not model (nfs, csi, ephemeral, iscsi, ...) are kept verbatim in
/// `otherSources`, so they survive a round trip and validation can name them as unsupported.
public struct Volume: Codable, Hashable, Sendable {
    /// DNS label, unique within the pod; mounts refer to it.
    public var name: String
    /// A file or directory on the node.
    public var hostPath: HostPathVolumeSource?
    /// A scratch directory that lives as long as the pod.
    public var emptyDir: EmptyDirVolumeSource?
    /// A Secret's keys as files.
    public var secret: SecretVolumeSource?
    /// A ConfigMap's keys as files.
    public var configMap: ConfigMapVolumeSource?
    /// Pod fields and container resources as files.
    public var downwardAPI: DownwardAPIVolumeSource?
    /// Several sources projected into one directory.
    public var projected: ProjectedVolumeSource?
    /// A PersistentVolumeClaim.
    public var persistentVolumeClaim: PersistentVolumeClaimVolumeSource?
    /// An OCI image mounted read-only.
    public var image: ImageVolumeSource?
    /// Every other source present, by its field name (e.g. `nfs`), as written.
    public var otherSources: [String: JSONValue]

    /// Creates a `Volume`; optional arguments default to unset.
    public init(
        name: String,
        hostPath: HostPathVolumeSource? = nil,
        emptyDir: EmptyDirVolumeSource? = nil,
        secret: SecretVolumeSource? = nil,
        configMap: ConfigMapVolumeSource? = nil,
        downwardAPI: DownwardAPIVolumeSource? = nil,
        projected: ProjectedVolumeSource? = nil,
        persistentVolumeClaim: PersistentVolumeClaimVolumeSource? = nil,
        image: ImageVolumeSource? = nil,
        otherSources: [String: JSONValue] = [:]
    ) {
        self.name = name
        self.hostPath = hostPath
        self.emptyDir = emptyDir
        self.secret = secret
        self.configMap = configMap
        self.downwardAPI = downwardAPI
        self.projected = projected
        self.persistentVolumeClaim = persistentVolumeClaim
        self.image = image
        self.otherSources = otherSources
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case name, hostPath, emptyDir, secret, configMap, downwardAPI, projected, persistentVolumeClaim, image
    }

    /// The names of all sources that are set, modelled or not, sorted (`["emptyDir"]`).
    public var sourceNames: [String] {
        var names: [String] = []
        if hostPath != nil { names.append("hostPath") }
        if emptyDir != nil { names.append("emptyDir") }
        if secret != nil { names.append("secret") }
        if configMap != nil { names.append("configMap") }
        if downwardAPI != nil { names.append("downwardAPI") }
        if projected != nil { names.append("projected") }
        if persistentVolumeClaim != nil { names.append("persistentVolumeClaim") }
        if image != nil { names.append("image") }
        names.append(contentsOf: otherSources.keys)
        return names.sorted()
    }

    /// Decodes the modelled sources and keeps every other non-null key as an unmodelled source.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        hostPath = try c.decodeIfPresent(HostPathVolumeSource.self, forKey: .hostPath)
        emptyDir = try c.decodeIfPresent(EmptyDirVolumeSource.self, forKey: .emptyDir)
        secret = try c.decodeIfPresent(SecretVolumeSource.self, forKey: .secret)
        configMap = try c.decodeIfPresent(ConfigMapVolumeSource.self, forKey: .configMap)
        downwardAPI = try c.decodeIfPresent(DownwardAPIVolumeSource.self, forKey: .downwardAPI)
        projected = try c.decodeIfPresent(ProjectedVolumeSource.self, forKey: .projected)
        persistentVolumeClaim = try c.decodeIfPresent(
            PersistentVolumeClaimVolumeSource.self, forKey: .persistentVolumeClaim)
        image = try c.decodeIfPresent(ImageVolumeSource.self, forKey: .image)
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        let all = try decoder.container(keyedBy: AnyCodingKey.self)
        var others: [String: JSONValue] = [:]
        for key in all.allKeys where !known.contains(key.stringValue) {
            let value = try all.decode(JSONValue.self, forKey: key)
            if value != .null { others[key.stringValue] = value }
        }
        otherSources = others
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encodeIfPresent(hostPath, forKey: .hostPath)
        try c.encodeIfPresent(emptyDir, forKey: .emptyDir)
        try c.encodeIfPresent(secret, forKey: .secret)
        try c.encodeIfPresent(configMap, forKey: .configMap)
        try c.encodeIfPresent(downwardAPI, forKey: .downwardAPI)
        try c.encodeIfPresent(projected, forKey: .projected)
        try c.encodeIfPresent(persistentVolumeClaim, forKey: .persistentVolumeClaim)
        try c.encodeIfPresent(image, forKey: .image)
        var other = encoder.container(keyedBy: AnyCodingKey.self)
        for (key, value) in otherSources.sorted(by: { $0.key < $1.key }) {
            try other.encode(value, forKey: AnyCodingKey(key))
        }
    }
}
