import Foundation
import Testing

@testable import SwiftletNetwork

/// Whether the tests run as root (namespaces, bridges and iptables need it).
let isRoot = getuid() == 0

/// A fresh temp directory; the caller removes it.
func makeTempDir(_ label: String) throws -> String {
    var template = Array("/tmp/swiftlet-net-\(label)-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw NetworkError.system("mkdtemp", "/tmp", errno: errno) }
    return String(cString: made)
}

/// A short random hex tag for unique names (bridges are at most 15 characters).
func uniqueTag() -> String {
    String(format: "%08x", UInt32.random(in: 0...UInt32.max))
}

/// What a command printed and how it ended.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a command to completion (tests only: Foundation's Process is fine here).
@discardableResult
func run(_ argv: [String], stdin: String? = nil) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: argv[0])
    process.arguments = Array(argv.dropFirst())
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = stdin == nil ? FileHandle.nullDevice : input
    try process.run()
    if let stdin {
        try? input.fileHandleForWriting.write(contentsOf: Data(stdin.utf8))
        try? input.fileHandleForWriting.close()
    }
    let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
    let stderrData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(
        status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
        stderr: String(decoding: stderrData, as: UTF8.self))
}

/// Writes an executable shell script.
func writeScript(_ path: String, _ body: String) throws {
    try Data(("#!/bin/sh\n" + body).utf8).write(to: URL(fileURLWithPath: path))
    chmod(path, 0o755)
}

/// A TCP port that was free a moment ago on 127.0.0.1 (bound to port 0, then released).
func freeTCPPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw NetworkError.system("socket", "AF_INET", errno: errno) }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw NetworkError.system("bind", "127.0.0.1:0", errno: errno) }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// The nat table as iptables-save prints it.
func natTable() throws -> String {
    try run(["/usr/sbin/iptables-save", "-t", "nat"]).stdout
}

/// Whether a network interface exists on the host.
func linkExists(_ name: String) -> Bool {
    FileManager.default.fileExists(atPath: "/sys/class/net/\(name)")
}
