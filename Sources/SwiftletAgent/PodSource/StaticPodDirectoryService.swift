import Logging
import ServiceLifecycle

/// Watches `staticPodPath` every `fileCheckFrequency` and logs what changed: pods added,
/// changed or removed, and invalid manifests with every field-path error (once per change).
struct StaticPodDirectoryService: Service {
    let directory: String
    let period: Duration
    let logger: Logger
    /// Called once, after the first scan, with a one-line summary.
    let onFirstScan: @Sendable (String) -> Void
    /// Called after a later scan that changed something.
    let onChange: @Sendable (String) -> Void

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var scanner = StaticManifestScanner(directory: directory)
            var first = true
            while !Task.isCancelled {
                do {
                    let changes = try scanner.scan()
                    report(changes)
                    let summary = Self.summary(scanner)
                    if first { onFirstScan(summary) } else if !changes.isEmpty { onChange(summary) }
                } catch {
                    logger.error("static pod directory unreadable", metadata: ["error": "\(error)"])
                    if first { onFirstScan("static pods: \(error)") }
                }
                first = false
                // Cancellation here is the graceful shutdown: end the loop, not the agent, with an error.
                do { try await Task.sleep(for: period) } catch { return }
            }
        }
    }

    private static func summary(_ scanner: StaticManifestScanner) -> String {
        let (pods, invalid) = scanner.summary
        return "standalone: \(pods) static pod(s) in \(scanner.directory), \(invalid) invalid file(s); pod runtime not available yet"
    }

    private func report(_ changes: StaticManifestScanner.Changes) {
        for file in changes.added where changes.invalid[file] == nil {
            logger.info("static pod manifest added", metadata: ["file": "\(file)"])
        }
        for file in changes.changed where changes.invalid[file] == nil {
            logger.info("static pod manifest changed", metadata: ["file": "\(file)"])
        }
        for file in changes.removed {
            logger.info("static pod manifest removed", metadata: ["file": "\(file)"])
        }
        for (file, errors) in changes.invalid.sorted(by: { $0.key < $1.key }) {
            for error in errors {
                logger.error("invalid static pod manifest", metadata: ["file": "\(file)", "error": "\(error)"])
            }
        }
        for (pod, files) in changes.conflicts.sorted(by: { $0.key < $1.key }) {
            logger.error("static pod defined by more than one file", metadata: [
                "pod": "\(pod)", "files": "\(files.joined(separator: ","))",
            ])
        }
    }
}
