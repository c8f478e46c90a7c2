import Foundation

/// Lexical path helpers used to resolve relative paths in the config file and in flags.
enum ConfigPaths {
    /// The shortest equivalent of `path`, as Go's `filepath.Clean`: no `.` elements, `..` folded
    /// into its parent, no repeated or trailing slashes; "" becomes ".".
    static func clean(_ path: String) -> String {
        if path.isEmpty { return "." }
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".":
                continue
            case "..":
                if let last = parts.last, last != ".." {
                    parts.removeLast()
                } else if !absolute {
                    parts.append(part)
                }
            default:
                parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// `path` made absolute against the current working directory, then cleaned.
    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return clean(path) }
        return clean(FileManager.default.currentDirectoryPath + "/" + path)
    }

    /// The directory part of a cleaned absolute path (`/etc/swiftlet/config.yaml` → `/etc/swiftlet`).
    static func directory(of path: String) -> String {
        let cleaned = clean(path)
        guard let slash = cleaned.lastIndex(of: "/") else { return "." }
        let dir = cleaned[..<slash]
        return dir.isEmpty ? "/" : String(dir)
    }
}
