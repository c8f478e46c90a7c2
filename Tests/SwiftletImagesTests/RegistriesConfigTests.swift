import Foundation
import SwiftletImages
import Testing

private let file = "/var/lib/swiftlet/registries.yaml"

@Suite("Registries config")
struct RegistriesConfigTests {
    @Test("mirrors come before the registry, with per-host scheme and TLS settings")
    func mirrorsAndInsecure() throws {
        let yaml = """
            mirrors:
              docker.io:
                endpoint:
                  - https://mirror.example.com
                  - http://10.0.0.5:5000/cache/v2/
                  - plain.example:5001
            configs:
              plain.example:5001:
                insecure: true
              mirror.example.com:
                insecureSkipVerify: true
              registry.example:5000:
                insecure: true
                auth:
                  username: bob
                  password: secret
            """
        let config = try RegistriesConfig.parse(yaml, source: file)
        let hub = try ImageReference(parsing: "busybox")
        #expect(config.endpoints(for: hub) == [
            RegistryEndpoint(scheme: "https", host: "mirror.example.com", skipTLSVerify: true, isMirror: true),
            RegistryEndpoint(scheme: "http", host: "10.0.0.5:5000", pathPrefix: "/cache", isMirror: true),
            RegistryEndpoint(scheme: "http", host: "plain.example:5001", isMirror: true),
            RegistryEndpoint(scheme: "https", host: "registry-1.docker.io"),
        ])
        #expect(config.endpoints(for: hub)[1].baseURL == "http://10.0.0.5:5000/cache")

        let private_ = try ImageReference(parsing: "registry.example:5000/team/app:v1")
        #expect(config.endpoints(for: private_) == [RegistryEndpoint(scheme: "http", host: "registry.example:5000")])
        #expect(config.keyring.lookup(private_) == [RegistryAuth(username: "bob", password: "secret")])
        #expect(config.keyring.lookup(hub).isEmpty)
    }

    @Test("a * mirror applies to registries without their own; index.docker.io means docker.io")
    func wildcardAndAliases() throws {
        let yaml = """
            mirrors:
              "*":
                endpoint: [https://all.example]
              index.docker.io:
                endpoint: [https://hub-mirror.example]
            configs:
              index.docker.io:
                auth: {auth: \(Data("hub:pw".utf8).base64EncodedString())}
            """
        let config = try RegistriesConfig.parse(yaml, source: file)
        #expect(config.endpoints(for: try ImageReference(parsing: "quay.io/x/y")).map(\.baseURL) == ["https://all.example", "https://quay.io"])
        #expect(config.endpoints(for: try ImageReference(parsing: "busybox")).map(\.baseURL) == ["https://hub-mirror.example", "https://registry-1.docker.io"])
        #expect(config.keyring.lookup(try ImageReference(parsing: "busybox")) == [RegistryAuth(username: "hub", password: "pw")])
    }

    @Test("--insecure-registry adds plain-HTTP hosts and rejects values that are not HOST[:PORT]")
    func insecureFlag() throws {
        var config = RegistriesConfig()
        try config.addInsecureRegistries(["127.0.0.1:5000", "[::1]:5000"])
        #expect(config.endpoints(for: try ImageReference(parsing: "127.0.0.1:5000/app")) == [RegistryEndpoint(scheme: "http", host: "127.0.0.1:5000")])
        #expect(config.registry("[::1]:5000").insecure)
        #expect(!config.registry("127.0.0.1:5001").insecure)
        #expect(throws: CredentialsError.self) { try config.addInsecureRegistries(["http://127.0.0.1:5000"]) }
    }

    @Test("an empty file and a missing file are empty configs")
    func emptyAndMissing() throws {
        #expect(try RegistriesConfig.parse("", source: file) == RegistriesConfig())
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-none-\(UUID().uuidString).yaml").path
        #expect(try RegistriesConfig.load(from: missing) == RegistriesConfig())
    }

    @Test("a config file on disk is loaded and its errors name the file")
    func loadsFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-reg-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "configs:\n  r.example:\n    insecure: maybe\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: CredentialsError.malformed(path, field: #"configs."r.example".insecure"#, "must be true or false")) {
            try RegistriesConfig.load(from: path)
        }
    }

    struct BadCase: Sendable, CustomTestStringConvertible {
        var yaml: String
        var message: String
        var testDescription: String { message }
    }

    @Test("errors name the file and the field", arguments: [
        BadCase(yaml: "mirror: {}", message: "\(file): mirror: unknown field; expected one of configs, mirrors"),
        BadCase(yaml: "- a", message: "\(file): (top level): must be a mapping"),
        BadCase(yaml: "mirrors:\n  docker.io:\n    endpoints: [x]", message: #"\#(file): mirrors."docker.io".endpoints: unknown field; expected one of endpoint"#),
        BadCase(yaml: "mirrors:\n  docker.io: {}", message: #"\#(file): mirrors."docker.io".endpoint: is required: list the mirror URLs"#),
        BadCase(yaml: "mirrors:\n  docker.io:\n    endpoint: https://x", message: #"\#(file): mirrors."docker.io".endpoint: must be a list of URLs"#),
        BadCase(yaml: "mirrors:\n  docker.io:\n    endpoint: [ftp://x]", message: #"\#(file): mirrors."docker.io".endpoint[0]: "ftp://x": scheme must be http or https"#),
        BadCase(yaml: "mirrors:\n  docker.io:\n    endpoint: [\"https://bad host\"]", message: #"\#(file): mirrors."docker.io".endpoint[0]: "https://bad host": "bad host" is not a valid HOST[:PORT]"#),
        BadCase(yaml: "mirrors:\n  \"http://x\":\n    endpoint: []", message: #"\#(file): mirrors."http://x": key must be a registry HOST[:PORT] or "*""#),
        BadCase(yaml: "configs:\n  r.example:\n    insecure: 3", message: #"\#(file): configs."r.example".insecure: must be true or false"#),
        BadCase(yaml: "configs:\n  r.example:\n    tls: {}", message: #"\#(file): configs."r.example".tls: unknown field; expected one of auth, insecure, insecureSkipVerify"#),
        BadCase(yaml: "configs:\n  r.example:\n    auth: {}", message: #"\#(file): configs."r.example".auth: set username and password, auth, identityToken or registryToken"#),
        BadCase(yaml: "configs:\n  r.example:\n    auth: {auth: \"!!!\"}", message: #"\#(file): configs."r.example".auth.auth: must be base64 of username:password"#),
        BadCase(yaml: "configs:\n  r.example:\n    auth: {username: [a]}", message: #"\#(file): configs."r.example".auth.username: must be a string"#),
    ])
    func errors(_ c: BadCase) {
        do {
            _ = try RegistriesConfig.parse(c.yaml, source: file)
            Issue.record("expected an error")
        } catch let error as CredentialsError {
            #expect(error.message == c.message)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("YAML syntax errors name the file")
    func syntax() {
        do {
            _ = try RegistriesConfig.parse("mirrors: [unclosed", source: file)
            Issue.record("expected an error")
        } catch let error as CredentialsError {
            #expect(error.message.hasPrefix("\(file): not valid YAML"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
