/// How swiftlet writes its own log records.
public enum LogFormat: String, Sendable, Hashable, CaseIterable {
    /// Structured entries in the systemd journal (``JournaldLogHandler``).
    case journald
    /// One logfmt line per record on standard error (``LogfmtLogHandler``).
    case logfmt
    /// One JSON object per line on standard error (``JSONLogHandler``).
    case json
}
