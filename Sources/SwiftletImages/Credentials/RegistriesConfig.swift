import Foundation
import SwiftletAPI
import Yams

/// The node's registries config (`<rootDir>/registries.yaml`): mirrors per registry,
/// insecure registries, and per-registry credentials.
///
/// ```yaml
/// mirrors:
///   docker.io:                 # or "*" for every registry without its own entry
///     endpoint:
///       - https://mirror.example.com
///       - http://10.0.0.5:5000/prefix
/// configs:
///   registry.example:5000:
///     insecure: true           # plain HTTP
///     insecureSkipVerify: true # HTTPS without certificate checks
///     auth:
///       username: bob
///       password: secret       # or auth: base64(user:pass), or identityToken: …
/// ```
///
/// Endpoints are tried in order: the mirrors, then the registry itself.
public struct RegistriesConfig: Sendable, Hashable {
    /// Settings of one registry host.
    public struct Registry: Sendable, Hashable {
        /// Talk plain HTTP.
        public var insecure: Bool = false
        /// Talk HTTPS without verifying the certificate.
        public var insecureSkipVerify: Bool = false
        /// Credentials for this host.
        public var auth: RegistryAuth?

        /// Creates settings.
        public init(insecure: Bool = false, insecureSkipVerify: Bool = false, auth: RegistryAuth? = nil) {
            self.insecure = insecure
            self.insecureSkipVerify = insecureSkipVerify
            self.auth = auth
        }
    }

    /// Mirror endpoints by registry host (`docker.io`, `r:5000`, `*`), in order.
    public var mirrors: [String: [RegistryEndpoint]]
    /// Settings by registry host.
    public var configs: [String: Registry]

    /// An empty config: no mirrors, every registry over verified HTTPS, no credentials.
    public init(mirrors: [String: [RegistryEndpoint]] = [:], configs: [String: Registry] = [:]) {
        self.mirrors = mirrors
        self.configs = configs
    }

    /// Reads the config at `path`; a missing file is an empty config.
    /// - Throws: `CredentialsError` naming the file and, for bad content, the field.
    public static func load(from path: String) throws -> RegistriesConfig {
        guard FileManager.default.fileExists(atPath: path) else { return RegistriesConfig() }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CredentialsError.unreadable(path, "cannot read: \(error.localizedDescription)")
        }
        return try parse(text, source: path)
    }

    /// Parses YAML (or JSON) text; `source` names it in errors.
    /// - Throws: `CredentialsError` naming `source` and the field.
    public static func parse(_ text: String, source: String) throws -> RegistriesConfig {
        try RegistriesConfigParser(source: source).parse(text)
    }

    /// Adds `--insecure-registry HOST[:PORT]` values: each is reached over plain HTTP.
    /// - Throws: `CredentialsError` for a value that is not `host[:port]`.
    public mutating func addInsecureRegistries(_ hosts: [String]) throws {
        for raw in hosts {
            guard let host = Self.canonicalHost(raw) else {
                throw CredentialsError.malformed(
                    "--insecure-registry", field: "", "\"\(raw)\" is not HOST[:PORT] (e.g. registry.local:5000)")
            }
            configs[host, default: Registry()].insecure = true
        }
    }

    /// `index.docker.io` and `registry-1.docker.io` are spellings of `docker.io`; nil when
    /// `raw` is not `host[:port]`.
    static func canonicalHost(_ raw: String) -> String? {
        guard ReferenceGrammar.isDomain(raw[...]) else { return nil }
        return raw == "index.docker.io" || raw == ImageReference.dockerHubRegistryHost ? ImageReference.defaultDomain : raw
    }

    /// Settings for `host` (a reference's `domain` or an endpoint host); defaults when none.
    public func registry(_ host: String) -> Registry {
        configs[Self.canonicalHost(host) ?? host] ?? Registry()
    }

    /// Where to fetch `reference` from, in order: its registry's mirrors (or the `*` mirrors),
    /// then the registry itself (`registry-1.docker.io` for Docker Hub), each with the scheme and
    /// TLS settings configured for its host.
    public func endpoints(for reference: ImageReference) -> [RegistryEndpoint] {
        var out = (mirrors[reference.domain] ?? mirrors["*"] ?? []).map { mirror -> RegistryEndpoint in
            var endpoint = mirror
            let settings = registry(mirror.host)
            if settings.insecure { endpoint.scheme = "http" }
            endpoint.skipTLSVerify = endpoint.skipTLSVerify || settings.insecureSkipVerify
            return endpoint
        }
        let settings = registry(reference.domain)
        out.append(
            RegistryEndpoint(
                scheme: settings.insecure ? "http" : "https", host: reference.registryHost,
                skipTLSVerify: settings.insecureSkipVerify))
        return out
    }

    /// The credentials of this config as a keyring source (keyed by registry host).
    public var keyring: CredentialKeyring {
        var entries: [String: RegistryAuth] = [:]
        for (host, settings) in configs {
            guard let auth = settings.auth else { continue }
            entries[host] = auth
        }
        return CredentialKeyring(entries)
    }
}
