/// The compression of a layer blob, chosen by its media type.
public enum LayerCompression: Sendable, Equatable {
    /// A plain tar stream.
    case none
    /// One or more concatenated gzip members (RFC 1952).
    case gzip
    /// One or more concatenated zstd frames.
    case zstd

    /// The compression a layer media type declares: OCI `application/vnd.oci.image.layer.v1.tar`
    /// with no suffix, `+gzip` or `+zstd`, their `nondistributable` variants, and Docker's
    /// `rootfs.diff.tar.gzip` and `rootfs.foreign.diff.tar.gzip`.
    /// - Throws: `UnpackError.unsupportedMediaType` naming any other media type.
    public init(mediaType: String) throws {
        switch mediaType {
        case "application/vnd.oci.image.layer.v1.tar",
             "application/vnd.oci.image.layer.nondistributable.v1.tar",
             "application/vnd.docker.image.rootfs.diff.tar":
            self = .none
        case "application/vnd.oci.image.layer.v1.tar+gzip",
             "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
             "application/vnd.docker.image.rootfs.diff.tar.gzip",
             "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip":
            self = .gzip
        case "application/vnd.oci.image.layer.v1.tar+zstd",
             "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd":
            self = .zstd
        default:
            throw UnpackError.unsupportedMediaType(mediaType)
        }
    }
}
