import Foundation
import Testing

/// Finds and runs the built `swiftlet` binary, as a user would.
enum Swiftlet {
    /// The binary: `$SWIFTLET_BIN`, else the `swiftlet` next to the test bundle in `.build/<config>/`.
    static var binary: String {
        if let explicit = ProcessInfo.processInfo.environment["SWIFTLET_BIN"], !explicit.isEmpty {
            return explicit
        }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // On Linux the test runner is `.build/<triple>/<config>/swiftletPackageTests.xctest`.
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("swiftlet").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("swiftlet").path
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `swiftlet ARGS` to completion, feeding `stdin` if given.
    static func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String]? = nil) throws -> Output {
        try runProcess(binary, arguments, stdin: stdin, environment: environment)
    }
}

/// Runs a program to completion and captures its output.
func runProcess(_ path: String, _ arguments: [String], stdin: Data? = nil, environment: [String: String]? = nil) throws -> Swiftlet.Output {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    // Read both pipes concurrently so that neither fills up and blocks the child.
    nonisolated(unsafe) var errData = Data()
    let errReader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
    errReader.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !errReader.isFinished { usleep(1000) }
    return Swiftlet.Output(
        status: process.terminationStatus,
        stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self)
    )
}

/// A fresh temporary directory, removed by `remove()`.
struct TempDir {
    let path: String
    init(_ prefix: String = "swiftlet-e2e") throws {
        var template = Array("\(NSTemporaryDirectory())/\(prefix)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        path = String(cString: made)
    }
    func file(_ name: String) -> String { "\(path)/\(name)" }
    func write(_ name: String, _ contents: String) throws -> String {
        let p = file(name)
        try FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try contents.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Whether the tests run as root (the agent's end-to-end tests need it).
var isRoot: Bool { getuid() == 0 }
