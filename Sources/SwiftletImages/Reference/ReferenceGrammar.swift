/// The character classes and productions of Docker's reference grammar
/// (distribution/reference `regexp.go`), checked by hand on UTF-8 bytes: no regex engine is
/// needed and every rule can say which part of the input broke it.
enum ReferenceGrammar {
    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    static func isLower(_ b: UInt8) -> Bool { b >= 0x61 && b <= 0x7A }
    static func isUpper(_ b: UInt8) -> Bool { b >= 0x41 && b <= 0x5A }
    static func isLetter(_ b: UInt8) -> Bool { isLower(b) || isUpper(b) }
    static func isHexDigit(_ b: UInt8) -> Bool {
        isDigit(b) || (b >= 0x61 && b <= 0x66) || (b >= 0x41 && b <= 0x46)
    }
    static func isLowerHexDigit(_ b: UInt8) -> Bool { isDigit(b) || (b >= 0x61 && b <= 0x66) }

    /// `[a-z0-9]+` runs joined by one separator each: `.`, `_`, `__` or any number of `-`.
    static func isPathComponent(_ s: Substring) -> Bool {
        let bytes = Array(s.utf8)
        var i = 0
        while true {
            let runStart = i
            while i < bytes.count, isLower(bytes[i]) || isDigit(bytes[i]) { i += 1 }
            if i == runStart { return false }
            if i == bytes.count { return true }
            switch bytes[i] {
            case UInt8(ascii: "."):
                i += 1
            case UInt8(ascii: "_"):
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "_") { i += 1 }
            case UInt8(ascii: "-"):
                while i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
            default:
                return false
            }
        }
    }

    /// `host[:port]` where host is DNS-like labels (`[a-zA-Z0-9]` with inner `-`), an IPv4
    /// address, or an IPv6 address in brackets without a zone.
    static func isDomain(_ s: Substring) -> Bool {
        var host = s
        var port: Substring?
        if s.hasPrefix("[") {
            guard let close = s.firstIndex(of: "]") else { return false }
            let inner = s[s.index(after: s.startIndex)..<close]
            guard !inner.isEmpty, inner.utf8.allSatisfy({ isHexDigit($0) || $0 == UInt8(ascii: ":") }) else { return false }
            let rest = s[s.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return false }
                port = rest.dropFirst()
            }
            host = ""
        } else if let colon = s.firstIndex(of: ":") {
            host = s[..<colon]
            port = s[s.index(after: colon)...]
        }
        if let port, port.isEmpty || !port.utf8.allSatisfy(isDigit) { return false }
        if host.isEmpty { return s.hasPrefix("[") }
        return host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy(isDomainLabel)
    }

    private static func isDomainLabel(_ label: Substring) -> Bool {
        let bytes = Array(label.utf8)
        guard let first = bytes.first, let last = bytes.last else { return false }
        let alnum: (UInt8) -> Bool = { isLetter($0) || isDigit($0) }
        return alnum(first) && alnum(last) && bytes.allSatisfy { alnum($0) || $0 == UInt8(ascii: "-") }
    }

    /// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
    static func isTag(_ s: Substring) -> Bool {
        let bytes = Array(s.utf8)
        let word: (UInt8) -> Bool = { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
        guard let first = bytes.first, word(first), bytes.count <= 128 else { return false }
        return bytes.dropFirst().allSatisfy { word($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }
}
