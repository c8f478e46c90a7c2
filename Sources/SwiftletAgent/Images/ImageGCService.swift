import Logging
import ServiceLifecycle
import SwiftletImages

/// Runs the image garbage collector every `period` (kubelet: 5 minutes), the first time one
/// period after start. `inUse` names the images the node's containers use.
struct ImageGCService: Service {
    let collector: ImageGarbageCollector
    let period: Duration
    let inUse: @Sendable () async -> Set<String>
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: period)
                } catch {
                    return
                }
                do {
                    let result = try await collector.collect(inUse: await inUse())
                    if !result.removed.isEmpty || !result.removedLayers.isEmpty {
                        logger.info("image garbage collection", metadata: [
                            "removed": "\(result.removed.map(\.reference))", "freedBytes": "\(result.freedBytes)",
                            "usagePercent": "\(result.usagePercentAfter)"])
                    }
                } catch {
                    logger.warning("image garbage collection failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
