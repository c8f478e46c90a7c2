import Foundation
import SwiftletAPI
import Testing
@testable import SwiftletAgent

@Suite("Volume hostPath type checks", .enabled(if: volumeTestsRunAsRoot, "device nodes need root"))
struct VolumeHostPathTests {
    let field = FieldPath("spec").child("volumes").index(2)

    private func check(_ path: String, _ type: String?) throws {
        try HostPathVolume(source: HostPathVolumeSource(path: path, type: type), field: field).setUp()
    }

    private func failure(_ path: String, _ type: String) throws -> String {
        let error = try #require(throws: VolumeError.self) { try check(path, type) }
        #expect(error.isTypeCheck)
        return error.message
    }

    /// A temp dir holding a regular file, a directory, a UNIX socket, a block device and a FIFO.
    private func fixture(_ label: String) throws -> VolumeTestDir {
        let dir = try VolumeTestDir(label)
        try dir.write("file", "x")
        try dir.mkdir("dir")
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let socketPath = dir.sub("sock")
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            socketPath.utf8CString.withUnsafeBytes { raw.copyMemory(from: $0) }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(fd)
        #expect(bound == 0)
        #expect(mknod(dir.sub("blk"), S_IFBLK | 0o600, dev_t((7 << 8) | 0)) == 0)
        #expect(mkfifo(dir.sub("fifo"), 0o600) == 0)
        return dir
    }

    @Test("each type accepts its kind of file", arguments: [
        ("dir", "Directory"), ("dir", "DirectoryOrCreate"), ("file", "File"), ("file", "FileOrCreate"),
        ("sock", "Socket"), ("blk", "BlockDevice"), ("fifo", ""), ("missing", ""),
    ])
    func accepts(name: String, type: String) throws {
        let dir = try fixture("hp-ok")
        defer { dir.remove() }
        try check(dir.sub(name), type)
        try check("/dev/null", "CharDevice")
    }

    @Test("a mismatch fails with kubelet's message", arguments: [
        ("file", "Directory", "is not a directory"),
        ("file", "DirectoryOrCreate", "is not a directory"),
        ("missing", "Directory", "is not a directory"),
        ("dir", "File", "is not a file"),
        ("dir", "FileOrCreate", "is not a file"),
        ("fifo", "File", "is not a file"),
        ("missing", "File", "is not a file"),
        ("file", "Socket", "is not a socket file"),
        ("file", "CharDevice", "is not a character device"),
        ("blk", "CharDevice", "is not a character device"),
        ("file", "BlockDevice", "is not a block device"),
    ])
    func rejects(name: String, type: String, detail: String) throws {
        let dir = try fixture("hp-bad")
        defer { dir.remove() }
        #expect(try failure(dir.sub(name), type) == "hostPath type check failed: \(dir.sub(name)) \(detail)")
        #expect(try failure("/dev/null", "BlockDevice") == "hostPath type check failed: /dev/null is not a block device")
    }

    @Test("DirectoryOrCreate creates the directory and its parents with mode 0755")
    func directoryOrCreate() throws {
        let dir = try VolumeTestDir("hp-mkdir")
        defer { dir.remove() }
        try check(dir.sub("a/b/c"), "DirectoryOrCreate")
        var isDir: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: dir.sub("a/b/c"), isDirectory: &isDir) && isDir.boolValue)
        #expect(fileMode(dir.sub("a/b/c")) == 0o755)
        #expect(fileMode(dir.sub("a")) == 0o755)
    }

    @Test("FileOrCreate creates an empty 0644 file, but not its parent directory (as in Kubernetes)")
    func fileOrCreate() throws {
        let dir = try VolumeTestDir("hp-touch")
        defer { dir.remove() }
        try check(dir.sub("new.log"), "FileOrCreate")
        #expect(fileMode(dir.sub("new.log")) == 0o644)
        #expect(readText(dir.sub("new.log")) == "")
        let message = try failure(dir.sub("nodir/new.log"), "FileOrCreate")
        #expect(message.contains(dir.sub("nodir/new.log")) && message.contains("does not exist"))
        #expect(!FileManager.default.fileExists(atPath: dir.sub("nodir")))
    }

    @Test("symlinks are followed, as kubelet's stat does")
    func followsSymlinks() throws {
        let dir = try fixture("hp-link")
        defer { dir.remove() }
        try FileManager.default.createSymbolicLink(atPath: dir.sub("dirlink"), withDestinationPath: dir.sub("dir"))
        try check(dir.sub("dirlink"), "Directory")
        #expect(try failure(dir.sub("dirlink"), "File") == "hostPath type check failed: \(dir.sub("dirlink")) is not a file")
    }

    @Test("an unknown type, an empty or relative path and '..' are rejected")
    func invalidSources() throws {
        let type = try #require(throws: VolumeError.self) { try check("/tmp", "Dir") }
        #expect(type.message == "spec.volumes[2].hostPath.type: Dir is an invalid volume type")
        let empty = try #require(throws: VolumeError.self) { try check("", nil) }
        #expect(empty.message == "spec.volumes[2].hostPath.path: Required value")
        let relative = try #require(throws: VolumeError.self) { try check("var/log", nil) }
        #expect(relative.message == "spec.volumes[2].hostPath.path: Invalid value: \"var/log\": must be an absolute path")
        let up = try #require(throws: VolumeError.self) { try check("/var/../etc", nil) }
        #expect(up.message.contains("must not contain '..'"))
    }
}
