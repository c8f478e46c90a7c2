import Foundation

/// Credentials for one registry, as Docker's config files hold them.
public struct RegistryAuth: Hashable, Sendable {
    /// User name for Basic auth or the token request.
    public var username: String?
    /// Password for Basic auth or the token request.
    public var password: String?
    /// An OAuth2 refresh token to exchange at the token endpoint (`identitytoken`).
    public var identityToken: String?
    /// A bearer token to send to the registry as is (`registrytoken`).
    public var registryToken: String?

    /// Creates credentials.
    public init(username: String? = nil, password: String? = nil, identityToken: String? = nil, registryToken: String? = nil) {
        self.username = username
        self.password = password
        self.identityToken = identityToken
        self.registryToken = registryToken
    }

    /// Whether there is nothing to authenticate with.
    public var isEmpty: Bool {
        (username ?? "").isEmpty && (password ?? "").isEmpty && (identityToken ?? "").isEmpty
            && (registryToken ?? "").isEmpty
    }

    /// Reads one entry of a Docker config (`{"username", "password", "auth", "identitytoken",
    /// "registrytoken", "email"}`). `auth`, base64 of `username:password`, wins over the
    /// separate fields, as in kubelet's `DockerConfigEntry`.
    /// - Throws: `CredentialsError` naming `source` and `field` for wrong types or a bad `auth`.
    static func decode(_ value: Any, source: String, field: String) throws -> RegistryAuth {
        guard let object = value as? [String: Any] else {
            throw CredentialsError.malformed(source, field: field, "must be an object")
        }
        func string(_ key: String) throws -> String? {
            switch object[key] {
            case nil, is NSNull: return nil
            case let s as String: return s
            default: throw CredentialsError.malformed(source, field: "\(field).\(key)", "must be a string")
            }
        }
        var auth = RegistryAuth(
            username: try string("username"), password: try string("password"),
            identityToken: try string("identitytoken") ?? string("identityToken"),
            registryToken: try string("registrytoken") ?? string("registryToken"))
        if let encoded = try string("auth"), !encoded.isEmpty {
            let (user, password) = try decodeAuthField(encoded, source: source, field: "\(field).auth")
            auth.username = user
            auth.password = password
        }
        return auth
    }

    /// Decodes `base64(username:password)`.
    static func decodeAuthField(_ encoded: String, source: String, field: String) throws -> (String, String) {
        var padded = encoded.trimmingCharacters(in: .whitespaces)
        while padded.utf8.count % 4 != 0 { padded += "=" }
        guard let data = Data(base64Encoded: padded), let text = String(data: data, encoding: .utf8),
            let colon = text.firstIndex(of: ":")
        else {
            throw CredentialsError.malformed(source, field: field, "must be base64 of username:password")
        }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
