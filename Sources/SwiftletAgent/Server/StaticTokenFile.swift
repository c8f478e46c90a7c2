import Foundation

/// kube-apiserver's static token file (`--token-auth-file`): CSV records
/// `token,user,uid[,"group1,group2"]`, matching kube's `tokenfile.NewCSV`: every record needs at
/// least three columns, a record with an empty token is skipped, a repeated token keeps the last record.
public struct StaticTokenFile: Sendable {
    /// The users by token.
    public let users: [String: AgentUser]

    /// Reads and parses `path`.
    /// - Throws: ``AgentError`` naming the file and line when it cannot be read or a record is malformed.
    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AgentError.config("token auth file \(path): cannot be read")
        }
        try self.init(csv: String(decoding: data, as: UTF8.self), source: path)
    }

    /// Parses CSV text; `source` names it in errors.
    /// - Throws: ``AgentError`` when a record has fewer than three columns or a quote is misplaced.
    public init(csv: String, source: String = "token auth file") throws {
        var users: [String: AgentUser] = [:]
        for (line, record) in try Self.records(csv, source: source) {
            guard record.count >= 3 else {
                throw AgentError.config("token auth file \(source): line \(line): must have at least 3 columns (token, user name, user uid), found \(record.count)")
            }
            guard !record[0].isEmpty else { continue }
            let groups = record.count >= 4 ? record[3].split(separator: ",", omittingEmptySubsequences: false).map(String.init) : []
            users[record[0]] = AgentUser(name: record[1], uid: record[2], groups: groups)
        }
        self.users = users
    }

    /// The user holding `token`, or nil.
    public func user(forToken token: String) -> AgentUser? { users[token] }

    /// RFC 4180 records as Go's `encoding/csv` reads them: blank lines skipped, quoted fields may hold
    /// commas, newlines and doubled quotes; each record comes with the line it starts on.
    private static func records(_ text: String, source: String) throws -> [(Int, [String])] {
        var out: [(Int, [String])] = []
        let chars = Array(text.unicodeScalars)
        var i = 0
        var line = 1
        while i < chars.count {
            if chars[i] == "\n" || chars[i] == "\r" {
                if chars[i] == "\n" { line += 1 }
                i += 1
                continue
            }
            let start = line
            var record: [String] = []
            var field = String.UnicodeScalarView()
            var endOfRecord = false
            while !endOfRecord {
                if i < chars.count, chars[i] == "\"" {
                    i += 1
                    var closed = false
                    while i < chars.count {
                        let c = chars[i]
                        if c == "\"" {
                            if i + 1 < chars.count, chars[i + 1] == "\"" {
                                field.append("\"")
                                i += 2
                                continue
                            }
                            i += 1
                            closed = true
                            break
                        }
                        if c == "\n" { line += 1 }
                        field.append(c)
                        i += 1
                    }
                    guard closed else {
                        throw AgentError.config("token auth file \(source): line \(start): extraneous or missing \" in quoted-field")
                    }
                    if i < chars.count, chars[i] != ",", chars[i] != "\n", chars[i] != "\r" {
                        throw AgentError.config("token auth file \(source): line \(line): extraneous or missing \" in quoted-field")
                    }
                } else {
                    while i < chars.count, chars[i] != ",", chars[i] != "\n", chars[i] != "\r" {
                        if chars[i] == "\"" {
                            throw AgentError.config("token auth file \(source): line \(line): bare \" in non-quoted-field")
                        }
                        field.append(chars[i])
                        i += 1
                    }
                }
                record.append(String(field))
                field = String.UnicodeScalarView()
                if i < chars.count, chars[i] == "," {
                    i += 1
                } else {
                    endOfRecord = true
                }
            }
            out.append((start, record))
        }
        return out
    }
}
