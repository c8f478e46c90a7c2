import CRuntimeShim
import Foundation
import Glibc
import NIOCore

/// An HTTP/1.x response read as far as a probe needs it: the status, the `Location` header and
/// the first `limit` bytes of the body, framed by `Content-Length`, chunked transfer coding or
/// the end of the connection, as Go's client frames it. Interim 1xx responses (other than 101)
/// are skipped, as Go skips them.
package struct HTTPResponseParser {
    private enum Framing {
        case none
        case length(Int)
        case untilClose
        case chunked(Chunked)
    }

    private enum Chunked {
        case size
        case data(Int)
        case dataEnd
    }

    /// Go's client's limit on a response's header section.
    static let maxHeaderBytes = 1 << 20

    private let limit: Int
    private var buffer: [UInt8] = []
    /// Where the unparsed part of `buffer` starts.
    private var start = 0
    private var framing: Framing?
    private(set) var status: Int?
    private(set) var location: String?
    private(set) var body: [UInt8] = []
    private(set) var isComplete = false

    package init(limit: Int) {
        self.limit = limit
    }

    /// Whether the status line and headers have been read.
    package var hasHead: Bool { framing != nil }

    /// The response so far.
    package var response: HTTPProbeResponse? {
        status.map { HTTPProbeResponse(status: $0, location: location, body: body) }
    }

    /// Takes the next bytes read; true once the response is complete (or its body reached the limit).
    /// - Throws: ``HTTPProbeFailure`` when the bytes are not an HTTP/1.x response.
    package mutating func feed(_ bytes: UnsafeRawBufferPointer) throws -> Bool {
        guard !isComplete else { return true }
        if framing == nil, start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        buffer.append(contentsOf: bytes)
        try parse()
        return isComplete
    }

    /// The connection ended: true when a response was read (a body cut short by the end counts,
    /// as NIO's client passes it on); throws `.eof` when not even its head came.
    package mutating func end() throws -> Bool {
        guard hasHead else { throw HTTPProbeFailure.eof }
        isComplete = true
        return true
    }

    private mutating func parse() throws {
        while !isComplete {
            guard let framing else {
                guard try parseHead() else { return }
                continue
            }
            switch framing {
            case .none:
                isComplete = true
            case .length(let remaining):
                let taken = take(upTo: remaining)
                self.framing = .length(remaining - taken)
                if remaining - taken == 0 || body.count >= limit { isComplete = true }
                if taken == 0 { return }
            case .untilClose:
                let taken = take(upTo: Int.max)
                if body.count >= limit { isComplete = true }
                if taken == 0 { return }
            case .chunked(let state):
                guard try parseChunked(state) else { return }
            }
        }
    }

    /// Moves up to `count` body bytes out of the buffer, keeping those within the limit.
    private mutating func take(upTo count: Int) -> Int {
        let taken = min(count, buffer.count - start)
        let kept = min(taken, max(0, limit - body.count))
        body.append(contentsOf: buffer[start..<(start + kept)])
        start += taken
        return taken
    }

    /// One step of chunked decoding; false when more bytes are needed.
    private mutating func parseChunked(_ state: Chunked) throws -> Bool {
        switch state {
        case .size:
            guard let line = nextLine() else { return false }
            let digits = line.prefix { $0 != UInt8(ascii: ";") }.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
            guard !digits.isEmpty, digits.count <= 15, let size = Int(String(decoding: digits, as: UTF8.self), radix: 16) else {
                throw HTTPProbeFailure.malformed
            }
            // The last chunk ends the body; trailers are of no interest.
            if size == 0 { isComplete = true } else { framing = .chunked(.data(size)) }
        case .data(let remaining):
            let taken = take(upTo: remaining)
            framing = .chunked(remaining - taken == 0 ? .dataEnd : .data(remaining - taken))
            if body.count >= limit { isComplete = true }
            if taken == 0 { return false }
        case .dataEnd:
            guard let line = nextLine() else { return false }
            guard line.isEmpty else { throw HTTPProbeFailure.malformed }
            framing = .chunked(.size)
        }
        return true
    }

    /// The status line and headers; false when more bytes are needed.
    private mutating func parseHead() throws -> Bool {
        // Header lines are taken only once the whole section is here.
        guard let end = headEnd() else {
            if buffer.count - start > Self.maxHeaderBytes {
                throw HTTPProbeFailure.other("net/http: server response headers exceeded \(Self.maxHeaderBytes) bytes; aborted")
            }
            return false
        }
        guard let statusLine = nextLine(), let code = Self.statusCode(statusLine) else { throw HTTPProbeFailure.malformed }
        var location: String?
        var contentLength: Int?
        var chunked = false
        while start < end, let line = nextLine(), !line.isEmpty {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                  line.first != UInt8(ascii: " "), line.first != UInt8(ascii: "\t") else {
                throw HTTPProbeFailure.malformed
            }
            let name = line[..<colon]
            let value = Self.trimmed(line[(colon + 1)...])
            if Self.equalsLowercased(name, "location") {
                if location == nil { location = String(decoding: value, as: UTF8.self) }
            } else if Self.equalsLowercased(name, "content-length") {
                guard !value.isEmpty, value.count <= 18, value.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                    throw HTTPProbeFailure.malformed
                }
                contentLength = value.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            } else if Self.equalsLowercased(name, "transfer-encoding") {
                let last = value.split(separator: UInt8(ascii: ",")).last.map { Self.trimmed($0) } ?? []
                chunked = Self.equalsLowercased(last, "chunked")
            }
        }
        if code >= 100, code < 200, code != 101 { return true }  // interim: the real head follows
        status = code
        self.location = location
        if code < 200 || code == 204 || code == 304 {
            framing = Framing.none
        } else if chunked {
            framing = .chunked(.size)
        } else if let contentLength {
            framing = contentLength == 0 ? Framing.none : .length(contentLength)
        } else {
            framing = .untilClose
        }
        return true
    }

    /// Where the header section (ending with an empty line) ends, nil while incomplete.
    private func headEnd() -> Int? {
        var index = start
        var lineStart = start
        while index < buffer.count {
            if buffer[index] == UInt8(ascii: "\n") {
                let length = index - lineStart
                if length == 0 || (length == 1 && buffer[lineStart] == UInt8(ascii: "\r")) { return index + 1 }
                lineStart = index + 1
            }
            index += 1
        }
        return nil
    }

    /// The next line without its CR LF (or bare LF), consumed; nil while incomplete.
    private mutating func nextLine() -> ArraySlice<UInt8>? {
        guard let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        var line = buffer[start..<newline]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        start = newline + 1
        return line
    }

    /// `bytes` without leading and trailing spaces and tabs.
    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard let first = bytes.firstIndex(where: { !blank($0) }), let last = bytes.lastIndex(where: { !blank($0) }) else { return [] }
        return bytes[first...last]
    }

    /// Whether `bytes`, ASCII letters lowercased, are `lowercase`.
    private static func equalsLowercased(_ bytes: ArraySlice<UInt8>, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        return zip(bytes, UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)).allSatisfy { byte, expected in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte) == expected
        }
    }

    /// `HTTP/1.x NNN reason` → NNN.
    private static func statusCode(_ line: ArraySlice<UInt8>) -> Int? {
        let parts = line.split(separator: UInt8(ascii: " "), maxSplits: 2, omittingEmptySubsequences: false)
        let digit: (UInt8) -> Bool = { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        guard parts.count >= 2, parts[0].count == 8, parts[0].starts(with: "HTTP/1.".utf8), digit(parts[0].last!),
              parts[1].count == 3, parts[1].allSatisfy(digit) else { return nil }
        return parts[1].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }
}

/// One GET on a connected socket, on the prober's own loop, with no NIO channel: the request is
/// sent (at once, almost always: a fresh socket's buffer is empty), the response read as the
/// socket becomes readable, and the socket closed when the response is complete, the body
/// reached the limit, the peer closed, or the deadline passed.
package final class PlainHTTPExchange {
    private let fd: Int32
    private let loop: ProbeEventLoop
    private let promise: EventLoopPromise<HTTPProbeResponse>
    private var unsent: [UInt8]
    private var parser = HTTPResponseParser(limit: ProbeSupport.maxOutputBytes)
    private var timer: ProbeEventLoop.LoopTimer?
    private var finished = false

    private init(fd: Int32, request: [UInt8], loop: ProbeEventLoop) {
        self.fd = fd
        self.loop = loop
        unsent = request
        promise = loop.makePromise(of: HTTPProbeResponse.self)
    }

    /// Runs the exchange; `fd` (connected, non-blocking) is closed when it ends. On `loop` only.
    static func run(fd: Int32, request: [UInt8], deadline: NIODeadline, on loop: ProbeEventLoop) -> EventLoopFuture<HTTPProbeResponse> {
        let exchange = PlainHTTPExchange(fd: fd, request: request, loop: loop)
        exchange.start(deadline: deadline)
        return exchange.promise.futureResult
    }

    /// The request as Go's client writes kubelet's: the target, `Host`, the headers in order,
    /// `Connection: close`.
    /// - Throws: ``HTTPProbeFailure`` for a control character in the target or a header, which
    ///   would end the line early.
    package static func request(target: String, host: String, headers: [(name: String, value: String)]) throws -> [UInt8] {
        func hasControl(_ text: String) -> Bool { text.utf8.contains { $0 == 0x0d || $0 == 0x0a || $0 == 0 } }
        guard !hasControl(target) else { throw HTTPProbeFailure.other("net/http: can't write control character in Request.URL") }
        var text = "GET \(target) HTTP/1.1\r\nHost: \(host)\r\n"
        for header in [(name: "Host", value: host)] + headers {
            guard !hasControl(header.name), !hasControl(header.value) else {
                throw HTTPProbeFailure.other("net/http: invalid header field value for \(ProbeSupport.goQuote(header.name))")
            }
            if header.name != "Host" { text += "\(header.name): \(header.value)\r\n" }
        }
        text += "Connection: close\r\n\r\n"
        return Array(text.utf8)
    }

    private func start(deadline: NIODeadline) {
        guard send() else { return }
        let events = unsent.isEmpty ? SHIM_EPOLLIN : SHIM_EPOLLIN | SHIM_EPOLLOUT
        guard loop.watch(fd, events: events, { [self] ready in handle(ready) }) else {
            let code = errno
            close(fd)
            finished = true
            promise.fail(HTTPProbeFailure.other("epoll: \(String(cString: strerror(code)))"))
            return
        }
        timer = loop.scheduleOnLoop(deadline: deadline) { [self] in
            fail(parser.hasHead ? .readingBody : .awaitingHeaders)
        }
    }

    /// Writes what the socket takes now; false when the exchange failed (and ended).
    private func send() -> Bool {
        while !unsent.isEmpty {
            let count = unsent.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count > 0 {
                unsent.removeFirst(count)
            } else if count < 0, errno == EINTR {
                continue
            } else if count < 0, errno == EAGAIN {
                return true
            } else {
                fail(.other("write: " + String(cString: strerror(errno)).lowercased()))
                return false
            }
        }
        return true
    }

    private func handle(_ ready: UInt32) {
        if ready & SHIM_EPOLLOUT != 0, !unsent.isEmpty {
            guard send() else { return }
            if unsent.isEmpty { loop.watch(fd, events: SHIM_EPOLLIN) { [self] in handle($0) } }
        }
        guard ready & (SHIM_EPOLLIN | SHIM_EPOLLHUP | SHIM_EPOLLERR) != 0 else { return }
        loop.withScratch { scratch in
            while !finished {
                let count = recv(fd, scratch.baseAddress, scratch.count, 0)
                if count > 0 {
                    do {
                        if try parser.feed(UnsafeRawBufferPointer(rebasing: scratch[..<count])) { succeed() }
                    } catch {
                        fail(error as? HTTPProbeFailure ?? .other("\(error)"))
                    }
                } else if count == 0 {
                    do {
                        _ = try parser.end()
                        succeed()
                    } catch {
                        fail(error as? HTTPProbeFailure ?? .other("\(error)"))
                    }
                } else if errno == EINTR {
                    continue
                } else if errno == EAGAIN {
                    return
                } else {
                    fail(.other(ProbeSupport.goConnectError(errno: errno)))
                }
            }
        }
    }

    private func succeed() {
        guard let response = parser.response else { return fail(.eof) }
        end()
        promise.succeed(response)
    }

    private func fail(_ failure: HTTPProbeFailure) {
        guard !finished else { return }
        end()
        promise.fail(failure)
    }

    private func end() {
        guard !finished else { return }
        finished = true
        timer?.cancel()
        loop.unwatch(fd)
        close(fd)
    }
}
