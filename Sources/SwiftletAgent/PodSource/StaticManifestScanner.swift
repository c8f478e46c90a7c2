import Foundation
import SwiftletAPI

/// Reads the static pod directory (`staticPodPath`) the way kubelet's file source does: every
/// regular `.yaml`, `.yml` or `.json` file that is not hidden, each holding Pod documents.
///
/// The scanner only reads and validates; it remembers what it saw so that each scan reports
/// what changed, and so that an unchanged invalid file is not reported again.
public struct StaticManifestScanner: Sendable {
    /// What one file held at the time of a scan.
    public struct FileState: Sendable, Equatable {
        /// Modification time and size, to skip re-reading unchanged files.
        public var modified: Date
        public var size: Int
        /// Names (`namespace/name`) of the valid pods in the file.
        public var pods: [String]
        /// Every problem in the file, formatted `field: body` with a document prefix if needed.
        public var errors: [String]
        /// The valid pods, as decoded (defaults applied, identity not yet).
        public var podObjects: [Pod] = []
    }

    /// Differences between two scans.
    public struct Changes: Sendable, Equatable {
        public var added: [String] = []
        public var changed: [String] = []
        public var removed: [String] = []
        /// Files that are (newly or still, after a change) invalid, with their errors.
        public var invalid: [String: [String]] = [:]
        /// Pod names defined by more than one file: the name and the files.
        public var conflicts: [String: [String]] = [:]

        public var isEmpty: Bool {
            added.isEmpty && changed.isEmpty && removed.isEmpty && invalid.isEmpty && conflicts.isEmpty
        }
    }

    /// The directory scanned.
    public let directory: String
    /// The state of each file at the last scan, by file name.
    public private(set) var files: [String: FileState] = [:]

    public init(directory: String) {
        self.directory = directory
    }

    /// The total number of valid pods and of invalid files seen at the last scan.
    public var summary: (pods: Int, invalidFiles: Int) {
        (files.values.reduce(0) { $0 + $1.pods.count }, files.values.filter { !$0.errors.isEmpty }.count)
    }

    /// Scans the directory and returns what changed since the previous scan.
    /// - Throws: `AgentError` when the directory exists but cannot be listed. A missing
    ///   directory is not an error: it holds no pods (as kubelet treats it).
    public mutating func scan() throws -> Changes {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        var names: [String] = []
        if fm.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw AgentError.staticPodPath("\(directory): not a directory")
            }
            do {
                names = try fm.contentsOfDirectory(atPath: directory)
            } catch {
                throw AgentError.staticPodPath("\(directory): cannot list: \(error.localizedDescription)")
            }
        }
        names = names.filter(Self.isManifestFileName).sorted()

        var changes = Changes()
        var next: [String: FileState] = [:]
        for name in names {
            let path = directory + "/" + name
            guard let attributes = try? fm.attributesOfItem(atPath: path),
                  (attributes[.type] as? FileAttributeType) == .typeRegular else { continue }
            let modified = attributes[.modificationDate] as? Date ?? .distantPast
            let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
            if let old = files[name], old.modified == modified, old.size == size {
                next[name] = old
                continue
            }
            let state = Self.read(path: path, modified: modified, size: size)
            if let old = files[name] {
                if old.pods != state.pods || old.errors != state.errors { changes.changed.append(name) }
            } else {
                changes.added.append(name)
            }
            if !state.errors.isEmpty { changes.invalid[name] = state.errors }
            next[name] = state
        }
        changes.removed = files.keys.filter { next[$0] == nil }.sorted()

        var owners: [String: [String]] = [:]
        for (name, state) in next { for pod in state.pods { owners[pod, default: []].append(name) } }
        for (pod, files) in owners where files.count > 1 { changes.conflicts[pod] = files.sorted() }
        files = next
        return changes
    }

    /// kubelet ignores hidden files; swiftlet also reads only manifest extensions.
    static func isManifestFileName(_ name: String) -> Bool {
        guard !name.hasPrefix(".") else { return false }
        return name.hasSuffix(".yaml") || name.hasSuffix(".yml") || name.hasSuffix(".json")
    }

    private static func read(path: String, modified: Date, size: Int) -> FileState {
        guard let data = FileManager.default.contents(atPath: path) else {
            return FileState(modified: modified, size: size, pods: [], errors: ["cannot read file"])
        }
        let result = PodManifestReader.read(data)
        var errors = result.streamErrors
        let many = result.documents.count > 1
        for document in result.documents {
            let prefix = many ? "document \(document.number): " : ""
            errors += document.errors.map { prefix + $0 }
        }
        let pods = result.documents.compactMap { document -> String? in
            guard document.isValid, let pod = document.pod else { return nil }
            let namespace = pod.metadata.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
            return "\(namespace)/\(pod.metadata.name ?? "")"
        }
        let objects = result.documents.compactMap { $0.isValid ? $0.pod : nil }
        return FileState(modified: modified, size: size, pods: pods, errors: errors, podObjects: objects)
    }

    /// The pods to run, with kubelet's file-source identity applied: for a pod named by more
    /// than one file, only the first file (by name) counts.
    public func desiredPods(nodeName: String) -> [(file: String, pod: Pod)] {
        var seen: Set<String> = []
        var result: [(file: String, pod: Pod)] = []
        for name in files.keys.sorted() {
            guard let state = files[name] else { continue }
            for (key, pod) in zip(state.pods, state.podObjects) where !seen.contains(key) {
                seen.insert(key)
                var pod = pod
                StaticPodIdentity.apply(to: &pod, nodeName: nodeName, file: directory + "/" + name)
                result.append((directory + "/" + name, pod))
            }
        }
        return result
    }
}
