import Foundation
import Glibc
import SwiftletImages
import Testing

/// Debian's docker-registry on 127.0.0.1 at a free port, storage in its own temp dir, and the
/// multi-layer test image built with umoci from busybox-static and pushed with skopeo.
private final class ImageRunRegistry {
    let dir: TempDir
    let host: String
    private let process: Process

    init() throws {
        dir = try TempDir("swiftlet-imgrun-registry")
        do {
            let port = try ImagePullCLITests.freePort()
            host = "127.0.0.1:\(port)"
            _ = try dir.write("config.yml", """
                version: 0.1
                log:
                  level: error
                  accesslog:
                    disabled: true
                storage:
                  filesystem:
                    rootdirectory: \(dir.path)/storage
                http:
                  addr: \(host)

                """)
            process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/docker-registry")
            process.arguments = ["serve", dir.file("config.yml")]
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try process.run()
        } catch {
            dir.remove()
            throw error
        }
    }

    /// Kills the registry and removes its storage.
    func remove() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        dir.remove()
    }

    /// Pushes the same three layers as SwiftletImagesTests' `TestRegistry.pushMultiLayer`:
    /// (1) busybox with its applets, (2) `/etc/app.conf` = `version=1`, `/data/keep`,
    /// `/data/old` and a 1.5 MB incompressible `/data/blob`, (3) `/etc/app.conf` = `version=2`.
    func pushMultiLayer(_ repoTag: String) throws {
        let work = dir.file("build")
        let script = """
            set -e
            mkdir -p \(work) && cd \(work)
            umoci init --layout oci
            umoci new --image oci:img
            umoci unpack --image oci:img b >/dev/null
            cd b/rootfs
            mkdir -p bin sbin usr/bin usr/sbin etc proc sys dev tmp
            chmod 1777 tmp
            cp /bin/busybox bin/busybox
            chroot . /bin/busybox --install -s
            printf 'root:x:0:0:root:/root:/bin/sh\\n' > etc/passwd
            printf 'root:x:0:\\n' > etc/group
            cd ../..
            umoci repack --image oci:img b
            rm -rf b
            umoci unpack --image oci:img b >/dev/null
            mkdir -p b/rootfs/data
            printf 'version=1\\n' > b/rootfs/etc/app.conf
            printf 'kept\\n' > b/rootfs/data/keep
            printf 'old\\n' > b/rootfs/data/old
            head -c 1500000 /dev/urandom > b/rootfs/data/blob
            umoci repack --image oci:img b
            rm -rf b
            umoci unpack --image oci:img b >/dev/null
            printf 'version=2\\n' > b/rootfs/etc/app.conf
            umoci repack --image oci:img b
            rm -rf b
            for i in $(seq 1 100); do
              skopeo copy --quiet --dest-tls-verify=false oci:oci:img docker://\(host)/\(repoTag) && exit 0
              sleep 0.1
            done
            exit 1
            """
        let pushed = try runProcess("/bin/sh", ["-c", script])
        guard pushed.status == 0 else { throw SandboxError("building and pushing \(repoTag) failed: \(pushed.stderr)") }
    }
}

/// One line per entry below `root` (itself included): type and mode, owner, size, device,
/// inode, link count, mtime, ctime, symlink target and a sha256 of regular files' bytes.
private func treeFingerprint(_ root: String) throws -> [String] {
    var relatives = [""]
    let walker = FileManager.default.enumerator(atPath: root)
    while let relative = walker?.nextObject() as? String { relatives.append(relative) }
    return try relatives.sorted().map { relative in
        let path = relative.isEmpty ? root : root + "/" + relative
        var st = stat()
        guard lstat(path, &st) == 0 else { throw SandboxError("lstat \(path): errno \(errno)") }
        var line = "\(relative) mode=\(String(st.st_mode, radix: 8)) owner=\(st.st_uid):\(st.st_gid) size=\(st.st_size)"
        line += " rdev=\(st.st_rdev) ino=\(st.st_ino) nlink=\(st.st_nlink)"
        line += " mtime=\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec) ctime=\(st.st_ctim.tv_sec).\(st.st_ctim.tv_nsec)"
        switch st.st_mode & S_IFMT {
        case S_IFLNK:
            line += " -> " + (try FileManager.default.destinationOfSymbolicLink(atPath: path))
        case S_IFREG:
            guard let data = FileManager.default.contents(atPath: path) else { throw SandboxError("read \(path) failed") }
            var hasher = SHA256Hasher()
            data.withUnsafeBytes { hasher.update($0) }
            line += " sha256=" + hasher.finalizeHex()
        default:
            break
        }
        return line
    }
}

private func lstatOf(_ path: String) -> stat? {
    var st = stat()
    return lstat(path, &st) == 0 ? st : nil
}

private func entries(_ path: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
}

/// `%.1f MiB` of `bytes`, as `swiftlet image pull` prints sizes.
private func mib(_ bytes: Int64) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }

@Suite("Pulled images run", .timeLimit(.minutes(10)))
struct ImageRunTests {
    @Test("an image pulled by `swiftlet image pull` runs under `swiftlet runtime` on an overlay snapshot: its writes and deletions land in the upper dir, the layer dirs stay byte for byte the same")
    func runOnSnapshot() async throws {
        try #require(isRoot, "needs root for overlay mounts and containers")
        let box = try RuntimeSandbox("imgrun")
        defer { box.cleanup() }
        let registry = try ImageRunRegistry()
        defer { registry.remove() }
        try registry.pushMultiLayer("multi:1")
        let root = box.base + "/root"
        let reference = "\(registry.host)/multi:1"

        let pulled = try Swiftlet.run(["image", "pull", "--root-dir", root, "--insecure-registry", registry.host, reference])
        try #require(pulled.status == 0, "\(pulled.stderr)")
        let content = try ContentStore(root: root)
        let record = try #require(try await ImageStore(root: root, content: content).get(reference))
        try #require(record.chainIDs.count == 3)
        let layerStore = try LayerStore(root: root)
        let layers = try record.chainIDs.map { try layerStore.path(chainID: $0) }
        let layersDir = root + "/images/layers"
        let before = try treeFingerprint(layersDir)
        let oldEntry = String(layers[1].dropFirst(layersDir.count + 1)) + "/data/old "
        #expect(before.contains { $0.hasPrefix(oldEntry) }, "the fingerprint covers the file the container deletes")

        let id = box.newID("img")
        let snapshotter = try Snapshotter(root: box.base + "/snapshots")
        let snap = try snapshotter.prepare(key: id, layers: layers.reversed(), readOnly: false)
        defer { try? snapshotter.remove(key: id) }
        let upper = try #require(snap.upper)
        let bundle = try box.bundle("img") { config in
            config["root.path"] = snap.rootfs
            config.readonlyRoot(false)
            config.args = ["sh", "-c", "echo new > /newfile && echo edited >> /etc/app.conf && rm /data/old && cat /etc/app.conf"]
        }
        let run = try box.cli(["run", "--bundle", bundle, id], timeout: 120)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "version=2\nedited\n")

        #expect(entries(upper) == ["data", "etc", "newfile"])
        #expect(entries(upper + "/etc") == ["app.conf"])
        #expect(entries(upper + "/data") == ["old"])
        #expect(readText(upper + "/newfile") == "new\n")
        #expect(readText(upper + "/etc/app.conf") == "version=2\nedited\n")
        let whiteout = try #require(lstatOf(upper + "/data/old"))
        #expect(whiteout.st_mode & S_IFMT == S_IFCHR && whiteout.st_rdev == 0, "the deletion is an overlayfs whiteout")
        #expect(entries(snap.rootfs + "/data") == ["blob", "keep"])

        let after = try treeFingerprint(layersDir)
        #expect(after == before, "layer dirs changed: \(Set(after).symmetricDifference(before).sorted())")
        #expect(readText(layers[1] + "/data/old") == "old\n")
        #expect(readText(layers[2] + "/etc/app.conf") == "version=2\n")

        try snapshotter.remove(key: id)
        #expect(!FileManager.default.fileExists(atPath: snap.directory))
        #expect(box.mountsUnder(snap.directory).isEmpty)
    }

    @Test("`swiftlet image pull` on a terminal redraws one line per layer with cursor-up and erase-line escapes, ending at each layer's full size; without one it prints plain lines")
    func progressOnTerminal() async throws {
        let dir = try TempDir("swiftlet-imgrun-tty")
        defer { dir.remove() }
        let registry = try ImageRunRegistry()
        defer { registry.remove() }
        try registry.pushMultiLayer("multi:1")
        let reference = "\(registry.host)/multi:1"
        let ttyRoot = dir.file("tty"), plainRoot = dir.file("plain")

        let command = "\(Swiftlet.binary) image pull --root-dir \(ttyRoot) --insecure-registry \(registry.host) \(reference)"
        let tty = try runProcess("/usr/bin/script", ["-qfec", command, "/dev/null"])
        try #require(tty.status == 0, "\(tty.stdout) \(tty.stderr)")
        let record = try #require(try await ImageStore(root: ttyRoot, content: ContentStore(root: ttyRoot)).get(reference))
        try #require(record.layers.count == 3)

        let text = tty.stdout
        let ups = text.matches(of: /\x1B\[([0-9]+)A/).compactMap { Int($0.1) }
        #expect(!ups.isEmpty, "cursor-up escapes in \(text.debugDescription)")
        #expect(ups.allSatisfy { (1...record.layers.count).contains($0) }, "\(ups)")
        #expect(text.contains("\u{1B}[2K"))
        // What a terminal would show last for each layer: split at escapes, returns and newlines.
        let segments = text.replacing(/\x1B\[[0-9]*[A-Za-z]/, with: "\n")
            .split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }).map(String.init)
        for layer in record.layers {
            let prefix = String(layer.digest.encoded.prefix(12))
            let shown = segments.filter { $0.hasPrefix(prefix + ": ") }
            #expect(shown.count >= 1, "a line for layer \(prefix)")
            #expect(shown.last == "\(prefix): \(mib(layer.size)) / \(mib(layer.size))", "\(shown)")
        }
        #expect(segments.last == "pulled \(reference) (\(record.target.digest))")
        #expect(mib(record.layers[1].size) != mib(0), "the data layer is big enough to show a non-zero size")

        let plain = try Swiftlet.run(["image", "pull", "--root-dir", plainRoot, "--insecure-registry", registry.host, reference])
        try #require(plain.status == 0, "\(plain.stderr)")
        #expect(!plain.stdout.contains("\u{1B}") && !plain.stdout.contains("\r"))
        let lines = plain.stdout.split(separator: "\n").map(String.init)
        #expect(lines.last == "pulled \(reference) (\(record.target.digest))")
        let progress = lines.dropLast()
        #expect(progress.allSatisfy { $0.wholeMatch(of: /[0-9a-f]{12}: [0-9]+\.[0-9] MiB \/ [0-9]+\.[0-9] MiB/) != nil }, "\(progress)")
        let finalLines = Set(progress.suffix(record.layers.count))
        #expect(finalLines == Set(record.layers.map {
            "\($0.digest.encoded.prefix(12)): \(mib($0.size)) / \(mib($0.size))"
        }))
    }
}
