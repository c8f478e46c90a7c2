import Foundation
import Testing
@testable import SwiftletImages

func decompressAll(_ blob: [UInt8], _ compression: LayerCompression, chunk: Int = 7000) throws -> ([UInt8], String) {
    let decompressor = try LayerDecompressor(source: DataByteSource(blob), compression: compression, bufferSize: 4096)
    var out: [UInt8] = []
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
    defer { buffer.deallocate() }
    while true {
        let n = try decompressor.read(into: buffer)
        if n == 0 { break }
        out += buffer[0..<n]
    }
    return (out, decompressor.diffID())
}

/// Pipes `input` through a shell command (gzip, zstd) in a temp dir.
func filter(_ input: [UInt8], _ command: String) throws -> [UInt8] {
    let dir = TestDir("filter")
    try Data(input).write(to: URL(fileURLWithPath: dir.sub("in")))
    try #require(try shell("\(command) < \(dir.sub("in")) > \(dir.sub("out"))") == 0)
    return [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir.sub("out"))))
}

func pseudoRandom(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        // Half-random bytes: compressible, but not trivially.
        return UInt8(truncatingIfNeeded: state >> 60) &+ 65
    }
}

@Suite("Decompression and digests")
struct DecompressTests {
    @Test("SHA-256 matches the FIPS 180-4 test vectors, whatever the update sizes")
    func sha256Vectors() {
        #expect(SHA256Hasher.hex(of: [UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256Hasher.hex(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Hasher.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        var hasher = SHA256Hasher()
        var offset = 0
        var step = 1
        while offset < million.count {
            let end = min(million.count, offset + step)
            million[offset..<end].withUnsafeBytes { hasher.update($0) }
            offset = end
            step = step * 3 % 997 + 1
        }
        #expect(hasher.finalizeHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("media types select the decompression; an unknown one is an error naming it")
    func mediaTypes() throws {
        #expect(try LayerCompression(mediaType: "application/vnd.oci.image.layer.v1.tar") == .none)
        #expect(try LayerCompression(mediaType: "application/vnd.oci.image.layer.v1.tar+gzip") == .gzip)
        #expect(try LayerCompression(mediaType: "application/vnd.oci.image.layer.v1.tar+zstd") == .zstd)
        #expect(try LayerCompression(mediaType: "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip") == .gzip)
        #expect(try LayerCompression(mediaType: "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd") == .zstd)
        #expect(try LayerCompression(mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip") == .gzip)
        #expect(try LayerCompression(mediaType: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip") == .gzip)
        let error = #expect(throws: UnpackError.self) {
            _ = try LayerCompression(mediaType: "application/vnd.oci.image.layer.v1.tar+bzip2")
        }
        #expect(error?.message.contains("application/vnd.oci.image.layer.v1.tar+bzip2") == true)
    }

    @Test("gzip, concatenated gzip members, zstd, multi-frame zstd and plain streams decode to the same bytes and diff_id")
    func formats() throws {
        let data = pseudoRandom(300_000, seed: 1)
        let first = Array(data[..<100_000]), second = Array(data[100_000...])
        let digest = "sha256:" + SHA256Hasher.hex(of: data)
        let blobs: [(LayerCompression, [UInt8])] = [
            (.none, data),
            (.gzip, try filter(data, "gzip -c")),
            (.gzip, try filter(first, "gzip -1 -c") + filter(second, "gzip -9 -c")),
            (.zstd, try filter(data, "zstd -q -c")),
            (.zstd, try filter(first, "zstd -q -c") + filter(second, "zstd -q -19 -c")),
        ]
        for (compression, blob) in blobs {
            for chunk in [1, 4096, 1 << 20] {
                let (out, diffID) = try decompressAll(blob, compression, chunk: chunk)
                #expect(out == data, "\(compression) chunk \(chunk)")
                #expect(diffID == digest)
            }
        }
        // The digest agrees with sha256sum(1) on the uncompressed bytes.
        let dir = TestDir("sum")
        try Data(data).write(to: URL(fileURLWithPath: dir.sub("d")))
        #expect(try shellOutput("sha256sum \(dir.sub("d")) | cut -d' ' -f1") == String(digest.dropFirst(7)))
    }

    @Test("truncated, damaged, empty and trailing-garbage streams are corrupt")
    func damaged() throws {
        let data = pseudoRandom(100_000, seed: 2)
        let gz = try filter(data, "gzip -c"), zst = try filter(data, "zstd -q -c")
        var flipped = gz
        flipped[gz.count / 2] ^= 0x55
        let cases: [(LayerCompression, [UInt8])] = [
            (.gzip, Array(gz.prefix(gz.count - 10))),
            (.gzip, flipped),
            (.gzip, []),
            (.gzip, gz + Array("garbage".utf8)),
            (.zstd, Array(zst.prefix(zst.count - 10))),
            (.zstd, []),
            (.zstd, zst + Array("garbage!".utf8)),
        ]
        for (compression, blob) in cases {
            let error = #expect(throws: UnpackError.self, "\(compression) \(blob.count)") { _ = try decompressAll(blob, compression) }
            #expect(error?.isCorrupt == true)
        }
    }
}
