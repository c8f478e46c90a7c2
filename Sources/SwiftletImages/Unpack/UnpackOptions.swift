/// What a layer unpack accepts.
public struct UnpackOptions: Sendable {
    /// Whether character and block device entries are created; when false they reject the
    /// layer. Whiteouts (0:0 character devices made from `.wh.` entries) are always created.
    public var allowDevices: Bool
    /// Largest regular file accepted, in bytes; bigger entries reject the layer.
    public var maxEntrySize: Int64
    /// Longest entry path accepted, in bytes (the kernel's PATH_MAX is 4096).
    public var maxPathLength: Int
    /// The image config's diff_id (`sha256:<hex>`) for this layer. When set, the unpack fails
    /// and leaves nothing behind unless the uncompressed stream has this digest.
    public var expectedDiffID: String?

    /// Defaults: no devices, files up to 64 GiB, paths up to 4096 bytes, no diff_id check.
    public init(allowDevices: Bool = false, maxEntrySize: Int64 = 64 << 30, maxPathLength: Int = 4096, expectedDiffID: String? = nil) {
        self.allowDevices = allowDevices
        self.maxEntrySize = maxEntrySize
        self.maxPathLength = maxPathLength
        self.expectedDiffID = expectedDiffID
    }
}

/// What one unpacked layer was.
public struct UnpackResult: Sendable, Equatable {
    /// `sha256:<hex>` of the uncompressed tar stream: the image config's diff_id.
    public var diffID: String
    /// Bytes of the uncompressed tar stream.
    public var uncompressedSize: UInt64
    /// Bytes read from the (compressed) blob.
    public var compressedSize: UInt64
    /// Tar entries processed, whiteouts included.
    public var entries: Int
}
