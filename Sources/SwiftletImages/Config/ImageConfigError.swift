/// Why image metadata is unusable: a bad platform specifier, a schema 1 manifest, or a
/// container whose process cannot be worked out.
public struct ImageConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable { case invalidPlatform, schema1, noCommand, unsupportedMediaType }
    private let code: Code
    /// What went wrong, ready to show.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// A platform specifier is not `os/arch[/variant]`.
    public static func invalidPlatform(_ specifier: String) -> ImageConfigError {
        ImageConfigError(.invalidPlatform, "invalid platform \"\(specifier)\": expected os/arch[/variant], e.g. linux/arm64/v8")
    }
    /// The image uses Docker's schema 1 manifest, which swiftlet does not pull.
    public static func schema1(_ image: String) -> ImageConfigError {
        ImageConfigError(
            .schema1,
            "image \"\(image)\" uses a Docker schema 1 manifest, which is deprecated and not supported: push it again with a current client (schema 2 or OCI)")
    }
    /// Neither the container nor the image says what to run.
    public static func noCommand(container: String, image: String) -> ImageConfigError {
        ImageConfigError(
            .noCommand,
            "container \"\(container)\": no command specified: image \"\(image)\" has no Entrypoint or Cmd, so set command or args")
    }
    /// A manifest, index or config has a media type swiftlet does not handle.
    public static func unsupportedMediaType(_ mediaType: String, image: String) -> ImageConfigError {
        ImageConfigError(.unsupportedMediaType, "image \"\(image)\": unsupported media type \"\(mediaType)\"")
    }
}
