import Glibc
import Logging

/// Unpacked layers shared by every image, keyed by chain ID:
/// `<root>/images/layers/<chainID hex>/fs` holds the tree. Each chain ID is unpacked once;
/// concurrent requests for the same chain ID wait for the one unpack in flight.
public actor LayerStore {
    /// What `ensureLayer` did.
    public struct Layer: Sendable, Equatable {
        /// `sha256:<hex>` chain ID of the layer and all below it.
        public var chainID: String
        /// The unpacked tree: a lower dir for overlayfs.
        public var path: String
        /// Whether the layer was there before this call (no unpack happened for this caller).
        public var alreadyExisted: Bool
        /// The unpack's result when this call (or the in-flight unpack it joined) unpacked it.
        public var unpack: UnpackResult?
    }

    /// `<root>/images/layers`.
    public nonisolated let layersDir: String
    private let unpacker: LayerUnpacker
    private let options: UnpackOptions
    private let logger: Logger
    private var inFlight: [String: Task<UnpackResult, any Error>] = [:]

    /// A store below `root` (the node's `--root-dir`); creates `<root>/images/layers`.
    /// - Throws: `UnpackError.system` when the directory cannot be created.
    public init(root: String, options: UnpackOptions = UnpackOptions(), logger: Logger = Logger(label: "swiftlet.images.layers")) throws {
        layersDir = root + "/images/layers"
        self.options = options
        self.logger = logger
        unpacker = LayerUnpacker(logger: logger)
        try UnpackSys.makeDirectories(layersDir)
    }

    /// The chain ID of a stack of layers, bottom first, per the OCI image spec:
    /// ChainID(L0) = DiffID(L0), ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)).
    /// - Throws: `UnpackError.invalid` for an empty list or a diff_id that is not `sha256:<64 hex>`.
    public static func chainID(diffIDs: [String]) throws -> String {
        guard let last = try chainIDs(diffIDs: diffIDs).last else {
            throw UnpackError.invalid("a chain ID needs at least one diff_id")
        }
        return last
    }

    /// The chain ID of every prefix of `diffIDs` (bottom first): element i names layers 0...i.
    /// - Throws: `UnpackError.invalid` for a diff_id that is not `sha256:<64 hex>`.
    public static func chainIDs(diffIDs: [String]) throws -> [String] {
        var result: [String] = []
        for diffID in diffIDs {
            _ = try hex(of: diffID)
            if let parent = result.last {
                result.append("sha256:" + SHA256Hasher.hex(of: Array("\(parent) \(diffID)".utf8)))
            } else {
                result.append(diffID)
            }
        }
        return result
    }

    /// The hex part of a `sha256:<64 lowercase hex>` digest.
    static func hex(of digest: String) throws -> String {
        let hex = digest.dropFirst("sha256:".count)
        guard digest.hasPrefix("sha256:"), hex.count == 64,
              hex.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
            throw UnpackError.invalid("invalid layer digest \"\(digest)\": expected sha256:<64 lowercase hex digits>")
        }
        return String(hex)
    }

    /// The directory that holds (or will hold) the tree of `chainID`.
    /// - Throws: `UnpackError.invalid` for a malformed chain ID.
    public nonisolated func path(chainID: String) throws -> String {
        "\(layersDir)/\(try Self.hex(of: chainID))/fs"
    }

    /// Whether `chainID` is unpacked.
    public nonisolated func contains(chainID: String) -> Bool {
        guard let path = try? path(chainID: chainID) else { return false }
        return UnpackSys.exists(path)
    }

    /// Makes sure the layer `chainID` is unpacked, unpacking it from the blob `open()` returns
    /// when it is not. The uncompressed stream must hash to `diffID`. Callers for the same
    /// chain ID at the same time share one unpack.
    /// - Parameters:
    ///   - chainID: the chain ID of this layer and those below it.
    ///   - diffID: the image config's diff_id for this layer.
    ///   - mediaType: the layer descriptor's media type (selects the decompression).
    ///   - open: opens the layer blob; called at most once, on a thread of the unpack's own
    ///     (so its source may block, as a `BlobFollower`'s does).
    /// - Throws: what `LayerUnpacker.unpack` throws; nothing is left behind on failure.
    public func ensureLayer(chainID: String, diffID: String, mediaType: String,
                            open: @escaping @Sendable () throws -> any LayerByteSource) async throws -> Layer {
        let destination = try path(chainID: chainID)
        _ = try Self.hex(of: diffID)
        let compression = try LayerCompression(mediaType: mediaType)
        if let task = inFlight[chainID] {
            let result = try await task.value
            return Layer(chainID: chainID, path: destination, alreadyExisted: false, unpack: result)
        }
        if UnpackSys.exists(destination) {
            return Layer(chainID: chainID, path: destination, alreadyExisted: true, unpack: nil)
        }
        let container = String(destination.dropLast("/fs".count))
        var unpackOptions = self.options
        unpackOptions.expectedDiffID = diffID
        let options = unpackOptions, unpacker = self.unpacker
        let task = Task.detached { () async throws -> UnpackResult in
            try await runOnDedicatedThread(name: "unpack") {
                try UnpackSys.makeDirectories(container)
                return try unpacker.unpack(stream: try open(), compression: compression, into: destination, options: options)
            }
        }
        inFlight[chainID] = task
        defer { inFlight[chainID] = nil }
        do {
            let result = try await task.value
            logger.info("unpacked layer", metadata: ["chainID": "\(chainID)", "bytes": "\(result.uncompressedSize)"])
            return Layer(chainID: chainID, path: destination, alreadyExisted: false, unpack: result)
        } catch {
            // An empty <hex>/ directory from a failed first unpack would only confuse `ls`.
            _ = rmdir(container)
            throw error
        }
    }

    /// Removes the layer `chainID` if present. Callers make sure no snapshot uses it.
    /// - Throws: `UnpackError` when a file cannot be removed.
    public func remove(chainID: String) throws {
        let container = String(try path(chainID: chainID).dropLast("/fs".count))
        try UnpackSys.removeTree(path: container)
    }
}
