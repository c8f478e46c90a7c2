import Foundation
import Testing

@Suite("swiftlet image")
struct ImageCLITests {
    /// Builds a one-layer busybox image with umoci and writes it as a docker-save archive.
    func buildArchive(_ dir: TempDir) throws -> (layout: String, archive: String) {
        let script = """
            set -e
            cd \(dir.path)
            umoci init --layout oci
            umoci new --image oci:img
            umoci config --image oci:img --config.entrypoint /bin/sh --config.cmd -c --config.cmd 'echo hi' \
              --config.env A=1 --config.workingdir /tmp --config.user 1000 --config.stopsignal SIGINT \
              --config.exposedports 8080/tcp --config.volume /data
            umoci unpack --image oci:img b >/dev/null
            mkdir -p b/rootfs/bin
            cp /bin/busybox b/rootfs/bin/
            umoci repack --image oci:img b
            skopeo copy --format v2s2 oci:oci:img docker-archive:\(dir.path)/d.tar:tools/busybox:e2e >/dev/null
            """
        let out = try runProcess("/bin/sh", ["-c", script])
        try #require(out.status == 0, "building the image failed: \(out.stderr)")
        return (dir.file("oci"), dir.file("d.tar"))
    }

    @Test("import, ls, inspect and rm work on a store below --root-dir, and errors name what failed")
    func lifecycle() throws {
        let dir = try TempDir("swiftlet-image")
        defer { dir.remove() }
        let (layout, archive) = try buildArchive(dir)
        let root = ["--root-dir", dir.file("root")]

        let imported = try Swiftlet.run(["image", "import", archive] + root)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("docker.io/tools/busybox:e2e"))
        let named = try Swiftlet.run(["image", "import", layout, "--name", "example.org:5000/x/y:1"] + root)
        #expect(named.status == 0, "\(named.stderr)")

        let ls = try Swiftlet.run(["image", "ls"] + root)
        #expect(ls.status == 0)
        let lines = ls.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines.first?.hasPrefix("REFERENCE") == true && lines.first?.contains("LAST USED") == true)
        #expect(lines.contains { $0.hasPrefix("docker.io/tools/busybox:e2e") && $0.contains("sha256:") && $0.contains("MB") })
        #expect(lines.contains { $0.hasPrefix("example.org:5000/x/y:1") })

        let inspect = try Swiftlet.run(["image", "inspect", "tools/busybox:e2e"] + root)
        #expect(inspect.status == 0, "\(inspect.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any])
        let config = try #require(json["config"] as? [String: Any])
        #expect(config["Entrypoint"] as? [String] == ["/bin/sh"])
        #expect(config["Cmd"] as? [String] == ["-c", "echo hi"])
        #expect((config["Env"] as? [String])?.contains("A=1") == true)
        #expect(config["WorkingDir"] as? String == "/tmp")
        #expect(config["User"] as? String == "1000")
        #expect(config["StopSignal"] as? String == "SIGINT")
        #expect(config["ExposedPorts"] as? [String] == ["8080/tcp"])
        #expect(config["Volumes"] as? [String] == ["/data"])
        #expect((json["layers"] as? [Any])?.count == 1)
        #expect((json["chainIDs"] as? [String])?.first?.hasPrefix("sha256:") == true)

        let rm = try Swiftlet.run(["image", "rm", "docker.io/tools/busybox:e2e"] + root)
        #expect(rm.status == 0, "\(rm.stderr)")
        let again = try Swiftlet.run(["image", "rm", "docker.io/tools/busybox:e2e"] + root)
        #expect(again.status == 1)
        #expect(again.stderr.contains("docker.io/tools/busybox:e2e"))
        let after = try Swiftlet.run(["image", "ls"] + root)
        #expect(after.stdout.split(separator: "\n").count == 2)

        let missing = try Swiftlet.run(["image", "import", dir.file("nope.tar")] + root)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains(dir.file("nope.tar")))
    }

    @Test("prune: below the high threshold nothing goes; --all removes unused images past the minimum age; bad flags are named")
    func prune() throws {
        let dir = try TempDir("swiftlet-image-prune")
        defer { dir.remove() }
        let (_, archive) = try buildArchive(dir)
        let root = ["--root-dir", dir.file("root")]
        let imported = try Swiftlet.run(["image", "import", archive] + root)
        try #require(imported.status == 0, "\(imported.stderr)")

        // A threshold of 100 % is never reached on a disk with room for this test.
        let quiet = try Swiftlet.run(["image", "prune", "--image-gc-high-threshold", "100", "--image-gc-low-threshold", "90"] + root)
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(!quiet.stdout.contains("removed"))
        #expect(quiet.stdout.contains("freed 0 B"))

        // The image was stored just now: the default minimum age (2m) keeps it.
        let young = try Swiftlet.run(["image", "prune", "--all"] + root)
        #expect(young.status == 0, "\(young.stderr)")
        #expect(!young.stdout.contains("removed"))

        let all = try Swiftlet.run(["image", "prune", "--all", "--minimum-image-gc-age", "0s"] + root)
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.contains("removed docker.io/tools/busybox:e2e sha256:"))
        let ls = try Swiftlet.run(["image", "ls"] + root)
        #expect(ls.stdout.split(separator: "\n").count == 1)
        let layers = try FileManager.default.contentsOfDirectory(atPath: dir.file("root/images/layers"))
        #expect(layers.isEmpty)

        let bad = try Swiftlet.run(["image", "prune", "--minimum-image-gc-age", "soon"] + root)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--minimum-image-gc-age"))
        let inverted = try Swiftlet.run(["image", "prune", "--image-gc-high-threshold", "50", "--image-gc-low-threshold", "60"] + root)
        #expect(inverted.status == 1)
        #expect(inverted.stderr.contains("imageGCLowThresholdPercent"))
    }
}
