import Foundation
import Glibc
import Testing
@testable import SwiftletImages

/// Builds tar streams byte by byte so tests can make archives no well-behaved tool would.
struct TestTar {
    private(set) var bytes: [UInt8] = []

    static let regular = UInt8(ascii: "0"), hardlink = UInt8(ascii: "1"), symlink = UInt8(ascii: "2")
    static let char = UInt8(ascii: "3"), block = UInt8(ascii: "4"), directory = UInt8(ascii: "5"), fifo = UInt8(ascii: "6")

    mutating func file(_ path: String, _ content: String = "", mode: UInt32 = 0o644, uid: Int = 0, gid: Int = 0,
                       mtime: Int64 = 1_700_000_000, pax: [String: [UInt8]] = [:]) {
        add(path, type: Self.regular, mode: mode, uid: uid, gid: gid, mtime: mtime, content: Array(content.utf8), pax: pax)
    }
    mutating func dir(_ path: String, mode: UInt32 = 0o755, uid: Int = 0, gid: Int = 0, mtime: Int64 = 1_700_000_000, pax: [String: [UInt8]] = [:]) {
        add(path, type: Self.directory, mode: mode, uid: uid, gid: gid, mtime: mtime, pax: pax)
    }
    mutating func symlink(_ path: String, to target: String, uid: Int = 0, gid: Int = 0) {
        add(path, type: Self.symlink, linkName: target, mode: 0o777, uid: uid, gid: gid)
    }
    mutating func hardlink(_ path: String, to target: String) {
        add(path, type: Self.hardlink, linkName: target)
    }

    mutating func add(_ path: String, type: UInt8, linkName: String = "", mode: UInt32 = 0o644, uid: Int = 0, gid: Int = 0,
                      mtime: Int64 = 1_700_000_000, content: [UInt8] = [], devMajor: Int = 0, devMinor: Int = 0,
                      pax: [String: [UInt8]] = [:]) {
        var records = pax
        if path.utf8.count > 100 { records["path"] = Array(path.utf8) }
        if linkName.utf8.count > 100 { records["linkpath"] = Array(linkName.utf8) }
        if !records.isEmpty {
            var data: [UInt8] = []
            for (key, value) in records.sorted(by: { $0.key < $1.key }) {
                let body = Array(" \(key)=".utf8) + value + [UInt8(ascii: "\n")]
                var length = body.count + 1
                while String(length).utf8.count + body.count != length { length = String(length).utf8.count + body.count }
                data += Array(String(length).utf8) + body
            }
            appendHeader(name: "PaxHeaders/x", type: UInt8(ascii: "x"), linkName: "", mode: 0o644, uid: 0, gid: 0, mtime: 0, size: data.count, devMajor: 0, devMinor: 0)
            appendContent(data)
        }
        appendHeader(name: path, type: type, linkName: linkName, mode: mode, uid: uid, gid: gid, mtime: mtime,
                     size: content.count, devMajor: devMajor, devMinor: devMinor)
        appendContent(content)
    }

    /// A PAX global (`g`) header: its records apply to every later entry.
    mutating func global(_ records: [String: [UInt8]]) {
        var data: [UInt8] = []
        for (key, value) in records.sorted(by: { $0.key < $1.key }) {
            let body = Array(" \(key)=".utf8) + value + [UInt8(ascii: "\n")]
            var length = body.count + 1
            while String(length).utf8.count + body.count != length { length = String(length).utf8.count + body.count }
            data += Array(String(length).utf8) + body
        }
        appendHeader(name: "GlobalHead", type: UInt8(ascii: "g"), linkName: "", mode: 0o644, uid: 0, gid: 0, mtime: 0, size: data.count, devMajor: 0, devMinor: 0)
        appendContent(data)
    }

    /// A GNU `L` long-name header followed by an entry with a truncated name.
    mutating func gnuLongName(_ path: String, content: String) {
        let data = Array(path.utf8) + [0]
        appendHeader(name: "././@LongLink", type: UInt8(ascii: "L"), linkName: "", mode: 0, uid: 0, gid: 0, mtime: 0, size: data.count, devMajor: 0, devMinor: 0)
        appendContent(data)
        appendHeader(name: String(path.prefix(100)), type: Self.regular, linkName: "", mode: 0o644, uid: 0, gid: 0, mtime: 0,
                     size: content.utf8.count, devMajor: 0, devMinor: 0)
        appendContent(Array(content.utf8))
    }

    func finished() -> [UInt8] { bytes + [UInt8](repeating: 0, count: 1024) }

    private mutating func appendContent(_ content: [UInt8]) {
        bytes += content
        bytes += [UInt8](repeating: 0, count: (512 - content.count % 512) % 512)
    }

    private mutating func appendHeader(name: String, type: UInt8, linkName: String, mode: UInt32, uid: Int, gid: Int,
                                       mtime: Int64, size: Int, devMajor: Int, devMinor: Int) {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ offset: Int, _ text: [UInt8], _ max: Int) {
            for (i, byte) in text.prefix(max).enumerated() { header[offset + i] = byte }
        }
        func octal(_ offset: Int, _ length: Int, _ value: Int64) {
            let digits = String(value, radix: 8)
            put(offset, Array((String(repeating: "0", count: max(0, length - 1 - digits.count)) + digits).utf8), length - 1)
        }
        put(0, Array(name.utf8), 100)
        octal(100, 8, Int64(mode))
        octal(108, 8, Int64(uid))
        octal(116, 8, Int64(gid))
        octal(124, 12, Int64(size))
        octal(136, 12, mtime)
        header[156] = type
        put(157, Array(linkName.utf8), 100)
        put(257, Array("ustar\u{0}00".utf8), 8)
        octal(329, 8, Int64(devMajor))
        octal(337, 8, Int64(devMinor))
        for i in 148..<156 { header[i] = UInt8(ascii: " ") }
        let sum = header.reduce(0) { $0 + Int64($1) }
        let digits = String(sum, radix: 8)
        put(148, Array((String(repeating: "0", count: 6 - digits.count) + digits).utf8) + [0, UInt8(ascii: " ")], 8)
        bytes += header
    }
}

/// A unique temp directory removed (after unmounting anything below it) when the test ends.
final class TestDir {
    let path: String

    init(_ label: String = "img") {
        var template = Array("/tmp/swiftlet-\(label)-XXXXXX".utf8CString)
        _ = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    deinit {
        for mount in Self.mountPoints().filter({ $0.hasPrefix(path + "/") }).sorted(by: >) { _ = umount2(mount, 2) }
        try? FileManager.default.removeItem(atPath: path)
    }

    func sub(_ name: String) -> String { path + "/" + name }

    static func mountPoints() -> [String] {
        guard let text = (FileHandle(forReadingAtPath: "/proc/self/mountinfo").map { String(decoding: $0.readDataToEndOfFile(), as: UTF8.self) }) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            return fields.count > 4 ? String(fields[4]) : nil
        }
    }
}

/// Runs a shell command; returns its exit status.
@discardableResult
func shell(_ command: String) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}

func shellOutput(_ command: String) throws -> String {
    let process = Process()
    let pipe = Pipe()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

func readAll(_ tar: [UInt8]) throws -> [(TarEntry, [UInt8])] {
    let reader = TarReader(decompressor: try LayerDecompressor(source: DataByteSource(tar), compression: .none), bufferSize: 4096)
    var result: [(TarEntry, [UInt8])] = []
    while let entry = try reader.next() {
        var content: [UInt8] = []
        try reader.readContent { content += $0 }
        result.append((entry, content))
    }
    return result
}

@Suite("Tar reader")
struct TarReaderTests {
    @Test("ustar entries of every kind come back with their fields and content")
    func kinds() throws {
        var tar = TestTar()
        tar.dir("d/", mode: 0o1755, uid: 7, gid: 8)
        tar.file("d/f", "hello", mode: 0o4755, uid: 1000, gid: 1001, mtime: 1_600_000_000)
        tar.symlink("d/s", to: "/etc/passwd")
        tar.hardlink("d/h", to: "d/f")
        tar.add("d/c", type: TestTar.char, devMajor: 1, devMinor: 3)
        tar.add("d/b", type: TestTar.block, devMajor: 8, devMinor: 1)
        tar.add("d/p", type: TestTar.fifo)
        let entries = try readAll(tar.finished())
        #expect(entries.map(\.0.kind) == [.directory, .regular, .symlink, .hardlink, .characterDevice, .blockDevice, .fifo])
        let file = entries[1].0
        #expect(file.path == "d/f" && file.mode == 0o4755 && file.uid == 1000 && file.gid == 1001)
        #expect(file.mtimeSeconds == 1_600_000_000 && file.size == 5)
        #expect(entries[1].1 == Array("hello".utf8))
        #expect(entries[0].0.mode == 0o1755)
        #expect(entries[2].0.linkName == "/etc/passwd")
        #expect(entries[3].0.linkName == "d/f")
        #expect(entries[4].0.deviceMajor == 1 && entries[4].0.deviceMinor == 3)
        #expect(entries[5].0.deviceMajor == 8 && entries[5].0.deviceMinor == 1)
    }

    @Test("PAX records override path, linkpath, size, ids and mtime, and carry xattrs; global headers apply to later entries")
    func pax() throws {
        let long = String(repeating: "a", count: 150) + "/" + String(repeating: "b", count: 120)
        var tar = TestTar()
        tar.file(long, "x", pax: ["uid": Array("5000000".utf8), "gid": Array("6000000".utf8),
                                  "mtime": Array("1700000000.123456789".utf8),
                                  "SCHILY.xattr.user.test": Array("v\u{0}1".utf8),
                                  "SCHILY.xattr.security.capability": [1, 0, 0, 2]])
        tar.symlink("l", to: String(repeating: "t", count: 200))
        let entries = try readAll(tar.finished())
        #expect(entries[0].0.path == long)
        #expect(entries[0].0.uid == 5_000_000 && entries[0].0.gid == 6_000_000)
        #expect(entries[0].0.mtimeSeconds == 1_700_000_000 && entries[0].0.mtimeNanoseconds == 123_456_789)
        #expect(entries[0].0.xattrs == ["user.test": Array("v\u{0}1".utf8), "security.capability": [1, 0, 0, 2]])
        #expect(entries[1].0.linkName == String(repeating: "t", count: 200))

        var global = TestTar()
        global.file("before", "1")
        global.global(["uid": Array("77".utf8), "SCHILY.xattr.user.g": Array("G".utf8)])
        global.file("after1", "2")
        global.file("after2", "3", pax: ["uid": Array("88".utf8)])
        let withGlobal = try readAll(global.finished())
        #expect(withGlobal.map(\.0.path) == ["before", "after1", "after2"])
        #expect(withGlobal.map(\.0.uid) == [0, 77, 88])
        #expect(withGlobal[0].0.xattrs.isEmpty && withGlobal[2].0.xattrs == ["user.g": Array("G".utf8)])

        #expect(try TarReader.parsePaxTime(Array("-1.5".utf8), entry: "e") == (-2, 500_000_000))
        #expect(try TarReader.parsePaxTime(Array("12.5".utf8), entry: "e") == (12, 500_000_000))
    }

    @Test("GNU long names, and tar(1) posix and gnu archives with long names, are read")
    func gnuAndCLI() throws {
        var tar = TestTar()
        let long = String(repeating: "n", count: 180)
        tar.gnuLongName(long, content: "gnu")
        let entries = try readAll(tar.finished())
        #expect(entries.count == 1 && entries[0].0.path == long && entries[0].1 == Array("gnu".utf8))

        let dir = TestDir("tarcli")
        let deep = String(repeating: "d", count: 120) + "/" + String(repeating: "f", count: 120)
        try shell("mkdir -p \(dir.sub("src"))/\(String(repeating: "d", count: 120)) && printf content > \(dir.sub("src"))/\(deep)")
        for format in ["posix", "gnu"] {
            #expect(try shell("tar --format=\(format) -C \(dir.sub("src")) -cf \(dir.sub(format + ".tar")) .") == 0)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir.sub(format + ".tar"))))
            let read = try readAll(bytes)
            let file = try #require(read.first { $0.0.path.hasSuffix(String(repeating: "f", count: 120)) })
            #expect(file.0.path == "./" + deep)
            #expect(file.1 == Array("content".utf8))
        }
    }

    @Test("damaged headers and truncated archives are reported as corrupt")
    func damaged() throws {
        var tar = TestTar()
        tar.file("f", String(repeating: "x", count: 2000))
        var bad = tar.finished()
        bad[0] ^= 0xff
        #expect(throws: UnpackError.self) { _ = try readAll(bad) }
        let truncated = Array(tar.finished().prefix(1024))
        let error = #expect(throws: UnpackError.self) { _ = try readAll(truncated) }
        #expect(error?.isCorrupt == true)
        #expect(error?.message.contains("truncated") == true)
    }
}
