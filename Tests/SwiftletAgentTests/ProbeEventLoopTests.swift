import CRuntimeShim
import Foundation
import Glibc
import NIOCore
import Synchronization
import Testing
import SwiftletAgent

@Suite("the prober's own event loop")
struct ProbeEventLoopTests {
    @Test("tasks from other threads run on the loop in order; scheduled tasks run at their time, cancelled ones never")
    func tasksAndTimers() async throws {
        let loop = try ProbeEventLoop(name: "probe-loop-test")
        defer { loop.stop() }
        let order = Mutex<[String]>([])
        let onLoop = Mutex<[Bool]>([])
        for index in 0..<3 {
            loop.execute {
                order.withLock { $0.append("task \(index)") }
                onLoop.withLock { $0.append(loop.inEventLoop) }
            }
        }
        #expect(!loop.inEventLoop)
        let start = NIODeadline.now()
        let late = loop.scheduleTask(in: .milliseconds(60)) { order.withLock { $0.append("late") } }
        let early = loop.scheduleTask(in: .milliseconds(20)) { order.withLock { $0.append("early") } }
        let cancelled = loop.scheduleTask(in: .milliseconds(40)) { order.withLock { $0.append("cancelled") } }
        cancelled.cancel()
        try await early.futureResult.get()
        try await late.futureResult.get()
        #expect(NIODeadline.now() - start >= .milliseconds(60))
        await #expect(throws: EventLoopError.self) { try await cancelled.futureResult.get() }
        #expect(order.withLock { $0 } == ["task 0", "task 1", "task 2", "early", "late"])
        #expect(onLoop.withLock { $0 } == [true, true, true])
        // A future made here completes there.
        #expect(try await loop.submit { loop.inEventLoop }.get())
    }

    @Test("a timer with slack runs early when the loop wakes for something else within it; one without waits for its time")
    func slack() async throws {
        let loop = try ProbeEventLoop(name: "probe-loop-test")
        defer { loop.stop() }
        let ran = Mutex<[String: NIODeadline]>([:])
        let start = NIODeadline.now()
        try await loop.submit {
            loop.scheduleOnLoop(deadline: start + .seconds(1), slack: .milliseconds(950)) { ran.withLock { $0["slack"] = .now() } }
            loop.scheduleOnLoop(deadline: start + .seconds(1)) { ran.withLock { $0["exact"] = .now() } }
        }.get()
        // Within the slack (from 50 ms on) and long before the timers' time.
        try await Task.sleep(for: .milliseconds(100))
        try await loop.submit {}.get()  // wakes the loop
        try await probeWaitFor { ran.withLock { $0.count } == 2 }
        let times = ran.withLock { $0 }
        #expect(times["slack"]! < times["exact"]!, "the timer with slack ran when the loop woke")
        #expect(times["slack"]! - start < .seconds(1))
        #expect(times["exact"]! - start >= .seconds(1))
    }

    @Test("an actor whose executor is the loop runs there, and its futures' callbacks are isolated to it")
    func actorExecutor() async throws {
        let loop = try ProbeEventLoop(name: "probe-loop-test")
        defer { loop.stop() }
        let counter = LoopCounter(loop: loop)
        #expect(await counter.bump() == 1)
        #expect(try await counter.bumpLater() == 2)
    }

    @Test("a watched descriptor's readiness comes to its handler on the loop until it is unwatched")
    func watches() async throws {
        let loop = try ProbeEventLoop(name: "probe-loop-test")
        defer { loop.stop() }
        var fds: [Int32] = [-1, -1]
        #expect(shim_pipe2(&fds, O_CLOEXEC | O_NONBLOCK) == 0)
        let (readEnd, writeEnd) = (fds[0], fds[1])
        defer {
            close(readEnd)
            close(writeEnd)
        }
        let reads = Mutex<[String]>([])
        let watched = try await loop.submit {
            loop.watch(readEnd, events: SHIM_EPOLLIN) { _ in
                var buffer = [UInt8](repeating: 0, count: 64)
                let count = read(readEnd, &buffer, buffer.count)
                if count > 0 { reads.withLock { $0.append(String(decoding: buffer[..<count], as: UTF8.self)) } }
            }
        }.get()
        #expect(watched)
        _ = write(writeEnd, "one", 3)
        try await probeWaitFor { reads.withLock { $0 } == ["one"] }
        try await loop.submit { loop.unwatch(readEnd) }.get()
        _ = write(writeEnd, "two", 3)
        try await Task.sleep(for: .milliseconds(50))
        #expect(reads.withLock { $0 } == ["one"], "no handler runs once unwatched")
    }

    @Test("stopping ends the thread; timers not yet due fail with shutdown")
    func stopping() async throws {
        let loop = try ProbeEventLoop(name: "probe-loop-test")
        let pending = loop.scheduleTask(in: .seconds(60)) { () }
        let failure = Mutex<String?>(nil)
        // Registered on the loop while it runs: a stopped loop runs nothing more.
        try await loop.submit { pending.futureResult.whenFailure { error in failure.withLock { $0 = "\(error)" } } }.get()
        try await loop.shutdownGracefully()
        #expect(failure.withLock { $0 } == "\(EventLoopError.shutdown)")
    }
}

private actor LoopCounter {
    private let loop: ProbeEventLoop
    private var count = 0

    init(loop: ProbeEventLoop) {
        self.loop = loop
    }

    nonisolated var unownedExecutor: UnownedSerialExecutor {
        loop.executor.asUnownedSerialExecutor()
    }

    func bump() -> Int {
        loop.preconditionInEventLoop()
        count += 1
        return count
    }

    func bumpLater() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            loop.scheduleTask(in: .milliseconds(5)) {}.futureResult.whenComplete { _ in
                let value = self.assumeIsolated { counter in
                    counter.count += 1
                    return counter.count
                }
                continuation.resume(returning: value)
            }
        }
    }
}

@Suite("the prober's HTTP/1.x response reader")
struct HTTPResponseParserTests {
    /// Feeds `text` in pieces of `step` bytes; the response once complete (or at the end).
    func parse(_ text: String, step: Int = .max, limit: Int = 10 * 1024, closeAtEnd: Bool = false) throws -> (done: Bool, response: HTTPProbeResponse?) {
        var parser = HTTPResponseParser(limit: limit)
        let bytes = Array(text.utf8)
        var index = 0
        var done = false
        while index < bytes.count, !done {
            let end = min(bytes.count, index + min(step, bytes.count))
            done = try bytes[index..<end].withUnsafeBytes { try parser.feed($0) }
            index = end
        }
        if !done, closeAtEnd { done = try parser.end() }
        return (done, parser.response)
    }

    @Test("a Content-Length body, split anywhere, ends at its length")
    func contentLength() throws {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello"
        for step in [1, 2, 7, Int.max] {
            let (done, response) = try parse(text, step: step)
            #expect(done && response?.status == 200 && response?.body == Array("hello".utf8), "step \(step)")
        }
        #expect(try parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhel").done == false, "waits for the rest")
    }

    @Test("a chunked body, split anywhere, ends at the last chunk; extensions and trailers are ignored")
    func chunked() throws {
        let text = "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nnot \r\nB\r\nready yet!\n\r\n0\r\nTrailer: z\r\n\r\n"
        for step in [1, 3, Int.max] {
            let (done, response) = try parse(text, step: step)
            #expect(done && response?.status == 503 && response?.body == Array("not ready yet!\n".utf8), "step \(step)")
        }
        #expect(throws: HTTPProbeFailure.self) { try parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") }
    }

    @Test("no length: the body runs to the end of the connection, kept up to the limit")
    func untilClose() throws {
        let body = String(repeating: "x", count: 50)
        let (done, response) = try parse("HTTP/1.0 200 OK\r\n\r\n" + body, closeAtEnd: true)
        #expect(done && response?.body.count == 50)
        let (cut, short) = try parse("HTTP/1.1 200 OK\r\n\r\n" + body, limit: 10)
        #expect(cut && short?.body == Array("xxxxxxxxxx".utf8), "complete once the limit is reached")
    }

    @Test("1xx interim answers are skipped; 204 and 304 have no body; Location is kept; bare LF line ends work")
    func heads() throws {
        let (done, response) = try parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 302 Found\r\nlocation: /next\r\nContent-Length: 0\r\n\r\n")
        #expect(done && response?.status == 302 && response?.location == "/next")
        #expect(try parse("HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n").done)
        #expect(try parse("HTTP/1.1 304 Not Modified\n\n").response?.status == 304)
    }

    @Test("what is not an HTTP/1.x response fails as Go's client words it; an end before the head is EOF")
    func malformed() throws {
        for text in ["SSH-2.0-OpenSSH_9.2\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/2 200\r\n\r\n", "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
                     "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"] {
            #expect(throws: HTTPProbeFailure.self, "\(text)") { try parse(text) }
        }
        var parser = HTTPResponseParser(limit: 10)
        #expect(throws: HTTPProbeFailure.self) { try parser.end() }
        do {
            _ = try parse("garbage\r\n\r\n")
        } catch {
            #expect("\(error)" == "net/http: HTTP/1.x transport connection broken: malformed HTTP response")
        }
    }

    @Test("the request is what Go's client writes for kubelet; control characters are refused")
    func request() throws {
        let bytes = try PlainHTTPExchange.request(target: "/healthz?a=1", host: "10.0.0.5:8080",
                                                  headers: [(name: "X-Token", value: "t"), (name: "User-Agent", value: "kube-probe/1.32")])
        #expect(String(decoding: bytes, as: UTF8.self)
            == "GET /healthz?a=1 HTTP/1.1\r\nHost: 10.0.0.5:8080\r\nX-Token: t\r\nUser-Agent: kube-probe/1.32\r\nConnection: close\r\n\r\n")
        #expect(throws: HTTPProbeFailure.self) { try PlainHTTPExchange.request(target: "/", host: "h", headers: [(name: "X", value: "a\r\nB: c")]) }
        #expect(throws: HTTPProbeFailure.self) { try PlainHTTPExchange.request(target: "/\r\n", host: "h", headers: []) }
    }
}
