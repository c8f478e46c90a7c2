/// The contents of the state directory's `exit` file, written atomically by the monitor
/// when the container's init exits:
///
/// ```
/// exitCode=137
/// signal=9
/// startedAt=1767323045123456789
/// finishedAt=1767323046123456789
/// ```
///
/// Times are Unix nanoseconds (`startedAt` is 0 when the process never got past the exec
/// FIFO). An `error=` line follows when the init failed after `start` (e.g. execve).
public struct ExitRecord: Sendable, Equatable {
    /// The exit status, or 128 + signal number when killed by a signal.
    public var exitCode: Int32
    /// The terminating signal, 0 when the process exited normally.
    public var signal: Int32
    /// When the init passed the exec FIFO (Unix nanoseconds), 0 if it never did.
    public var startedAt: Int64
    /// When the monitor reaped the init (Unix nanoseconds).
    public var finishedAt: Int64
    /// The init's own error message when it failed between `start` and execve.
    public var error: String?

    /// Creates a record.
    public init(exitCode: Int32, signal: Int32, startedAt: Int64, finishedAt: Int64, error: String? = nil) {
        self.exitCode = exitCode
        self.signal = signal
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.error = error
    }

    /// The file's text.
    public var fileContents: String {
        var text = "exitCode=\(exitCode)\nsignal=\(signal)\nstartedAt=\(startedAt)\nfinishedAt=\(finishedAt)\n"
        if let error {
            text += "error=\(error.replacingNewlines())\n"
        }
        return text
    }

    /// Parses the file's text; nil when `exitCode` or `finishedAt` is missing or malformed.
    /// Unknown keys are ignored so newer monitors can add lines.
    public init?(parsing text: String) {
        var exitCode: Int32?
        var signal: Int32 = 0
        var startedAt: Int64 = 0
        var finishedAt: Int64?
        var error: String?
        // Byte-wise: the record is ASCII but for an error's text, and probes read one per run.
        for line in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            guard let eq = line.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let key = Substring(line[..<eq])
            let value = Substring(line[line.index(after: eq)...])
            switch key {
            case "exitCode": exitCode = Int32(value)
            case "signal": signal = Int32(value) ?? 0
            case "startedAt": startedAt = Int64(value) ?? 0
            case "finishedAt": finishedAt = Int64(value)
            case "error": error = String(value)
            default: continue
            }
        }
        guard let exitCode, let finishedAt else { return nil }
        self.init(exitCode: exitCode, signal: signal, startedAt: startedAt, finishedAt: finishedAt, error: error)
    }
}

extension String {
    /// The string on one line (newlines become spaces), for line-based protocols.
    func replacingNewlines() -> String {
        guard contains(where: \.isNewline) else { return self }
        return String(map { $0.isNewline ? " " : $0 })
    }
}
