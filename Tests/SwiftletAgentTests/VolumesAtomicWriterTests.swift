import Foundation
import Synchronization
import Testing
@testable import SwiftletAgent

@Suite("Volume atomic writer")
struct VolumeAtomicWriterTests {
    private func versionDirs(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { $0.hasPrefix("..") && $0 != "..data" && $0 != "..data_tmp" }.sorted()
    }

    @Test("the first write makes a timestamped version, ..data and top-level symlinks, with the file modes asked for")
    func firstWrite() throws {
        let dir = try VolumeTestDir("aw-first")
        defer { dir.remove() }
        let writer = try AtomicWriter(targetDirectory: dir.path)
        let wrote = try writer.write([
            "podName": FileProjection("web", mode: 0o644),
            "user/labels": FileProjection("app=\"web\"", mode: 0o400),
            "k8s/deep/annotations": FileProjection("a=\"b\"", mode: 0o600),
        ])
        #expect(wrote)
        let versions = versionDirs(dir.path)
        #expect(versions.count == 1)
        let version = try #require(versions.first)
        // ..YYYY_MM_DD_HH_MM_SS.<random>
        #expect(version.range(of: #"^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\..+$"#, options: .regularExpression) != nil)
        #expect(symlinkTarget(dir.sub("..data")) == version)
        #expect(symlinkTarget(dir.sub("podName")) == "..data/podName")
        #expect(symlinkTarget(dir.sub("user")) == "..data/user")
        #expect(symlinkTarget(dir.sub("k8s")) == "..data/k8s")
        #expect(readText(dir.sub("podName")) == "web")
        #expect(readText(dir.sub("user/labels")) == "app=\"web\"")
        #expect(readText(dir.sub("k8s/deep/annotations")) == "a=\"b\"")
        #expect(fileMode(dir.sub("\(version)/podName")) == 0o644)
        #expect(fileMode(dir.sub("\(version)/user/labels")) == 0o400)
        #expect(fileMode(dir.sub("\(version)/k8s/deep/annotations")) == 0o600)
        #expect(fileMode(dir.sub(version)) == 0o755)
    }

    @Test("an unchanged payload writes nothing and keeps ..data")
    func unchanged() throws {
        let dir = try VolumeTestDir("aw-same")
        defer { dir.remove() }
        let writer = try AtomicWriter(targetDirectory: dir.path)
        let payload = ["a": FileProjection("1", mode: 0o644), "d/b": FileProjection("2", mode: 0o644)]
        #expect(try writer.write(payload))
        let before = symlinkTarget(dir.sub("..data"))
        #expect(try writer.write(payload) == false)
        #expect(symlinkTarget(dir.sub("..data")) == before)
        // A user-visible link that went missing is recreated even without a new version.
        try FileManager.default.removeItem(atPath: dir.sub("a"))
        #expect(try writer.write(payload) == false)
        #expect(readText(dir.sub("a")) == "1")
    }

    @Test("an update swaps ..data to a new version and removes the old one; a mode change alone is an update")
    func update() throws {
        let dir = try VolumeTestDir("aw-update")
        defer { dir.remove() }
        let writer = try AtomicWriter(targetDirectory: dir.path)
        try writer.write(["a": FileProjection("v1", mode: 0o644)])
        let first = try #require(symlinkTarget(dir.sub("..data")))
        #expect(try writer.write(["a": FileProjection("v2", mode: 0o644)]))
        let second = try #require(symlinkTarget(dir.sub("..data")))
        #expect(second != first)
        #expect(!FileManager.default.fileExists(atPath: dir.sub(first)))
        #expect(versionDirs(dir.path) == [second])
        #expect(readText(dir.sub("a")) == "v2")

        #expect(try writer.write(["a": FileProjection("v2", mode: 0o600)]))
        let third = try #require(symlinkTarget(dir.sub("..data")))
        #expect(third != second)
        #expect(fileMode(dir.sub("\(third)/a")) == 0o600)
        #expect(versionDirs(dir.path) == [third])
    }

    @Test("keys removed from the payload disappear, files and directories alike")
    func removedKeys() throws {
        let dir = try VolumeTestDir("aw-remove")
        defer { dir.remove() }
        let writer = try AtomicWriter(targetDirectory: dir.path)
        try writer.write([
            "keep": FileProjection("k", mode: 0o644),
            "gone": FileProjection("g", mode: 0o644),
            "sub/one": FileProjection("1", mode: 0o644),
            "sub/two": FileProjection("2", mode: 0o644),
            "tree/x/y": FileProjection("y", mode: 0o644),
        ])
        #expect(try writer.write([
            "keep": FileProjection("k", mode: 0o644),
            "sub/one": FileProjection("1", mode: 0o644),
        ]))
        let visible = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix("..") }.sorted()
        #expect(visible == ["keep", "sub"])
        #expect(readText(dir.sub("keep")) == "k")
        #expect(readText(dir.sub("sub/one")) == "1")
        #expect(!FileManager.default.fileExists(atPath: dir.sub("sub/two")))
        #expect(!FileManager.default.fileExists(atPath: dir.sub("gone")))
        #expect(!FileManager.default.fileExists(atPath: dir.sub("tree")))
    }

    @Test("bad paths are rejected naming the path, and nothing is written", arguments: [
        ("", "must not be empty"),
        ("/etc/passwd", "must be a relative path"),
        ("../escape", "must not contain '..'"),
        ("a/../../b", "must not contain '..'"),
        ("..data", "must not start with '..'"),
        ("..hidden/file", "must not start with '..'"),
        (String(repeating: "n", count: 256), "filenames must be less than or equal to 255 characters"),
        ("./", "must name a file"),
    ])
    func badPaths(path: String, detail: String) throws {
        let dir = try VolumeTestDir("aw-bad")
        defer { dir.remove() }
        let writer = try AtomicWriter(targetDirectory: dir.path)
        do {
            try writer.write(["ok": FileProjection("x", mode: 0o644), path: FileProjection("y", mode: 0o644)])
            Issue.record("path \(path) was accepted")
        } catch let error as VolumeError {
            #expect(error.message.contains("\"\(path)\""), "message \(error.message) does not name the path")
            #expect(error.message.contains(detail), "message \(error.message)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test("two paths naming one file, or a file that is also a directory, are rejected")
    func conflictingPaths() throws {
        let dir = try VolumeTestDir("aw-conflict")
        defer { dir.remove() }
        let writer = try AtomicWriter(targetDirectory: dir.path)
        #expect(throws: VolumeError.self) {
            try writer.write(["a/b": FileProjection("1", mode: 0o644), "a//b": FileProjection("2", mode: 0o644)])
        }
        let error = try #require(throws: VolumeError.self) {
            try writer.write(["a": FileProjection("1", mode: 0o644), "a/b": FileProjection("2", mode: 0o644)])
        }
        #expect(error.message.contains("\"a\"") && error.message.contains("\"a/b\""))
    }

    @Test("leftovers of a crashed write (a stale version, ..data_tmp) are cleaned by the next write")
    func crashLeftovers() throws {
        let dir = try VolumeTestDir("aw-crash")
        defer { dir.remove() }
        let writer = try AtomicWriter(targetDirectory: dir.path)
        try writer.write(["a": FileProjection("1", mode: 0o644)])
        try dir.write("..2001_01_01_00_00_00.stale/a", "old")
        try FileManager.default.createSymbolicLink(atPath: dir.sub("..data_tmp"), withDestinationPath: "..2001_01_01_00_00_00.stale")
        try writer.write(["a": FileProjection("2", mode: 0o644)])
        #expect(!FileManager.default.fileExists(atPath: dir.sub("..2001_01_01_00_00_00.stale")))
        #expect(symlinkTarget(dir.sub("..data_tmp")) == nil)
        #expect(versionDirs(dir.path).count == 1)
        #expect(readText(dir.sub("a")) == "2")
    }

    @Test("a writer needs an existing directory")
    func missingDirectory() {
        #expect(throws: VolumeError.self) {
            _ = try AtomicWriter(targetDirectory: "/tmp/swiftlet-vol-missing-\(UUID().uuidString)")
        }
    }

    /// State shared with the reader thread.
    private final class ReaderState: Sendable {
        let stop = Atomic<Bool>(false)
        let consistent = Atomic<Int>(0)
        let mixed = Atomic<Int>(0)
        let done = DispatchSemaphore(value: 0)
    }

    @Test("a reader that resolves ..data once never sees files of two versions")
    func readerNeverSeesAMix() throws {
        let dir = try VolumeTestDir("aw-race")
        defer { dir.remove() }
        let writer = try AtomicWriter(targetDirectory: dir.path)
        func payload(_ n: Int) -> [String: FileProjection] {
            ["a": FileProjection("v\(n)", mode: 0o644), "nested/b": FileProjection("v\(n)", mode: 0o644)]
        }
        try writer.write(payload(0))
        let state = ReaderState()
        let dataPath = dir.sub("..data")
        let thread = Thread {
            func read(_ fd: Int32, _ name: String) -> String? {
                let f = openat(fd, name, O_RDONLY | O_CLOEXEC)
                if f < 0 { return nil }
                defer { close(f) }
                var buffer = [UInt8](repeating: 0, count: 64)
                let n = buffer.withUnsafeMutableBytes { Glibc.read(f, $0.baseAddress, $0.count) }
                return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
            }
            while !state.stop.load(ordering: .acquiring) {
                let fd = open(dataPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                if fd < 0 { continue }
                // An old version may be deleted under us (nil): that is not a mix.
                if let a = read(fd, "a"), let b = read(fd, "nested/b") {
                    if a == b { state.consistent.add(1, ordering: .relaxed) } else { state.mixed.add(1, ordering: .relaxed) }
                }
                close(fd)
            }
            state.done.signal()
        }
        thread.start()
        var targets: Set<String> = []
        for n in 1...150 {
            try writer.write(payload(n))
            targets.insert(symlinkTarget(dataPath) ?? "")
            #expect(versionDirs(dir.path).count == 1)
        }
        state.stop.store(true, ordering: .releasing)
        state.done.wait()
        #expect(targets.count == 150, "every write must point ..data at a new version")
        #expect(state.mixed.load(ordering: .relaxed) == 0)
        #expect(state.consistent.load(ordering: .relaxed) > 0)
        #expect(readText(dir.sub("a")) == "v150")
    }
}
