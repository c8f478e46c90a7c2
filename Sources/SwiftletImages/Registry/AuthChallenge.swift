/// One challenge of a `WWW-Authenticate` header (RFC 7235): a scheme and its parameters, as
/// a registry sends `Bearer realm="https://auth.example/token",service="registry",scope="…"`.
public struct AuthChallenge: Hashable, Sendable {
    /// The scheme, lowercased (`bearer`, `basic`).
    public var scheme: String
    /// Parameters by lowercased name, values unquoted and unescaped.
    public var parameters: [String: String]

    /// Creates a challenge.
    public init(scheme: String, parameters: [String: String] = [:]) {
        self.scheme = scheme.lowercased()
        self.parameters = parameters
    }

    /// Parses every challenge of a header value. Quoted values may contain commas and `\"`;
    /// malformed trailing parts are dropped rather than failing the request.
    public static func parse(_ header: String) -> [AuthChallenge] {
        var challenges: [AuthChallenge] = []
        let chars = Array(header)
        var i = 0
        func skipSpaces() { while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 } }
        func token() -> String {
            let start = i
            while i < chars.count, !" \t,=\"".contains(chars[i]) { i += 1 }
            return String(chars[start..<i])
        }
        while i < chars.count {
            skipSpaces()
            while i < chars.count, chars[i] == "," { i += 1; skipSpaces() }
            let scheme = token()
            if scheme.isEmpty { break }
            var challenge = AuthChallenge(scheme: scheme)
            // Parameters follow until a token that is not followed by '=' (the next scheme).
            while i < chars.count {
                skipSpaces()
                while i < chars.count, chars[i] == "," { i += 1; skipSpaces() }
                let save = i
                let name = token()
                skipSpaces()
                guard !name.isEmpty, i < chars.count, chars[i] == "=" else {
                    i = save
                    break
                }
                i += 1
                skipSpaces()
                var value = ""
                if i < chars.count, chars[i] == "\"" {
                    i += 1
                    while i < chars.count, chars[i] != "\"" {
                        if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                        value.append(chars[i])
                        i += 1
                    }
                    i += 1
                } else {
                    value = token()
                }
                challenge.parameters[name.lowercased()] = value
            }
            challenges.append(challenge)
        }
        return challenges
    }
}
