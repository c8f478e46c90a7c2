/// A streaming SHA-512 (FIPS 180-4) for `sha512:` content digests; like `SHA256Hasher`, it
/// exists because Foundation on Linux has no hash functions.
public struct SHA512Hasher: Sendable {
    private var state: [UInt64] = [
        0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
        0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
    ]
    /// Bytes of an incomplete 128-byte block carried to the next `update`.
    private var pending: [UInt8] = []
    private var length: UInt64 = 0

    /// A hasher with no input yet.
    public init() { pending.reserveCapacity(128) }

    /// Hashes `bytes` after everything hashed so far.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var base = bytes.baseAddress, bytes.count > 0 else { return }
        var count = bytes.count
        length &+= UInt64(count)
        if !pending.isEmpty {
            let take = min(128 - pending.count, count)
            pending.append(contentsOf: UnsafeRawBufferPointer(start: base, count: take))
            base += take
            count -= take
            if pending.count < 128 { return }
            pending.withUnsafeBytes { compress($0.baseAddress!, blocks: 1) }
            pending.removeAll(keepingCapacity: true)
        }
        let blocks = count / 128
        if blocks > 0 { compress(base, blocks: blocks) }
        let rest = count - blocks * 128
        if rest > 0 { pending.append(contentsOf: UnsafeRawBufferPointer(start: base + blocks * 128, count: rest)) }
    }

    /// Hashes the bytes of `sequence` after everything hashed so far.
    public mutating func update<S: Sequence>(_ sequence: S) where S.Element == UInt8 {
        let bytes = Array(sequence)
        bytes.withUnsafeBytes { update($0) }
    }

    /// The 64-byte digest of everything hashed; the hasher can be finalized only once.
    public mutating func finalize() -> [UInt8] {
        // Inputs are far below 2^64 bits, so the high half of the 128-bit length is zero.
        let bitLength = length &* 8
        var tail = pending
        tail.append(0x80)
        while tail.count % 128 != 112 { tail.append(0) }
        tail.append(contentsOf: [UInt8](repeating: 0, count: 8))
        for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        tail.withUnsafeBytes { compress($0.baseAddress!, blocks: tail.count / 128) }
        pending.removeAll()
        return state.flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> UInt64(56 - 8 * $0)) } }
    }

    /// The digest as lowercase hex (128 characters).
    public mutating func finalizeHex() -> String { SHA256Hasher.hex(finalize()) }

    /// The SHA-512 of `bytes` as lowercase hex.
    public static func hex<S: Sequence>(of bytes: S) -> String where S.Element == UInt8 {
        var hasher = SHA512Hasher()
        hasher.update(bytes)
        return hasher.finalizeHex()
    }

    private static let k: [UInt64] = [
        0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc, 0x3956c25bf348b538,
        0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118, 0xd807aa98a3030242, 0x12835b0145706fbe,
        0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2, 0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235,
        0xc19bf174cf692694, 0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
        0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5, 0x983e5152ee66dfab,
        0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4, 0xc6e00bf33da88fc2, 0xd5a79147930aa725,
        0x06ca6351e003826f, 0x142929670a0e6e70, 0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed,
        0x53380d139d95b3df, 0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
        0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30, 0xd192e819d6ef5218,
        0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8, 0x19a4c116b8d2d0c8, 0x1e376c085141ab53,
        0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8, 0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373,
        0x682e6ff3d6b2b8a3, 0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
        0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b, 0xca273eceea26619c,
        0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178, 0x06f067aa72176fba, 0x0a637dc5a2c898a6,
        0x113f9804bef90dae, 0x1b710b35131c471b, 0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc,
        0x431d67c49c100d4c, 0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
    ]

    @inline(__always)
    private static func rotr(_ x: UInt64, _ n: UInt64) -> UInt64 { (x >> n) | (x << (64 &- n)) }

    private mutating func compress(_ data: UnsafeRawPointer, blocks: Int) {
        var h = state
        Self.k.withUnsafeBufferPointer { k in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 80) { w in
                for block in 0..<blocks {
                    let p = data + block * 128
                    for i in 0..<16 {
                        w[i] = UInt64(bigEndian: p.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
                    }
                    for i in 16..<80 {
                        let a = w[i - 15], b = w[i - 2]
                        let s0 = Self.rotr(a, 1) ^ Self.rotr(a, 8) ^ (a >> 7)
                        let s1 = Self.rotr(b, 19) ^ Self.rotr(b, 61) ^ (b >> 6)
                        w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
                    }
                    var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7]
                    for i in 0..<80 {
                        let s1 = Self.rotr(e, 14) ^ Self.rotr(e, 18) ^ Self.rotr(e, 41)
                        let ch = (e & f) ^ (~e & g)
                        let t1 = hh &+ s1 &+ ch &+ k[i] &+ w[i]
                        let s0 = Self.rotr(a, 28) ^ Self.rotr(a, 34) ^ Self.rotr(a, 39)
                        let maj = (a & b) ^ (a & c) ^ (b & c)
                        let t2 = s0 &+ maj
                        hh = g; g = f; f = e; e = d &+ t1
                        d = c; c = b; b = a; a = t1 &+ t2
                    }
                    h[0] &+= a; h[1] &+= b; h[2] &+= c; h[3] &+= d
                    h[4] &+= e; h[5] &+= f; h[6] &+= g; h[7] &+= hh
                }
            }
        }
        state = h
    }
}

/// Hashes with the algorithm a digest names (sha256 or sha512).
struct BlobHasher {
    private var sha256: SHA256Hasher?
    private var sha512: SHA512Hasher?
    let algorithm: String

    /// - Throws: `ImageStoreError.unsupportedDigest` for algorithms other than sha256 and sha512.
    init(algorithm: String) throws {
        self.algorithm = algorithm
        switch algorithm {
        case "sha256": sha256 = SHA256Hasher()
        case "sha512": sha512 = SHA512Hasher()
        default: throw ImageStoreError.unsupportedDigest(algorithm)
        }
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        if sha256 != nil { sha256!.update(bytes) } else { sha512!.update(bytes) }
    }

    /// `algorithm:hex`.
    mutating func finalizeDigest() -> String {
        algorithm + ":" + (sha256 != nil ? sha256!.finalizeHex() : sha512!.finalizeHex())
    }
}
