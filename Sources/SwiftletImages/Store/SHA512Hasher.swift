/// A streaming SHA-512 (FIPS 180-4) for `sha512:` content digests, computed by OpenSSL's
/// libcrypto like `SHA256Hasher`. A value type: a copy hashes on independently of the original.
public struct SHA512Hasher: Sendable {
    private var context = EVPDigest(.sha512)

    /// A hasher with no input yet.
    public init() {}

    /// Hashes `bytes` after everything hashed so far.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        if !isKnownUniquelyReferenced(&context) { context = context.copy() }
        context.update(bytes)
    }

    /// Hashes the bytes of `sequence` after everything hashed so far.
    public mutating func update<S: Sequence>(_ sequence: S) where S.Element == UInt8 {
        let done: Void? = sequence.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if done == nil { Array(sequence).withUnsafeBytes { update($0) } }
    }

    /// The 64-byte digest of everything hashed; the hasher can be finalized only once.
    public mutating func finalize() -> [UInt8] {
        if !isKnownUniquelyReferenced(&context) { context = context.copy() }
        return context.finalize()
    }

    /// The digest as lowercase hex (128 characters).
    public mutating func finalizeHex() -> String { SHA256Hasher.hex(finalize()) }

    /// The SHA-512 of `bytes` as lowercase hex.
    public static func hex<S: Sequence>(of bytes: S) -> String where S.Element == UInt8 {
        var hasher = SHA512Hasher()
        hasher.update(bytes)
        return hasher.finalizeHex()
    }
}

/// Hashes with the algorithm a digest names (sha256 or sha512).
struct BlobHasher {
    private var context: EVPDigest
    let algorithm: String

    /// - Throws: `ImageStoreError.unsupportedDigest` for algorithms other than sha256 and sha512.
    init(algorithm: String) throws {
        self.algorithm = algorithm
        switch algorithm {
        case "sha256": context = EVPDigest(.sha256)
        case "sha512": context = EVPDigest(.sha512)
        default: throw ImageStoreError.unsupportedDigest(algorithm)
        }
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        if !isKnownUniquelyReferenced(&context) { context = context.copy() }
        context.update(bytes)
    }

    /// `algorithm:hex`.
    mutating func finalizeDigest() -> String {
        if !isKnownUniquelyReferenced(&context) { context = context.copy() }
        return algorithm + ":" + SHA256Hasher.hex(context.finalize())
    }
}
