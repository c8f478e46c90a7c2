import Foundation

/// Bearer tokens per (registry host, scope) until they expire, and the hosts that asked for
/// Basic auth, so later requests authenticate up front instead of collecting a 401 each.
actor RegistryAuthState {
    private struct Key: Hashable {
        var host: String
        var scope: String
    }
    private var tokens: [Key: (token: String, expires: ContinuousClock.Instant)] = [:]
    private var basicHosts: Set<String> = []

    /// The cached token for `host` and `scope`, if it has not expired.
    func token(host: String, scope: String) -> String? {
        let key = Key(host: host, scope: scope)
        guard let entry = tokens[key] else { return nil }
        if entry.expires <= .now {
            tokens[key] = nil
            return nil
        }
        return entry.token
    }

    /// Caches `token` for `lifetimeSeconds`.
    func store(token: String, host: String, scope: String, lifetimeSeconds: Int) {
        tokens[Key(host: host, scope: scope)] = (token, .now + .seconds(lifetimeSeconds))
    }

    /// Forgets a token the registry refused.
    func drop(host: String, scope: String) { tokens[Key(host: host, scope: scope)] = nil }

    /// Records that `host` uses Basic auth.
    func markBasic(_ host: String) { basicHosts.insert(host) }

    /// Whether `host` asked for Basic auth before.
    func usesBasic(_ host: String) -> Bool { basicHosts.contains(host) }
}
