/// swiftlet's release version, reported by `swiftlet version` and, later, as the node's
/// `containerRuntimeVersion` (`swiftlet://<version>`) and `kubeletVersion`.
public enum SwiftletVersion {
    /// The semantic version of this release.
    public static let version = "0.1.0"

    /// What the build recorded about itself.
    public struct BuildInfo: Sendable, Equatable {
        /// Short git commit, with `-dirty` when built from a modified tree; `unknown` outside a checkout.
        public var gitCommit: String
        /// The Swift toolchain version.
        public var swiftVersion: String

        /// - Parameter recordedSwiftVersion: what `make build` recorded from `swift --version`;
        ///   when empty, the compiler version known at compile time.
        public init(gitCommit: String, recordedSwiftVersion: String) {
            self.gitCommit = gitCommit.isEmpty ? "unknown" : gitCommit
            self.swiftVersion = recordedSwiftVersion.isEmpty ? Self.compiledSwiftVersion : recordedSwiftVersion
        }

        /// The compiler's major.minor version, from conditional compilation.
        public static var compiledSwiftVersion: String {
            #if compiler(>=6.5)
            return "6.5+"
            #elseif compiler(>=6.4)
            return "6.4"
            #elseif compiler(>=6.3)
            return "6.3"
            #elseif compiler(>=6.2)
            return "6.2"
            #elseif compiler(>=6.1)
            return "6.1"
            #else
            return "6.0"
            #endif
        }
    }
}
