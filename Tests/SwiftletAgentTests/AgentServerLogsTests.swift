import Foundation
import SwiftletAPI
import Testing

@testable import SwiftletAgent

/// `/containerLogs/{namespace}/{pod}/{container}` over real HTTPS, reading real CRI log files.
@Suite("Agent API server: container logs")
struct AgentServerLogsTests {
    /// A CRI log with a stderr line and a line split into two records.
    static let sampleLog = """
        2026-01-02T03:04:05.1Z stdout F one
        2026-01-02T03:04:06Z stderr F two
        2026-01-02T03:04:07.000000003Z stdout P thr
        2026-01-02T03:04:07.5Z stdout F ee
        2026-01-02T03:04:08Z stdout F four

        """

    private static func append(_ text: String, to path: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    @Test("tailLines, timestamps, limitBytes, sinceTime and sinceSeconds follow kubelet's semantics")
    func queries() async throws {
        let dir = try ServerTestDir()
        let log = dir.file("0.log")
        try Self.sampleLog.write(toFile: log, atomically: true, encoding: .utf8)
        var options = testServerOptions(dir)
        options.anonymousEnabled = true
        let previousAsked = ServerFlag(false)
        let handlers = AgentAPIHandlers(containerLogPath: { target in
            guard target.namespace == "default", target.pod == "web" else {
                throw AgentAPIError.notFound("pod \"\(target.pod)\" does not exist")
            }
            guard target.container == "app" else {
                throw AgentAPIError.notFound("container \"\(target.container)\" not found in pod \"\(target.pod)\"")
            }
            if target.previous { previousAsked.set(true) }
            return log
        })
        // sinceSeconds counts back from the server's clock.
        let clock = ManualClock(start: try #require(Time(rfc3339: "2026-01-02T03:04:10Z")).date)
        try await withServer(AgentServer(options: options, handlers: handlers, clock: clock)) { server in
            let cert = server.certificateFile
            func get(_ query: String) async throws -> CurlResult {
                try await serverCurl(server.url("/containerLogs/default/web/app" + query), caFile: cert)
            }
            #expect(try await get("").body == "one\ntwo\nthree\nfour\n")
            #expect(try await get("").headers.lowercased().contains("transfer-encoding: chunked"))
            #expect(try await get("?tailLines=2").body == "three\nfour\n")
            #expect(try await get("?tailLines=0").body == "")
            #expect(try await get("?tailLines=10").body == "one\ntwo\nthree\nfour\n")
            #expect(try await get("?tail=all").body == "one\ntwo\nthree\nfour\n")
            #expect(try await get("?tail=1").body == "four\n")
            #expect(try await get("?timestamps=true&tailLines=2").body
                    == "2026-01-02T03:04:07.000000003Z three\n2026-01-02T03:04:08.000000000Z four\n")
            #expect(try await get("?timestamps").body.hasPrefix("2026-01-02T03:04:05.100000000Z one\n"))
            #expect(try await get("?limitBytes=6").body == "one\ntw")
            #expect(try await get("?sinceTime=2026-01-02T03:04:06Z").body == "two\nthree\nfour\n")
            #expect(try await get("?sinceSeconds=3").body == "three\nfour\n")
            #expect(try await get("?sinceSeconds=1").body == "")

            #expect(!previousAsked.isSet)
            #expect(try await get("?previous=true").status == 200)
            #expect(previousAsked.isSet)

            let badTail = try await get("?tailLines=abc")
            #expect(badTail.status == 400)
            #expect(badTail.body.contains("tailLines"))
            let negative = try await get("?tailLines=-1")
            #expect(negative.status == 422)
            #expect(negative.body.contains("tailLines"))
            #expect(try await get("?limitBytes=0").status == 422)
            #expect(try await get("?sinceSeconds=5&sinceTime=2026-01-02T03:04:06Z").status == 422)
            let badTime = try await get("?sinceTime=yesterday")
            #expect(badTime.status == 400)
            #expect(badTime.body.contains("sinceTime"))

            let noPod = try await serverCurl(server.url("/containerLogs/default/nope/app"), caFile: cert)
            #expect(noPod.status == 404)
            #expect(noPod.body == "pod \"nope\" does not exist")
            let noContainer = try await serverCurl(server.url("/containerLogs/default/web/sidecar"), caFile: cert)
            #expect(noContainer.status == 404)
            #expect(noContainer.body == "container \"sidecar\" not found in pod \"web\"")
        }
    }

    @Test("partial records join into whole lines, even across a split UTF-8 character, and a last unfinished line is shown")
    func partialLines() async throws {
        let dir = try ServerTestDir()
        let log = dir.file("0.log")
        var bytes = Array("2026-01-02T03:04:05Z stderr F err\n".utf8)
        bytes += Array("2026-01-02T03:04:05Z stdout P caf".utf8) + [0xC3, 0x0A]
        bytes += Array("2026-01-02T03:04:05Z stdout F ".utf8) + [0xA9] + Array(" au lait\n".utf8)
        bytes += Array("not a CRI line\n".utf8)
        bytes += Array("2026-01-02T03:04:06Z stdout F \n".utf8)
        bytes += Array("2026-01-02T03:04:07Z stdout P unfinished\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: log))
        var options = testServerOptions(dir)
        options.anonymousEnabled = true
        try await withServer(AgentServer(options: options, handlers: AgentAPIHandlers(containerLogPath: { _ in log }))) { server in
            let r = try await serverCurl(server.url("/containerLogs/default/web/app"), caFile: server.certificateFile)
            #expect(r.body == "err\ncafé au lait\n\nunfinished")
            let tail = try await serverCurl(server.url("/containerLogs/default/web/app?tailLines=2"), caFile: server.certificateFile)
            #expect(tail.body == "café au lait\n\n")
            // A last record whose newline was never written is shown too.
            try "2026-01-02T03:04:05Z stdout F done\n2026-01-02T03:04:06Z stdout F cut short".write(toFile: log, atomically: true, encoding: .utf8)
            let unterminated = try await serverCurl(server.url("/containerLogs/default/web/app"), caFile: server.certificateFile)
            #expect(unterminated.body == "done\ncut short\n")
        }
    }

    @Test("follow streams new lines, follows the file through rotation, and ends when the container exits")
    func followThroughRotation() async throws {
        let dir = try ServerTestDir()
        let log = dir.file("0.log")
        try "2026-01-02T03:04:05Z stdout F first\n".write(toFile: log, atomically: true, encoding: .utf8)
        var options = testServerOptions(dir)
        options.anonymousEnabled = true
        options.idleTimeout = .milliseconds(200)
        let running = ServerFlag(true)
        let handlers = AgentAPIHandlers(containerLogPath: { _ in log }, containerIsRunning: { _ in running.isSet })
        try await withServer(AgentServer(options: options, handlers: handlers)) { server in
            let follower = try StreamingCurl(server.url("/containerLogs/default/web/app?follow=true"),
                                             caFile: try #require(server.certificateFile))
            #expect(await follower.waitFor("first\n"))
            try Self.append("2026-01-02T03:04:06Z stdout F second\n", to: log)
            #expect(await follower.waitFor("second\n"))

            // Rotation as the agent does it: the live file is renamed; the runtime still writes to it
            // until it reopens the path, which creates the new live file.
            let rotated = log + ".20260102-030407"
            #expect(rename(log, rotated) == 0)
            try Self.append("2026-01-02T03:04:07Z stdout F between\n", to: rotated)
            try "2026-01-02T03:04:08Z stdout F third\n".write(toFile: log, atomically: false, encoding: .utf8)
            #expect(await follower.waitFor("third\n"))
            try Self.append("2026-01-02T03:04:09Z stderr F fourth\n", to: log)
            #expect(await follower.waitFor("fourth\n"))
            // Quiet for longer than the idle timeout: a request is in flight, so the connection stays.
            try await Task.sleep(for: .milliseconds(600))
            #expect(follower.isRunning, "the response stays open while the container runs")

            running.set(false)
            #expect(await follower.waitForExit() == 0, "the response ends once the container stopped")
            #expect(follower.text == "first\nsecond\nbetween\nthird\nfourth\n")
        }
    }

    @Test("follow with tailLines starts at the tail; the stream stops when the client goes away")
    func followClientLeaves() async throws {
        let dir = try ServerTestDir()
        let log = dir.file("0.log")
        try Self.sampleLog.write(toFile: log, atomically: true, encoding: .utf8)
        var options = testServerOptions(dir)
        options.anonymousEnabled = true
        let polls = ServerCallCounter()
        let handlers = AgentAPIHandlers(containerLogPath: { _ in log }, containerIsRunning: { _ in
            polls.increment()
            return true
        })
        try await withServer(AgentServer(options: options, handlers: handlers)) { server in
            let follower = try StreamingCurl(server.url("/containerLogs/default/web/app?follow&tailLines=1&timestamps=1"),
                                             caFile: try #require(server.certificateFile))
            #expect(await follower.waitFor("2026-01-02T03:04:08.000000000Z four\n"))
            try Self.append("2026-01-02T03:04:09Z stdout F five\n", to: log)
            #expect(await follower.waitFor("2026-01-02T03:04:09.000000000Z five\n"))
            #expect(follower.text == "2026-01-02T03:04:08.000000000Z four\n2026-01-02T03:04:09.000000000Z five\n")

            follower.kill()
            try await Task.sleep(for: .milliseconds(400))
            let settled = polls.count
            try await Task.sleep(for: .milliseconds(600))
            #expect(polls.count == settled, "the server stopped polling for a client that left")
        }
    }
}
