// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "swiftlet",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "swiftlet", targets: ["swiftlet"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
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
        .target(
            name: "SwiftletSystemd",
            dependencies: [
                "CSystemd",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SwiftletAgent",
            dependencies: [
                "SwiftletAPI",
                "SwiftletSystemd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "swiftlet",
            dependencies: [
                "CBuildInfo",
                "SwiftletAPI",
                "SwiftletAgent",
                "SwiftletSystemd",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        .testTarget(name: "SwiftletAPITests", dependencies: ["SwiftletAPI"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "SwiftletSystemdTests",
            dependencies: ["SwiftletSystemd", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "SwiftletAgentTests", dependencies: ["SwiftletAgent", "SwiftletAPI"]),
        // Proves the libseccomp module map links; the runtime builds on it.
        .testTarget(name: "CSeccompTests", dependencies: ["CSeccomp"]),
        // Runs the built `swiftlet` binary as a user would (make builds it before the tests).
        .testTarget(name: "SwiftletE2ETests"),
    ],
    swiftLanguageModes: [.v6]
)
