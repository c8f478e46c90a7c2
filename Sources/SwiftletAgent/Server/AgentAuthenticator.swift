import Foundation
import X509

/// Authenticates and authorizes requests to the secure port as kubelet's delegating authenticator
/// and authorizer do, without an API server: client certificates (already verified against
/// `clientCAFile` by the TLS handshake), then bearer tokens from the static token file, then
/// anonymous access when enabled. A bearer token that matches no user fails the request even when
/// anonymous access is on, as kube's union authenticator fails on an error.
struct AgentAuthenticator: Sendable {
    /// Whether client certificates identify users (a `clientCAFile` is configured).
    let clientCertificates: Bool
    let tokens: StaticTokenFile?
    let anonymousEnabled: Bool
    let authorizationMode: String

    /// The user of a request. `peerCertificate` is the client's DER certificate, if it presented one
    /// and the handshake verified it; `authorization` is the `Authorization` header.
    /// - Throws: ``AgentAPIError/unauthorized(_:)`` when no method identifies the caller.
    func authenticate(peerCertificate: [UInt8]?, authorization: String?) throws -> AgentUser {
        if clientCertificates, let der = peerCertificate {
            return try Self.user(fromCertificateDER: der)
        }
        if let header = authorization {
            let parts = header.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let token = parts[1].trimmingCharacters(in: .whitespaces)
                if !token.isEmpty {
                    guard let user = tokens?.user(forToken: token) else { throw AgentAPIError.unauthorized() }
                    return user
                }
            }
        }
        if anonymousEnabled { return .anonymous }
        throw AgentAPIError.unauthorized()
    }

    /// Applies `authorization.mode` to an authenticated request for `path`.
    /// - Throws: ``AgentAPIError/forbidden(_:)`` in Webhook mode, which needs the API server's
    ///   SubjectAccessReview; the message says how to get access.
    func authorize(_ user: AgentUser, method: String, path: String) throws {
        guard authorizationMode != "AlwaysAllow" else { return }
        let verb = Self.verb(method)
        let subresource = Self.subresource(path)
        throw AgentAPIError.forbidden(
            "Forbidden (user=\(user.name), verb=\(verb), resource=nodes, subresource(s)=[\(subresource)]): "
                + "authorization mode \(authorizationMode) needs the API server's SubjectAccessReview, which this agent "
                + "does not support; set authorization.mode: AlwaysAllow in the agent's configuration")
    }

    /// User name from the subject CN, groups from its O values (kube's `CommonNameUserConversion`).
    /// - Throws: ``AgentAPIError/unauthorized(_:)`` when the certificate is not for client authentication.
    static func user(fromCertificateDER der: [UInt8]) throws -> AgentUser {
        guard let cert = try? Certificate(derEncoded: der) else {
            throw AgentAPIError.unauthorized("Unauthorized: the client certificate cannot be parsed")
        }
        if let usage = try? cert.extensions.extendedKeyUsage,
           !usage.contains(.clientAuth), !usage.contains(.any) {
            throw AgentAPIError.unauthorized("Unauthorized: the client certificate is not for client authentication (extended key usage)")
        }
        var name = ""
        var groups: [String] = []
        for rdn in cert.subject {
            for attribute in rdn {
                if attribute.type == .RDNAttributeType.commonName { name = attribute.value.description }
                if attribute.type == .RDNAttributeType.organizationName { groups.append(attribute.value.description) }
            }
        }
        guard !name.isEmpty else {
            throw AgentAPIError.unauthorized("Unauthorized: the client certificate has no subject common name")
        }
        return AgentUser(name: name, groups: groups)
    }

    /// kubelet's request verb for an HTTP method.
    static func verb(_ method: String) -> String {
        switch method {
        case "POST": "create"
        case "PUT": "update"
        case "PATCH": "patch"
        case "DELETE": "delete"
        default: "get"
        }
    }

    /// kubelet's `nodes` subresource for a path (`GetRequestAttributes`).
    static func subresource(_ path: String) -> String {
        if path == "/stats" || path.hasPrefix("/stats/") { return "stats" }
        if path == "/metrics" || path.hasPrefix("/metrics/") { return "metrics" }
        if path == "/logs" || path.hasPrefix("/logs/") { return "log" }
        if path == "/pods" || path.hasPrefix("/pods/") { return "pods" }
        if path == "/healthz" || path.hasPrefix("/healthz/") { return "healthz" }
        return "proxy"
    }
}
