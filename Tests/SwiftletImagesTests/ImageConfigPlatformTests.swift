import SwiftletImages
import Testing

private func entry(_ n: Int, _ platform: Platform?, mediaType: String = MediaType.ociManifest) throws -> Descriptor {
    let hex = String(repeating: String(n % 10), count: 64)
    return Descriptor(mediaType: mediaType, digest: try ImageDigest(parsing: "sha256:" + hex), size: Int64(n), platform: platform)
}

private func p(_ s: String) throws -> Platform { try Platform(parsing: s) }

struct PlatformCase: CustomTestStringConvertible, Sendable {
    var want: String
    var offered: [String]
    /// Index of the entry that must be chosen, nil for none.
    var chosen: Int?
    var testDescription: String { "\(want) from \(offered)" }
}

// Expected choices follow containerd's platforms.Only ordering.
let platformCases: [PlatformCase] = [
    .init(want: "linux/amd64", offered: ["linux/arm64", "linux/amd64"], chosen: 1),
    .init(want: "linux/amd64", offered: ["linux/386", "linux/amd64"], chosen: 1),
    .init(want: "linux/amd64", offered: ["linux/386"], chosen: 0),
    .init(want: "linux/amd64", offered: ["linux/arm64", "windows/amd64"], chosen: nil),
    .init(want: "linux/amd64/v3", offered: ["linux/amd64", "linux/amd64/v2"], chosen: 1),
    .init(want: "linux/amd64", offered: ["linux/amd64/v2"], chosen: nil),
    .init(want: "linux/arm64", offered: ["linux/arm/v7", "linux/arm64/v8"], chosen: 1),
    .init(want: "linux/arm64/v8", offered: ["linux/arm64"], chosen: 0),
    .init(want: "linux/arm64", offered: ["linux/arm/v7"], chosen: 0),
    .init(want: "linux/arm64", offered: ["linux/arm/v6", "linux/arm/v7"], chosen: 1),
    .init(want: "linux/arm64/v8.2", offered: ["linux/arm64/v8", "linux/arm64/v8.1"], chosen: 1),
    .init(want: "linux/arm64/v8", offered: ["linux/arm64/v8.1"], chosen: nil),
    .init(want: "linux/arm/v7", offered: ["linux/arm64", "linux/arm/v6"], chosen: 1),
    .init(want: "linux/arm/v6", offered: ["linux/arm/v7"], chosen: nil),
    .init(want: "linux/aarch64", offered: ["linux/arm64/v8"], chosen: 0),
    .init(want: "linux/x86_64", offered: ["linux/amd64"], chosen: 0),
    .init(want: "linux/armhf", offered: ["linux/arm"], chosen: 0),
    .init(want: "linux/amd64", offered: ["unknown/unknown", "linux/amd64"], chosen: 1),
]

@Suite("Platform matching")
struct ImageConfigPlatformTests {
    @Test("selectManifest picks what containerd's platform matcher picks", arguments: platformCases)
    func select(_ c: PlatformCase) throws {
        let entries = try c.offered.enumerated().map { try entry($0.offset + 1, p($0.element)) }
        let chosen = selectManifest(from: ImageIndex(manifests: entries), for: try p(c.want))
        #expect(chosen == c.chosen.map { entries[$0] })
    }

    @Test("normalisation: aarch64/v8 is arm64, x86_64 is amd64, arm defaults to v7, macos is darwin")
    func normalize() throws {
        #expect(try p("linux/aarch64/v8").normalized == Platform(os: "linux", architecture: "arm64"))
        #expect(try p("Linux/x86_64").normalized == Platform(os: "linux", architecture: "amd64"))
        #expect(try p("linux/arm").normalized == Platform(os: "linux", architecture: "arm", variant: "v7"))
        #expect(try p("linux/armel").normalized == Platform(os: "linux", architecture: "arm", variant: "v6"))
        #expect(try p("macos/arm64").normalized.os == "darwin")
        #expect(try p("linux/i386").normalized.architecture == "386")
    }

    @Test("an arm64 host prefers arm64 then 32-bit arm from v8 down")
    func arm64Vector() throws {
        #expect(try p("linux/arm64").compatiblePlatforms.map(\.description) == [
            "linux/arm64/v8", "linux/arm/v8", "linux/arm/v7", "linux/arm/v6", "linux/arm/v5",
        ])
    }

    @Test("entries without a platform are a fallback; non-manifest entries never match")
    func fallbacks() throws {
        let plain = try entry(1, nil)
        let amd = try entry(2, p("linux/amd64"))
        let layer = try entry(3, p("linux/arm64"), mediaType: MediaType.ociLayerGzip)
        #expect(selectManifest(from: ImageIndex(manifests: [plain, amd]), for: try p("linux/amd64")) == amd)
        #expect(selectManifest(from: ImageIndex(manifests: [plain, amd]), for: try p("linux/arm64")) == plain)
        #expect(selectManifest(from: ImageIndex(manifests: [layer]), for: try p("linux/arm64")) == nil)
    }

    @Test("the host platform is linux on this machine's CPU and picks itself from an index")
    func host() throws {
        let host = Platform.host
        #expect(host.os == "linux")
        #expect(!host.architecture.isEmpty && host.architecture != "unknown")
        let mine = try entry(1, host)
        let other = try entry(2, p(host.architecture == "s390x" ? "linux/amd64" : "linux/s390x"))
        #expect(selectManifest(from: ImageIndex(manifests: [other, mine]), for: host) == mine)
    }

    @Test("platform specifiers must be os/arch[/variant]")
    func parsing() {
        #expect(throws: ImageConfigError.self) { try Platform(parsing: "linux") }
        #expect(throws: ImageConfigError.self) { try Platform(parsing: "linux//v7") }
        #expect(throws: ImageConfigError.self) { try Platform(parsing: "a/b/c/d") }
    }
}
