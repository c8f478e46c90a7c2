import Foundation

/// Runs `body` on a thread of its own and returns (or throws) its result.
///
/// Unpacks block: in read(2) and write(2), and while a layer is still downloading, on the
/// download itself (`BlobFollower`). Swift's cooperative pool has one thread per core, so a few
/// unpacks blocking there would starve the download tasks they wait for.
func runOnDedicatedThread<T: Sendable>(name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.name = name
        thread.start()
    }
}
