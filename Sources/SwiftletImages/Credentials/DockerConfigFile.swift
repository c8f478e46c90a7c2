import Foundation

/// Reads Docker's credential formats: `config.json` / `.dockerconfigjson`
/// (`{"auths": {registry: entry}}`) and the legacy `.dockercfg` (`{registry: entry}`).
public enum DockerConfigFile {
    /// Parses the `{"auths": {...}}` format (`.dockerconfigjson`, `~/.docker/config.json`).
    /// Other top-level keys (`credHelpers`, `HttpHeaders`, ...) are ignored.
    /// - Returns: credentials by registry key, as written (URL, host, `*.glob`).
    /// - Throws: `CredentialsError` naming `source` and the field.
    public static func parseConfigJSON(_ data: Data, source: String) throws -> [String: RegistryAuth] {
        let root = try object(data, source: source)
        switch root["auths"] {
        case nil, is NSNull:
            return [:]
        case let auths as [String: Any]:
            return try entries(auths, source: source, prefix: "auths.")
        default:
            throw CredentialsError.malformed(source, field: "auths", "must be an object of registry to credentials")
        }
    }

    /// Parses the legacy `.dockercfg` format: registry keys at the top level.
    /// - Throws: `CredentialsError` naming `source` and the field.
    public static func parseDockercfg(_ data: Data, source: String) throws -> [String: RegistryAuth] {
        try entries(object(data, source: source), source: source, prefix: "")
    }

    private static func object(_ data: Data, source: String) throws -> [String: Any] {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw CredentialsError.unreadable(source, "not valid JSON")
        }
        guard let object = parsed as? [String: Any] else {
            throw CredentialsError.malformed(source, field: "", "must be a JSON object")
        }
        return object
    }

    private static func entries(_ object: [String: Any], source: String, prefix: String) throws -> [String: RegistryAuth] {
        var out: [String: RegistryAuth] = [:]
        for (key, value) in object {
            out[key] = try RegistryAuth.decode(value, source: source, field: "\(prefix)\"\(key)\"")
        }
        return out
    }
}
