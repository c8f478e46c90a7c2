/// One line of `/proc/self/mountinfo`.
struct MountInfo {
    /// Root of the mount within its filesystem (field 4).
    var root: String
    /// Mount point (field 5), octal escapes decoded.
    var mountPoint: String
    /// Filesystem type (first field after `-`).
    var fsType: String
    /// Per-superblock options (last field), e.g. `rw,memory`.
    var superOptions: [Substring]

    /// Parses `/proc/self/mountinfo`; empty when it cannot be read.
    static func read() -> [MountInfo] {
        guard let bytes = try? Sys.readFile("/proc/self/mountinfo") else { return [] }
        return parse(String(decoding: bytes, as: UTF8.self))
    }

    static func parse(_ text: String) -> [MountInfo] {
        var result: [MountInfo] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            // id parent major:minor root mountpoint options [optional…] - fstype source superoptions
            guard let dash = fields.firstIndex(of: "-"), dash >= 6, dash + 1 < fields.count else { continue }
            result.append(MountInfo(
                root: unescape(fields[3]),
                mountPoint: unescape(fields[4]),
                fsType: String(fields[dash + 1]),
                superOptions: dash + 3 < fields.count ? fields[dash + 3].split(separator: ",") : []))
        }
        return result
    }

    /// Decodes the `\NNN` octal escapes the kernel uses for space, tab, newline and backslash.
    static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var bytes: [UInt8] = []
        let utf8 = Array(field.utf8)
        var i = 0
        while i < utf8.count {
            if utf8[i] == UInt8(ascii: "\\"), i + 3 < utf8.count {
                let digits = utf8[(i + 1)...(i + 3)]
                if digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }) {
                    bytes.append(digits.reduce(0) { $0 &* 8 &+ ($1 - UInt8(ascii: "0")) })
                    i += 4
                    continue
                }
            }
            bytes.append(utf8[i])
            i += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
