/// A container root filesystem mounted from image layers.
public struct Snapshot: Sendable, Equatable {
    /// The caller's name for it (a container ID).
    public var key: String
    /// `<root>/<key>`: everything the snapshot owns.
    public var directory: String
    /// Where the merged tree is mounted: the container's rootfs.
    public var rootfs: String
    /// The container's writable layer; nil for a read-only snapshot.
    public var upper: String?
    /// overlayfs' work dir, on the same filesystem as `upper`; nil for a read-only snapshot.
    public var work: String?
    /// The lower dirs, top first.
    public var layers: [String]
    /// Whether the rootfs is mounted read-only.
    public var readOnly: Bool
}
