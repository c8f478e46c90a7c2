import ArgumentParser
import Foundation
import Logging
import Synchronization
import SwiftletAgent
import SwiftletImages

/// The node-local image store options every `swiftlet image` subcommand takes.
struct ImageStoreOptions: ParsableArguments {
    @Option(name: .customLong("root-dir"), help: "The agent's root directory (images live in <root-dir>/images).")
    var rootDir: String = "/var/lib/swiftlet"

    /// Opens the stores below --root-dir.
    func open() throws -> (content: ContentStore, images: ImageStore, layers: LayerStore) {
        // The CLI reports errors itself; library logs at info would only repeat them.
        var logger = Logger(label: "swiftlet.image")
        logger.logLevel = .warning
        let content = try ContentStore(root: rootDir, logger: logger)
        let images = try ImageStore(root: rootDir, content: content, logger: logger)
        let layers = try LayerStore(root: rootDir, logger: logger)
        return (content, images, layers)
    }

    /// A registry client with the node's `<root-dir>/registries.yaml` (mirrors, insecure
    /// registries, credentials) plus `insecure`, and the credentials of `<root-dir>/config.json`.
    func registryClient(insecure: [String], logger: Logger) throws -> RegistryClient {
        var registries = try RegistriesConfig.load(from: rootDir + "/registries.yaml")
        try registries.addInsecureRegistries(insecure)
        let keyring = try CredentialKeyring.loadDockerConfig(at: rootDir + "/config.json")
        return RegistryClient(registries: registries, keyring: keyring, logger: logger)
    }

    /// Runs `body`, turning errors into `swiftlet image: MESSAGE` on stderr and exit 1.
    func perform<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            printError("swiftlet image: \(error)")
            throw ExitCode(1)
        }
    }
}

/// `swiftlet image`: the node's image store.
struct ImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Manage the node's images.",
        subcommands: [Pull.self, Import.self, List.self, Inspect.self, Remove.self, Prune.self]
    )

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import an OCI image layout directory, an OCI archive or a docker save tarball.")
        @OptionGroup var store: ImageStoreOptions
        @Argument(help: "The layout directory or archive file.")
        var path: String
        @Option(help: "Record the image under this reference instead of the names the input gives.")
        var name: String?

        func run() async throws {
            try await store.perform {
                let (content, images, layers) = try store.open()
                let importer = ImageImporter(content: content, images: images, layers: layers, logger: quietLogger())
                let result = try await importer.importImage(from: path, name: name)
                for record in result.images {
                    print("imported \(record.reference) \(record.target.digest)")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the node's images.")
        @OptionGroup var store: ImageStoreOptions

        func run() async throws {
            try await store.perform {
                let images = try store.open().images
                var rows = [["REFERENCE", "DIGEST", "SIZE", "LAST USED"]]
                for record in await images.list() {
                    rows.append([record.reference, String(record.target.digest.description.prefix(19)),
                                 humanSize(record.size), ISO8601DateFormatter().string(from: record.lastUsed)])
                }
                let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
                for row in rows {
                    let padded = row.enumerated().map { i, cell in
                        i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                    }
                    print(padded.joined(separator: "   "))
                }
            }
        }
    }

    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print an image's record and config as JSON.")
        @OptionGroup var store: ImageStoreOptions
        @Argument(help: "A reference, digest or image ID prefix.")
        var reference: String

        func run() async throws {
            try await store.perform {
                let (content, images, _) = try store.open()
                guard let record = try await images.get(reference) else {
                    throw ImageStoreError.notFound("image \(reference)")
                }
                let configPath = content.path(for: record.configDigest)
                guard let data = FileManager.default.contents(atPath: configPath) else {
                    throw ImageStoreError.notFound("config blob \(configPath) of image \(reference)")
                }
                let config = try JSONDecoder().decode(ImageConfig.self, from: data)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                encoder.dateEncodingStrategy = .iso8601
                let view = InspectView(record: record, config: config)
                print(String(decoding: try encoder.encode(view), as: UTF8.self))
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove an image and its unshared blobs.")
        @OptionGroup var store: ImageStoreOptions
        @Argument(help: "A reference, digest or image ID prefix.")
        var reference: String

        func run() async throws {
            try await store.perform {
                let removed = try await store.open().images.remove(reference)
                print("removed \(removed.reference)")
            }
        }
    }
}

/// What `swiftlet image inspect` prints.
struct InspectView: Encodable {
    struct Process: Encodable {
        var entrypoint: [String]?
        var cmd: [String]?
        var env: [String]?
        var workingDir: String?
        var user: String?
        var stopSignal: String?
        var exposedPorts: [String]?
        var volumes: [String]?
        enum CodingKeys: String, CodingKey {
            case entrypoint = "Entrypoint", cmd = "Cmd", env = "Env", workingDir = "WorkingDir", user = "User"
            case stopSignal = "StopSignal", exposedPorts = "ExposedPorts", volumes = "Volumes"
        }

        /// Writes unset fields as null so every key is always present.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(entrypoint, forKey: .entrypoint)
            try c.encode(cmd, forKey: .cmd)
            try c.encode(env, forKey: .env)
            try c.encode(workingDir, forKey: .workingDir)
            try c.encode(user, forKey: .user)
            try c.encode(stopSignal, forKey: .stopSignal)
            try c.encode(exposedPorts, forKey: .exposedPorts)
            try c.encode(volumes, forKey: .volumes)
        }
    }

    var reference: String
    var id: String
    var digest: String
    var mediaType: String
    var platform: String
    var size: Int64
    var created: Date
    var lastUsed: Date
    var config: Process
    var layers: [Descriptor]
    var diffIDs: [String]
    var chainIDs: [String]

    init(record: ImageRecord, config: ImageConfig) {
        reference = record.reference
        id = record.id
        digest = record.target.digest.description
        mediaType = record.target.mediaType
        platform = record.platform.description
        size = record.size
        created = record.created
        lastUsed = record.lastUsed
        let p = config.config
        self.config = Process(
            entrypoint: p?.entrypoint, cmd: p?.cmd, env: p?.env, workingDir: p?.workingDir, user: p?.user,
            stopSignal: p?.stopSignal, exposedPorts: p?.exposedPorts, volumes: p?.volumes)
        layers = record.layers
        diffIDs = config.rootfs.diffIDs.map(\.description)
        chainIDs = record.chainIDs
    }
}

private func quietLogger() -> Logger {
    var logger = Logger(label: "swiftlet.image")
    logger.logLevel = .warning
    return logger
}

/// `1.5 MB`-style sizes (powers of 1000, as `docker images` prints them).
func humanSize(_ bytes: Int64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: value < 10 ? "%.2f %@" : "%.1f %@", value, units[unit])
}

extension ImageCommand {
    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pull an image from a registry into the node's store.")
        @OptionGroup var store: ImageStoreOptions
        @Argument(help: "The image reference, e.g. docker.io/library/busybox:1.36.")
        var reference: String
        @Option(name: .customLong("insecure-registry"),
                help: "Reach HOST[:PORT] over plain HTTP (repeatable; adds to <root-dir>/registries.yaml).")
        var insecureRegistries: [String] = []
        @Option(help: "The platform to pull, os/arch[/variant] (default: this host's).")
        var platform: String?

        func run() async throws {
            do {
                let parsed = try ImageReference(parsing: reference)
                let target = try platform.map { try Platform(parsing: $0) } ?? .host
                let (content, images, layers) = try store.open()
                let client = try store.registryClient(insecure: insecureRegistries, logger: quietLogger())
                let display = PullDisplay(terminal: isatty(1) == 1)
                let puller = ImagePuller(client: client, content: content, images: images, layers: layers, logger: quietLogger())
                let record: ImageRecord
                do {
                    record = try await puller.pull(parsed, platform: target) { display.update($0) }
                } catch {
                    try? await client.shutdown()
                    throw error
                }
                try await client.shutdown()
                display.finish()
                print("pulled \(parsed) (\(record.target.digest))")
            } catch {
                printError("swiftlet image pull: \(reference): \(error)")
                throw ExitCode(1)
            }
        }
    }
}

/// Renders pull progress: one redrawn line per layer on a terminal, otherwise plain lines at most once a second.
private final class PullDisplay: Sendable {
    private struct State {
        var order: [ImageDigest] = []
        var layers: [ImageDigest: PullProgress] = [:]
        var lastPrint = Date.distantPast
        var drawnLines = 0
    }
    private let terminal: Bool
    private let state = Mutex(State())

    init(terminal: Bool) { self.terminal = terminal }

    func update(_ progress: PullProgress) {
        state.withLock { s in
            if s.layers[progress.layer] == nil { s.order.append(progress.layer) }
            s.layers[progress.layer] = progress
            let now = Date()
            let complete = progress.done == progress.total
            if terminal {
                guard complete || now.timeIntervalSince(s.lastPrint) >= 0.1 else { return }
                s.lastPrint = now
                var out = s.drawnLines > 0 ? "\u{1B}[\(s.drawnLines)A" : ""
                for digest in s.order {
                    out += "\r\u{1B}[2K" + Self.line(s.layers[digest]!) + "\n"
                }
                s.drawnLines = s.order.count
                try? FileHandle.standardOutput.write(contentsOf: Data(out.utf8))
            } else {
                guard now.timeIntervalSince(s.lastPrint) >= 1 else { return }
                s.lastPrint = now
                let lines = s.order.map { Self.line(s.layers[$0]!) + "\n" }.joined()
                try? FileHandle.standardOutput.write(contentsOf: Data(lines.utf8))
            }
        }
    }

    /// Prints the final state of every layer when not on a terminal.
    func finish() {
        guard !terminal else { return }
        let lines = state.withLock { s in s.order.map { Self.line(s.layers[$0]!) + "\n" }.joined() }
        try? FileHandle.standardOutput.write(contentsOf: Data(lines.utf8))
    }

    private static func line(_ p: PullProgress) -> String {
        let short = String(p.layer.encoded.prefix(12))
        if p.reused { return "\(short): already present" }
        return "\(short): \(mib(p.done)) / \(mib(p.total))"
    }

    private static func mib(_ bytes: Int64) -> String {
        String(format: "%.1f MiB", Double(bytes) / 1_048_576)
    }
}

extension ImageCommand {
    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove unused images now, as the agent's image garbage collector would.",
            discussion: """
                Without --all: when the image filesystem's usage is at or above the high threshold, \
                removes unused images least recently used first until usage is at the low threshold. \
                With --all: removes every unused image. Either way images younger than the minimum age \
                and images whose layers are mounted (container root filesystems) stay. Thresholds and \
                ages come from the agent's --config file when given, then from these flags.
                """)
        @OptionGroup var store: ImageStoreOptions
        @Option(help: "The agent's KubeletConfiguration file, for imageGC* and imageMinimumGCAge.")
        var config: String?
        @Flag(help: "Remove every unused image, whatever the disk usage.")
        var all = false
        @Option(name: .customLong("image-gc-high-threshold"), help: "Usage percent that starts a collection (default 85).")
        var high: Int?
        @Option(name: .customLong("image-gc-low-threshold"), help: "Usage percent a collection frees down to (default 80).")
        var low: Int?
        @Option(name: .customLong("minimum-image-gc-age"), help: "Keep images stored more recently than this, e.g. 2m, 0s (default 2m).")
        var minimumAge: String?

        func run() async throws {
            try await store.perform {
                var policy = ImageGCPolicy()
                if let config {
                    let loaded = try ConfigLoader.load(path: config, overrides: AgentFlags())
                    policy = ImageGCPolicy(kubelet: loaded.kubelet)
                }
                if let high { policy.highThresholdPercent = high }
                if let low { policy.lowThresholdPercent = low }
                if let minimumAge {
                    guard let parsed = try? GoDuration(parsing: minimumAge), parsed >= .zero else {
                        throw ValidationError("--minimum-image-gc-age: \"\(minimumAge)\" is not a duration like 2m or 90s")
                    }
                    policy.minimumAgeSeconds = Double(parsed.nanoseconds) / 1e9
                }
                let (_, images, layers) = try store.open()
                let gc = try ImageGarbageCollector(images: images, layers: layers, policy: policy, logger: quietLogger())
                let result = all ? try await gc.removeAllUnused() : try await gc.collect()
                for record in result.removed {
                    print("removed \(record.reference) \(record.target.digest)")
                }
                print("freed \(humanSize(result.freedBytes)); image filesystem usage \(result.usagePercentBefore)% -> \(result.usagePercentAfter)%")
                if let shortfall = result.shortfall { printError("swiftlet image prune: warning: \(shortfall)") }
            }
        }
    }
}
