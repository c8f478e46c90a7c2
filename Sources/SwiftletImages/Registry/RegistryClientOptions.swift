/// Timeouts and retry policy of a `RegistryClient`.
public struct RegistryClientOptions: Sendable, Hashable {
    /// Longest wait for a TCP (and TLS) connection, in milliseconds.
    public var connectTimeoutMilliseconds: Int64
    /// Longest wait between two reads of a response, in milliseconds.
    public var readTimeoutMilliseconds: Int64
    /// Attempts per request, the first included, on connection errors, 5xx and 429.
    public var maxAttempts: Int
    /// Wait before the first retry, in milliseconds; doubled for each further one.
    public var initialBackoffMilliseconds: Int64
    /// Largest manifest accepted, in bytes (a guard against hostile registries).
    public var maxManifestBytes: Int

    /// Creates options; the defaults are 10 s connect, 60 s read, 5 attempts, 200 ms first backoff.
    public init(
        connectTimeoutMilliseconds: Int64 = 10_000, readTimeoutMilliseconds: Int64 = 60_000, maxAttempts: Int = 5,
        initialBackoffMilliseconds: Int64 = 200, maxManifestBytes: Int = 4 << 20
    ) {
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.readTimeoutMilliseconds = readTimeoutMilliseconds
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoffMilliseconds = initialBackoffMilliseconds
        self.maxManifestBytes = maxManifestBytes
    }
}
