import Foundation
import Testing
@testable import SwiftletStats

@Suite("filesystem readers")
struct DirectoryUsageTests {
    /// Runs a command and returns its standard output.
    func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test("directory usage agrees with du: 512-byte blocks and inodes, hard links once, symlinks not followed")
    func agreesWithDu() throws {
        let dir = try ScratchDir("du")
        defer { dir.remove() }
        let outside = try ScratchDir("du-outside")
        defer { outside.remove() }
        try outside.write("huge", bytes: 5_000_000)
        try dir.write("a/b/c/deep", bytes: 123_456)
        try dir.write("a/small", "hi")
        try dir.write("empty", "")
        try dir.mkdir("d/e/f")
        let original = try dir.write("a/linked", bytes: 50_000)
        #expect(link(original, dir.sub("d/hardlink")) == 0)
        #expect(symlink(outside.path, dir.sub("a/to-outside")) == 0)
        for i in 0..<200 { try dir.write("many/f\(i)", "\(i)") }

        let usage = try DirectoryUsage.measure(path: dir.path)
        let duBytes = UInt64(try run(["du", "-s", "-x", "-B1", dir.path]).split(separator: "\t")[0])
        let duInodes = UInt64(try run(["du", "-s", "-x", "--inodes", dir.path]).split(separator: "\t")[0])
        #expect(usage.bytes == duBytes)
        #expect(usage.inodes == duInodes)
        #expect(usage.bytes < 5_000_000, "the symlinked directory is not followed")
    }

    @Test("measuring a missing directory names the call and the path")
    func missing() {
        let error = #expect(throws: StatsError.self) { try DirectoryUsage.measure(path: "/nonexistent-swiftlet-\(UUID())") }
        #expect(error?.message.hasPrefix("open(/nonexistent-swiftlet-") == true)
        #expect(error?.errno == ENOENT)
    }

    @Test("statvfs figures match df for the filesystem holding a directory")
    func filesystemInfo() throws {
        let dir = try ScratchDir("df")
        defer { dir.remove() }
        let info = try FilesystemInfo.of(path: dir.path)
        let df = try run(["df", "-B1", "--output=size,itotal", dir.path]).split(separator: "\n")[1].split(separator: " ").compactMap { UInt64($0) }
        #expect(info.capacityBytes == df[0])
        #expect(info.inodes == df[1])
        #expect(info.availableBytes <= info.capacityBytes && info.usedBytes <= info.capacityBytes)
        #expect(info.inodesUsed == info.inodes - info.inodesFree)
        #expect(throws: StatsError.self) { try FilesystemInfo.of(path: dir.sub("missing")) }
    }
}
