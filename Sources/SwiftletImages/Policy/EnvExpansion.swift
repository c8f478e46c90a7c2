/// Kubernetes' `$(VAR)` expansion for command, args and env values: `$(NAME)` becomes the
/// variable's value when it is defined and stays as written when not; `$$` is a literal `$`;
/// any other `$` is kept.
public enum EnvExpansion {
    public static func expand(_ input: String, with variables: [String: String]) -> String {
        let bytes = Array(input.utf8)
        guard bytes.contains(UInt8(ascii: "$")) else { return input }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            guard b == UInt8(ascii: "$"), i + 1 < bytes.count else {
                out.append(b)
                i += 1
                continue
            }
            let next = bytes[i + 1]
            if next == UInt8(ascii: "$") {
                out.append(b)
                i += 2
            } else if next == UInt8(ascii: "("),
                let close = bytes[(i + 2)...].firstIndex(of: UInt8(ascii: ")"))
            {
                let name = String(decoding: bytes[(i + 2)..<close], as: UTF8.self)
                if let value = variables[name] {
                    out.append(contentsOf: value.utf8)
                } else {
                    out.append(contentsOf: bytes[i...close])
                }
                i = close + 1
            } else {
                // An unclosed `$(` or a lone `$`: keep both bytes and go on after them.
                out.append(b)
                out.append(next)
                i += 2
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
