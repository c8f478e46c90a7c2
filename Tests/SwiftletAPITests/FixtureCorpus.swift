import Foundation
import SwiftletAPI

/// The Pod manifests under `Fixtures/pods`, loaded from the test bundle.
enum FixtureCorpus {
    struct Document {
        let file: String
        let document: ManifestDocument
    }

    static var directory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures/pods", isDirectory: true)
    }

    static var files: [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".json") }.sorted()
            .map { directory.appendingPathComponent($0) }
    }

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(name))
    }

    static func documents() throws -> [Document] {
        var result: [Document] = []
        for url in files {
            for document in try Manifest.documents(in: Data(contentsOf: url)) {
                result.append(Document(file: url.lastPathComponent, document: document))
            }
        }
        return result
    }

    static func pods() throws -> [(file: String, pod: Pod)] {
        try documents().map { ($0.file, try $0.document.decode(Pod.self)) }
    }
}

/// Drops `null` members, which Kubernetes treats like absent ones, so trees can be compared.
func withoutNulls(_ value: JSONValue) -> JSONValue {
    switch value {
    case .object(let members):
        return .object(members.filter { $0.value != .null }.mapValues(withoutNulls))
    case .array(let items):
        return .array(items.map(withoutNulls))
    default:
        return value
    }
}

/// Every key path in a JSON tree (`spec.containers[].image`), for naming what a round trip lost.
func keyPaths(_ value: JSONValue, prefix: String = "") -> Set<String> {
    switch value {
    case .object(let members):
        var paths: Set<String> = []
        for (key, child) in members {
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            paths.insert(path)
            paths.formUnion(keyPaths(child, prefix: path))
        }
        return paths
    case .array(let items):
        return items.reduce(into: Set<String>()) { $0.formUnion(keyPaths($1, prefix: prefix + "[]")) }
    default:
        return []
    }
}
