import Foundation
import Logging

/// What one cleanup pass removed, and what it could not.
public struct NetworkCleanupReport: Sendable, Hashable {
    /// Cached attachments of gone pods that were deleted (`network/containerID/ifName`).
    public var deletedAttachments: [String] = []
    /// iptables chains flushed and deleted (`iptables nat CNI-DN-…`).
    public var removedChains: [String] = []
    /// Bridges deleted.
    public var removedBridges: [String] = []
    /// Failures, each naming what could not be removed; the next pass tries again.
    public var errors: [String] = []

    /// An empty report.
    public init() {}
}

/// Cleans up what CNI plugins leave behind that is ours once pods are gone: the bridge
/// plugin's bridges (DEL keeps them), the portmap plugin's `CNI-HOSTPORT-*` chains and any
/// per-pod `CNI-DN-*` / bridge masquerade chains whose pod is gone, and cached attachments
/// of pods that vanished while the agent was down.
///
/// Only things that provably belong to `networks` are touched: bridges named in their
/// configs, and chains whose rules carry a plugin comment naming one of their names. The
/// shared `CNI-HOSTPORT-*` chains go only when no `CNI-DN-*` chain of anyone is left.
public struct NetworkCleaner: Sendable {
    /// The portmap plugin's shared chains in the nat table.
    public static let hostPortChains = ["CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-SETMARK", "CNI-HOSTPORT-MASQ"]

    private let runtime: CNIRuntime
    private let networks: [CNIConfigList]
    private let logger: Logger

    /// A cleaner for the agent's networks (the loopback network is always included).
    public init(runtime: CNIRuntime, networks: [CNIConfigList], logger: Logger = Logger(label: "swiftlet.network")) {
        self.runtime = runtime
        self.networks = networks
        self.logger = logger
    }

    private var networkNames: Set<String> { Set(networks.map(\.name) + [CNIConfigList.loopback.name]) }

    /// One full pass, given the sandbox (CNI container) IDs of every pod that has, or is
    /// getting, pod networking: DEL of cached attachments of other pods, then stale chains,
    /// then unused bridges. Never throws: failures are in the report and logged.
    ///
    /// A live ID with no cached attachment yet is taken for an ADD in flight: while there is
    /// one, bridges and the shared host-port chains are kept, since that ADD may need them.
    public func cleanUp(liveContainerIDs: Set<String>) async -> NetworkCleanupReport {
        var report = NetworkCleanupReport()
        await deleteStaleAttachments(liveContainerIDs, into: &report)
        await removeStaleChains(liveContainerIDs, into: &report)
        await removeUnusedBridges(liveContainerIDs, into: &report)
        if !report.deletedAttachments.isEmpty || !report.removedChains.isEmpty || !report.removedBridges.isEmpty {
            logger.info(
                "Cleaned up pod networking",
                metadata: [
                    "attachments": "\(report.deletedAttachments)", "chains": "\(report.removedChains)",
                    "bridges": "\(report.removedBridges)",
                ])
        }
        for error in report.errors { logger.warning("Network cleanup failed", metadata: ["error": "\(error)"]) }
        return report
    }

    /// DEL (with the cached config and arguments) of every cached attachment of our
    /// networks whose container ID is not live.
    public func deleteStaleAttachments(liveContainerIDs: Set<String>) async -> NetworkCleanupReport {
        var report = NetworkCleanupReport()
        await deleteStaleAttachments(liveContainerIDs, into: &report)
        return report
    }

    /// Flushes and deletes nat chains whose plugin comments name one of our networks and a
    /// container ID that is not live (with the rules jumping to them), then the shared
    /// `CNI-HOSTPORT-*` chains when no `CNI-DN-*` chain is left, for iptables and ip6tables.
    public func removeStaleChains(liveContainerIDs: Set<String>) async -> NetworkCleanupReport {
        var report = NetworkCleanupReport()
        await removeStaleChains(liveContainerIDs, into: &report)
        return report
    }

    /// Deletes each bridge named by a `bridge` plugin of our networks (default `cni0`) once
    /// no live attachment of that network is cached and no interface is enslaved to it.
    public func removeUnusedBridges(liveContainerIDs: Set<String>) async -> NetworkCleanupReport {
        var report = NetworkCleanupReport()
        await removeUnusedBridges(liveContainerIDs, into: &report)
        return report
    }

    // MARK: - Internals

    private func deleteStaleAttachments(_ liveContainerIDs: Set<String>, into report: inout NetworkCleanupReport) async {
        let (attachments, errors) = runtime.cachedAttachments()
        report.errors += errors
        for cached in attachments where networkNames.contains(cached.networkName) && !liveContainerIDs.contains(cached.containerID) {
            do {
                try await runtime.delete(cached: cached)
                report.deletedAttachments.append("\(cached.networkName)/\(cached.containerID)/\(cached.ifName)")
            } catch {
                report.errors.append("DEL of \(cached.networkName)/\(cached.containerID)/\(cached.ifName): \(error)")
            }
        }
    }

    private func removeStaleChains(_ liveContainerIDs: Set<String>, into report: inout NetworkCleanupReport) async {
        for family in ["iptables", "ip6tables"] where ChildProcess.find("\(family)-save", in: ChildProcess.systemPath) != nil {
            do {
                var rules = try await save(family)
                for chain in staleChains(rules, liveContainerIDs: liveContainerIDs) {
                    do {
                        try await removeChains([chain], from: rules, family: family)
                        report.removedChains.append("\(family) nat \(chain)")
                    } catch {
                        report.errors.append("\(family) nat \(chain): \(error)")
                    }
                }
                rules = try await save(family)
                let ownsPortmap = networks.contains { $0.plugins.contains { $0.type == "portmap" } }
                let present = Self.hostPortChains.filter(rules.chains.contains)
                if ownsPortmap, !present.isEmpty, !rules.chains.contains(where: { $0.hasPrefix("CNI-DN-") }),
                    !addInFlight(liveContainerIDs)
                {
                    do {
                        try await removeChains(present, from: rules, family: family)
                        report.removedChains += present.map { "\(family) nat \($0)" }
                    } catch {
                        report.errors.append("\(family) nat \(present.joined(separator: ", ")): \(error)")
                    }
                }
            } catch {
                report.errors.append("\(family)-save -t nat: \(error)")
            }
        }
    }

    private func removeUnusedBridges(_ liveContainerIDs: Set<String>, into report: inout NetworkCleanupReport) async {
        let cached = runtime.cachedAttachments().attachments
        if addInFlight(liveContainerIDs) { return }
        for network in networks {
            let inUse = cached.contains { $0.networkName == network.name && liveContainerIDs.contains($0.containerID) }
            if inUse { continue }
            for plugin in network.plugins where plugin.type == "bridge" {
                var bridge = "cni0"
                if case .string(let name)? = plugin.object["bridge"], !name.isEmpty { bridge = name }
                guard Self.isBridge(bridge) else { continue }
                let ports = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/net/\(bridge)/brif")) ?? []
                guard ports.isEmpty else {
                    logger.debug("Bridge still has ports; kept", metadata: ["bridge": "\(bridge)", "ports": "\(ports)"])
                    continue
                }
                do {
                    let output = try await ChildProcess.tool("ip", ["link", "del", bridge])
                    // Gone meanwhile is as good as deleted.
                    if output.status != 0 && Self.isBridge(bridge) {
                        throw NetworkError.command(["ip", "link", "del", bridge], status: output.status, output: output.stderrText)
                    }
                    report.removedBridges.append(bridge)
                } catch {
                    report.errors.append("bridge \(bridge): \(error)")
                }
            }
        }
    }

    /// Whether a live container has no cached attachment of our networks yet (its ADD may be running).
    private func addInFlight(_ liveContainerIDs: Set<String>) -> Bool {
        let attached = Set(runtime.cachedAttachments().attachments.filter { networkNames.contains($0.networkName) }.map(\.containerID))
        return !liveContainerIDs.isSubset(of: attached)
    }

    static func isBridge(_ name: String) -> Bool {
        var st = stat()
        return stat("/sys/class/net/\(name)/bridge", &st) == 0
    }

    private func save(_ family: String) async throws -> IPTablesRules {
        let output = try await ChildProcess.tool("\(family)-save", ["-t", "nat"])
        // No nat table at all (nothing ever used it) reads as empty.
        if output.status != 0 { return IPTablesRules() }
        return IPTablesRules.parse(String(decoding: output.stdout, as: UTF8.self))
    }

    /// Per-pod chains (not the shared `CNI-HOSTPORT-*` ones) tied by a comment to one of our
    /// networks and a container ID that is not live: either a rule inside the chain carries
    /// the comment (bridge's masquerade chain) or a rule jumping to it does (portmap's DNAT).
    func staleChains(_ rules: IPTablesRules, liveContainerIDs: Set<String>) -> [String] {
        var stale: [String] = []
        func consider(_ chain: String) {
            guard chain.hasPrefix("CNI-"), !chain.hasPrefix("CNI-HOSTPORT-"), rules.chains.contains(chain),
                !stale.contains(chain)
            else { return }
            stale.append(chain)
        }
        for rule in rules.rules {
            guard let comment = rule.comment, let owner = IPTablesRules.cniOwner(comment: comment),
                networkNames.contains(owner.network), !liveContainerIDs.contains(owner.containerID)
            else { continue }
            if let target = rule.target { consider(target) }
            consider(rule.chain)
        }
        return stale
    }

    /// One iptables-restore batch: delete every rule outside `chains` that jumps into them,
    /// then flush and delete them.
    private func removeChains(_ chains: [String], from rules: IPTablesRules, family: String) async throws {
        var script = "*nat\n"
        for rule in rules.rules where !chains.contains(rule.chain) {
            if let target = rule.target, chains.contains(target) { script += "-D \(rule.spec)\n" }
        }
        for chain in chains { script += "-F \(chain)\n" }
        for chain in chains { script += "-X \(chain)\n" }
        script += "COMMIT\n"
        let output = try await ChildProcess.tool("\(family)-restore", ["-w", "--noflush"], stdin: Data(script.utf8))
        guard output.status == 0 else {
            throw NetworkError.command(["\(family)-restore", "-w", "--noflush"], status: output.status, output: output.stderrText)
        }
    }
}
