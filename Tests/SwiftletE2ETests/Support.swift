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
    // Read both pipes on their own threads so that neither fills up and blocks the child. A
    // process left behind (a container monitor, on a failure) may keep the pipes open: wait for
    // EOF at most 10 s after the program itself exited, so a test fails instead of hanging.
    let outReader = PipeReader(out.fileHandleForReading)
    let errReader = PipeReader(err.fileHandleForReading)
    process.waitUntilExit()
    let deadline = Date().addingTimeInterval(10)
    while !(outReader.isFinished && errReader.isFinished) && Date() < deadline { usleep(1000) }
    return Swiftlet.Output(
        status: process.terminationStatus,
        stdout: String(decoding: outReader.data, as: UTF8.self),
        stderr: String(decoding: errReader.data, as: UTF8.self)
    )
}

/// Collects a pipe's bytes on a thread until EOF.
final class PipeReader: @unchecked Sendable {
    private let lock = NSLock()
    private var collected = Data()
    private var done = false

    init(_ handle: FileHandle) {
        Thread {
            while true {
                let chunk = handle.availableData
                self.lock.lock()
                if chunk.isEmpty { self.done = true } else { self.collected.append(chunk) }
                self.lock.unlock()
                if chunk.isEmpty { return }
            }
        }.start()
    }

    var data: Data { lock.lock(); defer { lock.unlock() }; return collected }
    var isFinished: Bool { lock.lock(); defer { lock.unlock() }; return done }
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
