/// IP address parsing with the leniency of Kubernetes' `netutils.ParseIPSloppy`
/// (Go 1.16's `net.ParseIP`): IPv4 octets may carry leading zeros, which are read as
/// decimal. Validation must accept exactly what Kubernetes accepts, so this does not
/// use `inet_pton`, which rejects those forms.
enum SloppyIP {
    private static let big = 0xFF_FFFF

    /// The 4- or 16-byte address, or nil if `text` is not an IP address.
    static func parse(_ text: String) -> [UInt8]? {
        let bytes = Array(text.utf8)
        for b in bytes {
            if b == UInt8(ascii: ".") { return parseIPv4(bytes[...]) }
            if b == UInt8(ascii: ":") { return parseIPv6(bytes[...]) }
        }
        return nil
    }

    private static func parseIPv4(_ input: ArraySlice<UInt8>) -> [UInt8]? {
        var s = input
        var out: [UInt8] = []
        for i in 0..<4 {
            if i > 0 {
                guard s.first == UInt8(ascii: ".") else { return nil }
                s = s.dropFirst()
            }
            guard let (n, used) = decimal(s), n <= 0xFF else { return nil }
            out.append(UInt8(n))
            s = s.dropFirst(used)
        }
        return s.isEmpty ? out : nil
    }

    private static func parseIPv6(_ input: ArraySlice<UInt8>) -> [UInt8]? {
        var s = input
        var ip = [UInt8](repeating: 0, count: 16)
        var ellipsis = -1
        if s.count >= 2, s.first == UInt8(ascii: ":"), s.dropFirst().first == UInt8(ascii: ":") {
            ellipsis = 0
            s = s.dropFirst(2)
            if s.isEmpty { return ip }
        }
        var i = 0
        while i < 16 {
            guard let (n, used) = hex(s), n <= 0xFFFF else { return nil }
            if used < s.count, s[s.startIndex + used] == UInt8(ascii: ".") {
                if ellipsis < 0 && i != 12 { return nil }
                if i + 4 > 16 { return nil }
                guard let v4 = parseIPv4(s) else { return nil }
                ip.replaceSubrange(i..<(i + 4), with: v4)
                i += 4
                s = []
                break
            }
            ip[i] = UInt8(n >> 8)
            ip[i + 1] = UInt8(n & 0xFF)
            i += 2
            s = s.dropFirst(used)
            if s.isEmpty { break }
            if s.first != UInt8(ascii: ":") || s.count == 1 { return nil }
            s = s.dropFirst()
            if s.first == UInt8(ascii: ":") {
                if ellipsis >= 0 { return nil }
                ellipsis = i
                s = s.dropFirst()
                if s.isEmpty { break }
            }
        }
        if !s.isEmpty { return nil }
        if i < 16 {
            if ellipsis < 0 { return nil }
            let shift = 16 - i
            for j in stride(from: i - 1, through: ellipsis, by: -1) {
                ip[j + shift] = ip[j]
            }
            for j in ellipsis..<(ellipsis + shift) {
                ip[j] = 0
            }
        } else if ellipsis >= 0 {
            return nil
        }
        return ip
    }

    /// Leading decimal digits: their value and count, or nil if there are none or too many.
    private static func decimal(_ s: ArraySlice<UInt8>) -> (Int, Int)? {
        var n = 0
        var used = 0
        for b in s {
            guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { break }
            n = n * 10 + Int(b - UInt8(ascii: "0"))
            used += 1
            if n >= big { return nil }
        }
        return used == 0 ? nil : (n, used)
    }

    /// Leading hexadecimal digits: their value and count, or nil if there are none or too many.
    private static func hex(_ s: ArraySlice<UInt8>) -> (Int, Int)? {
        var n = 0
        var used = 0
        for b in s {
            let digit: Int
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Int(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = Int(b - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = Int(b - UInt8(ascii: "A")) + 10
            default: return used == 0 ? nil : (n, used)
            }
            n = n * 16 + digit
            used += 1
            if n >= big { return nil }
        }
        return used == 0 ? nil : (n, used)
    }
}
