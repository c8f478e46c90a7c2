import Glibc
import Synchronization

/// A file descriptor that log handlers write whole lines to.
///
/// Every line goes out in one `write(2)` call, so lines from several processes sharing a pipe or an
/// `O_APPEND` file do not interleave (for pipes, up to `PIPE_BUF` bytes). Within the process a lock
/// serialises writers, so even a short write that needs a second call cannot be split by another
/// thread's line. The descriptor is not owned: it is never closed.
public final class LogOutput: Sendable {
    /// Standard error (file descriptor 2), shared by every handler that does not name another output.
    public static let standardError = LogOutput(fileDescriptor: 2)

    /// The file descriptor lines are written to.
    public let fileDescriptor: Int32

    private let lock = Mutex(())

    /// Creates an output writing to `fileDescriptor`, which the caller keeps open for as long as
    /// handlers use it.
    public init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
    }

    /// Writes `line` (which should end in a newline) with as few `write(2)` calls as the kernel allows.
    ///
    /// Errors are dropped: there is nowhere left to report a failure to log. A non-blocking descriptor
    /// that would block drops the rest of the line rather than spinning.
    package func write(_ line: [UInt8]) {
        lock.withLock { _ in
            line.withUnsafeBytes { bytes in
                guard var next = bytes.baseAddress else { return }
                var remaining = bytes.count
                while remaining > 0 {
                    let written = Glibc.write(fileDescriptor, next, remaining)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return
                    }
                    if written == 0 { return }
                    next += written
                    remaining -= written
                }
            }
        }
    }
}
