import CCrypto

/// An OpenSSL EVP digest context (libcrypto picks SHA-NI or AVX2 code at run time).
///
/// `SHA256Hasher` and `SHA512Hasher` hold one and copy it before mutating a shared one, so the
/// hashers keep value semantics: a copy taken mid-stream (to read a digest so far) is
/// independent of the original.
final class EVPDigest: @unchecked Sendable {
    /// The digests the store uses.
    enum Algorithm: Sendable {
        case sha256, sha512

        var outputSize: Int { self == .sha256 ? 32 : 64 }

        fileprivate var md: OpaquePointer? { self == .sha256 ? EVP_sha256() : EVP_sha512() }
    }

    let algorithm: Algorithm
    private let context: OpaquePointer

    /// A context with no input yet.
    init(_ algorithm: Algorithm) {
        self.algorithm = algorithm
        // Both fail only when memory runs out or libcrypto lacks SHA-2, which no build of
        // OpenSSL 3 does; a hasher cannot report errors, so this is a crash like any failed allocation.
        guard let context = EVP_MD_CTX_new() else { preconditionFailure("EVP_MD_CTX_new: out of memory") }
        guard EVP_DigestInit_ex(context, algorithm.md, nil) == 1 else {
            preconditionFailure("EVP_DigestInit_ex(\(algorithm)) failed: libcrypto has no SHA-2")
        }
        self.context = context
    }

    private init(copying other: EVPDigest) {
        algorithm = other.algorithm
        guard let context = EVP_MD_CTX_new() else { preconditionFailure("EVP_MD_CTX_new: out of memory") }
        guard EVP_MD_CTX_copy_ex(context, other.context) == 1 else { preconditionFailure("EVP_MD_CTX_copy_ex failed") }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// An independent context with the same input so far.
    func copy() -> EVPDigest { EVPDigest(copying: self) }

    /// Hashes `bytes` after everything hashed so far.
    func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        // Fails only for a finalized context, which the hashers never update.
        _ = EVP_DigestUpdate(context, base, bytes.count)
    }

    /// The digest of everything hashed; the context then starts over with no input.
    func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: algorithm.outputSize)
        var length: UInt32 = 0
        out.withUnsafeMutableBufferPointer { _ = EVP_DigestFinal_ex(context, $0.baseAddress, &length) }
        _ = EVP_DigestInit_ex(context, algorithm.md, nil)
        return out
    }
}
