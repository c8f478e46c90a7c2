import Foundation
import SwiftletAPI
import Testing

@testable import SwiftletNetwork

/// Real plugins from /usr/lib/cni against real namespaces. Each test makes its own bridge,
/// /24, network name, namespace and IPAM store; they run one at a time because the portmap
/// plugin's CNI-HOSTPORT-* chains are shared by every user of the host.
@Suite(
    "CNI with the real bridge, host-local, portmap and loopback plugins", .serialized,
    .enabled(if: isRoot, "needs root for namespaces, bridges and iptables"),
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/lib/cni/bridge"), "needs containernetworking-plugins"))
struct CNIBridgeTests {
    /// One test's private network: names and a subnet nobody else uses.
    private final class TestNetwork: @unchecked Sendable {
        let tag = uniqueTag()
        let dir: String
        let bridge: String
        let networkName: String
        let subnetPrefix: String
        let containerID: String
        var runDir: String { "\(dir)/run" }
        var rootDir: String { "\(dir)/root" }
        var processes: [Process] = []
        let runtime: CNIRuntime

        init() throws {
            dir = try makeTempDir("cni")
            bridge = "swt\(tag)"
            networkName = "swtest-\(tag)"
            containerID = "c\(tag)"
            let routes = try run(["/usr/sbin/ip", "-4", "route", "show", "table", "all"]).stdout
            // A /24 in 10.231.0.0/16 that no route of the host (or a parallel test) mentions.
            var third = Int.random(in: 0..<256)
            while routes.contains("10.231.\(third).") { third = Int.random(in: 0..<256) }
            subnetPrefix = "10.231.\(third)"
            runtime = CNIRuntime(rootDir: "\(dir)/root")
        }

        func conflist(ipamType: String = "host-local") throws -> CNIConfigList {
            try CNIConfigList.parse(
                Data(
                    """
                    {"cniVersion":"1.0.0","name":"\(networkName)","plugins":[
                      {"type":"bridge","bridge":"\(bridge)","isGateway":true,"ipMasq":true,"hairpinMode":true,
                       "ipam":{"type":"\(ipamType)","ranges":[[{"subnet":"\(subnetPrefix).0/24"}]],"routes":[{"dst":"0.0.0.0/0"}],
                               "dataDir":"\(dir)/ipam"}},
                      {"type":"portmap","capabilities":{"portMappings":true},"snat":true}]}
                    """.utf8), source: "\(dir)/10-test.conflist")
        }

        func attachment(_ ns: PodNetworkNamespace, ports: [CNIPortMapping] = []) -> CNIAttachment {
            CNIAttachment(
                containerID: containerID, netnsPath: ns.path, podNamespace: "default", podName: "web-\(tag)",
                podUID: "uid-\(tag)", portMappings: ports)
        }

        /// Starts busybox httpd inside the namespace, serving `body` at /index.html on `port`.
        func startHTTPServer(in ns: PodNetworkNamespace, port: Int, body: String) throws {
            let www = "\(dir)/www"
            try FileManager.default.createDirectory(atPath: www, withIntermediateDirectories: true)
            try Data(body.utf8).write(to: URL(fileURLWithPath: "\(www)/index.html"))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
            process.arguments = ["--net=\(ns.path)", "/usr/bin/busybox", "httpd", "-f", "-p", "\(port)", "-h", www]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            processes.append(process)
        }

        /// Kills what the test started and removes everything it may have left, whatever happened.
        func tearDown() async {
            for process in processes where process.isRunning {
                // SIGKILL: the child inherits the test runner's blocked SIGTERM.
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            if let list = try? conflist() {
                for name in (try? PodNetworkNamespace.listNamespaces(runDir: runDir)) ?? [] {
                    let ns = PodNetworkNamespace.path(name: name, runDir: runDir)
                    let a = CNIAttachment(
                        containerID: containerID, netnsPath: ns, podNamespace: "default", podName: "x", podUID: "x")
                    try? await runtime.tearDownPod(network: list, attachment: a)
                    try? PodNetworkNamespace.remove(name: name, runDir: runDir)
                }
                _ = await NetworkCleaner(runtime: runtime, networks: [list]).cleanUp(liveContainerIDs: [])
            }
            if linkExists(bridge) { _ = try? run(["/usr/sbin/ip", "link", "del", bridge]) }
            try? PodNetworkNamespace.unmountDirectory(runDir: runDir)
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    private func withNetwork(_ body: (TestNetwork) async throws -> Void) async throws {
        let network = try TestNetwork()
        do {
            try await body(network)
        } catch {
            await network.tearDown()
            throw error
        }
        await network.tearDown()
    }

    /// GET with curl; nil when it fails.
    private func fetch(_ url: String) throws -> String? {
        let result = try run(["/usr/bin/curl", "-s", "--noproxy", "*", "-m", "3", url])
        return result.status == 0 ? result.stdout : nil
    }

    /// Polls `fetch` until it answers (the server needs a moment to bind).
    private func fetchEventually(_ url: String) async throws -> String? {
        for _ in 0..<50 {
            if let body = try fetch(url) { return body }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    @Test("ADD gives the pod an IP reachable from the host and by its hostPort; CHECK passes; DEL twice; cleanup leaves nothing")
    func fullLifecycle() async throws {
        try await withNetwork { t in
            let list = try t.conflist()
            let ns = try PodNetworkNamespace.create(name: t.containerID, runDir: t.runDir)
            let hostPort = try freeTCPPort()
            let attachment = t.attachment(ns, ports: [CNIPortMapping(hostPort: hostPort, containerPort: 8080, protocol: "TCP")])

            let result = try await t.runtime.setUpPod(network: list, attachment: attachment)
            let ips = result.podIPs()
            #expect(ips.count == 1)
            let podIP = try #require(ips.first)
            #expect(podIP.hasPrefix("\(t.subnetPrefix)."))
            #expect(result.ips.first?.gateway == "\(t.subnetPrefix).1")
            #expect(result.interfaces.contains { $0.name == "eth0" && $0.sandbox == ns.path })
            #expect(result.interfaces.contains { $0.name == t.bridge })
            #expect(linkExists(t.bridge))

            // Inside: lo is up (the loopback plugin ran) and eth0 holds the pod IP.
            let inside = try run(["/usr/bin/nsenter", "--net=\(ns.path)", "/usr/sbin/ip", "-o", "addr", "show"]).stdout
            #expect(inside.contains("lo    inet 127.0.0.1/8"))
            #expect(inside.contains("eth0    inet \(podIP)/24"))

            // The pod answers ping and HTTP from the host, directly and through the host port.
            let ping = try run(["/usr/bin/busybox", "ping", "-c", "1", "-W", "3", podIP])
            #expect(ping.status == 0, "\(ping.stdout)\(ping.stderr)")
            let body = "hello from \(t.tag)\n"
            try t.startHTTPServer(in: ns, port: 8080, body: body)
            #expect(try await fetchEventually("http://\(podIP):8080/index.html") == body)
            // portmap DNATs host-local addresses in OUTPUT: the bridge gateway address is one,
            // and so is 127.0.0.1 (portmap sets route_localnet on the bridge for snat).
            #expect(try fetch("http://\(t.subnetPrefix).1:\(hostPort)/index.html") == body)
            #expect(try fetch("http://127.0.0.1:\(hostPort)/index.html") == body)
            #expect(try natTable().contains("dnat name: \\\"\(t.networkName)\\\" id: \\\"\(t.containerID)\\\""))

            try await t.runtime.checkPod(network: list, attachment: attachment)
            let cached = try #require(try t.runtime.cachedAttachment(network: t.networkName, containerID: t.containerID))
            #expect(cached.result.podIPs() == [podIP])

            // While the pod lives, cleanup keeps its bridge and chains.
            let cleaner = NetworkCleaner(runtime: t.runtime, networks: [list])
            let keep = await cleaner.cleanUp(liveContainerIDs: [t.containerID])
            #expect(keep.removedBridges.isEmpty && keep.removedChains.isEmpty && keep.deletedAttachments.isEmpty, "\(keep)")
            #expect(linkExists(t.bridge))

            try await t.runtime.tearDownPod(network: list, attachment: attachment)
            try await t.runtime.tearDownPod(network: list, attachment: attachment)
            #expect(try fetch("http://127.0.0.1:\(hostPort)/index.html") == nil)
            let afterDel = try natTable()
            #expect(!afterDel.contains("id: \\\"\(t.containerID)\\\""), "DEL removes the pod's own chains")
            #expect(try t.runtime.cachedAttachment(network: t.networkName, containerID: t.containerID) == nil)
            // DEL leaves the bridge; cleanup removes it (and the shared host-port chains when unused).
            #expect(linkExists(t.bridge))
            try ns.remove()
            try ns.remove()

            let report = await cleaner.cleanUp(liveContainerIDs: [])
            #expect(report.errors.isEmpty, "\(report.errors)")
            #expect(report.removedBridges == [t.bridge])
            #expect(!linkExists(t.bridge))
            let nat = try natTable()
            #expect(!nat.contains(t.networkName))
            if nat.contains(":CNI-DN-") {
                // Someone else's host ports are live: the shared chains must stay for them.
                #expect(nat.contains(":CNI-HOSTPORT-DNAT"))
            } else {
                #expect(!nat.contains("CNI-HOSTPORT-"), "\(nat)")
            }
            #expect(try PodNetworkNamespace.listNamespaces(runDir: t.runDir).isEmpty)
        }
    }

    @Test("DEL after the namespace is gone succeeds, and cleanup removes the masquerade chain bridge could not")
    func deleteWithoutNamespace() async throws {
        try await withNetwork { t in
            let list = try t.conflist()
            let ns = try PodNetworkNamespace.create(name: t.containerID, runDir: t.runDir)
            let hostPort = try freeTCPPort()
            let attachment = t.attachment(ns, ports: [CNIPortMapping(hostPort: hostPort, containerPort: 80)])
            _ = try await t.runtime.setUpPod(network: list, attachment: attachment)
            try ns.remove()

            try await t.runtime.tearDownPod(network: list, attachment: attachment)
            // portmap removed its DNAT chain from the cached port mappings; bridge, without a
            // namespace to read the address from, left its masquerade chain.
            let nat = try natTable()
            #expect(!nat.contains("dnat name: \\\"\(t.networkName)\\\""))
            #expect(nat.contains("name: \\\"\(t.networkName)\\\" id: \\\"\(t.containerID)\\\""))

            // The veth goes with the namespace, asynchronously.
            for _ in 0..<50 where !((try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/net/\(t.bridge)/brif")) ?? []).isEmpty {
                try await Task.sleep(for: .milliseconds(100))
            }
            let report = await NetworkCleaner(runtime: t.runtime, networks: [list]).cleanUp(liveContainerIDs: [])
            #expect(report.errors.isEmpty, "\(report.errors)")
            #expect(report.removedChains.contains { $0.hasPrefix("iptables nat CNI-") && !$0.contains("HOSTPORT") })
            #expect(report.removedBridges == [t.bridge])
            #expect(!(try natTable()).contains(t.networkName))
            #expect(!linkExists(t.bridge))
        }
    }

    @Test("cleanup DELs cached attachments of pods that are gone (an agent crash left them)")
    func cleanupDeletesStaleAttachments() async throws {
        try await withNetwork { t in
            let list = try t.conflist()
            let ns = try PodNetworkNamespace.create(name: t.containerID, runDir: t.runDir)
            let attachment = t.attachment(ns)
            let result = try await t.runtime.setUpPod(network: list, attachment: attachment)
            let podIP = try #require(result.podIPs().first)
            #expect(FileManager.default.fileExists(atPath: "\(t.dir)/ipam/\(t.networkName)/\(podIP)"))

            let cleaner = NetworkCleaner(runtime: t.runtime, networks: [list])
            // "someone-else" is live but has no attachment yet: its ADD may be under way.
            let report = await cleaner.cleanUp(liveContainerIDs: ["someone-else"])
            #expect(report.errors.isEmpty, "\(report.errors)")
            #expect(Set(report.deletedAttachments) == ["\(t.networkName)/\(t.containerID)/eth0", "cni-loopback/\(t.containerID)/lo"])
            #expect(!FileManager.default.fileExists(atPath: "\(t.dir)/ipam/\(t.networkName)/\(podIP)"), "host-local released the address")
            #expect(t.runtime.cachedAttachments().attachments.isEmpty)
            #expect(report.removedBridges.isEmpty, "the bridge is kept for the ADD in flight")
            #expect(linkExists(t.bridge))

            let later = await cleaner.cleanUp(liveContainerIDs: [])
            #expect(later.errors.isEmpty, "\(later.errors)")
            #expect(later.removedBridges == [t.bridge])
            #expect(!linkExists(t.bridge))
            try ns.remove()
        }
    }

    @Test("a real plugin's error names the plugin and its message, and the failed ADD is rolled back")
    func realPluginError() async throws {
        try await withNetwork { t in
            let list = try t.conflist(ipamType: "swiftlet-no-such-ipam")
            let ns = try PodNetworkNamespace.create(name: t.containerID, runDir: t.runDir)
            let error = await #expect(throws: NetworkError.self) {
                try await t.runtime.setUpPod(network: list, attachment: t.attachment(ns))
            }
            #expect(error?.plugin == "bridge")
            #expect(error?.message.contains("CNI plugin bridge failed (ADD network \(t.networkName), interface eth0)") ?? false, "\(error?.message ?? "")")
            #expect(error?.message.contains("swiftlet-no-such-ipam") ?? false, "\(error?.message ?? "")")
            // Nothing is cached and the pod has no eth0 (nor lo up from a half-done setup).
            #expect(t.runtime.cachedAttachments().attachments.isEmpty)
            let links = try run(["/usr/bin/nsenter", "--net=\(ns.path)", "/usr/sbin/ip", "-o", "link", "show"]).stdout
            #expect(!links.contains("eth0"))
            #expect(!links.contains("LOOPBACK,UP"))
            try ns.remove()
        }
    }
}
