/// A streaming SHA-256 (FIPS 180-4) for layer digests, computed by OpenSSL's libcrypto
/// (Foundation on Linux has no hash functions; libcrypto uses the CPU's SHA extensions).
/// A value type: a copy hashes on independently of the original.
public struct SHA256Hasher: Sendable {
    private var context = EVPDigest(.sha256)

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

    /// The 32-byte digest of everything hashed; the hasher can be finalized only once.
    public mutating func finalize() -> [UInt8] {
        if !isKnownUniquelyReferenced(&context) { context = context.copy() }
        return context.finalize()
    }

    /// The digest as lowercase hex (64 characters).
    public mutating func finalizeHex() -> String { Self.hex(finalize()) }

    /// The SHA-256 of `bytes` as lowercase hex.
    public static func hex<S: Sequence>(of bytes: S) -> String where S.Element == UInt8 {
        var hasher = SHA256Hasher()
        hasher.update(bytes)
        return hasher.finalizeHex()
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
