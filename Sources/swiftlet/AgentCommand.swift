import ArgumentParser
import Foundation
import Logging
import SwiftletAgent
import SwiftletSystemd

/// `swiftlet agent`: the node agent. Flags carry kubelet's names where kubelet has them, and
/// override the `--config` file.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run the node agent.",
        discussion: """
            Reads a kubelet KubeletConfiguration (kubelet.config.k8s.io/v1beta1) from --config; \
            flags override the file. Runs until SIGTERM or SIGINT. Under systemd it speaks the \
            notify protocol (Type=notify, WatchdogSec=) and logs to the journal.
            """
    )

    @Option(help: "The KubeletConfiguration file (YAML or JSON).")
    var config: String?

    @Option(help: "The kubeconfig of the control plane (standalone mode when absent).")
    var kubeconfig: String?

    @Option(name: .customLong("hostname-override"), help: "The node's name instead of the host name.")
    var hostnameOverride: String?

    @Option(name: .customLong("node-ip"), help: "The node's IP address(es), comma-separated.")
    var nodeIP: String?

    @Option(name: .customLong("root-dir"), help: "Directory for persistent state (default \(AgentFlags.defaultRootDir)).")
    var rootDir: String?

    @Option(name: .customLong("run-dir"), help: "Directory for volatile state (default \(AgentFlags.defaultRunDir)).")
    var runDir: String?

    @Option(name: .customLong("cni-conf-dir"), help: "CNI network configurations (default \(AgentFlags.defaultCNIConfDir)).")
    var cniConfDir: String?

    @Option(name: .customLong("cni-bin-dir"), help: "CNI plugin directories, colon-separated (default \(AgentFlags.defaultCNIBinDirs.joined(separator: ":"))).")
    var cniBinDir: String?

    @Option(name: .customLong("pod-manifest-path"), help: "Static pod directory (overrides staticPodPath).")
    var podManifestPath: String?

    @Option(help: "Port of the agent's HTTPS API (overrides port).")
    var port: Int32?

    @Option(help: "Address of the agent's HTTPS API (overrides address).")
    var address: String?

    @Option(name: .customLong("read-only-port"), help: "Read-only HTTP port, 0 to disable (overrides readOnlyPort).")
    var readOnlyPort: Int32?

    @Option(name: .customLong("max-pods"), help: "Maximum number of pods (overrides maxPods).")
    var maxPods: Int32?

    @Option(name: .customLong("cgroup-driver"), help: "cgroupfs or systemd (overrides cgroupDriver).")
    var cgroupDriver: String?

    @Option(name: .customLong("cluster-dns"), help: "Cluster DNS server IPs, comma-separated (overrides clusterDNS).")
    var clusterDNS: String?

    @Option(name: .customLong("cluster-domain"), help: "Cluster domain (overrides clusterDomain).")
    var clusterDomain: String?

    @Option(name: .customLong("allowed-unsafe-sysctls"), help: "Unsafe sysctls or patterns (kernel.msg*) pods may set, comma-separated (overrides allowedUnsafeSysctls).")
    var allowedUnsafeSysctls: String?

    @Option(name: .customLong("housekeeping-interval"), help: "How often usage is sampled, eviction checked and the node status rebuilt (default 10s).")
    var housekeepingInterval: String?

    @Option(name: .customLong("token-auth-file"), help: "Bearer tokens for the HTTPS API, one per line: token,user,uid,\"group1,group2\".")
    var tokenAuthFile: String?

    @Option(name: .customLong("fail-swap-on"), help: "Refuse to start with swap on: true or false (overrides failSwapOn).")
    var failSwapOn: Bool?

    @Option(name: .customLong("log-format"), help: "journald, logfmt or json (default: journald when stderr is the journal, else logfmt).")
    var logFormat: LogFormat?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        SwiftletLogging.bootstrap(format: logFormat, level: logLevel)
        let logger = Logger(label: "swiftlet.agent")
        let flags = AgentFlags(
            config: config, kubeconfig: kubeconfig, hostnameOverride: hostnameOverride, nodeIP: nodeIP,
            rootDir: rootDir, runDir: runDir, cniConfDir: cniConfDir, cniBinDir: cniBinDir,
            podManifestPath: podManifestPath, port: port, address: address, readOnlyPort: readOnlyPort,
            maxPods: maxPods, cgroupDriver: cgroupDriver,
            clusterDNS: clusterDNS.map { $0.split(separator: ",").map(String.init) },
            clusterDomain: clusterDomain, failSwapOn: failSwapOn,
            allowedUnsafeSysctls: allowedUnsafeSysctls.map { $0.split(separator: ",").map(String.init) },
            housekeepingInterval: housekeepingInterval,
            tokenAuthFile: tokenAuthFile
        )
        let loaded: LoadedConfig
        let nodeName: String
        do {
            loaded = try ConfigLoader.load(path: config, overrides: flags)
            nodeName = try flags.nodeName()
        } catch {
            printError("swiftlet agent: \(error)")
            throw ExitCode(1)
        }
        loaded.logFindings(to: logger)
        do {
            try await Agent(config: loaded, nodeName: nodeName, logger: logger).run()
        } catch let error as AgentError {
            logger.critical("agent failed", metadata: ["error": "\(error)"])
            printError("swiftlet agent: \(error)")
            throw ExitCode(1)
        }
    }
}

extension LogFormat: ExpressibleByArgument {}

extension Logger.Level: @retroactive ExpressibleByArgument {}
