import Foundation
import SwiftletImages

/// What the images of `TestRegistry`'s image set hold, for the tests to compare against.
enum TestImageSet {
    /// `/etc/app.conf` as layer 2 of the multi-layer image writes it.
    static let appConfV1 = "version=1\n"
    /// `/etc/app.conf` as layer 3 of the multi-layer image rewrites it.
    static let appConfV2 = "version=2\n"
    /// Bytes of the incompressible `/data/blob` in layer 2, so that its layer has a size the
    /// progress display shows with a non-zero MiB figure.
    static let blobSize = 1_500_000
    /// Files layer 2 of the multi-layer image adds below `/data` (besides `blob`).
    static let dataFiles = ["keep": "kept\n", "old": "old\n"]
    /// `/etc/target`, which the links image's `/link` points to.
    static let linkTarget = "target\n"
    /// The platforms of the multi-arch index, in index order; each image's `/arch` holds
    /// `description + "\n"`.
    static let indexPlatforms = [
        Platform(os: "linux", architecture: "amd64"),
        Platform(os: "linux", architecture: "arm64"),
        Platform(os: "linux", architecture: "arm", variant: "v7"),
    ]
}

/// Builds images in one OCI layout with umoci and pushes them with skopeo. Each layer is one
/// `umoci unpack` / change / `umoci repack` round, so the layer tars are umoci's own.
struct TestImageBuilder {
    /// The work directory: the layout is `oci`, bundles and raw layers go beside it.
    let dir: String
    var layout: String { dir + "/oci" }

    /// A new empty layout below `parent`.
    init(in parent: String) throws {
        dir = parent + "/build-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        do {
            try registryTestRun("cd \(dir) && umoci init --layout oci")
        } catch {
            remove()
            throw error
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: dir) }

    /// An image without layers, tagged `tag`.
    func newImage(_ tag: String) throws {
        try registryTestRun("umoci new --image \(layout):\(tag)")
    }

    /// Tags `tag`'s current manifest also as `newTag`, so both can grow separately from here.
    func tag(_ tag: String, as newTag: String) throws {
        try registryTestRun("umoci tag --image \(layout):\(tag) \(newTag)")
    }

    /// Adds one layer to `tag`: the image is unpacked, `script` runs in `sh` with the rootfs as
    /// its working directory, and umoci repacks the difference as a new layer.
    func addLayer(_ tag: String, _ script: String) throws {
        let bundle = dir + "/bundle-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: bundle) }
        try registryTestRun("umoci unpack --image \(layout):\(tag) \(bundle) >/dev/null")
        try registryTestRun("cd \(bundle)/rootfs && set -e\n" + script)
        try registryTestRun("umoci repack --image \(layout):\(tag) \(bundle)")
    }

    /// Appends a layer tarred from the tree `script` creates (run in an empty directory), entries
    /// sorted by name and owned by 0:0, added verbatim with `umoci raw add-layer`.
    func addRawLayer(_ tag: String, _ script: String) throws {
        let tree = dir + "/raw-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: tree, withIntermediateDirectories: true)
        defer {
            try? FileManager.default.removeItem(atPath: tree)
            try? FileManager.default.removeItem(atPath: tree + ".tar")
        }
        try registryTestRun("cd \(tree) && set -e\n" + script)
        try registryTestRun(
            "tar -C \(tree) --format=ustar --sort=name --numeric-owner --owner=0 --group=0 -cf \(tree).tar $(cd \(tree) && ls -A)")
        try registryTestRun("umoci raw add-layer --image \(layout):\(tag) \(tree).tar")
    }

    /// The busybox base: the binary, its applets as symlinks, an /etc with root's passwd and
    /// group, and the directories a container runtime mounts over.
    func addBusyboxLayer(_ tag: String, extra: String = "") throws {
        try addLayer(tag, """
            mkdir -p bin sbin usr/bin usr/sbin etc proc sys dev tmp
            chmod 1777 tmp
            cp /bin/busybox bin/busybox
            chroot . /bin/busybox --install -s
            printf 'root:x:0:0:root:/root:/bin/sh\\n' > etc/passwd
            printf 'root:x:0:\\n' > etc/group
            \(extra)
            """)
    }

    /// Sets the OS, architecture and variant of `tag`'s config, rewriting config and manifest
    /// blobs with their new digests.
    /// - Returns: the manifest's descriptor, with the platform set.
    func setPlatform(_ tag: String, _ platform: Platform) throws -> [String: Any] {
        var index = try readJSON(layout + "/index.json")
        var entries = index["manifests"] as? [[String: Any]] ?? []
        guard let position = entries.firstIndex(where: { Self.refName($0) == tag }) else {
            throw RegistryTestFailure("\(layout): no manifest tagged \(tag)")
        }
        var manifest = try readJSON(try blobPath(entries[position]["digest"]))
        var configDescriptor = manifest["config"] as? [String: Any] ?? [:]
        var config = try readJSON(try blobPath(configDescriptor["digest"]))
        config["os"] = platform.os
        config["architecture"] = platform.architecture
        if let variant = platform.variant { config["variant"] = variant } else { config.removeValue(forKey: "variant") }
        let (configDigest, configSize) = try putBlob(try JSONSerialization.data(withJSONObject: config, options: .sortedKeys))
        configDescriptor["digest"] = configDigest
        configDescriptor["size"] = configSize
        manifest["config"] = configDescriptor
        let (manifestDigest, manifestSize) = try putBlob(try JSONSerialization.data(withJSONObject: manifest, options: .sortedKeys))
        entries[position]["digest"] = manifestDigest
        entries[position]["size"] = manifestSize
        index["manifests"] = entries
        try JSONSerialization.data(withJSONObject: index, options: .sortedKeys).write(to: URL(fileURLWithPath: layout + "/index.json"))

        var platformJSON: [String: Any] = ["os": platform.os, "architecture": platform.architecture]
        if let variant = platform.variant { platformJSON["variant"] = variant }
        return ["mediaType": MediaType.ociManifest, "digest": manifestDigest, "size": manifestSize, "platform": platformJSON]
    }

    /// Writes an OCI image index of `manifests` and tags it `tag` in the layout.
    func addIndex(_ tag: String, manifests: [[String: Any]]) throws {
        let body: [String: Any] = ["schemaVersion": 2, "mediaType": MediaType.ociIndex, "manifests": manifests]
        let (digest, size) = try putBlob(try JSONSerialization.data(withJSONObject: body, options: .sortedKeys))
        var index = try readJSON(layout + "/index.json")
        var entries = index["manifests"] as? [[String: Any]] ?? []
        entries.append([
            "mediaType": MediaType.ociIndex, "digest": digest, "size": size,
            "annotations": ["org.opencontainers.image.ref.name": tag],
        ])
        index["manifests"] = entries
        try JSONSerialization.data(withJSONObject: index, options: .sortedKeys).write(to: URL(fileURLWithPath: layout + "/index.json"))
    }

    /// Pushes `tag` to `registry` as `repoTag` with skopeo (`--all` copies an index and every
    /// image in it).
    /// - Returns: the pushed manifest's (or index's) digest as skopeo reports it.
    func push(_ tag: String, to registry: TestRegistry, as repoTag: String, v2s2: Bool = false, all: Bool = false) throws -> String {
        let digestFile = dir + "/digest-\(UUID().uuidString)"
        let flags = (v2s2 ? " --format v2s2" : "") + (all ? " --all" : "")
        try registryTestRun(
            "skopeo copy --quiet\(flags) --dest-tls-verify=false --digestfile \(digestFile) oci:\(layout):\(tag) docker://\(registry.host)/\(repoTag)")
        return try String(contentsOfFile: digestFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func refName(_ entry: [String: Any]) -> String? {
        (entry["annotations"] as? [String: Any])?["org.opencontainers.image.ref.name"] as? String
    }

    private func blobPath(_ digest: Any?) throws -> String {
        guard let digest = digest as? String, digest.hasPrefix("sha256:") else {
            throw RegistryTestFailure("\(layout): descriptor without a sha256 digest")
        }
        return "\(layout)/blobs/sha256/\(digest.dropFirst("sha256:".count))"
    }

    private func putBlob(_ data: Data) throws -> (digest: String, size: Int) {
        let digest = "sha256:" + SHA256Hasher.hex(of: [UInt8](data))
        try data.write(to: URL(fileURLWithPath: try blobPath(digest)))
        return (digest, data.count)
    }

    private func readJSON(_ path: String) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path),
              let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw RegistryTestFailure("\(path): not a JSON object")
        }
        return object
    }
}

/// The test image set: each image is built from Debian's busybox-static in the registry's own
/// temp dir and pushed to it, nothing shared between registries (so between tests).
extension TestRegistry {
    /// Where the registry keeps the bytes of blob `digest`.
    func blobPath(_ digest: ImageDigest) -> String {
        let hex = digest.encoded
        return "\(dir)/storage/docker/registry/v2/blobs/\(digest.algorithm)/\(hex.prefix(2))/\(hex)/data"
    }

    private func withBuilder<T>(_ body: (TestImageBuilder) throws -> T) throws -> T {
        let builder = try TestImageBuilder(in: dir)
        defer { builder.remove() }
        return try body(builder)
    }

    /// Three layers: (1) busybox; (2) `/etc/app.conf` = `appConfV1`, `/data/keep`, `/data/old` and
    /// an incompressible `/data/blob`; (3) `/etc/app.conf` rewritten to `appConfV2`.
    /// - Parameter v2s2: push as a Docker schema 2 manifest instead of OCI.
    /// - Returns: the pushed manifest's digest.
    @discardableResult
    func pushMultiLayer(_ repoTag: String, v2s2: Bool = false) throws -> String {
        try withBuilder { b in
            try b.newImage("img")
            try b.addBusyboxLayer("img")
            let data = TestImageSet.dataFiles.sorted { $0.key < $1.key }
                .map { "printf '\($0.value.replacingOccurrences(of: "\n", with: "\\n"))' > data/\($0.key)" }
                .joined(separator: "\n")
            try b.addLayer("img", """
                mkdir -p data
                printf 'version=1\\n' > etc/app.conf
                \(data)
                head -c \(TestImageSet.blobSize) /dev/urandom > data/blob
                """)
            try b.addLayer("img", "printf 'version=2\\n' > etc/app.conf")
            return try b.push("img", to: self, as: repoTag, v2s2: v2s2)
        }
    }

    /// Two layers: (1) busybox plus `/data/a`, `/data/b`, `/opq/x`, `/opq/y`; (2) a whiteout for
    /// `/data/a` and `/opq` replaced wholesale (an opaque marker and only `/opq/z`).
    ///
    /// umoci (0.4.7) repacks a replaced directory as one `.wh.<name>` per removed child and never
    /// writes an opaque marker, so layer 2 is tarred by hand: whiteouts are plain empty files
    /// named `.wh.<name>` and `.wh..wh..opq` in the OCI layer format.
    /// - Returns: the pushed manifest's digest.
    @discardableResult
    func pushWhiteouts(_ repoTag: String) throws -> String {
        try withBuilder { b in
            try b.newImage("img")
            try b.addBusyboxLayer("img", extra: """
                mkdir -p data opq
                echo a > data/a; echo b > data/b; echo x > opq/x; echo y > opq/y
                """)
            try b.addRawLayer("img", """
                mkdir data opq
                : > data/.wh.a
                : > opq/.wh..wh..opq
                echo z > opq/z
                """)
            return try b.push("img", to: self, as: repoTag)
        }
    }

    /// One layer: busybox, a hardlink `/bin/hl` to `/bin/busybox`, `/etc/target`, a file
    /// symlink `/link` → `/etc/target` and directory symlinks `/etclink` → `etc` (relative) and
    /// `/abslink` → `/etc` (absolute).
    /// - Returns: the pushed manifest's digest.
    @discardableResult
    func pushLinks(_ repoTag: String) throws -> String {
        try withBuilder { b in
            try b.newImage("img")
            try b.addBusyboxLayer("img", extra: """
                ln bin/busybox bin/hl
                printf 'target\\n' > etc/target
                ln -s /etc/target link
                ln -s etc etclink
                ln -s /etc abslink
                """)
            return try b.push("img", to: self, as: repoTag)
        }
    }

    /// An OCI index of one single-layer image per `TestImageSet.indexPlatforms`, each with
    /// `/arch` holding its platform and its config's os/architecture/variant set to it.
    /// - Returns: the pushed index's digest.
    @discardableResult
    func pushMultiArch(_ repoTag: String) throws -> String {
        try withBuilder { b in
            var descriptors: [[String: Any]] = []
            for (i, platform) in TestImageSet.indexPlatforms.enumerated() {
                let tag = "arch\(i)"
                try b.newImage(tag)
                try b.addLayer(tag, "printf '%s\\n' '\(platform.description)' > arch")
                descriptors.append(try b.setPlatform(tag, platform))
            }
            try b.addIndex("multi", manifests: descriptors)
            return try b.push("multi", to: self, as: repoTag, all: true)
        }
    }
}
