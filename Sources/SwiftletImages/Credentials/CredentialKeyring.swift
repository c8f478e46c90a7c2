import Foundation
import SwiftletAPI

/// Registry credentials from every source, looked up per image the way kubelet's
/// credentialprovider keyring does.
///
/// Keys may be URLs with scheme and path (`https://index.docker.io/v1/`), `host[:port]`,
/// `host/namespace`, or globs (`*.example.com`). Lookup returns every matching credential,
/// most specific key first (keys sorted in reverse), then the credentials of the sources added
/// later; the puller tries them in order. Credentials under `index.docker.io` (which is what
/// `https://index.docker.io/v1/` becomes) also serve `docker.io` images.
public struct CredentialKeyring: Sendable, Hashable {
    /// One source's credentials by normalised key, and the keys in lookup order.
    private struct Source: Sendable, Hashable {
        var credentials: [String: [RegistryAuth]] = [:]
        var index: [String] = []
    }

    private var sources: [Source] = []

    /// The key kubelet keeps Docker Hub credentials under.
    static let dockerHubKey = "index.docker.io"

    /// An empty keyring.
    public init() {}

    /// A keyring of one source.
    public init(_ config: [String: RegistryAuth]) {
        add(config)
    }

    /// Adds a source; its credentials come after those of earlier sources.
    public mutating func add(_ config: [String: RegistryAuth]) {
        var source = Source()
        for (key, auth) in config {
            let normalized = RegistryKeyMatch.normalizeKey(key)
            if source.credentials[normalized] == nil { source.index.append(normalized) }
            source.credentials[normalized, default: []].append(auth)
        }
        source.index.sort(by: >)
        sources.append(source)
    }

    /// This keyring's sources followed by `other`'s (pull secrets before node credentials).
    public func merging(_ other: CredentialKeyring) -> CredentialKeyring {
        var merged = self
        merged.sources += other.sources
        return merged
    }

    /// Whether the keyring has no credentials at all.
    public var isEmpty: Bool { sources.allSatisfy { $0.index.isEmpty } }

    /// Credentials for `reference`, best first; empty means pull anonymously.
    public func lookup(_ reference: ImageReference) -> [RegistryAuth] {
        lookup(repository: reference.name)
    }

    /// Credentials for a repository given as `domain/path` (`docker.io/library/busybox`).
    public func lookup(repository: String) -> [RegistryAuth] {
        var found: [RegistryAuth] = []
        for source in sources {
            var matched: [RegistryAuth] = []
            for key in source.index where RegistryKeyMatch.matches(key, repository) {
                matched += source.credentials[key] ?? []
            }
            if matched.isEmpty, RegistryKeyMatch.isDockerHub(repository) {
                matched = source.credentials[Self.dockerHubKey] ?? []
            }
            found += matched
        }
        return found
    }

    /// The keyring of a pod's `imagePullSecrets`, as kubelet's `MakeDockerKeyring`: secrets of
    /// type `kubernetes.io/dockercfg` are read from `.dockercfg`, those of type
    /// `kubernetes.io/dockerconfigjson` from `.dockerconfigjson`; other secrets are ignored.
    /// - Throws: `CredentialsError` naming the secret, its key and the field that is malformed.
    public static func fromPullSecrets(_ secrets: [Secret]) throws -> CredentialKeyring {
        var keyring = CredentialKeyring()
        for secret in secrets {
            let name = "\(secret.metadata.namespace ?? "")/\(secret.metadata.name ?? "")"
            switch secret.type {
            case "kubernetes.io/dockercfg":
                guard let data = secret.data?[".dockercfg"], !data.isEmpty else { continue }
                let source = "imagePullSecret \"\(name)\" key .dockercfg"
                for (key, auth) in try DockerConfigFile.parseDockercfg(data, source: source) {
                    keyring.addSecretEntry(key, auth)
                }
            case "kubernetes.io/dockerconfigjson":
                guard let data = secret.data?[".dockerconfigjson"], !data.isEmpty else { continue }
                let source = "imagePullSecret \"\(name)\" key .dockerconfigjson"
                for (key, auth) in try DockerConfigFile.parseConfigJSON(data, source: source) {
                    keyring.addSecretEntry(key, auth)
                }
            default:
                continue
            }
        }
        return keyring
    }

    /// All pull secrets form one source in kubelet, so one key may hold several credentials.
    private mutating func addSecretEntry(_ key: String, _ auth: RegistryAuth) {
        if sources.isEmpty { sources.append(Source()) }
        let normalized = RegistryKeyMatch.normalizeKey(key)
        if sources[0].credentials[normalized] == nil {
            sources[0].index.append(normalized)
            sources[0].index.sort(by: >)
        }
        sources[0].credentials[normalized, default: []].append(auth)
    }

    /// The node's Docker-format credentials file (`<rootDir>/config.json`); a missing file gives
    /// an empty keyring.
    /// - Throws: `CredentialsError` naming the file when it cannot be read or is malformed.
    public static func loadDockerConfig(at path: String) throws -> CredentialKeyring {
        guard FileManager.default.fileExists(atPath: path) else { return CredentialKeyring() }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CredentialsError.unreadable(path, "cannot read: \(error.localizedDescription)")
        }
        return CredentialKeyring(try DockerConfigFile.parseConfigJSON(data, source: path))
    }
}
