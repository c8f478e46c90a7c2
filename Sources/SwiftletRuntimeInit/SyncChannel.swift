import Glibc

/// One end of the `SOCK_SEQPACKET` socket pair between the monitor and the container init.
/// Each send is one message, so no framing is needed, and the peer's exit (or exec, since
/// both ends are close-on-exec) reads as end-of-stream.
///
/// Messages (text):
/// - init → monitor: `maps` (a user namespace was created; write its id maps),
///   `pid N` (the init's pid in the monitor's pid namespace), `created` (paused on the
///   exec FIFO), `started` (the FIFO was opened), `error MESSAGE`.
/// - monitor → init: `mapped`, `go` (cgroups joined, `init.pid` written).
struct SyncChannel {
    let fd: Int32

    /// Creates a connected pair (both ends close-on-exec).
    static func pair() throws(RuntimeInitError) -> (monitor: SyncChannel, child: SyncChannel) {
        var fds: [Int32] = [-1, -1]
        if socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) != 0 {
            throw Sys.error("socketpair", "AF_UNIX, SOCK_SEQPACKET")
        }
        return (SyncChannel(fd: fds[0]), SyncChannel(fd: fds[1]))
    }

    /// Sends one message; false if the peer is gone.
    @discardableResult
    func send(_ message: String) -> Bool {
        var message = message
        return message.withUTF8 { bytes in
            while true {
                let n = Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
                if n >= 0 { return true }
                if Glibc.errno != EINTR { return false }
            }
        }
    }

    /// Receives one message, blocking; nil at end of stream (the peer exited or exec'd) or on error.
    func receive(flags: Int32 = 0) -> Received {
        // Uninitialized: only the bytes received are touched (the monitor counts its pages).
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.maxMessage, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            let n = Glibc.recv(fd, buffer.baseAddress, buffer.count, flags)
            if n > 0 { return .message(String(decoding: UnsafeRawBufferPointer(rebasing: buffer[0..<n]), as: UTF8.self)) }
            if n == 0 { return .closed }
            if Glibc.errno == EINTR { continue }
            return Glibc.errno == EAGAIN ? .empty : .closed
        }
    }

    /// Receives one message, blocking; nil at end of stream (the peer exited or exec'd) or on error.
    func receive() -> String? {
        if case .message(let text) = receive(flags: 0) { return text }
        return nil
    }

    /// What a receive got.
    enum Received {
        case message(String)
        /// Non-blocking receive with nothing queued.
        case empty
        /// End of stream or error.
        case closed
    }

    /// Longest message; error messages are far shorter.
    static let maxMessage = 16 * 1024

    func close() { _ = Glibc.close(fd) }
}
