import Foundation
import Logging
import SwiftletAPI
import SwiftletNetwork

/// Pod sandboxes with their own network: a network namespace bind-mounted under
/// `<runDir>/netns/<uid>`, attached with the first CNI network config of `cniConfDir` (loopback
/// on `lo`, the network on `eth0`, host ports through portmap), and the pod's `/etc/hosts`,
/// `/etc/resolv.conf` and `/etc/hostname` as kubelet writes them. `hostNetwork` pods get the
/// node's network and hosts file and a resolv.conf by their dnsPolicy.
///
/// Setting up again (after an agent restart) reuses the namespace and the cached CNI result, so
/// a running pod keeps its IP. Tearing down is idempotent; the last pod's teardown also removes
/// the bridge and the host-port chains CNI leaves behind.
public struct CNISandboxProvider: PodSandboxProvider {
    let rootDir: String
    let runDir: String
    let confDir: String
    let runtime: CNIRuntime
    let dns: DNSConfigurer
    let logger: Logger

    public init(rootDir: String, runDir: String, confDir: String, binDirs: [String], dns: DNSConfigurer, logger: Logger) {
        self.rootDir = rootDir
        self.runDir = runDir
        self.confDir = confDir
        runtime = CNIRuntime(rootDir: rootDir, binDirs: binDirs, logger: logger)
        self.dns = dns
        self.logger = logger
    }

    public func setUp(pod: Pod, podDir: String) async throws -> PodSandbox {
        let hostname = try dns.hostnameAndDomain(for: pod).hostname
        if pod.spec.hostNetwork == true {
            let hosts = DNSConfigurer.hostNetworkHostsFileContent(
                nodeHostsFile: (try? String(contentsOfFile: dns.hostsFile, encoding: .utf8)) ?? "127.0.0.1\tlocalhost\n",
                hostAliases: pod.spec.hostAliases ?? [])
            let files = try SandboxFiles.write(podDir: podDir, hosts: hosts, resolvConf: try dns.resolvConfContent(for: pod),
                                               hostname: ProcessInfo.processInfo.hostName)
            return PodSandbox(netnsPath: nil, podIPs: [], hostsFile: files.hosts, resolvConfFile: files.resolvConf,
                              hostnameFile: files.hostname)
        }
        let uid = pod.metadata.uid ?? ""
        let network: CNIConfigList
        do {
            network = try CNIConfigList.load(confDir: confDir)
        } catch {
            throw AgentError.invalid("network plugin is not ready: \(error)")
        }
        let netns: PodNetworkNamespace
        if let existing = try? PodNetworkNamespace.open(name: uid, runDir: runDir) {
            netns = existing
        } else {
            netns = try PodNetworkNamespace.create(name: uid, runDir: runDir)
        }
        let ips: [String]
        if let cached = try? runtime.cachedAttachment(network: network.name, containerID: uid), cached.netnsPath == netns.path {
            ips = cached.result.podIPs()
            logger.debug("reusing the pod's network attachment", metadata: ["uid": "\(uid)", "ips": "\(ips)"])
        } else {
            let attachment = CNIAttachment(pod: pod, containerID: uid, netnsPath: netns.path)
            do {
                ips = try await runtime.setUpPod(network: network, attachment: attachment).podIPs()
            } catch {
                try? netns.remove()
                throw error
            }
        }
        let files = try SandboxFiles.write(
            podDir: podDir, hosts: try dns.hostsFileContent(for: pod, podIPs: ips),
            resolvConf: try dns.resolvConfContent(for: pod), hostname: hostname)
        return PodSandbox(netnsPath: netns.path, podIPs: ips, hostsFile: files.hosts, resolvConfFile: files.resolvConf,
                          hostnameFile: files.hostname)
    }

    public func tearDown(pod: Pod, podDir: String) async throws {
        guard pod.spec.hostNetwork != true else { return }
        let uid = pod.metadata.uid ?? ""
        let network = try? CNIConfigList.load(confDir: confDir)
        if let network {
            let attachment = CNIAttachment(pod: pod, containerID: uid, netnsPath: PodNetworkNamespace.path(name: uid, runDir: runDir))
            try await runtime.tearDownPod(network: network, attachment: attachment)
        } else if let cached = runtime.cachedAttachments().attachments.first(where: { $0.containerID == uid }) {
            try await runtime.delete(cached: cached)
        }
        try PodNetworkNamespace.remove(name: uid, runDir: runDir)
        if let network {
            let report = await NetworkCleaner(runtime: runtime, networks: [network], logger: logger)
                .cleanUp(liveContainerIDs: liveSandboxes(except: uid))
            logger.debug("network cleanup", metadata: ["report": "\(report)"])
        }
    }

    /// Network namespaces and CNI attachments of pods not in `keep`, left by a crash between a
    /// pod's teardown steps, are released; then what CNI leaves behind is cleaned.
    public func cleanUpOrphans(keep: Set<String>) async {
        let cached = runtime.cachedAttachments().attachments
        for attachment in cached where !keep.contains(attachment.containerID) {
            do {
                try await runtime.delete(cached: attachment)
                logger.info("released orphaned pod network", metadata: ["uid": "\(attachment.containerID)"])
            } catch {
                logger.warning("cannot release orphaned pod network", metadata: ["uid": "\(attachment.containerID)", "error": "\(error)"])
            }
        }
        for name in (try? PodNetworkNamespace.listNamespaces(runDir: runDir)) ?? [] where !keep.contains(name) {
            try? PodNetworkNamespace.remove(name: name, runDir: runDir)
            logger.info("removed orphaned network namespace", metadata: ["uid": "\(name)"])
        }
        if let network = try? CNIConfigList.load(confDir: confDir) {
            _ = await NetworkCleaner(runtime: runtime, networks: [network], logger: logger)
                .cleanUp(liveContainerIDs: liveSandboxes(except: "").intersection(keep))
        }
    }

    /// UIDs of the other pods on this node with their own network (from their pod dirs), so the
    /// cleanup keeps what they use.
    private func liveSandboxes(except uid: String) -> Set<String> {
        let podsDir = rootDir + "/pods"
        var live: Set<String> = []
        for other in (try? FileManager.default.contentsOfDirectory(atPath: podsDir)) ?? [] where other != uid {
            guard let data = FileManager.default.contents(atPath: "\(podsDir)/\(other)/pod.json"),
                  let pod = try? JSONDecoder().decode(Pod.self, from: data), pod.spec.hostNetwork != true else { continue }
            live.insert(other)
        }
        return live
    }
}
