import CUnpackShim
import Foundation
import Glibc
import Synchronization
import Testing
@testable import SwiftletImages

func lstatOf(_ path: String) -> stat? {
    var st = stat()
    return lstat(path, &st) == 0 ? st : nil
}

func xattr(_ path: String, _ name: String) -> [UInt8]? {
    var buffer = [UInt8](repeating: 0, count: 256)
    let n = buffer.withUnsafeMutableBytes { unpack_lgetxattr(path, name, $0.baseAddress, $0.count) }
    return n < 0 ? nil : Array(buffer[0..<n])
}

func listing(_ path: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
}

/// A store dir plus a sentinel directory beside it that no layer may touch.
struct Fixture {
    let dir = TestDir("unpack")
    var layers: String { dir.sub("store/layers") }
    var sentinel: String { dir.sub("sentinel") }

    init() throws {
        try FileManager.default.createDirectory(atPath: dir.sub("store/layers"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.sub("sentinel"), withIntermediateDirectories: true)
        try "precious".write(toFile: dir.sub("sentinel/keep"), atomically: false, encoding: .utf8)
    }

    func unpack(_ tar: TestTar, name: String = "layer", options: UnpackOptions = UnpackOptions()) throws -> UnpackResult {
        try LayerUnpacker().unpack(stream: DataByteSource(tar.finished()), compression: .none, into: layers + "/" + name, options: options)
    }

    /// The sentinel still holds exactly its one file, unchanged, and the store holds only `allowed`.
    func expectUntouched(allowed: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(listing(sentinel) == ["keep"], sourceLocation: sourceLocation)
        #expect((try? String(contentsOfFile: sentinel + "/keep", encoding: .utf8)) == "precious", sourceLocation: sourceLocation)
        #expect(listing(layers) == allowed.sorted(), sourceLocation: sourceLocation)
        #expect(listing(dir.path).sorted() == ["sentinel", "store"], sourceLocation: sourceLocation)
    }
}

@Suite("Layer unpack")
struct UnpackTests {
    @Test("whiteouts become 0:0 character devices and opaque markers the overlay xattr")
    func whiteouts() throws {
        let fx = try Fixture()
        var tar = TestTar()
        tar.dir("etc/")
        tar.file("etc/.wh.passwd")
        tar.dir("opq/")
        tar.file("opq/.wh..wh..opq")
        tar.file("opq/new", "n")
        tar.file("deep/er/.wh..wh..opq")
        tar.file(".wh..wh.plnk")
        let result = try fx.unpack(tar)
        #expect(result.entries == 7)
        let layer = fx.layers + "/layer"
        let wh = try #require(lstatOf(layer + "/etc/passwd"))
        #expect(wh.st_mode & S_IFMT == S_IFCHR)
        #expect(wh.st_rdev == 0)
        #expect(lstatOf(layer + "/etc/.wh.passwd") == nil)
        #expect(xattr(layer + "/opq", "trusted.overlay.opaque") == Array("y".utf8))
        #expect(xattr(layer + "/deep/er", "trusted.overlay.opaque") == Array("y".utf8))
        #expect(xattr(layer + "/etc", "trusted.overlay.opaque") == nil)
        #expect(listing(layer + "/opq") == ["new"])
        #expect(listing(layer).contains(".wh..wh.plnk") == false)
        fx.expectUntouched(allowed: ["layer"])
    }

    @Test("ownership, special mode bits, xattrs, nanosecond times, hardlinks, symlinks and fifos are kept")
    func metadata() throws {
        let fx = try Fixture()
        var tar = TestTar()
        tar.dir("./", mode: 0o755, mtime: 1_500_000_000)
        tar.dir("bin/", mode: 0o2775, uid: 10, gid: 20, mtime: 1_600_000_000, pax: ["mtime": Array("1600000000.25".utf8)])
        tar.file("bin/su", "suid", mode: 0o4755, uid: 1000, gid: 1001,
                 pax: ["mtime": Array("1700000000.123456789".utf8), "SCHILY.xattr.user.note": Array("hi\u{0}there".utf8),
                       "SCHILY.xattr.trusted.overlay.redirect": Array("/etc".utf8)])
        tar.dir("tmp/", mode: 0o1777)
        tar.hardlink("bin/su2", to: "/bin/su")
        tar.symlink("bin/sh", to: "/bin/busybox", uid: 33, gid: 34)
        tar.add("bin/pipe", type: TestTar.fifo, mode: 0o640, uid: 5, gid: 6)
        tar.file("bin/big", String(repeating: "z", count: 3_000_000), mode: 0o600)
        let result = try fx.unpack(tar)
        let layer = fx.layers + "/layer"

        let su = try #require(lstatOf(layer + "/bin/su"))
        #expect(su.st_uid == 1000 && su.st_gid == 1001)
        #expect(su.st_mode & 0o7777 == 0o4755)
        #expect(su.st_mtim.tv_sec == 1_700_000_000 && su.st_mtim.tv_nsec == 123_456_789)
        #expect(try String(contentsOfFile: layer + "/bin/su", encoding: .utf8) == "suid")
        #expect(xattr(layer + "/bin/su", "user.note") == Array("hi\u{0}there".utf8))
        #expect(xattr(layer + "/bin/su", "trusted.overlay.redirect") == nil)

        let su2 = try #require(lstatOf(layer + "/bin/su2"))
        #expect(su2.st_ino == su.st_ino && su.st_nlink == 2)

        let bin = try #require(lstatOf(layer + "/bin"))
        #expect(bin.st_mode & 0o7777 == 0o2775 && bin.st_uid == 10 && bin.st_gid == 20)
        #expect(bin.st_mtim.tv_sec == 1_600_000_000 && bin.st_mtim.tv_nsec == 250_000_000)
        #expect(lstatOf(layer + "/tmp")!.st_mode & 0o7777 == 0o1777)
        let root = try #require(lstatOf(layer))
        #expect(root.st_mode & 0o7777 == 0o755 && root.st_mtim.tv_sec == 1_500_000_000)

        let sh = try #require(lstatOf(layer + "/bin/sh"))
        #expect(sh.st_mode & S_IFMT == S_IFLNK && sh.st_uid == 33 && sh.st_gid == 34)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: layer + "/bin/sh") == "/bin/busybox")
        #expect(sh.st_mtim.tv_sec == 1_700_000_000)

        let pipe = try #require(lstatOf(layer + "/bin/pipe"))
        #expect(pipe.st_mode & S_IFMT == S_IFIFO && pipe.st_mode & 0o7777 == 0o640 && pipe.st_uid == 5)
        #expect(lstatOf(layer + "/bin/big")!.st_size == 3_000_000)

        let tarBytes = tar.finished()
        #expect(result.diffID == "sha256:" + SHA256Hasher.hex(of: tarBytes))
        #expect(result.uncompressedSize == UInt64(tarBytes.count))
        fx.expectUntouched(allowed: ["layer"])
    }

    @Test("an absolute path stays inside the layer, and a later entry replaces a symlink instead of writing through it")
    func absoluteAndReplace() throws {
        let fx = try Fixture()
        var tar = TestTar()
        tar.file("/abs/escape", "inside")
        tar.file("/../../abs/escape-with-dotdot", "x")
        var ok = TestTar()
        ok.file("/abs/escape", "inside")
        ok.symlink("f", to: fx.sentinel + "/keep")
        ok.file("f", "replaced")
        ok.symlink("d", to: fx.sentinel)
        ok.dir("d/")
        ok.file("d/new", "in layer")
        _ = try fx.unpack(ok)
        let layer = fx.layers + "/layer"
        #expect(try String(contentsOfFile: layer + "/abs/escape", encoding: .utf8) == "inside")
        #expect(lstatOf(layer + "/f")!.st_mode & S_IFMT == S_IFREG)
        #expect(try String(contentsOfFile: layer + "/f", encoding: .utf8) == "replaced")
        #expect(lstatOf(layer + "/d")!.st_mode & S_IFMT == S_IFDIR)
        #expect(listing(layer + "/d") == ["new"])
        #expect(lstatOf("/abs/escape") == nil)
        fx.expectUntouched(allowed: ["layer"])

        let error = #expect(throws: UnpackError.self) { _ = try fx.unpack(tar, name: "other") }
        #expect(error?.isHostile == true)
        fx.expectUntouched(allowed: ["layer"])
    }

    @Test("every hostile layer is rejected naming the entry, and nothing is written outside or left behind")
    func hostile() throws {
        let fx = try Fixture()
        let sentinel = fx.sentinel
        var cases: [(String, String, TestTar)] = []
        func add(_ label: String, _ culprit: String, _ build: (inout TestTar) -> Void) {
            var tar = TestTar()
            build(&tar)
            cases.append((label, culprit, tar))
        }
        add("dotdot", "../escape") { $0.file("../escape", "x") }
        add("nested dotdot", "a/../../escape") { $0.dir("a/"); $0.file("a/../../escape", "x") }
        add("deep dotdot to sentinel", "../../../sentinel/keep") { $0.file("../../../sentinel/keep", "x") }
        add("absolute symlink write-through", "a/file") { $0.symlink("a", to: sentinel); $0.file("a/file", "x") }
        add("relative symlink write-through", "a/file") { $0.symlink("a", to: "../../../sentinel"); $0.file("a/file", "x") }
        add("symlink write-through overwrite", "a/keep") { $0.symlink("a", to: sentinel); $0.file("a/keep", "x") }
        add("symlink mkdir-through", "a/sub/") { $0.symlink("a", to: sentinel); $0.dir("a/sub/") }
        add("symlink whiteout-through", "a/.wh.keep") { $0.symlink("a", to: sentinel); $0.file("a/.wh.keep") }
        add("symlink opaque-through", "a/.wh..wh..opq") { $0.symlink("a", to: sentinel); $0.file("a/.wh..wh..opq") }
        add("symlink chain", "b/file") {
            $0.symlink("a", to: sentinel); $0.symlink("b", to: "a"); $0.file("b/file", "x")
        }
        add("symlink to symlink dir", "a/b/file") {
            $0.dir("a/"); $0.symlink("a/b", to: "/"); $0.file("a/b/file", "x")
        }
        add("hardlink via symlink", "a/x") { $0.symlink("a", to: sentinel); $0.file("f", "x"); $0.hardlink("a/x", to: "f") }
        add("hardlink to /etc/passwd", "h") { $0.hardlink("h", to: "/etc/passwd") }
        add("hardlink to ../x", "h") { $0.hardlink("h", to: "../x") }
        add("hardlink to sentinel", "h") { $0.hardlink("h", to: "../../../sentinel/keep") }
        add("hardlink through escaping symlink", "h") { $0.symlink("l", to: "/etc"); $0.hardlink("h", to: "l/passwd") }
        add("hardlink through symlink to sentinel", "h") { $0.symlink("l", to: sentinel); $0.hardlink("h", to: "l/keep") }
        add("char device", "dev/mem") { $0.add("dev/mem", type: TestTar.char, devMajor: 1, devMinor: 1) }
        add("block device", "dev/sda") { $0.add("dev/sda", type: TestTar.block, devMajor: 8, devMinor: 0) }
        add("absurd size", "huge") { $0.file("huge", "", pax: ["size": Array("1125899906842624".utf8)]) }
        add("whiteout of dotdot", ".wh..") { $0.file(".wh..", "") }

        for (label, culprit, tar) in cases {
            let error = #expect(throws: UnpackError.self, "\(label)") { _ = try fx.unpack(tar, name: "evil") }
            #expect(error?.isHostile == true, "\(label): \(error?.message ?? "")")
            #expect(error?.message.contains("\"\(culprit)\"") == true, "\(label): \(error?.message ?? "")")
            fx.expectUntouched()
        }
        #expect(lstatOf("/escape") == nil)
    }

    @Test("a symlink planted by a lower layer is never followed when unpacking the next layer")
    func crossLayerSymlink() throws {
        let fx = try Fixture()
        var lower = TestTar()
        lower.symlink("link", to: "../../sentinel")
        lower.symlink("abs", to: fx.sentinel)
        _ = try fx.unpack(lower, name: "l1")
        var upper = TestTar()
        upper.file("link/x", "upper")
        upper.file("abs/keep", "overwrite?")
        _ = try fx.unpack(upper, name: "l2")
        #expect(lstatOf(fx.layers + "/l2/link")!.st_mode & S_IFMT == S_IFDIR)
        #expect(try String(contentsOfFile: fx.layers + "/l2/link/x", encoding: .utf8) == "upper")
        fx.expectUntouched(allowed: ["l1", "l2"])
    }

    @Test("device nodes are created only when allowed")
    func devicesAllowed() throws {
        let fx = try Fixture()
        var tar = TestTar()
        tar.add("dev/null", type: TestTar.char, mode: 0o666, devMajor: 1, devMinor: 3)
        _ = try fx.unpack(tar, options: UnpackOptions(allowDevices: true))
        let st = try #require(lstatOf(fx.layers + "/layer/dev/null"))
        #expect(st.st_mode & S_IFMT == S_IFCHR && st.st_rdev == 0x103 && st.st_mode & 0o777 == 0o666)
    }

    @Test("a diff_id mismatch, a corrupt stream or an existing destination leave nothing behind")
    func failuresLeaveNothing() throws {
        let fx = try Fixture()
        var tar = TestTar()
        tar.file("a", "content")
        let wrong = "sha256:" + String(repeating: "0", count: 64)
        let error = #expect(throws: UnpackError.self) { _ = try fx.unpack(tar, options: UnpackOptions(expectedDiffID: wrong)) }
        #expect(error?.isCorrupt == true && error?.message.contains(wrong) == true)
        fx.expectUntouched()

        let gz = try filter(tar.finished(), "gzip -c")
        #expect(throws: UnpackError.self) {
            _ = try LayerUnpacker().unpack(stream: DataByteSource(Array(gz.dropLast(12))), mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
                                           into: fx.layers + "/gz")
        }
        fx.expectUntouched()

        let right = "sha256:" + SHA256Hasher.hex(of: tar.finished())
        let result = try LayerUnpacker().unpack(stream: DataByteSource(gz), mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip",
                                                into: fx.layers + "/gz", options: UnpackOptions(expectedDiffID: right))
        #expect(result.diffID == right && result.compressedSize == UInt64(gz.count))
        let again = #expect(throws: UnpackError.self) {
            _ = try LayerUnpacker().unpack(stream: DataByteSource(gz), mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", into: fx.layers + "/gz")
        }
        #expect(again?.message.contains("already exists") == true)
        fx.expectUntouched(allowed: ["gz"])
    }
}

final class OpenCounter: Sendable {
    private let value = Mutex(0)
    func bump() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}

@Suite("Layer store")
struct UnpackLayerStoreTests {
    @Test("chain IDs follow the OCI image spec and agree with sha256sum")
    func chainIDs() throws {
        let a = "sha256:" + String(repeating: "a", count: 64), b = "sha256:" + String(repeating: "b", count: 64)
        let c = "sha256:" + String(repeating: "c", count: 64)
        let ab = "sha256:" + (try shellOutput("printf '%s' '\(a) \(b)' | sha256sum | cut -d' ' -f1"))
        let abc = "sha256:" + (try shellOutput("printf '%s' '\(ab) \(c)' | sha256sum | cut -d' ' -f1"))
        #expect(try LayerStore.chainID(diffIDs: [a]) == a)
        #expect(try LayerStore.chainID(diffIDs: [a, b]) == ab)
        #expect(try LayerStore.chainIDs(diffIDs: [a, b, c]) == [a, ab, abc])
        #expect(throws: UnpackError.self) { _ = try LayerStore.chainID(diffIDs: []) }
        #expect(throws: UnpackError.self) { _ = try LayerStore.chainID(diffIDs: ["sha256:xyz"]) }
    }

    @Test("concurrent callers for one chain ID share a single unpack; later callers see it existed")
    func dedupe() async throws {
        let dir = TestDir("store")
        let store = try LayerStore(root: dir.path)
        var tar = TestTar()
        tar.file("bin/tool", String(repeating: "t", count: 500_000))
        let blob = try filter(tar.finished(), "zstd -q -c")
        let diffID = "sha256:" + SHA256Hasher.hex(of: tar.finished())
        let chain = try LayerStore.chainID(diffIDs: [diffID])
        let opens = OpenCounter()
        let results = try await withThrowingTaskGroup(of: LayerStore.Layer.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    try await store.ensureLayer(chainID: chain, diffID: diffID, mediaType: "application/vnd.oci.image.layer.v1.tar+zstd") {
                        opens.bump()
                        return DataByteSource(blob)
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(opens.count == 1)
        #expect(Set(results.map(\.path)) == [dir.path + "/images/layers/" + chain.dropFirst(7) + "/fs"])
        #expect(results.filter { !$0.alreadyExisted }.count >= 1)
        #expect(results.compactMap(\.unpack).allSatisfy { $0.diffID == diffID })
        #expect(lstatOf(results[0].path + "/bin/tool")!.st_size == 500_000)

        let again = try await store.ensureLayer(chainID: chain, diffID: diffID, mediaType: "application/vnd.oci.image.layer.v1.tar+zstd") {
            opens.bump()
            return DataByteSource(blob)
        }
        #expect(again.alreadyExisted && again.unpack == nil && opens.count == 1)

        let bad = "sha256:" + String(repeating: "e", count: 64)
        await #expect(throws: UnpackError.self) {
            _ = try await store.ensureLayer(chainID: bad, diffID: bad, mediaType: "application/vnd.oci.image.layer.v1.tar+zstd") { DataByteSource(blob) }
        }
        #expect(!store.contains(chainID: bad))
        #expect(listing(store.layersDir) == [String(chain.dropFirst(7))])
        try await store.remove(chainID: chain)
        #expect(listing(store.layersDir).isEmpty)
    }
}

@Suite("Layer unpack throughput")
struct UnpackThroughputTests {
    /// Set SWIFTLET_UNPACK_BENCH=1 to run; it builds a ~100 MiB layer, which takes a while.
    @Test("a ~100 MiB gzip layer unpacks intact; prints MiB/s", .enabled(if: ProcessInfo.processInfo.environment["SWIFTLET_UNPACK_BENCH"] == "1"))
    func throughput() throws {
        let dir = TestDir("bench")
        let src = dir.sub("src")
        // 80 x 1 MiB of base64 text (compresses about 4:3) and 4000 small files.
        try #require(try shell("""
            set -e; mkdir -p \(src)/big \(src)/small
            for i in $(seq 1 80); do head -c 786432 /dev/urandom | base64 -w 0 > \(src)/big/f$i; done
            for i in $(seq 1 40); do mkdir \(src)/small/d$i; for j in $(seq 1 100); do head -c 5000 /dev/urandom | base64 > \(src)/small/d$i/f$j; done; done
            tar --format=posix -C \(src) -cf \(dir.sub("layer.tar")) .
            gzip -c \(dir.sub("layer.tar")) > \(dir.sub("layer.tar.gz"))
            """) == 0)
        let expected = "sha256:" + (try shellOutput("sha256sum \(dir.sub("layer.tar")) | cut -d' ' -f1"))
        let size = lstatOf(dir.sub("layer.tar"))!.st_size
        let fd = open(dir.sub("layer.tar.gz"), O_RDONLY | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        let clock = ContinuousClock()
        let start = clock.now
        let result = try LayerUnpacker().unpack(stream: FileByteSource(fd: fd, path: dir.sub("layer.tar.gz")), mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
                                                into: dir.sub("out"), options: UnpackOptions(expectedDiffID: expected))
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let mib = Double(size) / 1_048_576
        print("unpack throughput: \(String(format: "%.1f", mib)) MiB uncompressed in \(String(format: "%.2f", seconds)) s = \(String(format: "%.1f", mib / seconds)) MiB/s")
        #expect(result.diffID == expected && result.uncompressedSize == UInt64(size))
        #expect(try shell("diff -r \(src) \(dir.sub("out")) >/dev/null") == 0)
    }
}
