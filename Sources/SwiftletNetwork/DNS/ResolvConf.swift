import Foundation

/// The resolver settings of a resolv.conf file: name servers, search domains and options.
public struct ResolvConf: Sendable, Hashable {
    /// `nameserver` lines, in order.
    public var nameservers: [String]
    /// The `search` domains.
    public var searches: [String]
    /// The `options` entries (`ndots:5`, `edns0`).
    public var options: [String]

    /// Settings from parts.
    public init(nameservers: [String] = [], searches: [String] = [], options: [String] = []) {
        self.nameservers = nameservers
        self.searches = searches
        self.options = options
    }

    /// Whether there is nothing to write.
    public var isEmpty: Bool { nameservers.isEmpty && searches.isEmpty && options.isEmpty }

    /// Parses resolv.conf text with kubelet's rules: `nameserver` lines accumulate, the last
    /// `search` and the last `options` line win, a trailing dot is dropped from search
    /// domains (so `a.com.` and `a.com` count once), and `#` lines are comments.
    public static func parse(_ text: String) -> ResolvConf {
        var result = ResolvConf()
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("#") { continue }
            let fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let keyword = fields.first else { continue }
            switch keyword {
            case "nameserver":
                if fields.count >= 2 { result.nameservers.append(fields[1]) }
            case "search":
                result.searches = fields.dropFirst().map { $0.hasSuffix(".") && $0.count > 1 ? String($0.dropLast()) : $0 }
            case "options":
                result.options = Array(fields.dropFirst())
            default:
                continue
            }
        }
        return result
    }

    /// The file text as containerd writes a sandbox's resolv.conf: `search`, then one
    /// `nameserver` line each, then `options`; empty parts are left out.
    public func rendered() -> String {
        var text = ""
        if !searches.isEmpty { text += "search \(searches.joined(separator: " "))\n" }
        for server in nameservers { text += "nameserver \(server)\n" }
        if !options.isEmpty { text += "options \(options.joined(separator: " "))\n" }
        return text
    }
}
