import Foundation
import SwiftletAPI
import SwiftletImages
import Testing

private func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }

private func auth(_ user: String) -> RegistryAuth { RegistryAuth(username: user, password: "pw-" + user) }

struct KeyMatchCase: CustomTestStringConvertible, Sendable {
    var key: String
    var image: String
    var matches: Bool
    var testDescription: String { "\(key) vs \(image)" }
}

// Following kubelet's credentialprovider keyring and URLsMatch tests.
let keyMatchCases: [KeyMatchCase] = [
    .init(key: "registry.example", image: "registry.example/app", matches: true),
    .init(key: "https://registry.example", image: "registry.example/app", matches: true),
    .init(key: "http://registry.example/v2/", image: "registry.example/app", matches: true),
    .init(key: "registry.example:5000", image: "registry.example:5000/app", matches: true),
    .init(key: "registry.example:5000", image: "registry.example/app", matches: false),
    .init(key: "registry.example", image: "registry.example:5000/app", matches: false),
    .init(key: "*.example.com", image: "a.example.com/app", matches: true),
    .init(key: "*.example.com", image: "example.com/app", matches: false),
    .init(key: "*.example.com", image: "a.b.example.com/app", matches: false),
    .init(key: "*.*.example.com", image: "a.b.example.com/app", matches: true),
    .init(key: "registry-?.example.com", image: "registry-1.example.com/app", matches: true),
    .init(key: "registry.example/team", image: "registry.example/team/app", matches: true),
    .init(key: "registry.example/team", image: "registry.example/other/app", matches: false),
    .init(key: "https://registry.example/v1/team", image: "registry.example/team/app", matches: true),
    .init(key: "https://index.docker.io/v1/", image: "docker.io/library/busybox", matches: true),
    .init(key: "index.docker.io", image: "docker.io/user/app", matches: true),
    .init(key: "docker.io", image: "docker.io/library/busybox", matches: true),
    .init(key: "https://index.docker.io/v1/", image: "quay.io/app", matches: false),
    .init(key: "[::1]:5000", image: "[::1]:5000/app", matches: true),
]

@Suite("Registry credentials")
struct CredentialsTests {
    @Test("keys match images as kubelet's keyring does", arguments: keyMatchCases)
    func keyMatching(_ c: KeyMatchCase) {
        let keyring = CredentialKeyring([c.key: auth("u")])
        #expect(keyring.lookup(repository: c.image) == (c.matches ? [auth("u")] : []))
    }

    @Test("more specific keys come first, and pull secrets before node credentials")
    func ordering() throws {
        let node = CredentialKeyring(["registry.example": auth("node")])
        let secrets = CredentialKeyring(["registry.example": auth("host"), "registry.example/team": auth("team")])
        let merged = secrets.merging(node)
        let ref = try ImageReference(parsing: "registry.example/team/app:v1")
        #expect(merged.lookup(ref) == [auth("team"), auth("host"), auth("node")])
        #expect(merged.lookup(try ImageReference(parsing: "other.example/app")).isEmpty)
    }

    @Test(".dockerconfigjson secrets: auths with username/password, auth and identitytoken")
    func dockerConfigJSONSecret() throws {
        let json = """
            {"auths": {
              "registry.example:5000": {"username": "alice", "password": "a-pw"},
              "https://index.docker.io/v1/": {"auth": "\(b64("bob:b:pw"))"},
              "tokens.example": {"identitytoken": "refresh-me"}
            }}
            """
        let secret = Secret(
            metadata: ObjectMeta(name: "regcred", namespace: "default"), data: [".dockerconfigjson": Data(json.utf8)],
            type: "kubernetes.io/dockerconfigjson")
        let keyring = try CredentialKeyring.fromPullSecrets([secret])
        #expect(keyring.lookup(try ImageReference(parsing: "registry.example:5000/app")) == [RegistryAuth(username: "alice", password: "a-pw")])
        #expect(keyring.lookup(try ImageReference(parsing: "busybox")) == [RegistryAuth(username: "bob", password: "b:pw")])
        #expect(keyring.lookup(try ImageReference(parsing: "tokens.example/x")) == [RegistryAuth(identityToken: "refresh-me")])
    }

    @Test(".dockercfg secrets: registry keys at the top level")
    func dockercfgSecret() throws {
        let json = #"{"registry.example": {"auth": "\#(b64("carol:c-pw"))", "email": "c@example.com"}}"#
        let secret = Secret(metadata: ObjectMeta(name: "old", namespace: "ns"), data: [".dockercfg": Data(json.utf8)], type: "kubernetes.io/dockercfg")
        let keyring = try CredentialKeyring.fromPullSecrets([secret])
        #expect(keyring.lookup(repository: "registry.example/app") == [RegistryAuth(username: "carol", password: "c-pw")])
    }

    @Test("secrets of other types, or with the key of the other type, are ignored")
    func otherTypesIgnored() throws {
        let json = Data(#"{"auths": {"registry.example": {"username": "x", "password": "y"}}}"#.utf8)
        let opaque = Secret(metadata: ObjectMeta(name: "o"), data: [".dockerconfigjson": json], type: "Opaque")
        let mismatched = Secret(metadata: ObjectMeta(name: "m"), data: [".dockerconfigjson": json], type: "kubernetes.io/dockercfg")
        let keyring = try CredentialKeyring.fromPullSecrets([opaque, mismatched])
        #expect(keyring.isEmpty)
    }

    @Test("several pull secrets for one registry all apply, in order")
    func severalSecrets() throws {
        func secret(_ name: String, _ user: String) -> Secret {
            let json = #"{"auths": {"registry.example": {"username": "\#(user)", "password": "pw-\#(user)"}}}"#
            return Secret(metadata: ObjectMeta(name: name), data: [".dockerconfigjson": Data(json.utf8)], type: "kubernetes.io/dockerconfigjson")
        }
        let keyring = try CredentialKeyring.fromPullSecrets([secret("a", "first"), secret("b", "second")])
        #expect(keyring.lookup(repository: "registry.example/app") == [auth("first"), auth("second")])
    }

    struct BadSecretCase: Sendable, CustomTestStringConvertible {
        var json: String
        var message: String
        var testDescription: String { json }
    }

    @Test("malformed secrets fail naming the secret, key and field", arguments: [
        BadSecretCase(json: "{not json", message: #"imagePullSecret "ns/bad" key .dockerconfigjson: not valid JSON"#),
        BadSecretCase(json: #"{"auths": []}"#, message: #"imagePullSecret "ns/bad" key .dockerconfigjson: auths: must be an object of registry to credentials"#),
        BadSecretCase(json: #"{"auths": {"r.example": {"auth": "bm9jb2xvbg=="}}}"#, message: #"imagePullSecret "ns/bad" key .dockerconfigjson: auths."r.example".auth: must be base64 of username:password"#),
        BadSecretCase(json: #"{"auths": {"r.example": {"username": 5}}}"#, message: #"imagePullSecret "ns/bad" key .dockerconfigjson: auths."r.example".username: must be a string"#),
        BadSecretCase(json: #"{"auths": {"r.example": "x"}}"#, message: #"imagePullSecret "ns/bad" key .dockerconfigjson: auths."r.example": must be an object"#),
    ])
    func malformedSecret(_ c: BadSecretCase) {
        let secret = Secret(metadata: ObjectMeta(name: "bad", namespace: "ns"), data: [".dockerconfigjson": Data(c.json.utf8)], type: "kubernetes.io/dockerconfigjson")
        do {
            _ = try CredentialKeyring.fromPullSecrets([secret])
            Issue.record("expected an error")
        } catch let error as CredentialsError {
            #expect(error.message == c.message)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("<rootDir>/config.json is read in Docker's format; a missing file means no credentials")
    func nodeConfigFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-creds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("config.json").path
        #expect(try CredentialKeyring.loadDockerConfig(at: path).isEmpty)

        let json = #"{"auths": {"*.corp.example": {"auth": "\#(b64("dave:d-pw"))"}}, "credHelpers": {"x": "y"}}"#
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        let keyring = try CredentialKeyring.loadDockerConfig(at: path)
        #expect(keyring.lookup(repository: "eu.corp.example/team/app") == [RegistryAuth(username: "dave", password: "d-pw")])

        try Data("[]".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: CredentialsError.malformed(path, field: "", "must be a JSON object")) {
            try CredentialKeyring.loadDockerConfig(at: path)
        }
    }
}
