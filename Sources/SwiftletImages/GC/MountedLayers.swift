import Foundation

/// Which unpacked layers are mounted somewhere on the host right now, read from
/// `/proc/self/mountinfo`: an overlay lists its lower dirs in its options and a bind mount of a
/// layer names the layer dir as its root. A mounted layer belongs to a container's rootfs,
/// running or not, so the collector keeps it and every image built on it.
enum MountedLayers {
    /// The hex chain IDs of layers below `layersDir` that a mount references.
    static func hexChainIDs(layersDir: String, mountinfo: String = "/proc/self/mountinfo") -> Set<String> {
        // Read to EOF: Foundation's String(contentsOfFile:) stops after 4 KiB of a /proc file.
        guard let data = FileHandle(forReadingAtPath: mountinfo)?.readDataToEndOfFile() else { return [] }
        let text = String(decoding: data, as: UTF8.self)
        // mountinfo escapes space, tab, newline and backslash as octal; paths with those never
        // match, and layer dirs have none.
        let prefix = layersDir.hasSuffix("/") ? layersDir : layersDir + "/"
        var found: Set<String> = []
        for line in text.split(separator: "\n") {
            var rest = Substring(line)
            while let range = rest.range(of: prefix) {
                let after = rest[range.upperBound...]
                let hex = after.prefix { $0.isHexDigit }
                if hex.count == 64 { found.insert(String(hex)) }
                rest = after
            }
        }
        return found
    }
}
