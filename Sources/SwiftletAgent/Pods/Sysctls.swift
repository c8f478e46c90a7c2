/// Sysctl names as Kubernetes treats them: canonical dotted names, which namespace isolates
/// each one, and the `allowedUnsafeSysctls` patterns.
enum Sysctls {
    /// The namespace a sysctl belongs to; sysctls outside these are node-wide and never allowed.
    enum Namespace: String { case ipc, net, uts }

    /// IPC sysctls named one by one (besides the `fs.mqueue.` prefix).
    static let ipcNames: Set<String> = [
        "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
    ]
    static let utsNames: Set<String> = ["kernel.hostname", "kernel.domainname"]

    /// The dotted form: a name written with '/' separators has its '.' and '/' swapped, as
    /// Kubernetes does (so `net/ipv4/conf/eth0.100/rp_filter` keeps its interface name).
    static func canonical(_ name: String) -> String {
        guard let first = name.first(where: { $0 == "." || $0 == "/" }), first == "/" else { return name }
        return String(name.map { $0 == "/" ? "." : $0 == "." ? "/" : $0 })
    }

    /// The namespace of a sysctl name, or of every name a `prefix*` pattern can match.
    static func namespace(of name: String) -> Namespace? {
        if name.hasSuffix("*") {
            let prefix = String(name.dropLast())
            if prefix.hasPrefix("net.") { return .net }
            if prefix.hasPrefix("fs.mqueue.") { return .ipc }
            // A prefix is namespaced when everything it can match is: kernel.msg*, kernel.shm*.
            let matches = (ipcNames.union(utsNames)).filter { $0.hasPrefix(prefix) }
            guard !matches.isEmpty, prefix.count > "kernel.".count else { return nil }
            if matches.allSatisfy(ipcNames.contains) { return .ipc }
            if matches.allSatisfy(utsNames.contains) { return .uts }
            return nil
        }
        if name.hasPrefix("net.") { return .net }
        if name.hasPrefix("fs.mqueue.") || ipcNames.contains(name) { return .ipc }
        if utsNames.contains(name) { return .uts }
        return nil
    }

    /// Why `pattern` cannot be an `allowedUnsafeSysctls` entry; nil when it can.
    static func patternProblem(_ pattern: String) -> String? {
        let name = canonical(pattern)
        if name.isEmpty { return "must not be empty" }
        if name.dropLast().contains("*") { return "'*' may only end a pattern" }
        if namespace(of: name) == nil { return "not known to be namespaced" }
        return nil
    }

    /// Whether `name` (canonical) is allowed by the safe set or one of `patterns`.
    static func allowed(_ name: String, safe: Set<String>, patterns: [String]) -> Bool {
        if safe.contains(name) { return true }
        return patterns.contains { pattern in
            let p = canonical(pattern)
            return p.hasSuffix("*") ? name.hasPrefix(p.dropLast()) : name == p
        }
    }
}
