#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SwiftletAPI

/// Command-line settings of the agent: swiftlet's own settings, and overrides of config-file fields,
/// named after kubelet's flags where kubelet has one. Every property is optional: nil means "not
/// given", so the config file (or the default) applies. The executable parses the flags into this.
///
/// Relative paths in flags are resolved against the current working directory, as kubelet does.
public struct AgentFlags: Sendable, Equatable {
    /// `--config`: the KubeletConfiguration file. Used by `ConfigLoader.load` when its `path` is nil.
    public var config: String?
    /// `--kubeconfig`: credentials for the API server; nil: standalone mode (static pods only).
    public var kubeconfig: String?
    /// `--hostname-override`: the node name instead of the host name.
    public var hostnameOverride: String?
    /// `--node-ip`: the node's IP address, or an IPv4 and an IPv6 address separated by a comma.
    public var nodeIP: String?
    /// `--root-dir`: persistent state (images, pod volumes). Default `/var/lib/swiftlet`.
    public var rootDir: String?
    /// `--run-dir` (swiftlet's own): volatile state (container state, sockets). Default `/run/swiftlet`.
    public var runDir: String?
    /// `--cni-conf-dir`: CNI network configurations. Default `/etc/cni/net.d`.
    public var cniConfDir: String?
    /// `--cni-bin-dir`: colon-separated directories searched for CNI plugins.
    /// Default `/usr/lib/cni:/opt/cni/bin` (Debian's plugins first, then the upstream location).
    public var cniBinDir: String?
    /// `--pod-manifest-path`: kubelet's deprecated flag for `staticPodPath`.
    public var podManifestPath: String?
    /// `--port`: overrides `port`.
    public var port: Int32?
    /// `--address`: overrides `address`.
    public var address: String?
    /// `--read-only-port`: overrides `readOnlyPort`.
    public var readOnlyPort: Int32?
    /// `--max-pods`: overrides `maxPods`.
    public var maxPods: Int32?
    /// `--cgroup-driver`: overrides `cgroupDriver`.
    public var cgroupDriver: String?
    /// `--cluster-dns`: overrides `clusterDNS` (a list; kubelet's flag takes commas).
    public var clusterDNS: [String]?
    /// `--allowed-unsafe-sysctls`: overrides `allowedUnsafeSysctls` (comma-separated).
    public var allowedUnsafeSysctls: [String]?
    /// `--housekeeping-interval`: a Go duration (default `10s`).
    public var housekeepingInterval: String?
    /// `--token-auth-file`: static bearer tokens for the HTTPS API.
    public var tokenAuthFile: String?
    /// `--cluster-domain`: overrides `clusterDomain`.
    public var clusterDomain: String?
    /// `--fail-swap-on`: overrides `failSwapOn`.
    public var failSwapOn: Bool?

    /// Default of `--root-dir`.
    public static let defaultRootDir = "/var/lib/swiftlet"
    /// Default of `--run-dir`.
    public static let defaultRunDir = "/run/swiftlet"
    /// Default of `--cni-conf-dir`.
    public static let defaultCNIConfDir = "/etc/cni/net.d"
    /// Default of `--cni-bin-dir`, in search order.
    public static let defaultCNIBinDirs = ["/usr/lib/cni", "/opt/cni/bin"]

    public init(
        config: String? = nil,
        kubeconfig: String? = nil,
        hostnameOverride: String? = nil,
        nodeIP: String? = nil,
        rootDir: String? = nil,
        runDir: String? = nil,
        cniConfDir: String? = nil,
        cniBinDir: String? = nil,
        podManifestPath: String? = nil,
        port: Int32? = nil,
        address: String? = nil,
        readOnlyPort: Int32? = nil,
        maxPods: Int32? = nil,
        cgroupDriver: String? = nil,
        clusterDNS: [String]? = nil,
        clusterDomain: String? = nil,
        failSwapOn: Bool? = nil,
        allowedUnsafeSysctls: [String]? = nil,
        housekeepingInterval: String? = nil,
        tokenAuthFile: String? = nil
    ) {
        self.config = config
        self.kubeconfig = kubeconfig
        self.hostnameOverride = hostnameOverride
        self.nodeIP = nodeIP
        self.rootDir = rootDir
        self.runDir = runDir
        self.cniConfDir = cniConfDir
        self.cniBinDir = cniBinDir
        self.podManifestPath = podManifestPath
        self.port = port
        self.address = address
        self.readOnlyPort = readOnlyPort
        self.maxPods = maxPods
        self.cgroupDriver = cgroupDriver
        self.clusterDNS = clusterDNS
        self.clusterDomain = clusterDomain
        self.failSwapOn = failSwapOn
        self.allowedUnsafeSysctls = allowedUnsafeSysctls
        self.housekeepingInterval = housekeepingInterval
        self.tokenAuthFile = tokenAuthFile
    }

    /// Writes the flags that override config fields over `config` (flags beat the file).
    /// `--pod-manifest-path` is made absolute against the working directory.
    public func apply(to config: inout KubeletConfiguration) {
        if let podManifestPath { config.staticPodPath = podManifestPath.isEmpty ? "" : ConfigPaths.absolute(podManifestPath) }
        if let port { config.port = port }
        if let address { config.address = address }
        if let readOnlyPort { config.readOnlyPort = readOnlyPort }
        if let maxPods { config.maxPods = maxPods }
        if let cgroupDriver { config.cgroupDriver = cgroupDriver }
        if let clusterDNS { config.clusterDNS = clusterDNS }
        if let allowedUnsafeSysctls { config.allowedUnsafeSysctls = allowedUnsafeSysctls }
        if let clusterDomain { config.clusterDomain = clusterDomain }
        if let failSwapOn { config.failSwapOn = failSwapOn }
    }

    /// The node's name, as kubelet derives it: `--hostname-override` if given, else the machine's
    /// host name; trimmed and lowercased.
    ///
    /// - Parameter systemHostname: the host name to use instead of asking the system (for tests).
    /// - Throws: `ConfigError` when the result is empty.
    public func nodeName(systemHostname: String? = nil) throws(ConfigError) -> String {
        let raw = hostnameOverride.flatMap { $0.isEmpty ? nil : $0 } ?? systemHostname ?? AgentFlags.systemHostname()
        let name = raw.trimmingWhitespace().lowercased()
        if name.isEmpty {
            throw .invalid(file: nil, [.invalid(FieldPath("--hostname-override"), .string(raw),
                                                "the node name is empty; set --hostname-override")])
        }
        return name
    }

    /// The machine's host name (`gethostname(2)`), or "" when it cannot be read.
    public static func systemHostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let end = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[start...end])
    }
}
