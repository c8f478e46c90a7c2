/// Appends `value` with `"` and `\` backslash-escaped and control characters written as `\n`, `\r`,
/// `\t` or `\u00XX`: the escaping logfmt and JSON strings share.
package func appendEscaped(_ value: String, to buffer: inout [UInt8]) {
    for byte in value.utf8 {
        let escape: UInt8?
        switch byte {
        case UInt8(ascii: "\""): escape = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): escape = UInt8(ascii: "\\")
        case UInt8(ascii: "\n"): escape = UInt8(ascii: "n")
        case UInt8(ascii: "\r"): escape = UInt8(ascii: "r")
        case UInt8(ascii: "\t"): escape = UInt8(ascii: "t")
        case 0x00..<0x20, 0x7F: escape = UInt8(ascii: "u")
        default: escape = nil
        }
        guard let escape else {
            buffer.append(byte)
            continue
        }
        buffer.append(UInt8(ascii: "\\"))
        buffer.append(escape)
        if escape == UInt8(ascii: "u") {
            buffer.append(UInt8(ascii: "0"))
            buffer.append(UInt8(ascii: "0"))
            buffer.append(hexDigit(byte >> 4))
            buffer.append(hexDigit(byte & 0x0F))
        }
    }
}

private func hexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
}
