import Foundation
import Yams

/// Reads `registries.yaml` by walking the YAML tree, so every error names the field and
/// unknown keys (usually typos) are rejected rather than silently ignored.
struct RegistriesConfigParser {
    let source: String

    func parse(_ text: String) throws -> RegistriesConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw CredentialsError.unreadable(source, "not valid YAML: \(error)")
        }
        var config = RegistriesConfig()
        guard let root else { return config }
        let top = try mapping(root, "")
        try rejectUnknown(top, allowed: ["mirrors", "configs"], "")
        if let mirrors = top["mirrors"] {
            for (key, value) in try entries(mirrors, "mirrors") {
                let field = "mirrors.\"\(key)\""
                config.mirrors[try host(key, field)] = try endpoints(value, field)
            }
        }
        if let configs = top["configs"] {
            for (key, value) in try entries(configs, "configs") {
                let field = "configs.\"\(key)\""
                config.configs[try host(key, field)] = try registry(value, field)
            }
        }
        return config
    }

    private func host(_ key: String, _ field: String) throws -> String {
        if key == "*" { return key }
        guard let host = RegistriesConfig.canonicalHost(key) else {
            throw CredentialsError.malformed(source, field: field, "key must be a registry HOST[:PORT] or \"*\"")
        }
        return host
    }

    private func endpoints(_ node: Node, _ field: String) throws -> [RegistryEndpoint] {
        let m = try mapping(node, field)
        try rejectUnknown(m, allowed: ["endpoint"], field)
        guard let list = m["endpoint"] else {
            throw CredentialsError.malformed(source, field: "\(field).endpoint", "is required: list the mirror URLs")
        }
        guard let sequence = list.sequence else {
            throw CredentialsError.malformed(source, field: "\(field).endpoint", "must be a list of URLs")
        }
        return try sequence.enumerated().map { i, item in
            let itemField = "\(field).endpoint[\(i)]"
            guard let url = item.scalar?.string else {
                throw CredentialsError.malformed(source, field: itemField, "must be a URL string")
            }
            return try endpoint(url, itemField)
        }
    }

    /// `[http[s]://]host[:port][/prefix]`; no scheme means HTTPS.
    private func endpoint(_ url: String, _ field: String) throws -> RegistryEndpoint {
        var scheme = "https"
        var rest = Substring(url)
        if let range = url.range(of: "://") {
            scheme = url[..<range.lowerBound].lowercased()
            rest = url[range.upperBound...]
            guard scheme == "http" || scheme == "https" else {
                throw CredentialsError.malformed(source, field: field, "\"\(url)\": scheme must be http or https")
            }
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let host = rest[..<slash]
        var prefix = String(rest[slash...])
        while prefix.hasSuffix("/") { prefix.removeLast() }
        if prefix.hasSuffix("/v2") { prefix.removeLast(3) }
        guard ReferenceGrammar.isDomain(host) else {
            throw CredentialsError.malformed(source, field: field, "\"\(url)\": \"\(host)\" is not a valid HOST[:PORT]")
        }
        return RegistryEndpoint(scheme: scheme, host: String(host), pathPrefix: prefix, isMirror: true)
    }

    private func registry(_ node: Node, _ field: String) throws -> RegistriesConfig.Registry {
        let m = try mapping(node, field)
        try rejectUnknown(m, allowed: ["insecure", "insecureSkipVerify", "auth"], field)
        var registry = RegistriesConfig.Registry()
        if let v = m["insecure"] { registry.insecure = try bool(v, "\(field).insecure") }
        if let v = m["insecureSkipVerify"] { registry.insecureSkipVerify = try bool(v, "\(field).insecureSkipVerify") }
        if let v = m["auth"] { registry.auth = try auth(v, "\(field).auth") }
        return registry
    }

    private func auth(_ node: Node, _ field: String) throws -> RegistryAuth {
        let m = try mapping(node, field)
        try rejectUnknown(m, allowed: ["username", "password", "auth", "identityToken", "registryToken"], field)
        var auth = RegistryAuth(
            username: try string(m["username"], "\(field).username"), password: try string(m["password"], "\(field).password"),
            identityToken: try string(m["identityToken"], "\(field).identityToken"),
            registryToken: try string(m["registryToken"], "\(field).registryToken"))
        if let encoded = try string(m["auth"], "\(field).auth"), !encoded.isEmpty {
            let (user, password) = try RegistryAuth.decodeAuthField(encoded, source: source, field: "\(field).auth")
            auth.username = user
            auth.password = password
        }
        if auth.isEmpty {
            throw CredentialsError.malformed(source, field: field, "set username and password, auth, identityToken or registryToken")
        }
        return auth
    }

    private func mapping(_ node: Node, _ field: String) throws -> Node.Mapping {
        guard let m = node.mapping else {
            throw CredentialsError.malformed(source, field: field.isEmpty ? "(top level)" : field, "must be a mapping")
        }
        return m
    }

    private func entries(_ node: Node, _ field: String) throws -> [(String, Node)] {
        try mapping(node, field).map { key, value in
            guard let k = key.scalar?.string else {
                throw CredentialsError.malformed(source, field: field, "keys must be registry hosts")
            }
            return (k, value)
        }
    }

    private func rejectUnknown(_ m: Node.Mapping, allowed: Set<String>, _ field: String) throws {
        for key in m.keys {
            let name = key.scalar?.string ?? "\(key)"
            if !allowed.contains(name) {
                let at = field.isEmpty ? name : "\(field).\(name)"
                throw CredentialsError.malformed(
                    source, field: at, "unknown field; expected one of \(allowed.sorted().joined(separator: ", "))")
            }
        }
    }

    private func bool(_ node: Node, _ field: String) throws -> Bool {
        guard let value = node.bool else { throw CredentialsError.malformed(source, field: field, "must be true or false") }
        return value
    }

    private func string(_ node: Node?, _ field: String) throws -> String? {
        guard let node else { return nil }
        guard let s = node.scalar?.string else { throw CredentialsError.malformed(source, field: field, "must be a string") }
        return s
    }
}
