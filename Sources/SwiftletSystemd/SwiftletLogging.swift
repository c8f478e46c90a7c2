import Glibc
import Logging

/// Sets up swift-log for a swiftlet process.
public enum SwiftletLogging {
    /// Installs swiftlet's log handler for the whole process.
    ///
    /// Call it once, early in `main`: swift-log's `LoggingSystem.bootstrap` stops the process when
    /// called a second time.
    ///
    /// - Parameters:
    ///   - format: The log format, or `nil` to choose: ``LogFormat/journald`` when standard error is
    ///     connected to the journal (as it is for a systemd service with the default
    ///     `StandardError=journal`), ``LogFormat/logfmt`` otherwise. See ``automaticFormat()``.
    ///   - level: The lowest level that is logged.
    ///   - identifier: The journal's `SYSLOG_IDENTIFIER` for ``LogFormat/journald``.
    ///   - metadataProvider: Contextual metadata added to every record.
    public static func bootstrap(
        format: LogFormat?,
        level: Logger.Level,
        identifier: String = "swiftlet",
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        let format = format ?? automaticFormat()
        LoggingSystem.bootstrap(
            { label, provider in
                makeHandler(format: format, label: label, level: level, identifier: identifier, metadataProvider: provider)
            },
            metadataProvider: metadataProvider
        )
    }

    /// The handler ``bootstrap(format:level:identifier:metadataProvider:)`` installs for a logger
    /// with this label; logfmt and JSON write to standard error.
    ///
    /// - Parameters:
    ///   - format: The log format.
    ///   - label: The logger's label.
    ///   - level: The lowest level that is logged.
    ///   - identifier: The journal's `SYSLOG_IDENTIFIER` for ``LogFormat/journald``.
    ///   - metadataProvider: Contextual metadata added to every record.
    public static func makeHandler(
        format: LogFormat,
        label: String,
        level: Logger.Level = .info,
        identifier: String = "swiftlet",
        metadataProvider: Logger.MetadataProvider? = nil
    ) -> any LogHandler {
        switch format {
        case .journald:
            JournaldLogHandler(label: label, identifier: identifier, level: level, metadataProvider: metadataProvider)
        case .logfmt:
            LogfmtLogHandler(label: label, level: level, metadataProvider: metadataProvider)
        case .json:
            JSONLogHandler(label: label, level: level, metadataProvider: metadataProvider)
        }
    }

    /// ``LogFormat/journald`` when this process's standard error is connected to the journal,
    /// ``LogFormat/logfmt`` otherwise.
    public static func automaticFormat() -> LogFormat {
        var status = stat()
        guard fstat(STDERR_FILENO, &status) == 0 else { return .logfmt }
        let environment = getenv("JOURNAL_STREAM").map { ["JOURNAL_STREAM": String(cString: $0)] } ?? [:]
        return stderrIsJournal(
            environment: environment,
            stderrDevice: UInt64(status.st_dev),
            stderrInode: UInt64(status.st_ino)
        ) ? .journald : .logfmt
    }

    /// Whether standard error is the journal stream systemd connected, following systemd's rule:
    /// `JOURNAL_STREAM` holds `DEVICE:INODE` (both decimal) of the stream, and a process compares it
    /// with `fstat(2)` of its standard error, because a child whose standard error was redirected
    /// elsewhere still inherits the variable.
    ///
    /// - Parameters:
    ///   - environment: The process environment; only `JOURNAL_STREAM` is read.
    ///   - stderrDevice: `st_dev` of standard error.
    ///   - stderrInode: `st_ino` of standard error.
    public static func stderrIsJournal(
        environment: [String: String],
        stderrDevice: UInt64,
        stderrInode: UInt64
    ) -> Bool {
        guard let stream = environment["JOURNAL_STREAM"] else { return false }
        let parts = stream.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2,
            parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { (0x30...0x39).contains($0) } }),
            let device = UInt64(parts[0]),
            let inode = UInt64(parts[1])
        else { return false }
        return device == stderrDevice && inode == stderrInode
    }
}
