/// A parsed `ociVersion` (SemVer 2.0.0: `MAJOR.MINOR.PATCH[-prerelease][+build]`).
public struct SpecVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Incompatible changes.
    public var major: Int
    /// Backwards-compatible additions.
    public var minor: Int
    /// Fixes.
    public var patch: Int
    /// `dev` in `1.0.2-dev`, `rc.1` in `1.1.0-rc.1`; empty for a release.
    public var prerelease: String

    public init(major: Int, minor: Int, patch: Int, prerelease: String = "") {
        self.major = major
        self.minor = minor
        self.patch = patch
        self.prerelease = prerelease
    }

    /// Parses a SemVer string; nil when it isn't one.
    public init?(_ text: String) {
        var core = Substring(text)
        if let plus = core.firstIndex(of: "+") { core = core[..<plus] }
        var pre = ""
        if let dash = core.firstIndex(of: "-") {
            pre = String(core[core.index(after: dash)...])
            core = core[..<dash]
            if pre.isEmpty { return nil }
        }
        let parts = core.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var numbers: [Int] = []
        for part in parts {
            // SemVer forbids leading zeros and signs.
            guard !part.isEmpty, part.allSatisfy(\.isASCIIDigit), part == "0" || part.first != "0",
                  let n = Int(part)
            else { return nil }
            numbers.append(n)
        }
        self.init(major: numbers[0], minor: numbers[1], patch: numbers[2], prerelease: pre)
    }

    public var description: String {
        "\(major).\(minor).\(patch)" + (prerelease.isEmpty ? "" : "-\(prerelease)")
    }

    /// Precedence without prerelease identifiers' fine ordering: a prerelease sorts before its release.
    public static func < (a: SpecVersion, b: SpecVersion) -> Bool {
        if (a.major, a.minor, a.patch) != (b.major, b.minor, b.patch) {
            return (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
        }
        if a.prerelease.isEmpty != b.prerelease.isEmpty { return !a.prerelease.isEmpty }
        return a.prerelease < b.prerelease
    }

    /// The major version this runtime reads. The spec keeps compatibility within a major version, so
    /// every 1.x config (1.0.0 through 1.3.0 and later minors, whose unknown fields are ignored) is accepted.
    public static let supportedMajor = 1

    /// Checks an `ociVersion` value; nil when it is supported, otherwise the error to report.
    public static func check(_ text: String) -> SpecError? {
        guard !text.isEmpty else {
            return SpecError(.required, path: "ociVersion", "required, e.g. \(quoted(Spec.currentVersion))")
        }
        guard let version = SpecVersion(text) else {
            return SpecError(.invalid, path: "ociVersion",
                             "invalid \(quoted(text)): must be a SemVer version such as \(quoted(Spec.currentVersion))")
        }
        guard version.major == supportedMajor else {
            return SpecError(.unsupported, path: "ociVersion",
                             "unsupported \(quoted(text)): this runtime reads runtime-spec 1.x configs")
        }
        return nil
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
