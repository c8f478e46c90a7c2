import Foundation
import Glibc
import SwiftletImages
import Testing

/// A free loopback TCP port: bind port 0, read the port back, close.
func registryTestFreePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw RegistryTestFailure("socket: errno \(errno)") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Int32 in
            guard bind(fd, p, length) == 0 else { return -1 }
            return getsockname(fd, p, &length)
        }
    }
    guard bound == 0 else { throw RegistryTestFailure("bind/getsockname: errno \(errno)") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
func registryTestCanConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
}

struct RegistryTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs a shell command and throws with its output when it fails.
@discardableResult
func registryTestRun(_ command: String) throws -> String {
    let process = Process()
    let pipe = Pipe()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command + " 2>&1"]
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let output = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard process.terminationStatus == 0 else {
        throw RegistryTestFailure("`\(command)` exited \(process.terminationStatus): \(output)")
    }
    return output
}

/// Debian's docker-registry on 127.0.0.1 at a free port with storage in its own temp dir,
/// optionally behind htpasswd Basic auth (user `user`, password `pass`).
final class TestRegistry: @unchecked Sendable {
    let dir: String
    let port: Int
    private let configPath: String
    private var process: Process?

    init(basicAuth: Bool = false) throws {
        dir = NSTemporaryDirectory() + "swiftlet-registry-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/storage", withIntermediateDirectories: true)
        port = try registryTestFreePort()
        configPath = dir + "/config.yml"
        var config = """
            version: 0.1
            log:
              level: error
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: \(dir)/storage
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:\(port)

            """
        if basicAuth {
            try registryTestRun("htpasswd -Bbn user pass > \(dir)/htpasswd")
            config += """
                auth:
                  htpasswd:
                    realm: swiftlet-test
                    path: \(dir)/htpasswd

                """
        }
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        do {
            try start()
        } catch {
            remove()
            throw error
        }
    }

    var host: String { "127.0.0.1:\(port)" }

    /// Starts the registry and waits until it accepts connections.
    func start() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/docker-registry")
        p.arguments = ["serve", configPath]
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if registryTestCanConnect(port: port) { return }
            usleep(20_000)
        }
        throw RegistryTestFailure("docker-registry did not listen on \(host) within 10 s")
    }

    /// Stops the registry process (SIGTERM, then waits).
    func stop() {
        guard let p = process else { return }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        process = nil
    }

    /// Stops the registry and removes its storage.
    func remove() {
        stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Builds a busybox OCI layout in the registry's temp dir and pushes it as `repo:tag`.
    /// - Returns: the pushed manifest's digest as skopeo reports it.
    @discardableResult
    func pushBusybox(_ repoTag: String, v2s2: Bool = false, credentials: String? = nil) throws -> String {
        let work = dir + "/image-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        try registryTestRun(
            """
            cd \(work) && umoci init --layout oci && umoci new --image oci:img && umoci unpack --image oci:img b \
            && mkdir -p b/rootfs/bin b/rootfs/sbin b/rootfs/usr/bin b/rootfs/usr/sbin && cp /bin/busybox b/rootfs/bin/ \
            && chroot b/rootfs /bin/busybox --install -s && umoci repack --image oci:img b
            """)
        let format = v2s2 ? "--format v2s2" : ""
        let creds = credentials.map { "--dest-creds \($0)" } ?? ""
        try registryTestRun(
            "skopeo copy --quiet \(format) \(creds) --dest-tls-verify=false --digestfile \(work)/digest oci:\(work)/oci:img docker://\(host)/\(repoTag)")
        return try String(contentsOfFile: work + "/digest", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A config marking this registry insecure (plain HTTP).
    var registriesConfig: RegistriesConfig {
        get throws {
            var config = RegistriesConfig()
            try config.addInsecureRegistries([host])
            return config
        }
    }
}

@Suite("RegistryClient against docker-registry")
struct RegistryClientTests {
    static let amd64 = Platform(os: "linux", architecture: "amd64")

    @Test("resolves OCI and Docker v2s2 images by tag and by digest, and streams a blob matching its digest")
    func resolveAndFetch() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let ociDigest = try registry.pushBusybox("busybox:1")
        let dockerDigest = try registry.pushBusybox("busybox-docker:1", v2s2: true)
        let client = RegistryClient(registries: try registry.registriesConfig)
        do {
            for (repo, digest, type) in [
                ("busybox", ociDigest, MediaType.ociManifest), ("busybox-docker", dockerDigest, MediaType.dockerManifest),
            ] {
                let byTag = try await client.resolve(
                    ImageReference(parsing: "\(registry.host)/\(repo):1"), platform: Self.amd64)
                #expect(byTag.descriptor.digest.description == digest)
                #expect(byTag.descriptor.mediaType == type)
                #expect(byTag.manifest.layers.count == 1)
                #expect(MediaType.isConfig(byTag.config.mediaType))
                let byDigest = try await client.resolve(
                    ImageReference(parsing: "\(registry.host)/\(repo)@\(digest)"), platform: Self.amd64)
                #expect(byDigest.descriptor == byTag.descriptor)
                #expect(byDigest.manifest == byTag.manifest)

                let layer = byTag.manifest.layers[0]
                var hasher = SHA256Hasher()
                var received: Int64 = 0
                var lastProgress: (Int64, Int64) = (0, 0)
                try await client.fetchBlob(
                    ImageReference(parsing: "\(registry.host)/\(repo):1"), layer,
                    to: { chunk in
                        chunk.withUnsafeBytes { hasher.update($0) }
                        received += Int64(chunk.count)
                    },
                    progress: { lastProgress = ($0, $1) })
                #expect("sha256:" + hasher.finalizeHex() == layer.digest.description)
                #expect(received == layer.size)
                #expect(lastProgress.0 == layer.size && lastProgress.1 == layer.size)
            }
            let missing = try ImageReference(parsing: "\(registry.host)/busybox:nope")
            let notFound = await #expect(throws: RegistryError.self) {
                try await client.resolve(missing, platform: Self.amd64)
            }
            #expect(notFound?.isNotFound == true)
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    @Test("Basic auth: the right password resolves, a wrong one fails naming the registry and the rejected credentials")
    func basicAuth() async throws {
        let registry = try TestRegistry(basicAuth: true)
        defer { registry.remove() }
        try registry.pushBusybox("secure/busybox:1", credentials: "user:pass")
        let reference = try ImageReference(parsing: "\(registry.host)/secure/busybox:1")
        for (password, succeeds) in [("pass", true), ("wrong", false)] {
            let keyring = CredentialKeyring([registry.host: RegistryAuth(username: "user", password: password)])
            let client = RegistryClient(registries: try registry.registriesConfig, keyring: keyring)
            do {
                if succeeds {
                    let resolved = try await client.resolve(reference, platform: Self.amd64)
                    #expect(resolved.manifest.layers.count == 1)
                } else {
                    let error = await #expect(throws: RegistryError.self) {
                        try await client.resolve(reference, platform: Self.amd64)
                    }
                    #expect(error?.isUnauthorized == true)
                    #expect(error?.message.contains(registry.host) == true)
                    #expect(error?.message.contains("rejected") == true)
                }
            } catch {
                try await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
        let anonymous = RegistryClient(registries: try registry.registriesConfig)
        let error = await #expect(throws: RegistryError.self) {
            try await anonymous.resolve(reference, platform: Self.amd64)
        }
        #expect(error?.message.contains("no credentials") == true)
        try await anonymous.shutdown()
    }

    @Test("a registry restarted during a resolve is retried until it answers; one that stays down names the host and cause")
    func retries() async throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        try registry.pushBusybox("busybox:1")
        let reference = try ImageReference(parsing: "\(registry.host)/busybox:1")
        registry.stop()

        let patient = RegistryClient(
            registries: try registry.registriesConfig,
            options: RegistryClientOptions(maxAttempts: 6, initialBackoffMilliseconds: 200))
        let started = ContinuousClock.now
        async let resolved = patient.resolve(reference, platform: Self.amd64)
        try await Task.sleep(for: .milliseconds(500))
        try registry.start()
        do {
            let result = try await resolved
            #expect(result.manifest.layers.count == 1)
            #expect(ContinuousClock.now - started >= .milliseconds(500))
        } catch {
            try await patient.shutdown()
            throw error
        }
        try await patient.shutdown()

        registry.stop()
        let impatient = RegistryClient(
            registries: try registry.registriesConfig,
            options: RegistryClientOptions(connectTimeoutMilliseconds: 1000, maxAttempts: 3, initialBackoffMilliseconds: 20))
        let error = await #expect(throws: RegistryError.self) {
            try await impatient.resolve(reference, platform: Self.amd64)
        }
        #expect(error?.isUnreachable == true)
        #expect(error?.message.contains(registry.host) == true)
        #expect(error?.message.contains("3 attempt") == true)
        try await impatient.shutdown()
    }
}
