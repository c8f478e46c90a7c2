import ArgumentParser
import Foundation
import SwiftletAgent

/// `swiftlet manifest ...`: work with Pod manifest files.
struct ManifestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest",
        abstract: "Work with Pod manifest files.",
        subcommands: [Check.self]
    )

    /// `swiftlet manifest check FILE...`.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate Pod manifests as the API server would.",
            discussion: """
                Each FILE is YAML or JSON and may hold several documents (---) or a v1 List. \
                Prints "FILE: ok" for a valid file, or every error with its field path. Exits 1 \
                if any file has an error. Use - to read standard input.
                """
        )

        @Argument(help: "Manifest files, or - for standard input.")
        var files: [String]

        func run() throws {
            var failed = false
            for file in files {
                let name = file == "-" ? "<stdin>" : file
                let data: Data
                do {
                    data = try readInput(file)
                } catch {
                    printError("\(name): \(error)")
                    failed = true
                    continue
                }
                let result = PodManifestReader.read(data)
                if result.isValid {
                    print("\(name): ok")
                    continue
                }
                failed = true
                for error in result.streamErrors { print("\(name): \(error)") }
                let many = result.documents.count > 1
                for document in result.documents where !document.errors.isEmpty {
                    let prefix: String
                    if many {
                        let line = document.line.map { ", line \($0)" } ?? ""
                        prefix = "\(name) (document \(document.number)\(line))"
                    } else {
                        prefix = name
                    }
                    for error in document.errors { print("\(prefix): \(error)") }
                }
            }
            if failed { throw ExitCode(1) }
        }

        private func readInput(_ file: String) throws -> Data {
            if file == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
            guard FileManager.default.fileExists(atPath: file) else {
                throw CLIError("cannot read: no such file")
            }
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CLIError("cannot read: permission denied or not a regular file")
            }
            return data
        }
    }
}

/// A command-line error whose message is shown as is.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

/// Writes a line to standard error.
func printError(_ line: String) {
    try? FileHandle.standardError.write(contentsOf: Data((line + "\n").utf8))
}
