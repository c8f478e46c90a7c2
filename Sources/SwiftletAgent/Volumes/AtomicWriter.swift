import Foundation
import Logging
import SwiftletAPI

/// The content and mode of one file an ``AtomicWriter`` projects.
public struct FileProjection: Sendable, Hashable {
    /// The file's bytes.
    public var data: [UInt8]
    /// Permission bits (`0o644`); only the low 12 bits are used.
    public var mode: Int32

    /// A file with `data` and `mode`.
    public init(data: [UInt8], mode: Int32) {
        self.data = data
        self.mode = mode
    }

    /// A file holding `text` as UTF-8.
    public init(_ text: String, mode: Int32) {
        self.init(data: Array(text.utf8), mode: mode)
    }
}

/// Projects a set of files into a volume directory so that readers always see one complete
/// version, the way kubelet's atomic writer does for configMap, secret, downwardAPI and
/// projected volumes (the behaviour, not the code, of `pkg/volume/util/atomic_writer.go`).
///
/// Layout of the target directory:
/// ```
/// ..2024_05_01_10_00_00.Ab12Cd   the files of the current version, in their subdirectories
/// ..data -> ..2024_05_01_10_00_00.Ab12Cd
/// podName -> ..data/podName      one symlink per top-level name of the payload
/// user -> ..data/user            (a directory in the payload: its files live below it)
/// ```
/// A write puts the new version into a fresh timestamped directory, points a `..data_tmp`
/// symlink at it and renames that over `..data` (rename is atomic), then removes top-level names
/// that left the payload and the old timestamped directories. A reader that resolves `..data`
/// once sees either the old or the new version, never a mix. Names starting with `..` are
/// reserved. Not safe for concurrent writers to one directory: callers serialise (a pod worker does).
public struct AtomicWriter: Sendable {
    /// The volume directory the files are projected into.
    public let targetDirectory: String
    /// Prefix for log lines and errors, e.g. `pod default/web volume podinfo`.
    public let logContext: String
    private let logger: Logger

    static let dataDirName = "..data"
    static let newDataDirName = "..data_tmp"
    static let maxFileNameLength = 255
    static let maxPathLength = 4096

    /// A writer for `targetDirectory`, which must exist.
    /// - Throws: ``VolumeError`` when the directory does not exist or is not a directory.
    public init(targetDirectory: String, logContext: String = "", logger: Logger = Logger(label: "swiftlet.volumes")) throws {
        guard let st = try VolumeSys.stat(targetDirectory),
              VolumeSys.FileKind(mode: st.st_mode) == .directory else {
            throw VolumeError.other("atomic writer: target directory \(targetDirectory) does not exist or is not a directory")
        }
        self.targetDirectory = targetDirectory
        self.logContext = logContext
        self.logger = logger
    }

    /// Validates a payload path as kubelet does: not empty, relative, no `..` element, not
    /// starting with `..`, names at most 255 bytes, the whole at most 4096. Returns it cleaned
    /// (`a//./b/` → `a/b`).
    /// - Throws: ``VolumeError`` naming the path.
    public static func validatePath(_ path: String) throws -> String {
        func invalid(_ detail: String) -> VolumeError {
            VolumeError.other("invalid path \(goQuote(path)): \(detail)")
        }
        if path.isEmpty { throw invalid("must not be empty") }
        if path.hasPrefix("/") { throw invalid("must be a relative path") }
        if path.utf8.count > maxPathLength { throw invalid("must be less than or equal to \(maxPathLength) characters") }
        let items = path.split(separator: "/", omittingEmptySubsequences: false)
        for item in items {
            if item == ".." { throw invalid("must not contain '..'") }
            if item.utf8.count > maxFileNameLength {
                throw invalid("filenames must be less than or equal to \(maxFileNameLength) characters")
            }
        }
        if let first = items.first, first.hasPrefix("..") { throw invalid("must not start with '..'") }
        let cleaned = items.filter { !$0.isEmpty && $0 != "." }.joined(separator: "/")
        if cleaned.isEmpty { throw invalid("must name a file, not the volume directory itself") }
        return cleaned
    }

    /// Writes `payload` (relative path → file) as the new version of the directory.
    ///
    /// Nothing is written when every file already has the same content and mode and nothing
    /// has to be removed; the user-visible symlinks are still checked and recreated if missing.
    /// - Returns: whether a new version was written.
    /// - Throws: ``VolumeError`` for an invalid path (naming it) or a failed system call; the
    ///   previous version stays in place when writing the new one fails.
    @discardableResult
    public func write(_ payload: [String: FileProjection]) throws -> Bool {
        let clean = try Self.cleanPayload(payload)
        let dataDirPath = targetDirectory + "/" + Self.dataDirName
        let oldTsDir = try VolumeSys.readlink(dataDirPath)
        let oldTsPath = oldTsDir.map { targetDirectory + "/" + $0 }

        var toRemove: Set<String> = []
        if let oldTsPath {
            toRemove = try pathsToRemove(clean, oldVersion: oldTsPath)
            if try !payloadChanged(clean, oldVersion: oldTsPath) && toRemove.isEmpty {
                logger.debug("volume up to date", metadata: ["context": "\(logContext)", "dir": "\(targetDirectory)"])
                try createUserVisibleFiles(clean)
                try removeStaleVersions(keeping: oldTsDir)
                return false
            }
        }

        let tsDir = try newTimestampDir()
        let tsName = VolumeSys.baseName(tsDir)
        do {
            try writePayload(clean, into: tsDir)
            let newDataDirPath = targetDirectory + "/" + Self.newDataDirName
            try VolumeSys.unlink(newDataDirPath)  // left over by a crash between symlink and rename
            try VolumeSys.symlink(tsName, at: newDataDirPath)
            do {
                try VolumeSys.rename(newDataDirPath, dataDirPath)
            } catch {
                try? VolumeSys.unlink(newDataDirPath)
                throw error
            }
        } catch {
            try? VolumeSys.removeTree(tsDir)
            throw error
        }
        try createUserVisibleFiles(clean)
        try removeUserVisiblePaths(toRemove)
        try removeStaleVersions(keeping: tsName)
        logger.debug("volume updated", metadata: ["context": "\(logContext)", "dir": "\(targetDirectory)", "version": "\(tsName)"])
        return true
    }

    // MARK: - Steps

    static func cleanPayload(_ payload: [String: FileProjection]) throws -> [String: FileProjection] {
        var clean: [String: FileProjection] = [:]
        for path in payload.keys.sorted() {
            let cleaned = try validatePath(path)
            if clean[cleaned] != nil {
                throw VolumeError.other("invalid path \(goQuote(path)): names the same file as another path of the payload")
            }
            clean[cleaned] = payload[path]
        }
        // A path cannot be both a file and the directory of another file.
        for path in clean.keys {
            var parent = VolumeSys.parentPath(path)
            while !parent.isEmpty {
                if clean[parent] != nil {
                    throw VolumeError.other("invalid path \(goQuote(parent)): is a file but also the directory of \(goQuote(path))")
                }
                parent = VolumeSys.parentPath(parent)
            }
        }
        return clean
    }

    /// Every path (file or directory) of the old version that is neither in the payload nor a
    /// directory of a payload file.
    private func pathsToRemove(_ payload: [String: FileProjection], oldVersion: String) throws -> Set<String> {
        guard try VolumeSys.lstat(oldVersion) != nil else { return [] }
        var existing: Set<String> = []
        try walk(oldVersion, relative: "", into: &existing)
        var wanted: Set<String> = []
        for path in payload.keys {
            var p = path
            while !p.isEmpty {
                wanted.insert(p)
                p = VolumeSys.parentPath(p)
            }
        }
        return existing.subtracting(wanted)
    }

    private func walk(_ dir: String, relative: String, into paths: inout Set<String>) throws {
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: dir)
        } catch {
            throw VolumeError.other("\(logContext): cannot list \(dir): \(error.localizedDescription)")
        }
        for entry in entries {
            let rel = relative.isEmpty ? entry : relative + "/" + entry
            paths.insert(rel)
            if let st = try VolumeSys.lstat(dir + "/" + entry), VolumeSys.FileKind(mode: st.st_mode) == .directory {
                try walk(dir + "/" + entry, relative: rel, into: &paths)
            }
        }
    }

    /// Whether any payload file is missing from the old version or differs in content or mode.
    private func payloadChanged(_ payload: [String: FileProjection], oldVersion: String) throws -> Bool {
        for (path, file) in payload {
            let full = oldVersion + "/" + path
            guard let st = try VolumeSys.lstat(full) else { return true }
            guard VolumeSys.FileKind(mode: st.st_mode) == .regular else { return true }
            if st.st_mode & 0o7777 != mode_t(file.mode) & 0o7777 { return true }
            if Int(st.st_size) != file.data.count { return true }
            if try VolumeSys.readFile(full) != file.data { return true }
        }
        return false
    }

    /// Creates `..<UTC timestamp>.<random>` with mode 0755, so group and others can traverse it
    /// whatever the umask.
    private func newTimestampDir() throws -> String {
        // gmtime_r, not DateFormatter: formatting through ICU costs the agent megabytes of
        // resident ICU data.
        var now = time(nil)
        var t = tm()
        gmtime_r(&now, &t)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let stamp = "\(t.tm_year + 1900)_\(two(t.tm_mon + 1))_\(two(t.tm_mday))_\(two(t.tm_hour))_\(two(t.tm_min))_\(two(t.tm_sec))"
        var template = Array("\(targetDirectory)/..\(stamp).XXXXXXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard created != nil else {
            throw VolumeError.system("mkdtemp", targetDirectory + "/..<timestamp>", errno: errno)
        }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        try VolumeSys.chmod(path, 0o755)
        return path
    }

    private func writePayload(_ payload: [String: FileProjection], into dir: String) throws {
        for path in payload.keys.sorted() {
            let file = payload[path]!
            let full = dir + "/" + path
            let parent = VolumeSys.parentPath(full)
            try VolumeSys.mkdirAll(parent, mode: 0o755)
            try VolumeSys.createFile(full, bytes: file.data, mode: mode_t(file.mode) & 0o7777)
        }
    }

    /// `name -> ..data/name` for every top-level name of the payload that has no entry yet.
    private func createUserVisibleFiles(_ payload: [String: FileProjection]) throws {
        let topLevel = Set(payload.keys.map { String($0.split(separator: "/", maxSplits: 1)[0]) })
        for name in topLevel.sorted() {
            let visible = targetDirectory + "/" + name
            if try VolumeSys.lstat(visible) == nil {
                try VolumeSys.symlink(Self.dataDirName + "/" + name, at: visible)
            }
        }
    }

    /// Removes the top-level symlinks of names no longer in the payload; deeper paths vanish
    /// with the old version directory.
    private func removeUserVisiblePaths(_ paths: Set<String>) throws {
        for path in paths.sorted() where !path.contains("/") {
            let visible = targetDirectory + "/" + path
            guard let st = try VolumeSys.lstat(visible), VolumeSys.FileKind(mode: st.st_mode) == .symlink else { continue }
            try VolumeSys.unlink(visible)
        }
    }

    /// Removes every timestamped version directory except `current` (old versions, and ones a
    /// crash left half-written).
    private func removeStaleVersions(keeping current: String?) throws {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: targetDirectory)) ?? []
        for name in entries where name.hasPrefix("..") && name != current
            && name != Self.dataDirName && name != Self.newDataDirName {
            let full = targetDirectory + "/" + name
            guard let st = try VolumeSys.lstat(full), VolumeSys.FileKind(mode: st.st_mode) == .directory else { continue }
            try VolumeSys.removeTree(full)
        }
    }
}
