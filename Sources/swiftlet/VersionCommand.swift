import ArgumentParser
import CBuildInfo
import SwiftletAgent

/// `swiftlet version`: the release, the git commit and the Swift toolchain it was built with.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print the version, git commit and Swift version."
    )

    @Flag(name: .shortAndLong, help: "Print only the version number.")
    var short = false

    func run() {
        if short {
            print(SwiftletVersion.version)
            return
        }
        let info = SwiftletVersion.BuildInfo(
            gitCommit: String(cString: swiftlet_build_git_commit()),
            recordedSwiftVersion: String(cString: swiftlet_build_swift_version())
        )
        print("swiftlet \(SwiftletVersion.version)")
        print("git commit: \(info.gitCommit)")
        print("swift: \(info.swiftVersion)")
    }
}
