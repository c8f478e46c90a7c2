import Foundation
import Testing

@testable import SwiftletNetwork

@Suite("Pod network namespaces", .enabled(if: isRoot, "needs root for unshare and mount"))
struct PodNetworkNamespaceTests {
    /// Runs `body` with a temp run dir, then removes every namespace in it, its mount and the dir.
    private func withRunDir(_ body: (String) async throws -> Void) async throws {
        let runDir = try makeTempDir("netns")
        func cleanUp() {
            for name in (try? PodNetworkNamespace.listNamespaces(runDir: runDir)) ?? [] {
                try? PodNetworkNamespace.remove(name: name, runDir: runDir)
            }
            try? PodNetworkNamespace.unmountDirectory(runDir: runDir)
            try? FileManager.default.removeItem(atPath: runDir)
        }
        do {
            try await body(runDir)
        } catch {
            cleanUp()
            throw error
        }
        cleanUp()
    }

    private func netnsLink(_ path: String) throws -> String {
        try FileManager.default.destinationOfSymbolicLink(atPath: path)
    }

    @Test("a created namespace is a new netns under <runDir>/netns that persists with no process in it")
    func createPersists() async throws {
        try await withRunDir { runDir in
            let ns = try PodNetworkNamespace.create(name: "pod-a", runDir: runDir)
            #expect(ns.path == "\(runDir)/netns/pod-a")
            #expect(ns.exists)
            let hostInode = try FileManager.default.attributesOfItem(atPath: "/proc/self/ns/net")[.systemFileNumber] as? UInt64
            #expect(try ns.inode() != hostInode)

            // A process changes the namespace and exits; a later one still sees the change.
            let fresh = try run(["/usr/bin/nsenter", "--net=\(ns.path)", "/usr/sbin/ip", "-o", "link", "show"])
            #expect(fresh.stdout.contains("lo: <LOOPBACK> "))
            #expect(fresh.stdout.split(separator: "\n").count == 1, "only lo: \(fresh.stdout)")
            let up = try run(["/usr/bin/nsenter", "--net=\(ns.path)", "/usr/sbin/ip", "link", "set", "lo", "up"])
            #expect(up.status == 0, "\(up.stderr)")
            let show = try run(["/usr/bin/nsenter", "--net=\(ns.path)", "/usr/sbin/ip", "-o", "link", "show"])
            #expect(show.stdout.contains("lo: <LOOPBACK,UP,LOWER_UP>"), "\(show.stdout)")

            let opened = try PodNetworkNamespace.open(name: "pod-a", runDir: runDir)
            #expect(try opened.inode() == ns.inode())
            let fd = try opened.openDescriptor()
            #expect(fd >= 0)
            close(fd)

            // The directory is a private mount of its own, as the namespace mounts need.
            let mountinfo = String(decoding: try #require(FileHandle(forReadingAtPath: "/proc/self/mountinfo")).readDataToEndOfFile(), as: UTF8.self)
            let dirLine = mountinfo.split(separator: "\n").first { $0.split(separator: " ")[4] == "\(runDir)/netns" }
            #expect(dirLine != nil)
            #expect(dirLine.map { !$0.contains("shared:") } ?? false)
        }
    }

    @Test("creating never moves the caller's threads into another namespace")
    func callerStaysInHostNamespace() async throws {
        try await withRunDir { runDir in
            let before = try netnsLink("/proc/self/ns/net")
            try await withThrowingTaskGroup(of: UInt64.self) { group in
                for i in 0..<6 {
                    group.addTask { try PodNetworkNamespace.create(name: "pod-\(i)", runDir: runDir).inode() }
                }
                var inodes: Set<UInt64> = []
                for try await inode in group { inodes.insert(inode) }
                #expect(inodes.count == 6)
            }
            let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")
            for task in tasks {
                guard let link = try? netnsLink("/proc/self/task/\(task)/ns/net") else { continue }
                #expect(link == before, "thread \(task) is in \(link), not \(before)")
            }
            #expect(try PodNetworkNamespace.listNamespaces(runDir: runDir) == (0..<6).map { "pod-\($0)" })
        }
    }

    @Test("removal unmounts and unlinks, and removing a missing namespace succeeds")
    func removeIsIdempotent() async throws {
        try await withRunDir { runDir in
            let ns = try PodNetworkNamespace.create(name: "gone", runDir: runDir)
            try ns.remove()
            #expect(!ns.exists)
            #expect(!FileManager.default.fileExists(atPath: ns.path))
            try ns.remove()
            try PodNetworkNamespace.remove(name: "never-made", runDir: runDir)
            #expect(throws: NetworkError.self) { try PodNetworkNamespace.open(name: "gone", runDir: runDir) }
            #expect(try PodNetworkNamespace.listNamespaces(runDir: runDir).isEmpty)
            // The name is free again.
            let again = try PodNetworkNamespace.create(name: "gone", runDir: runDir)
            #expect(again.exists)
        }
    }

    @Test("a taken name fails with EEXIST and leaves the existing namespace alone")
    func duplicateName() async throws {
        try await withRunDir { runDir in
            let first = try PodNetworkNamespace.create(name: "dup", runDir: runDir)
            let inode = try first.inode()
            let error = #expect(throws: NetworkError.self) { try PodNetworkNamespace.create(name: "dup", runDir: runDir) }
            #expect(error?.message.contains("EEXIST") ?? false)
            #expect(first.exists)
            #expect(try first.inode() == inode)
        }
    }

    @Test("names that are not a single file name are rejected")
    func invalidNames() throws {
        for name in ["", ".", "..", ".hidden", "a/b", "../x"] {
            #expect(throws: NetworkError.self, "\(name)") { try PodNetworkNamespace.create(name: name, runDir: "/nonexistent") }
            #expect(throws: NetworkError.self, "\(name)") { try PodNetworkNamespace.remove(name: name, runDir: "/nonexistent") }
        }
    }

    @Test("listing a run dir without netns dir is empty, and a file that is not a namespace does not open")
    func listAndOpenEdgeCases() async throws {
        try await withRunDir { runDir in
            #expect(try PodNetworkNamespace.listNamespaces(runDir: runDir).isEmpty)
            try FileManager.default.createDirectory(atPath: "\(runDir)/netns", withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: "\(runDir)/netns/plain", contents: Data()))
            #expect(throws: NetworkError.self) { try PodNetworkNamespace.open(name: "plain", runDir: runDir) }
            #expect(try PodNetworkNamespace.listNamespaces(runDir: runDir) == ["plain"])
            try PodNetworkNamespace.remove(name: "plain", runDir: runDir)
            #expect(try PodNetworkNamespace.listNamespaces(runDir: runDir).isEmpty)
        }
    }
}
