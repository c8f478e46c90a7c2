// swift-tools-version:6.0
import PackageDescription

/// The monitor and the container init stay free of Foundation and of the Concurrency and
/// StringProcessing modules: they start per container and must cost well under 1 MiB.
let glibcOnlySwiftSettings: [SwiftSetting] = [
    .unsafeFlags([
        "-Xfrontend", "-disable-implicit-concurrency-module-import",
        "-Xfrontend", "-disable-implicit-string-processing-module-import",
    ])
]

let package = Package(
    name: "swiftlet",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "swiftlet", targets: ["swiftlet"]),
        .executable(name: "swiftlet-monitor", targets: ["swiftlet-monitor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // Registry client (images): HTTP/1.1 and TLS without libcurl, so the binary stays static.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.65.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.27.0"),
        // The agent's HTTPS API: its self-signed serving certificate (X509 + P256) and its own `/metrics`.
        .package(url: "https://github.com/apple/swift-certificates", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        // gRPC health probes speak HTTP/2 (h2c) directly; already resolved through async-http-client.
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
    ],
    targets: [
        // C module maps for system libraries (Debian's -dev packages).
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),

        // The git commit and toolchain recorded by `make build` for `swiftlet version`.
        .target(name: "CBuildInfo"),

        .target(
            name: "SwiftletAPI",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        // Thin syscall wrappers Swift cannot call directly (clone, setns, pivot_root, seccomp, ...).
        .target(name: "CRuntimeShim"),
        // Container init and monitor: Glibc only.
        .target(name: "SwiftletRuntimeInit", dependencies: ["CRuntimeShim"], swiftSettings: glibcOnlySwiftSettings),
        // Started for every container and every exec: the Swift runtime is linked in statically
        // (no libswiftCore.so to load and relocate at each start) with lld and packed relative
        // relocations, which take most of a start's cost away.
        .executableTarget(name: "swiftlet-monitor", dependencies: ["SwiftletRuntimeInit"], swiftSettings: glibcOnlySwiftSettings,
                          linkerSettings: [.unsafeFlags(["-use-ld=lld", "-static-executable"])]),
        .target(
            name: "SwiftletRuntime",
            dependencies: [
                "CSeccomp",
                "CRuntimeShim",
                "SwiftletRuntimeInit",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SwiftletSystemd",
            dependencies: [
                "CSystemd",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Pod network namespaces, CNI plugin invocation, DNS files (/etc/hosts, /etc/resolv.conf).
        .target(
            name: "SwiftletNetwork",
            dependencies: ["SwiftletAPI", "CRuntimeShim", .product(name: "Logging", package: "swift-log")]
        ),
        // Resource usage: cgroup v1/v2 and /proc readers, the sample cache, kubelet's Summary API and
        // `/metrics/resource`. Foundation and swift-log only.
        .target(name: "SwiftletStats", dependencies: [.product(name: "Logging", package: "swift-log")]),
        .target(
            name: "SwiftletAgent",
            dependencies: [
                "SwiftletAPI",
                "SwiftletStats",
                "SwiftletImages",
                "SwiftletNetwork",
                "SwiftletRuntime",
                // CRI log timestamps are written as the monitor writes them.
                "SwiftletRuntimeInit",
                "CRuntimeShim",
                "CZlib",
                "SwiftletSystemd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // OpenSSL's libcrypto for SHA-256/SHA-512 of blobs and layers (SHA-NI, AVX2).
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // Extended-attribute calls for the layer unpacker (<sys/xattr.h> is not in Swift's Glibc).
        .target(name: "CUnpackShim"),
        .target(
            name: "SwiftletImages",
            dependencies: [
                "SwiftletAPI", "CZlib", "CZstd", "CCrypto", "CRuntimeShim", "CUnpackShim",
                .product(name: "Logging", package: "swift-log"), .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .executableTarget(
            name: "swiftlet",
            dependencies: [
                "CBuildInfo",
                "SwiftletAPI",
                "SwiftletAgent",
                "SwiftletImages",
                "SwiftletRuntime",
                "SwiftletSystemd",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // Statically linked Swift runtime and Foundation: every `swiftlet runtime` call and
            // every agent start pays dynamic loading otherwise (about 10 ms of a 3 ms budget).
            // lld with packed relative relocations (DT_RELR) and no exported symbol table: the
            // 3 MiB of RELA entries and 2 MiB of dynamic symbols that the loader reads at every
            // start shrink to 30 KiB, about 5 MiB less resident memory for the agent.
            linkerSettings: [.unsafeFlags(["-use-ld=lld", "-Xlinker", "--no-export-dynamic", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-static-stdlib", "-Xlinker", "--start-group", "-lFoundation", "-lCoreFoundation", "-lFoundationInternationalization", "-lFoundationEssentials", "-l_FoundationICU", "-l_FoundationCollections", "-l_FoundationCShims", "-Xlinker", "--end-group", "-lstdc++"])]
        ),

        .testTarget(name: "SwiftletAPITests", dependencies: ["SwiftletAPI"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "SwiftletSystemdTests",
            dependencies: ["SwiftletSystemd", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "SwiftletRuntimeTests",
            dependencies: ["SwiftletRuntime", "SwiftletRuntimeInit", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "SwiftletRuntimeInitTests", dependencies: ["SwiftletRuntimeInit", "CRuntimeShim"]),
        .testTarget(
            name: "SwiftletAgentTests",
            dependencies: [
                "SwiftletAgent", "SwiftletAPI", "SwiftletImages", "SwiftletRuntime", "SwiftletRuntimeInit",
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .testTarget(name: "SwiftletStatsTests", dependencies: ["SwiftletStats"]),
        .testTarget(name: "SwiftletImagesTests", dependencies: ["SwiftletImages", "SwiftletAPI", "CUnpackShim"]),
        // Proves the libseccomp module map links; the runtime builds on it.
        .testTarget(name: "CSeccompTests", dependencies: ["CSeccomp"]),
        // Runs the built `swiftlet` binary as a user would (make builds it before the tests).
        .testTarget(
            name: "SwiftletNetworkTests",
            dependencies: ["SwiftletNetwork", "SwiftletAPI", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "SwiftletE2ETests", dependencies: ["SwiftletImages"]),
    ],
    swiftLanguageModes: [.v6]
)
