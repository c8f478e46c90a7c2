import Foundation
import Testing
@testable import SwiftletAPI

/// The Pod examples from the Kubernetes documentation (see Fixtures/docs/SOURCES.md): every one
/// is accepted by kube-apiserver, so every one must decode and validate cleanly here.
@Suite("Kubernetes documentation examples")
struct DocExamplesTests {
    static var docsDirectory: URL? {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)?.appendingPathComponent("docs")
    }

    static func exampleFiles() -> [String] {
        guard let directory = docsDirectory,
              let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }

    @Test("at least 15 examples are present, each listed in SOURCES.md")
    func examplesArePresentAndSourced() throws {
        let files = Self.exampleFiles()
        #expect(files.count >= 15)
        let directory = try #require(Self.docsDirectory)
        let sources = try String(contentsOf: directory.appendingPathComponent("SOURCES.md"), encoding: .utf8)
        for file in files {
            #expect(sources.contains("| \(file) | content/en/examples/"), "\(file) is not listed in SOURCES.md")
        }
    }

    @Test("each example decodes as a Pod and passes validation", arguments: exampleFiles())
    func exampleIsValid(_ file: String) throws {
        let directory = try #require(Self.docsDirectory)
        let data = try Data(contentsOf: directory.appendingPathComponent(file))
        let documents = try Manifest.documents(in: data)
        try #require(documents.count == 1)
        #expect(documents[0].kind == "Pod")
        let pod = try documents[0].decode(Pod.self)
        #expect(!(pod.metadata.name ?? "").isEmpty)
        #expect(!pod.spec.containers.isEmpty)
        #expect(pod.spec.containers.allSatisfy { !($0.image ?? "").isEmpty })
        let errors = PodValidation.validate(pod).map(\.description)
        #expect(errors == [], "\(file): \(errors.joined(separator: "; "))")
    }

    @Test("a documented example becomes invalid when broken the way users break it")
    func brokenExampleIsRejected() throws {
        let directory = try #require(Self.docsDirectory)
        let data = try Data(contentsOf: directory.appendingPathComponent("pods_probe_tcp-liveness-readiness.yaml"))
        var pod = try #require(try Manifest.documents(in: data).first).decode(Pod.self)
        pod.spec.containers[0].livenessProbe?.successThreshold = 3
        pod.spec.containers[0].ports?[0].containerPort = 80_800
        #expect(PodValidation.validate(pod).map(\.description) == [
            "spec.containers[0].ports[0].containerPort: Invalid value: 80800: must be between 1 and 65535, inclusive",
            "spec.containers[0].livenessProbe.successThreshold: Invalid value: 3: must be 1",
        ])
    }
}
