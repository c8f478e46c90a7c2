#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How kubelet's credentialprovider matches a credential key against an image's repository
/// (`keyring.go`, `URLsMatch`): keys and targets are scheme-less `host[:port][/path]`; the
/// ports must be equal, the hosts must have the same number of dot-separated labels, each key
/// label is a glob (`*`, `?`, `[...]`) for the matching target label, and the key's path must be
/// a prefix of the target's.
enum RegistryKeyMatch {
    /// Turns a config key (`https://index.docker.io/v1/`, `r.example:5000/team`, `*.gcr.io`)
    /// into the scheme-less form kubelet indexes: `/v1/` and `/v2/` path prefixes dropped, a bare
    /// `/` path dropped.
    static func normalizeKey(_ key: String) -> String {
        var rest = Substring(key)
        for scheme in ["https://", "http://"] where rest.hasPrefix(scheme) {
            rest = rest.dropFirst(scheme.count)
            break
        }
        let (host, path) = splitPath(rest)
        var effectivePath = path
        if effectivePath.hasPrefix("/v2/") || effectivePath.hasPrefix("/v1/") {
            effectivePath = effectivePath.dropFirst(3)
        }
        return effectivePath.isEmpty || effectivePath == "/" ? String(host) : String(host) + effectivePath
    }

    /// Whether normalised key `glob` covers `target` (an image's `domain/path`).
    static func matches(_ glob: String, _ target: String) -> Bool {
        let (globHost, globPath) = splitPath(Substring(glob))
        let (targetHost, targetPath) = splitPath(Substring(target))
        let (globName, globPort) = splitHostPort(globHost)
        let (targetName, targetPort) = splitHostPort(targetHost)
        guard globPort == targetPort else { return false }
        let globLabels = globName.split(separator: ".", omittingEmptySubsequences: false)
        let targetLabels = targetName.split(separator: ".", omittingEmptySubsequences: false)
        guard globLabels.count == targetLabels.count, targetPath.hasPrefix(globPath) else { return false }
        return zip(globLabels, targetLabels).allSatisfy { fnmatch(String($0), String($1), 0) == 0 }
    }

    /// Splits `host[:port]/path` at the first `/`; the path keeps its slash.
    private static func splitPath(_ s: Substring) -> (Substring, Substring) {
        guard let slash = s.firstIndex(of: "/") else { return (s, "") }
        return (s[..<slash], s[slash...])
    }

    /// Splits like Go's `net.SplitHostPort`, keeping the whole as host when it has no port.
    private static func splitHostPort(_ s: Substring) -> (Substring, Substring) {
        if s.hasPrefix("["), let close = s.firstIndex(of: "]") {
            let after = s[s.index(after: close)...]
            guard after.hasPrefix(":") else { return (s, "") }
            return (s[s.index(after: s.startIndex)..<close], after.dropFirst())
        }
        let colons = s.filter { $0 == ":" }.count
        guard colons == 1, let colon = s.firstIndex(of: ":") else { return (s, "") }
        return (s[..<colon], s[s.index(after: colon)...])
    }

    /// Whether `repository` (`domain/path`) is served by Docker Hub, so that credentials kept
    /// under `index.docker.io` apply (kubelet's `isDefaultRegistryMatch`).
    static func isDockerHub(_ repository: String) -> Bool {
        let first = repository.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let head = first.first, !head.isEmpty else { return false }
        if first.count == 1 { return true }
        if head == "docker.io" || head == "index.docker.io" { return true }
        return !head.contains(".") && !head.contains(":")
    }
}
