import Foundation
import Glibc

/// Unpacks an image archive (an OCI archive or a `docker save` tarball) into a scratch dir.
/// Only directories and regular files are written; links become aliases resolved inside the
/// archive, and paths that would leave the scratch dir are rejected.
enum ArchiveExtractor {
    /// Extracts `archive` into the (existing, empty) directory `destination`.
    /// - Throws: `ImageStoreError.invalid` naming `archive` for an unsafe or unreadable member.
    static func extract(_ archive: String, into destination: String) throws {
        let reader = TarReader(decompressor: try LayerDecompressor(source: try OwnedFileSource(path: archive), compression: .none))
        var links: [(path: String, target: String)] = []
        while let entry = try reader.next() {
            let path = try clean(entry.path, archive: archive)
            if path.isEmpty { continue }
            let full = destination + "/" + path
            switch entry.kind {
            case .directory:
                try ContentStore.makeDirectories(full)
            case .regular:
                try ContentStore.makeDirectories(String(full[..<full.lastIndex(of: "/")!]))
                let fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
                guard fd >= 0 else { throw ImageStoreError.system("open", full, errno: errno) }
                defer { close(fd) }
                try reader.readContent { bytes in
                    var offset = 0
                    while offset < bytes.count {
                        let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                        if n < 0 {
                            if errno == EINTR { continue }
                            throw ImageStoreError.system("write", full, errno: errno)
                        }
                        offset += n
                    }
                }
            case .symlink:
                // Relative to the link's directory, as docker save writes them for shared layers.
                let dir = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) + "/" : ""
                let target = entry.linkName.hasPrefix("/") ? entry.linkName : dir + entry.linkName
                links.append((path, try clean(target, archive: archive, resolvingParents: true)))
            case .hardlink:
                links.append((path, try clean(entry.linkName, archive: archive)))
            default:
                throw ImageStoreError.invalid("\(archive): member \(entry.path) is a device or FIFO, which image archives never hold")
            }
        }
        for link in links {
            let source = destination + "/" + link.target
            let target = destination + "/" + link.path
            var st = stat()
            guard lstat(source, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
                throw ImageStoreError.invalid("\(archive): link \(link.path) points to \(link.target), which is not a file in the archive")
            }
            try ContentStore.makeDirectories(String(target[..<target.lastIndex(of: "/")!]))
            guard Glibc.link(source, target) == 0 else { throw ImageStoreError.system("link", target, errno: errno) }
        }
    }

    /// `path` without `./`, empty components and a trailing slash; with `resolvingParents`
    /// (symlink targets), `..` steps up a component.
    /// - Throws: when it has `..` components (or, resolving them, climbs above the archive root).
    static func clean(_ path: String, archive: String, resolvingParents: Bool = false) throws -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", resolvingParents, !parts.isEmpty {
                parts.removeLast()
                continue
            }
            guard part != ".." else {
                throw ImageStoreError.invalid("\(archive): member path \"\(path)\" leaves the archive")
            }
            parts.append(part)
        }
        return parts.joined(separator: "/")
    }
}
