/// Metadata of a list response (`meta/v1.ListMeta`).
public struct ListMeta: Codable, Hashable, Sendable {
    /// Version of the list; start a watch from it.
    public var resourceVersion: String?
    /// Token for the next page of a chunked list; empty on the last page.
    public var `continue`: String?
    /// Items left after this page, when the server knows.
    public var remainingItemCount: Int64?

    /// Creates a `ListMeta`; every argument defaults to unset.
    public init(
        resourceVersion: String? = nil,
        `continue`: String? = nil,
        remainingItemCount: Int64? = nil
    ) {
        self.resourceVersion = resourceVersion
        self.continue = `continue`
        self.remainingItemCount = remainingItemCount
    }
}
