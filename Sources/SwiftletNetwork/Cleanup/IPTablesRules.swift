/// The chains and rules of one table, parsed from `iptables-save -t TABLE` output.
struct IPTablesRules: Sendable {
    /// One `-A CHAIN …` line.
    struct Rule: Sendable, Hashable {
        /// The chain the rule is in.
        var chain: String
        /// The line after `-A `, verbatim (quoting kept), so `-D` can repeat it to iptables-restore.
        var spec: String
        /// The `-j`/`-g` target.
        var target: String?
        /// The `--comment` text, unquoted.
        var comment: String?
    }

    /// Chains declared in the table, built-in and user-defined.
    var chains: [String] = []
    var rules: [Rule] = []

    /// Parses iptables-save text; the first table's lines are taken.
    static func parse(_ text: String) -> IPTablesRules {
        var result = IPTablesRules()
        for line in text.split(separator: "\n") {
            if line.hasPrefix(":") {
                let name = line.dropFirst().split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
                if !name.isEmpty { result.chains.append(name) }
            } else if line.hasPrefix("-A ") {
                let spec = String(line.dropFirst(3))
                let tokens = tokenize(spec)
                guard let chain = tokens.first else { continue }
                var target: String?
                var comment: String?
                var i = 1
                while i < tokens.count {
                    if (tokens[i] == "-j" || tokens[i] == "-g" || tokens[i] == "--jump" || tokens[i] == "--goto"), i + 1 < tokens.count {
                        target = tokens[i + 1]
                    } else if tokens[i] == "--comment", i + 1 < tokens.count {
                        comment = tokens[i + 1]
                    }
                    i += 1
                }
                result.rules.append(Rule(chain: chain, spec: spec, target: target, comment: comment))
            } else if line == "COMMIT" {
                break
            }
        }
        return result
    }

    /// Splits a saved rule into words: double quotes group, `\"` and `\\` escape inside them.
    static func tokenize(_ spec: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        var inQuotes = false
        var hasToken = false
        var iterator = spec.makeIterator()
        while let c = iterator.next() {
            if inQuotes {
                if c == "\\" {
                    if let next = iterator.next() { current.append(next) }
                } else if c == "\"" {
                    inQuotes = false
                } else {
                    current.append(c)
                }
            } else if c == "\"" {
                inQuotes = true
                hasToken = true
            } else if c == " " || c == "\t" {
                if hasToken {
                    tokens.append(current)
                    current = ""
                    hasToken = false
                }
            } else {
                current.append(c)
                hasToken = true
            }
        }
        if hasToken { tokens.append(current) }
        return tokens
    }

    /// The network name and container ID a CNI plugin wrote into a rule comment:
    /// bridge's `name: "NET" id: "CID"` and portmap's `dnat name: "NET" id: "CID"`.
    static func cniOwner(comment: String) -> (network: String, containerID: String)? {
        guard let nameRange = comment.range(of: "name: \"") else { return nil }
        let afterName = comment[nameRange.upperBound...]
        guard let nameEnd = afterName.firstIndex(of: "\"") else { return nil }
        let network = String(afterName[..<nameEnd])
        let rest = afterName[afterName.index(after: nameEnd)...]
        guard let idRange = rest.range(of: "id: \"") else { return nil }
        let afterID = rest[idRange.upperBound...]
        guard let idEnd = afterID.firstIndex(of: "\"") else { return nil }
        return (network, String(afterID[..<idEnd]))
    }
}
