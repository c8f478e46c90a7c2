import Foundation
import Glibc
import Testing

@Suite("swiftlet image pull")
struct ImagePullCLITests {
    /// A free loopback TCP port: bind port 0, read the port back, close.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Int32 in
                guard bind(fd, p, length) == 0 else { return -1 }
                return getsockname(fd, p, &length)
            }
        }
        try #require(bound == 0)
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    @Test("pulls from an insecure loopback registry, printing plain progress lines and the final line when stdout is not a terminal")
    func pullNotTTY() throws {
        let dir = try TempDir("swiftlet-image-pull")
        defer { dir.remove() }
        let port = try Self.freePort()
        let host = "127.0.0.1:\(port)"
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
        let registry = Process()
        registry.executableURL = URL(fileURLWithPath: "/usr/bin/docker-registry")
        registry.arguments = ["serve", dir.file("config.yml")]
        registry.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        registry.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try registry.run()
        defer {
            kill(registry.processIdentifier, SIGKILL)
            registry.waitUntilExit()
        }
        let script = """
            set -e
            cd \(dir.path)
            umoci init --layout oci
            umoci new --image oci:img
            umoci unpack --image oci:img b >/dev/null
            mkdir -p b/rootfs/bin
            cp /bin/busybox b/rootfs/bin/
            umoci repack --image oci:img b
            for i in $(seq 1 100); do
              skopeo copy --quiet --dest-tls-verify=false --digestfile digest oci:oci:img docker://\(host)/tools/busybox:e2e && exit 0
              sleep 0.1
            done
            exit 1
            """
        let pushed = try runProcess("/bin/sh", ["-c", script])
        try #require(pushed.status == 0, "pushing the image failed: \(pushed.stderr)")
        let digest = try String(contentsOfFile: dir.file("digest"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let root = ["--root-dir", dir.file("root")]
        let reference = "\(host)/tools/busybox:e2e"

        let pulled = try Swiftlet.run(
            ["image", "pull", reference, "--insecure-registry", host, "--platform", "linux/amd64"] + root)
        #expect(pulled.status == 0, "\(pulled.stderr)")
        let lines = pulled.stdout.split(separator: "\n").map(String.init)
        #expect(!pulled.stdout.contains("\r"))
        #expect(lines.last == "pulled \(reference) (\(digest))")
        let progress = lines.dropLast()
        #expect(!progress.isEmpty)
        #expect(progress.allSatisfy { $0.range(of: #"^[0-9a-f]{12}: [0-9]+\.[0-9] MiB / [0-9]+\.[0-9] MiB$"#, options: .regularExpression) != nil })
        #expect(progress.last.map { line in line.split(separator: " ")[1] == line.split(separator: " ")[4] } == true)

        let ls = try Swiftlet.run(["image", "ls"] + root)
        #expect(ls.stdout.contains(reference))

        let missing = try Swiftlet.run(
            ["image", "pull", "\(host)/tools/busybox:nope", "--insecure-registry", host] + root)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("\(host)/tools/busybox:nope"))
    }

    @Test("credentials come from <root-dir>/config.json and the insecure registry from <root-dir>/registries.yaml; without them the pull fails saying why")
    func nodeCredentials() throws {
        let dir = try TempDir("swiftlet-image-pull-auth")
        defer { dir.remove() }
        let port = try Self.freePort()
        let host = "127.0.0.1:\(port)"
        let htpasswd = try runProcess("/usr/bin/htpasswd", ["-Bbn", "node", "s3cret"])
        try #require(htpasswd.status == 0)
        _ = try dir.write("htpasswd", htpasswd.stdout)
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
            auth:
              htpasswd:
                realm: swiftlet-e2e
                path: \(dir.path)/htpasswd

            """)
        let registry = Process()
        registry.executableURL = URL(fileURLWithPath: "/usr/bin/docker-registry")
        registry.arguments = ["serve", dir.file("config.yml")]
        registry.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        registry.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try registry.run()
        defer {
            kill(registry.processIdentifier, SIGKILL)
            registry.waitUntilExit()
        }
        let script = """
            set -e
            cd \(dir.path)
            umoci init --layout oci
            umoci new --image oci:img
            umoci unpack --image oci:img b >/dev/null
            mkdir -p b/rootfs/bin
            cp /bin/busybox b/rootfs/bin/
            umoci repack --image oci:img b
            for i in $(seq 1 100); do
              skopeo copy --quiet --dest-tls-verify=false --dest-creds node:s3cret oci:oci:img docker://\(host)/private/app:1 && exit 0
              sleep 0.1
            done
            exit 1
            """
        let pushed = try runProcess("/bin/sh", ["-c", script])
        try #require(pushed.status == 0, "pushing the image failed: \(pushed.stderr)")
        let rootDir = dir.file("root")
        try FileManager.default.createDirectory(atPath: rootDir, withIntermediateDirectories: true)
        let reference = "\(host)/private/app:1"

        let anonymous = try Swiftlet.run(["image", "pull", reference, "--insecure-registry", host, "--root-dir", rootDir])
        #expect(anonymous.status == 1)
        #expect(anonymous.stderr.contains("no credentials"))

        // The node's files: credentials in config.json (Docker's format), plain HTTP in registries.yaml.
        let auth = Data("node:s3cret".utf8).base64EncodedString()
        _ = try dir.write("root/config.json", #"{"auths": {"\#(host)": {"auth": "\#(auth)"}}}"#)
        _ = try dir.write("root/registries.yaml", "configs:\n  \"\(host)\":\n    insecure: true\n")
        let pulled = try Swiftlet.run(["image", "pull", reference, "--root-dir", rootDir])
        #expect(pulled.status == 0, "\(pulled.stderr)")
        #expect(pulled.stdout.contains("pulled \(reference)"))

        _ = try dir.write("root/registries.yaml", "configs:\n  \"\(host)\":\n    insecure: maybe\n")
        let broken = try Swiftlet.run(["image", "pull", reference, "--root-dir", rootDir])
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("registries.yaml"))
        #expect(broken.stderr.contains("insecure"))
    }
}
