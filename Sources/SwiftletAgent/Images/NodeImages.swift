import Logging
import SwiftletImages

extension ImageGCPolicy {
    /// The policy a KubeletConfiguration sets: `imageGCHighThresholdPercent`,
    /// `imageGCLowThresholdPercent`, `imageMinimumGCAge`, `imageMaximumGCAge`.
    public init(kubelet: KubeletConfiguration) {
        self.init(
            highThresholdPercent: Int(kubelet.imageGCHighThresholdPercent),
            lowThresholdPercent: Int(kubelet.imageGCLowThresholdPercent),
            minimumAgeSeconds: Double(kubelet.imageMinimumGCAge.nanoseconds) / 1e9,
            maximumAgeSeconds: Double(kubelet.imageMaximumGCAge.nanoseconds) / 1e9)
    }
}

/// The node's image stores below `rootDir`, shared with `swiftlet image`, and the puller
/// and collector configured as kubelet would be.
public struct NodeImages: Sendable {
    public let content: ContentStore
    public let images: ImageStore
    public let layers: LayerStore
    public let collector: ImageGarbageCollector
    /// Pulls honouring `serializeImagePulls` and `maxParallelImagePulls`.
    public let puller: ImagePuller
    /// The client the puller uses; shut it down with `shutdown()`.
    public let client: RegistryClient

    /// Opens the stores below `rootDir` and reads `<rootDir>/registries.yaml` and `<rootDir>/config.json`.
    /// - Throws: store, credential and registries-config errors naming the file.
    public init(rootDir: String, kubelet: KubeletConfiguration, logger: Logger) throws {
        content = try ContentStore(root: rootDir, logger: logger)
        images = try ImageStore(root: rootDir, content: content, logger: logger)
        layers = try LayerStore(root: rootDir, logger: logger)
        collector = try ImageGarbageCollector(
            images: images, layers: layers, policy: ImageGCPolicy(kubelet: kubelet), logger: logger)
        let registries = try RegistriesConfig.load(from: rootDir + "/registries.yaml")
        let keyring = try CredentialKeyring.loadDockerConfig(at: rootDir + "/config.json")
        client = RegistryClient(registries: registries, keyring: keyring, logger: logger)
        puller = ImagePuller(
            client: client, content: content, images: images, layers: layers,
            serialize: kubelet.serializeImagePulls, maxParallelImagePulls: kubelet.maxParallelImagePulls.map(Int.init),
            logger: logger)
    }

    /// Closes the registry client's connections.
    public func shutdown() async {
        try? await client.shutdown()
    }
}
