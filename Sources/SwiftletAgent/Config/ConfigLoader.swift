import Foundation
import Logging
import SwiftletAPI
import Yams

/// swiftlet's own settings, which have no place in `KubeletConfiguration` (kubelet has them as flags).
/// All paths are absolute.
public struct AgentSettings: Sendable, Equatable {
    /// Credentials for the API server; nil: standalone mode.
    public var kubeconfig: String?
    /// `--hostname-override`, when given.
    public var hostnameOverride: String?
    /// The node's IP addresses from `--node-ip` (at most one IPv4 and one IPv6); empty: detect.
    public var nodeIPs: [String]
    /// Persistent state. Default `/var/lib/swiftlet`.
    public var rootDir: String
    /// Volatile state. Default `/run/swiftlet`.
    public var runDir: String
    /// CNI network configurations. Default `/etc/cni/net.d`.
    public var cniConfDir: String
    /// CNI plugin directories, searched in order. Default `/usr/lib/cni`, `/opt/cni/bin`.
    public var cniBinDirs: [String]
    /// How often resource usage is sampled, eviction thresholds checked and the node status
    /// rebuilt (`--housekeeping-interval`). Default 10 s.
    public var housekeepingInterval: Duration = .seconds(10)
    /// Static bearer tokens for the HTTPS API (`--token-auth-file`, kube-apiserver's CSV
    /// format `token,user,uid,"group1,group2"`); empty: none.
    public var tokenAuthFile: String = ""

    public init(
        kubeconfig: String? = nil,
        hostnameOverride: String? = nil,
        nodeIPs: [String] = [],
        rootDir: String = AgentFlags.defaultRootDir,
        runDir: String = AgentFlags.defaultRunDir,
        cniConfDir: String = AgentFlags.defaultCNIConfDir,
        cniBinDirs: [String] = AgentFlags.defaultCNIBinDirs
    ) {
        self.kubeconfig = kubeconfig
        self.hostnameOverride = hostnameOverride
        self.nodeIPs = nodeIPs
        self.rootDir = rootDir
        self.runDir = runDir
        self.cniConfDir = cniConfDir
        self.cniBinDirs = cniBinDirs
    }
}

/// The configuration the agent runs with, and what loading it noticed.
public struct LoadedConfig: Sendable, Equatable {
    /// defaults ← config file ← flags, validated.
    public var kubelet: KubeletConfiguration
    /// swiftlet's own settings from flags (and their defaults).
    public var agent: AgentSettings
    /// The config file read, made absolute; nil when running on defaults and flags alone.
    public var configFile: String?
    /// Keys of the file that swiftlet does not know, as dotted paths (`foo`, `authentication.x509.bogus`),
    /// in file order. They are ignored.
    public var unknownFields: [String]
    /// Valid settings that probably do not do what was meant (e.g. a partial `evictionHard`).
    public var warnings: [String]

    public init(kubelet: KubeletConfiguration = KubeletConfiguration(), agent: AgentSettings = AgentSettings(),
                configFile: String? = nil, unknownFields: [String] = [], warnings: [String] = []) {
        self.kubelet = kubelet
        self.agent = agent
        self.configFile = configFile
        self.unknownFields = unknownFields
        self.warnings = warnings
    }

    /// Logs the unknown fields and warnings once, at `warning` level.
    public func logFindings(to logger: Logger) {
        if !unknownFields.isEmpty {
            logger.warning("config file has fields swiftlet does not support; they are ignored", metadata: [
                "file": .string(configFile ?? ""),
                "fields": .array(unknownFields.map { .string($0) }),
            ])
        }
        for warning in warnings {
            logger.warning("\(warning)", metadata: ["file": .string(configFile ?? "")])
        }
    }
}

/// Loads the agent's configuration the way kubelet does: kubelet's v1beta1 defaults, overridden by
/// a `KubeletConfiguration` file (YAML or JSON), overridden by command-line flags; then validated.
///
/// Relative paths in the file (`staticPodPath`, `tlsCertFile`, `tlsPrivateKeyFile`,
/// `authentication.x509.clientCAFile`, `resolvConf`) are resolved against the file's directory, as
/// kubelet does; relative paths in flags against the working directory.
public struct ConfigLoader {
    /// Builds the configuration.
    ///
    /// - Parameters:
    ///   - path: the config file; nil uses `overrides.config`, and when both are nil only defaults and flags apply.
    ///   - overrides: the command-line flags.
    /// - Throws: `ConfigError` naming the file when it cannot be read, is not YAML/JSON, or is not a
    ///   `kubelet.config.k8s.io/v1beta1` `KubeletConfiguration`; or listing every invalid field.
    public static func load(path: String?, overrides: AgentFlags) throws(ConfigError) -> LoadedConfig {
        var loaded = LoadedConfig()
        var errors: [FieldError] = []
        var fileSettings = KubeletConfigurationFile()
        let file = path ?? overrides.config

        if let file {
            let absolute = ConfigPaths.absolute(file)
            let text = try readText(file)
            let decoded = try decodeDocument(text, file: file)
            fileSettings = decoded.file
            fileSettings.resolveRelativePaths(against: ConfigPaths.directory(of: absolute))
            loaded.configFile = absolute
            loaded.unknownFields = decoded.unknownFields
            errors += decoded.errors
        }

        var kubelet = KubeletConfiguration(defaulting: fileSettings)
        overrides.apply(to: &kubelet)
        errors += kubelet.validate()
        loaded.kubelet = kubelet

        let (agent, flagErrors) = agentSettings(from: overrides)
        errors += flagErrors
        loaded.agent = agent

        if !errors.isEmpty { throw .invalid(file: file, errors) }
        loaded.warnings = warnings(file: fileSettings, kubelet: kubelet)
        return loaded
    }

    // MARK: Reading

    private static func readText(_ file: String) throws(ConfigError) -> String {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .fileUnreadable(file, errnoText(errno)) }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
            throw .fileUnreadable(file, "is a directory, not a config file")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .fileUnreadable(file, errnoText(errno))
            }
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        if bytes.isEmpty { throw .fileUnreadable(file, "file is empty") }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .fileUnreadable(file, "not UTF-8 text")
        }
        return text
    }

    private static func errnoText(_ code: Int32) -> String {
        switch code {
        case ENOENT: return "no such file"
        case EACCES: return "permission denied"
        case ENOTDIR: return "a parent of this path is not a directory"
        default: return String(cString: strerror(code)).lowercased()
        }
    }

    private static func decodeDocument(_ text: String, file: String) throws(ConfigError) -> DecodedConfigFile {
        let root: Yams.Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw .syntax(file, describe(error))
        } catch {
            throw .syntax(file, "\(error)")
        }
        let expected = "expected apiVersion: \(KubeletConfiguration.apiVersion) and kind: \(KubeletConfiguration.kind)"
        guard let root else { throw .wrongDocument(file, [], detail: "the file has no content; \(expected)") }
        guard let mapping = root.mapping else {
            throw .wrongDocument(file, [], detail: "the document is not a mapping; \(expected)")
        }
        let decoded = ConfigFileDecoder.decode(mapping)

        var typeErrors: [FieldError] = []
        switch decoded.file.apiVersion {
        case nil:
            typeErrors.append(.required(FieldPath("apiVersion"), "must be \(goQuote(KubeletConfiguration.apiVersion))"))
        case let v? where v != KubeletConfiguration.apiVersion:
            typeErrors.append(.notSupported(FieldPath("apiVersion"), .string(v), [KubeletConfiguration.apiVersion]))
        default: break
        }
        switch decoded.file.kind {
        case nil:
            typeErrors.append(.required(FieldPath("kind"), "must be \(goQuote(KubeletConfiguration.kind))"))
        case let k? where k != KubeletConfiguration.kind:
            typeErrors.append(.notSupported(FieldPath("kind"), .string(k), [KubeletConfiguration.kind]))
        default: break
        }
        // Another kind of document would drown in unknown-field noise: name only what is wrong.
        if !typeErrors.isEmpty { throw .wrongDocument(file, typeErrors) }
        return decoded
    }

    private static func describe(_ error: YamlError) -> String {
        func located(_ problem: String, _ mark: Mark, _ context: YamlError.Context?) -> String {
            var s = "YAML syntax error at line \(mark.line), column \(mark.column): \(problem)"
            if let context { s += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))" }
            return s
        }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            return located(problem, mark, context)
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.sorted().map { goQuote($0) }.joined(separator: ", ")
            return "duplicate key \(keys) in the mapping at line \(context.mark.line), column \(context.mark.column)"
        case let .reader(problem, _, _, _):
            return "cannot read the file as YAML: \(problem)"
        default:
            return "cannot parse the file as YAML: \(error)"
        }
    }

    // MARK: Flags

    private static func agentSettings(from flags: AgentFlags) -> (AgentSettings, [FieldError]) {
        var settings = AgentSettings()
        var errors: [FieldError] = []
        func absolute(_ value: String?, _ flag: String) -> String? {
            guard let value else { return nil }
            if value.isEmpty {
                errors.append(.invalid(FieldPath(flag), .string(value), "must not be empty"))
                return nil
            }
            return ConfigPaths.absolute(value)
        }
        settings.kubeconfig = absolute(flags.kubeconfig, "--kubeconfig")
        settings.hostnameOverride = flags.hostnameOverride
        settings.rootDir = absolute(flags.rootDir, "--root-dir") ?? settings.rootDir
        settings.runDir = absolute(flags.runDir, "--run-dir") ?? settings.runDir
        settings.cniConfDir = absolute(flags.cniConfDir, "--cni-conf-dir") ?? settings.cniConfDir
        settings.tokenAuthFile = absolute(flags.tokenAuthFile, "--token-auth-file") ?? settings.tokenAuthFile
        if let text = flags.housekeepingInterval {
            do {
                let value = try GoDuration(parsing: text)
                if value.nanoseconds <= 0 {
                    errors.append(.invalid(FieldPath("--housekeeping-interval"), .string(text), "must be greater than zero"))
                } else {
                    settings.housekeepingInterval = value.duration
                }
            } catch {
                errors.append(.invalid(FieldPath("--housekeeping-interval"), .string(text), "\(error.message)"))
            }
        }
        if let bin = flags.cniBinDir {
            let dirs = bin.split(separator: ":").map(String.init)
            if dirs.isEmpty {
                errors.append(.invalid(FieldPath("--cni-bin-dir"), .string(bin), "must name at least one directory"))
            } else {
                settings.cniBinDirs = dirs.map(ConfigPaths.absolute)
            }
        }
        if let nodeIP = flags.nodeIP {
            let ips = nodeIP.split(separator: ",", omittingEmptySubsequences: false)
                .map { String($0).trimmingCharacters(in: .whitespaces) }
            let bad = ips.filter { !isIPAddress($0) }
            if !bad.isEmpty {
                for ip in bad {
                    errors.append(.invalid(FieldPath("--node-ip"), .string(ip), "must be a valid IP address"))
                }
            } else if ips.count > 2 || (ips.count == 2 && ips[0].contains(":") == ips[1].contains(":")) {
                errors.append(.invalid(FieldPath("--node-ip"), .string(nodeIP),
                                       "must be one IP address, or one IPv4 and one IPv6 address separated by a comma"))
            } else {
                settings.nodeIPs = ips
            }
        }
        return (settings, errors)
    }

    // MARK: Warnings

    private static func warnings(file: KubeletConfigurationFile, kubelet: KubeletConfiguration) -> [String] {
        var out: [String] = []
        if let hard = file.evictionHard, !kubelet.mergeDefaultEvictionSettings {
            let missing = KubeletConfiguration.defaultEvictionHard.keys.filter { hard[$0] == nil }.sorted()
            if !missing.isEmpty {
                out.append("evictionHard replaces kubelet's default thresholds: \(missing.joined(separator: ", ")) "
                    + "now have no hard eviction threshold (list them, or set mergeDefaultEvictionSettings: true)")
            }
        }
        return out
    }
}
