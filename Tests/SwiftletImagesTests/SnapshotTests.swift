import Foundation
import Glibc
import Testing
@testable import SwiftletImages

func isMounted(_ path: String) -> Bool { TestDir.mountPoints().contains(path) }

@Suite("Overlay snapshots")
struct SnapshotTests {
    /// Two unpacked layers: the lower has files the upper deletes (whiteout) and hides (opaque dir).
    func twoLayers(_ dir: TestDir) throws -> (lower: String, upper: String) {
        let layers = dir.sub("layers")
        try FileManager.default.createDirectory(atPath: layers, withIntermediateDirectories: true)
        var base = TestTar()
        base.dir("./", mode: 0o750, uid: 0, gid: 42)
        base.dir("etc/")
        base.file("etc/passwd", "root:x:0:0")
        base.file("etc/hostname", "base")
        base.dir("cache/")
        base.file("cache/old1", "1")
        base.file("cache/old2", "2")
        base.file("keep", "kept")
        var top = TestTar()
        top.file("etc/.wh.hostname")
        top.dir("cache/")
        top.file("cache/.wh..wh..opq")
        top.file("cache/fresh", "new")
        top.file("added", "top")
        _ = try LayerUnpacker().unpack(stream: DataByteSource(base.finished()), compression: .none, into: layers + "/base")
        let gz = try filter(top.finished(), "gzip -c")
        _ = try LayerUnpacker().unpack(stream: DataByteSource(gz), mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", into: layers + "/top")
        return (layers + "/base", layers + "/top")
    }

    @Test("a writable overlay shows the merged view, writes land in the upper dir only, and remove leaves no mount")
    func writable() throws {
        let dir = TestDir("snap")
        let (lower, upper) = try twoLayers(dir)
        let snapshotter = try Snapshotter(root: dir.sub("snapshots"))
        let snap = try snapshotter.prepare(key: "c1", layers: [upper, lower], readOnly: false)
        defer { try? snapshotter.remove(key: "c1") }
        let rootfs = snap.rootfs
        #expect(isMounted(rootfs))
        #expect(listing(rootfs) == ["added", "cache", "etc", "keep"])
        #expect(listing(rootfs + "/etc") == ["passwd"])
        #expect(listing(rootfs + "/cache") == ["fresh"])
        #expect(try String(contentsOfFile: rootfs + "/keep", encoding: .utf8) == "kept")
        let root = try #require(lstatOf(rootfs))
        #expect(root.st_mode & 0o7777 == 0o755 && root.st_gid == 0, "the top layer's root (no ./ entry) is 0755 root:root")

        try "written".write(toFile: rootfs + "/etc/new", atomically: false, encoding: .utf8)
        try "changed".write(toFile: rootfs + "/keep", atomically: false, encoding: .utf8)
        try FileManager.default.removeItem(atPath: rootfs + "/etc/passwd")
        let up = try #require(snap.upper)
        #expect(try String(contentsOfFile: up + "/etc/new", encoding: .utf8) == "written")
        #expect(try String(contentsOfFile: up + "/keep", encoding: .utf8) == "changed")
        #expect((lstatOf(up + "/etc/passwd")?.st_mode ?? 0) & S_IFMT == S_IFCHR)
        #expect(try String(contentsOfFile: lower + "/keep", encoding: .utf8) == "kept")
        #expect(try String(contentsOfFile: lower + "/etc/passwd", encoding: .utf8) == "root:x:0:0")
        #expect(listing(upper + "/etc") == ["hostname"])

        #expect(throws: UnpackError.self) { _ = try snapshotter.prepare(key: "c1", layers: [lower], readOnly: false) }

        try snapshotter.remove(key: "c1")
        #expect(!isMounted(rootfs))
        #expect(!FileManager.default.fileExists(atPath: snap.directory))
        #expect(listing(lower + "/etc") == ["hostname", "passwd"])
        try snapshotter.remove(key: "c1")
    }

    @Test("read-only snapshots refuse writes, with one layer as a bind mount and several as an upper-less overlay")
    func readOnly() throws {
        let dir = TestDir("snapro")
        let (lower, upper) = try twoLayers(dir)
        let snapshotter = try Snapshotter(root: dir.sub("snapshots"))
        for (key, layers) in [("one", [lower]), ("two", [upper, lower])] {
            let snap = try snapshotter.prepare(key: key, layers: layers, readOnly: true)
            defer { try? snapshotter.remove(key: key) }
            #expect(snap.upper == nil && snap.work == nil)
            #expect(isMounted(snap.rootfs))
            #expect(FileManager.default.fileExists(atPath: snap.rootfs + "/etc/passwd"))
            if key == "one" { #expect(lstatOf(snap.rootfs)!.st_mode & 0o7777 == 0o750 && lstatOf(snap.rootfs)!.st_gid == 42) }
            let fd = open(snap.rootfs + "/new", O_CREAT | O_WRONLY, 0o644)
            let code = errno
            if fd >= 0 { close(fd) }
            #expect(fd < 0 && code == EROFS, "\(key)")
            try snapshotter.remove(key: key)
            #expect(!isMounted(snap.rootfs))
            #expect(!FileManager.default.fileExists(atPath: snap.directory))
        }
        #expect(listing(lower) == ["cache", "etc", "keep"])
    }

    @Test("a layer stack over the mount-option page limit, bad keys and bad paths fail clearly and leave nothing")
    func limits() throws {
        let dir = TestDir("snaplim")
        var layers: [String] = []
        for i in 0..<60 {
            let path = dir.sub(String(repeating: "l", count: 80) + "\(i)")
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            layers.append(path)
        }
        let snapshotter = try Snapshotter(root: dir.sub("snapshots"))
        let error = #expect(throws: UnpackError.self) { _ = try snapshotter.prepare(key: "big", layers: layers, readOnly: false) }
        #expect(error?.message.contains("limit") == true)
        #expect(listing(dir.sub("snapshots")).isEmpty)
        #expect(throws: UnpackError.self) { _ = try snapshotter.prepare(key: "../x", layers: [layers[0]], readOnly: false) }
        #expect(throws: UnpackError.self) { _ = try snapshotter.prepare(key: "k", layers: [dir.sub("a:b")], readOnly: false) }
        #expect(throws: UnpackError.self) { _ = try snapshotter.prepare(key: "k", layers: [], readOnly: false) }
        #expect(listing(dir.sub("snapshots")).isEmpty)

        let ok = try snapshotter.prepare(key: "few", layers: Array(layers[0..<10]), readOnly: false)
        #expect(isMounted(ok.rootfs))
        try snapshotter.remove(key: "few")
        #expect(!isMounted(ok.rootfs))
    }

    @Test("a lower layer's escaping symlink is shadowed by the next layer's directory in the merged view")
    func crossLayerSymlinkMerged() throws {
        let dir = TestDir("snapsym")
        let sentinel = dir.sub("sentinel")
        try FileManager.default.createDirectory(atPath: sentinel, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.sub("layers"), withIntermediateDirectories: true)
        var l1 = TestTar()
        l1.symlink("link", to: sentinel)
        var l2 = TestTar()
        l2.file("link/x", "layer2")
        _ = try LayerUnpacker().unpack(stream: DataByteSource(l1.finished()), compression: .none, into: dir.sub("layers/1"))
        _ = try LayerUnpacker().unpack(stream: DataByteSource(l2.finished()), compression: .none, into: dir.sub("layers/2"))
        let snapshotter = try Snapshotter(root: dir.sub("snapshots"))
        let snap = try snapshotter.prepare(key: "c", layers: [dir.sub("layers/2"), dir.sub("layers/1")], readOnly: false)
        defer { try? snapshotter.remove(key: "c") }
        #expect(lstatOf(snap.rootfs + "/link")!.st_mode & S_IFMT == S_IFDIR)
        try "more".write(toFile: snap.rootfs + "/link/y", atomically: false, encoding: .utf8)
        #expect(listing(sentinel).isEmpty)
        #expect(listing(snap.upper! + "/link") == ["y"])
    }
}
