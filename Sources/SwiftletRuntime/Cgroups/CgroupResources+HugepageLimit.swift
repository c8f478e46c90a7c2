extension CgroupResources {
    /// A huge page limit (OCI `linux.resources.hugepageLimits[]`).
    public struct HugepageLimit: Sendable, Equatable {
        /// Page size as the kernel names it in file names: `2MB`, `1GB`, `64KB`.
        public var pageSize: String
        /// Limit in bytes.
        public var limit: UInt64

        /// Creates a limit.
        public init(pageSize: String, limit: UInt64) {
            self.pageSize = pageSize
            self.limit = limit
        }

        func validate() throws {
            let valid = !pageSize.isEmpty && pageSize.allSatisfy { $0.isLetter || $0.isNumber }
            if !valid {
                throw CgroupError(.invalidArgument, "hugepage pageSize \"\(pageSize)\": must look like 2MB or 1GB")
            }
        }
    }
}
