import Foundation
import SwiftletAPI
import Testing
@testable import SwiftletAgent

@Suite("Volume subPath resolution", .enabled(if: volumeTestsRunAsRoot, "bind mounts need root"))
struct VolumeSubPathTests {
    /// A pod directory with one volume and, beside it (outside the volume), a secret.
    struct Fixture {
        let dir: VolumeTestDir
        let podDir: String
        let volume: String
        let outside: String
        let resolver: SubPathResolver
        let field = FieldPath("spec").child("containers").index(0).child("volumeMounts").index(1).child("subPath")

        init(_ label: String) throws {
            dir = try VolumeTestDir(label)
            podDir = try dir.mkdir("pod")
            volume = try dir.mkdir("pod/volumes/kubernetes.io~empty-dir/data", mode: 0o777)
            outside = try dir.mkdir("outside")
            try dir.write("outside/secret", "host secret")
            resolver = SubPathResolver(podDirectory: podDir)
        }

        func bind(_ subPath: String, index: Int = 1) throws -> String {
            try resolver.bind(subPath: subPath, volumePath: volume, volumeName: "data", containerName: "app",
                              mountIndex: index, field: field)
        }

        /// The bind mounts below the pod directory.
        var podMounts: [MountEntry] { MountTable.mounts(under: VolumeSys.realPath(podDir), in: MountTable.read()) }
    }

    @Test("a subPath is bound from inside the volume onto volume-subpaths/<volume>/<container>/<index>")
    func bindsDirectory() throws {
        let f = try Fixture("sp-dir")
        defer { f.dir.remove() }
        try f.dir.write("pod/volumes/kubernetes.io~empty-dir/data/www/index.html", "hello")
        let target = try f.bind("www")
        #expect(target == VolumeSys.realPath(f.podDir) + "/volume-subpaths/data/app/1")
        #expect(f.podMounts.map(\.mountPoint) == [target])
        #expect(readText(target + "/index.html") == "hello")
        // It is the volume's directory, not a copy.
        try "new".write(toFile: target + "/added", atomically: false, encoding: .utf8)
        #expect(readText(f.volume + "/www/added") == "new")
        // Binding again (a container restart) reuses the mount.
        #expect(try f.bind("www") == target)
        #expect(f.podMounts.count == 1)
    }

    @Test("a file subPath is bound onto a file")
    func bindsFile() throws {
        let f = try Fixture("sp-file")
        defer { f.dir.remove() }
        try f.dir.write("pod/volumes/kubernetes.io~empty-dir/data/conf/app.conf", "x=1")
        let target = try f.bind("conf/app.conf", index: 3)
        var st = stat()
        #expect(lstat(target, &st) == 0 && st.st_mode & S_IFMT == S_IFREG)
        #expect(readText(target) == "x=1")
    }

    @Test("missing subPath directories are created inside the volume with the volume root's mode")
    func createsMissing() throws {
        let f = try Fixture("sp-create")
        defer { f.dir.remove() }
        try VolumeSys.chmod(f.volume, 0o2775)
        let target = try f.bind("logs/app/current")
        var isDir: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: f.volume + "/logs/app/current", isDirectory: &isDir) && isDir.boolValue)
        #expect(fileMode(f.volume + "/logs") == 0o2775)
        #expect(fileMode(f.volume + "/logs/app/current") == 0o2775)
        #expect(VolumeMounts.isMountPoint(target))
    }

    @Test("an absolute symlink out of the volume is refused, naming the field, and nothing is mounted")
    func absoluteEscape() throws {
        let f = try Fixture("sp-abs")
        defer { f.dir.remove() }
        try FileManager.default.createSymbolicLink(atPath: f.volume + "/escape", withDestinationPath: f.outside)
        let error = try #require(throws: VolumeError.self) { try f.bind("escape") }
        #expect(error.message.hasPrefix("spec.containers[0].volumeMounts[1].subPath: Invalid value: \"escape\""))
        #expect(error.message.contains("outside the volume"))
        #expect(error.field == "spec.containers[0].volumeMounts[1].subPath")
        #expect(f.podMounts.isEmpty)
        // Also when the link is in the middle of the path.
        #expect(throws: VolumeError.self) { try f.bind("escape/secret") }
        #expect(f.podMounts.isEmpty)
    }

    @Test("relative symlinks climbing out of the volume are refused, even nested")
    func relativeEscape() throws {
        let f = try Fixture("sp-rel")
        defer { f.dir.remove() }
        try FileManager.default.createSymbolicLink(atPath: f.volume + "/up", withDestinationPath: "../../../../outside")
        try f.dir.mkdir("pod/volumes/kubernetes.io~empty-dir/data/a/b")
        try FileManager.default.createSymbolicLink(atPath: f.volume + "/a/b/link", withDestinationPath: "../../..")
        #expect(throws: VolumeError.self) { try f.bind("up") }
        #expect(throws: VolumeError.self) { try f.bind("up/secret") }
        #expect(throws: VolumeError.self) { try f.bind("a/b/link") }
        #expect(throws: VolumeError.self) { try f.bind("a/b/link/data") }
        #expect(f.podMounts.isEmpty)
    }

    @Test("creating a missing subPath through a symlink out of the volume creates nothing outside")
    func noCreationOutside() throws {
        let f = try Fixture("sp-mkdir")
        defer { f.dir.remove() }
        try FileManager.default.createSymbolicLink(atPath: f.volume + "/link", withDestinationPath: f.outside)
        #expect(throws: VolumeError.self) { try f.bind("link/planted") }
        #expect(!FileManager.default.fileExists(atPath: f.outside + "/planted"))
        #expect(f.podMounts.isEmpty)
    }

    @Test("a symlink that stays inside the volume is followed")
    func innerSymlink() throws {
        let f = try Fixture("sp-inner")
        defer { f.dir.remove() }
        try f.dir.write("pod/volumes/kubernetes.io~empty-dir/data/real/file", "inside")
        try FileManager.default.createSymbolicLink(atPath: f.volume + "/alias", withDestinationPath: "real")
        try f.dir.mkdir("pod/volumes/kubernetes.io~empty-dir/data/x")
        try FileManager.default.createSymbolicLink(atPath: f.volume + "/x/back", withDestinationPath: "../real")
        #expect(readText(try f.bind("alias", index: 0) + "/file") == "inside")
        #expect(readText(try f.bind("x/back", index: 1) + "/file") == "inside")
    }

    @Test("swapping the subPath for a symlink out of the volume after binding cannot redirect the mount")
    func swapAfterBind() throws {
        let f = try Fixture("sp-swap")
        defer { f.dir.remove() }
        try f.dir.write("pod/volumes/kubernetes.io~empty-dir/data/www/index.html", "volume data")
        let target = try f.bind("www")
        // What a hostile container would do: replace the directory with a link to the host.
        try FileManager.default.moveItem(atPath: f.volume + "/www", toPath: f.volume + "/www.old")
        try FileManager.default.createSymbolicLink(atPath: f.volume + "/www", withDestinationPath: f.outside)
        #expect(readText(target + "/index.html") == "volume data")
        #expect(readText(target + "/secret") == nil)
        // Resolving again (a restart) sees the symlink and refuses it, replacing nothing.
        #expect(throws: VolumeError.self) { try f.bind("www") }
        #expect(readText(target + "/secret") == nil)
    }

    @Test("absolute subPaths and '..' components are rejected naming the field", arguments: [
        ("/etc", "must be a relative path"),
        ("../data", "must not contain '..'"),
        ("a/../../b", "must not contain '..'"),
    ])
    func invalidSubPaths(subPath: String, detail: String) throws {
        let f = try Fixture("sp-invalid")
        defer { f.dir.remove() }
        let error = try #require(throws: VolumeError.self) { try f.bind(subPath) }
        #expect(error.message == "spec.containers[0].volumeMounts[1].subPath: Invalid value: \"\(subPath)\": \(detail)")
        #expect(error.isInvalidField)
        #expect(f.podMounts.isEmpty)
    }

    @Test("cleanUp unmounts every subPath bind and removes volume-subpaths; twice is fine")
    func cleanUp() throws {
        let f = try Fixture("sp-clean")
        defer { f.dir.remove() }
        try f.dir.mkdir("pod/volumes/kubernetes.io~empty-dir/data/one")
        try f.dir.write("pod/volumes/kubernetes.io~empty-dir/data/two", "2")
        _ = try f.bind("one", index: 0)
        _ = try f.bind("two", index: 1)
        #expect(f.podMounts.count == 2)
        try f.resolver.cleanUp()
        #expect(f.podMounts.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: f.podDir + "/volume-subpaths"))
        #expect(readText(f.volume + "/two") == "2")
        try f.resolver.cleanUp()
    }
}

@Suite("Volume subPathExpr expansion")
struct VolumeSubPathExprTests {
    let field = FieldPath("spec").child("containers").index(0).child("volumeMounts").index(0).child("subPathExpr")

    @Test("$(VAR) references expand from the container environment, as Kubernetes expands them", arguments: [
        ("$(POD_NAME)/logs", "web-0/logs"),
        ("$(POD_NAME)-$(NS)", "web-0-prod"),
        ("$$(POD_NAME)", "$(POD_NAME)"),
        ("a$$b", "a$b"),
        ("$(POD_NAME", "$(POD_NAME"),
        ("cost$5", "cost$5"),
        ("trailing$", "trailing$"),
        ("plain", "plain"),
    ])
    func expands(expression: String, expected: String) throws {
        let env = ["POD_NAME": "web-0", "NS": "prod"]
        #expect(try SubPathResolver.expand(expression, environment: env, field: field) == expected)
    }

    @Test("a reference to an unset or empty variable is an error naming the field and the variables")
    func missingVariable() throws {
        let error = try #require(throws: VolumeError.self) {
            try SubPathResolver.expand("$(B)/$(A)/$(EMPTY)", environment: ["EMPTY": ""], field: field)
        }
        #expect(error.message == "spec.containers[0].volumeMounts[0].subPathExpr: Invalid value: \"$(B)/$(A)/$(EMPTY)\": missing value for A, B, EMPTY")
    }

    @Test("subPath and subPathExpr are exclusive; an expression expanding to nothing mounts the whole volume")
    func effective() throws {
        let base = FieldPath("spec").child("containers").index(0).child("volumeMounts").index(0)
        #expect(throws: VolumeError.self) {
            _ = try SubPathResolver.effectiveSubPath(of: VolumeMount(name: "v", mountPath: "/x", subPath: "a", subPathExpr: "b"),
                                                     environment: [:], field: base)
        }
        let expr = try SubPathResolver.effectiveSubPath(
            of: VolumeMount(name: "v", mountPath: "/x", subPathExpr: "$(P)"), environment: ["P": "p1"], field: base)
        #expect(expr?.path == "p1")
        #expect(expr?.field.description == "spec.containers[0].volumeMounts[0].subPathExpr")
        let plain = try SubPathResolver.effectiveSubPath(of: VolumeMount(name: "v", mountPath: "/x", subPath: "s"),
                                                         environment: [:], field: base)
        #expect(plain?.field.description == "spec.containers[0].volumeMounts[0].subPath")
        #expect(try SubPathResolver.effectiveSubPath(of: VolumeMount(name: "v", mountPath: "/x"), environment: [:], field: base) == nil)
    }
}
