import Foundation
import Logging
import SwiftletAPI

/// Runs CNI plugins (CNI spec 1.0.0, "Execution protocol") for network config lists: ADD
/// chains the plugins in order, each getting the previous one's result as `prevResult`;
/// CHECK and DEL get the cached ADD result; DEL runs the plugins in reverse.
///
/// Results are cached under `<rootDir>/network/results/` (libcni keeps them in
/// `/var/lib/cni/results`), so DEL works after an agent restart and DEL of an attachment
/// that was never added, or was already deleted, succeeds.
public struct CNIRuntime: Sendable {
    /// Where Debian's containernetworking-plugins and upstream's install put the plugins.
    public static let defaultBinDirs = ["/usr/lib/cni", "/opt/cni/bin"]

    /// Directories searched for plugin executables, in order; also `CNI_PATH`.
    public let binDirs: [String]
    /// The agent's state directory; results live in `<rootDir>/network/results`.
    public let rootDir: String
    /// How long one plugin call may run before it is killed.
    public let pluginTimeout: Duration
    private let logger: Logger
    let cache: CNIResultCache

    /// A runtime.
    /// - Parameters:
    ///   - rootDir: the agent's root dir (`/var/lib/swiftlet`).
    ///   - binDirs: plugin directories, searched in order.
    ///   - pluginTimeout: the most one plugin call may take (ADD of a bridge takes ~20 ms).
    public init(
        rootDir: String, binDirs: [String] = CNIRuntime.defaultBinDirs, pluginTimeout: Duration = .seconds(60),
        logger: Logger = Logger(label: "swiftlet.network")
    ) {
        self.rootDir = rootDir
        self.binDirs = binDirs
        self.pluginTimeout = pluginTimeout
        self.logger = logger
        self.cache = CNIResultCache(rootDir: rootDir)
    }

    // MARK: - One network

    /// Attaches the pod to `network`: ADD through every plugin in order, each given the
    /// previous result as `prevResult`; the final result is cached and returned.
    ///
    /// When a plugin fails, what the earlier plugins did is undone with a DEL (as CRI
    /// runtimes do), so a failed ADD leaves no veth, IP lease or iptables rule behind.
    /// - Throws: `NetworkError` naming the plugin (its CNI error code, message and details),
    ///   a missing plugin, a timeout, or a cache write failure.
    public func add(network: CNIConfigList, attachment: CNIAttachment) async throws -> CNIResult {
        try attachment.validate()
        let paths = try resolve(network)
        var previous: CNIResult?
        do {
            for (plugin, path) in zip(network.plugins, paths) {
                let stdout = try await invoke(
                    plugin, path: path, command: "ADD", network: network, attachment: attachment,
                    netns: attachment.netnsPath, prevResult: previous?.raw, capabilityArgs: attachment.capabilityArgs)
                guard !stdout.isEmpty else {
                    throw NetworkError.plugin(
                        plugin.type, network: network.name, command: "ADD", ifName: attachment.ifName,
                        code: nil, msg: "exited 0 but printed no result", details: nil)
                }
                previous = try CNIResult.parse(stdout, plugin: plugin.type)
            }
            guard let result = previous else {
                throw NetworkError.invalid("network \(network.name): no plugins")
            }
            try cache.store(network: network, attachment: attachment, result: result)
            logger.debug(
                "CNI ADD done",
                metadata: [
                    "network": "\(network.name)", "containerID": "\(attachment.containerID)",
                    "interface": "\(attachment.ifName)", "ips": "\(result.podIPs(ifName: attachment.ifName))",
                ])
            return result
        } catch {
            await rollBack(network: network, attachment: attachment, partial: previous, paths: paths)
            throw error
        }
    }

    /// Checks that the attachment is still as ADD left it: CHECK through every plugin in
    /// order with the cached result as `prevResult`. Skipped when the list sets `disableCheck`.
    /// - Throws: `NetworkError.notFound` when nothing was added, `NetworkError.config` for a
    ///   list older than spec 0.4.0 (no CHECK there), or the failing plugin's error.
    public func check(network: CNIConfigList, attachment: CNIAttachment) async throws {
        try attachment.validate()
        if network.disableCheck { return }
        guard CNIVersion.atLeast(network.cniVersion, "0.4.0") else {
            throw NetworkError.config(
                file: network.source, field: "cniVersion",
                "CNI version \(network.cniVersion) does not support CHECK (needs 0.4.0 or later)")
        }
        guard let cached = try cache.load(network: network.name, containerID: attachment.containerID, ifName: attachment.ifName) else {
            throw NetworkError.notFound(
                "network \(network.name): no cached result for container \(attachment.containerID) interface \(attachment.ifName); was it added?")
        }
        let paths = try resolve(network)
        for (plugin, path) in zip(network.plugins, paths) {
            do {
                _ = try await invoke(
                    plugin, path: path, command: "CHECK", network: network, attachment: attachment,
                    netns: attachment.netnsPath, prevResult: cached.result.raw, capabilityArgs: cached.capabilityArgs)
            } catch let error as NetworkError where Self.isPortmapIPv6CheckBug(error, result: cached.result) {
                // portmap before 1.3 checks ip6tables rules even for an IPv4-only pod
                // (containernetworking/plugins#819); its IPv4 check, which runs first, passed.
                logger.debug("Ignored portmap's IPv6 CHECK of an IPv4-only pod", metadata: ["error": "\(error)"])
            }
        }
    }

    static func isPortmapIPv6CheckBug(_ error: NetworkError, result: CNIResult) -> Bool {
        error.plugin == "portmap" && error.message.contains("could not check ipv6 dnat")
            && !result.ips.contains { $0.ip.contains(":") }
    }

    /// Detaches the pod: DEL through the plugins in reverse order with the cached ADD result
    /// as `prevResult`, then drops the cache entry.
    ///
    /// The config and capability arguments of the cached ADD are used when present, so DEL
    /// undoes what was added even if the config file has changed since. When the namespace
    /// is already gone, `CNI_NETNS` is empty and the plugins release only host-side state.
    /// DEL of an attachment that was never added, or was already deleted, succeeds; so does
    /// DEL with an unreadable cache record (it runs without `prevResult`).
    /// - Throws: the first failing plugin's `NetworkError` (the cache entry is kept, so the
    ///   DEL can be retried).
    public func delete(network: CNIConfigList, attachment: CNIAttachment) async throws {
        try attachment.validate()
        let cached: CNICachedAttachment?
        do {
            cached = try cache.load(network: network.name, containerID: attachment.containerID, ifName: attachment.ifName)
        } catch {
            // A damaged record must not make DEL fail forever: delete with the given config.
            logger.warning(
                "Unreadable CNI result cache; deleting without it",
                metadata: ["network": "\(network.name)", "containerID": "\(attachment.containerID)", "error": "\(error)"])
            cached = nil
        }
        try await delete(network: cached?.network ?? network, attachment: attachment, cached: cached)
    }

    /// DEL of one cached attachment, with the config and arguments it was added with (for
    /// cleanup of attachments whose pod is gone).
    /// - Throws: the first failing plugin's `NetworkError`.
    public func delete(cached: CNICachedAttachment) async throws {
        let attachment = CNIAttachment(
            containerID: cached.containerID, netnsPath: cached.netnsPath, ifName: cached.ifName,
            podNamespace: Self.arg(cached.cniArgs, "K8S_POD_NAMESPACE"), podName: Self.arg(cached.cniArgs, "K8S_POD_NAME"),
            podUID: Self.arg(cached.cniArgs, "K8S_POD_UID"))
        try await delete(network: cached.network, attachment: attachment, cached: cached)
    }

    private func delete(network: CNIConfigList, attachment: CNIAttachment, cached: CNICachedAttachment?) async throws {
        let paths = try resolve(network)
        let prevResult = CNIVersion.atLeast(network.cniVersion, "0.4.0") ? cached?.result.raw : nil
        let netns = PodNetworkNamespace.isNetworkNamespace(attachment.netnsPath) ? attachment.netnsPath : ""
        for (plugin, path) in zip(network.plugins, paths).reversed() {
            _ = try await invoke(
                plugin, path: path, command: "DEL", network: network, attachment: attachment, netns: netns,
                prevResult: prevResult, capabilityArgs: cached?.capabilityArgs ?? attachment.capabilityArgs)
        }
        try cache.remove(network: network.name, containerID: attachment.containerID, ifName: attachment.ifName)
        logger.debug(
            "CNI DEL done",
            metadata: ["network": "\(network.name)", "containerID": "\(attachment.containerID)", "interface": "\(attachment.ifName)"])
    }

    /// The cached ADD of one attachment, nil when there is none.
    /// - Throws: `NetworkError` when the cache file is unreadable.
    public func cachedAttachment(network: String, containerID: String, ifName: String = "eth0") throws -> CNICachedAttachment? {
        try cache.load(network: network, containerID: containerID, ifName: ifName)
    }

    /// Every cached attachment (the agent's view of what is attached), with the cache files
    /// that could not be read.
    public func cachedAttachments() -> (attachments: [CNICachedAttachment], errors: [String]) {
        cache.all()
    }

    // MARK: - Pod (lo + eth0)

    /// Sets up a pod's networking as kubelet's CRI runtimes do: the `loopback` plugin brings
    /// up `lo`, then `network` attaches `attachment.ifName` (eth0).
    /// - Returns: the result of `network` (the pod's IPs are `result.podIPs()`).
    /// - Throws: the failing plugin's `NetworkError`; `lo` is detached again on failure.
    public func setUpPod(network: CNIConfigList, attachment: CNIAttachment) async throws -> CNIResult {
        _ = try await add(network: .loopback, attachment: loopbackAttachment(attachment))
        do {
            return try await add(network: network, attachment: attachment)
        } catch {
            try? await delete(network: .loopback, attachment: loopbackAttachment(attachment))
            throw error
        }
    }

    /// CHECK of both the pod's network and its loopback.
    /// - Throws: as `check(network:attachment:)`.
    public func checkPod(network: CNIConfigList, attachment: CNIAttachment) async throws {
        try await check(network: .loopback, attachment: loopbackAttachment(attachment))
        try await check(network: network, attachment: attachment)
    }

    /// Tears down a pod's networking: DEL of `network`, then of the loopback. Idempotent.
    /// - Throws: the first failing plugin's `NetworkError`.
    public func tearDownPod(network: CNIConfigList, attachment: CNIAttachment) async throws {
        try await delete(network: network, attachment: attachment)
        try await delete(network: .loopback, attachment: loopbackAttachment(attachment))
    }

    private func loopbackAttachment(_ attachment: CNIAttachment) -> CNIAttachment {
        var lo = attachment.on(interface: "lo")
        lo.portMappings = []
        return lo
    }

    // MARK: - Plugin calls

    /// The executable of every plugin of `network`, checked before any runs.
    private func resolve(_ network: CNIConfigList) throws -> [String] {
        try network.plugins.map { plugin in
            guard let path = ChildProcess.find(plugin.type, in: binDirs) else {
                throw NetworkError.pluginNotFound(plugin.type, network: network.name, binDirs: binDirs)
            }
            return path
        }
    }

    /// The stdin of one plugin call (CNI spec "Section 4: Plugin Delegation"): the plugin's
    /// object with the list's `name` and `cniVersion`, the capability arguments it declares
    /// as `runtimeConfig`, and `prevResult`.
    static func pluginConfig(
        _ plugin: CNIPluginConfig, network: CNIConfigList, prevResult: JSONValue?, capabilityArgs: [String: JSONValue]
    ) -> Data {
        var object = plugin.object
        object["name"] = .string(network.name)
        object["cniVersion"] = .string(network.cniVersion)
        var runtimeConfig: [String: JSONValue] = [:]
        for capability in plugin.capabilities {
            if let value = capabilityArgs[capability] { runtimeConfig[capability] = value }
        }
        if !runtimeConfig.isEmpty { object["runtimeConfig"] = .object(runtimeConfig) }
        if let prevResult { object["prevResult"] = prevResult } else { object.removeValue(forKey: "prevResult") }
        return JSON.encode(.object(object))
    }

    private func invoke(
        _ plugin: CNIPluginConfig, path: String, command: String, network: CNIConfigList, attachment: CNIAttachment,
        netns: String, prevResult: JSONValue?, capabilityArgs: [String: JSONValue]
    ) async throws -> Data {
        let args = attachment.cniArgs.map { "\($0.0)=\($0.1)" }.joined(separator: ";")
        let environment = ChildProcess.inheritedEnvironment(overriding: [
            ("CNI_COMMAND", command), ("CNI_CONTAINERID", attachment.containerID), ("CNI_NETNS", netns),
            ("CNI_IFNAME", attachment.ifName), ("CNI_ARGS", args), ("CNI_PATH", binDirs.joined(separator: ":")),
        ])
        let stdin = Self.pluginConfig(plugin, network: network, prevResult: prevResult, capabilityArgs: capabilityArgs)
        let started = ContinuousClock.now
        let output = try await ChildProcess(executable: path, environment: environment, stdin: stdin, timeout: pluginTimeout).run()
        let elapsed = ContinuousClock.now - started
        var metadata: Logger.Metadata = [
            "plugin": "\(plugin.type)", "command": "\(command)", "network": "\(network.name)",
            "containerID": "\(attachment.containerID)", "interface": "\(attachment.ifName)",
            "status": "\(output.status)", "duration": "\(elapsed)",
        ]
        if !output.stderr.isEmpty { metadata["stderr"] = "\(output.stderrText)" }
        logger.debug("CNI plugin ran", metadata: metadata)
        if output.timedOut {
            let seconds = Double(pluginTimeout.components.seconds) + Double(pluginTimeout.components.attoseconds) / 1e18
            throw NetworkError.timeout(plugin.type, network: network.name, command: command, seconds: seconds)
        }
        guard output.status == 0 else {
            throw Self.pluginError(plugin.type, network: network.name, command: command, ifName: attachment.ifName, output: output)
        }
        return output.stdout
    }

    /// The CNI error object a failed plugin printed (`code`, `msg`, `details`), or its
    /// stderr/stdout when it printed none.
    static func pluginError(_ plugin: String, network: String, command: String, ifName: String, output: ChildProcess.Output) -> NetworkError {
        struct ErrorObject: Decodable {
            var code: Int?
            var msg: String?
            var details: String?
        }
        if let object = try? JSONDecoder().decode(ErrorObject.self, from: output.stdout), object.code != nil || object.msg != nil {
            return NetworkError.plugin(
                plugin, network: network, command: command, ifName: ifName, code: object.code,
                msg: object.msg ?? "(no message)", details: object.details)
        }
        let text = [output.stderrText, output.stdoutText].first { !$0.isEmpty }
        return NetworkError.plugin(
            plugin, network: network, command: command, ifName: ifName, code: nil,
            msg: "exited with status \(output.status)\(text.map { ": \($0)" } ?? "")", details: nil)
    }

    /// Best-effort DEL after a failed ADD; its own failures are only logged.
    private func rollBack(network: CNIConfigList, attachment: CNIAttachment, partial: CNIResult?, paths: [String]) async {
        let prevResult = CNIVersion.atLeast(network.cniVersion, "0.4.0") ? partial?.raw : nil
        for (plugin, path) in zip(network.plugins, paths).reversed() {
            do {
                _ = try await invoke(
                    plugin, path: path, command: "DEL", network: network, attachment: attachment,
                    netns: PodNetworkNamespace.isNetworkNamespace(attachment.netnsPath) ? attachment.netnsPath : "",
                    prevResult: prevResult, capabilityArgs: attachment.capabilityArgs)
            } catch {
                logger.warning(
                    "CNI DEL after failed ADD failed",
                    metadata: ["network": "\(network.name)", "containerID": "\(attachment.containerID)", "error": "\(error)"])
            }
        }
        try? cache.remove(network: network.name, containerID: attachment.containerID, ifName: attachment.ifName)
    }

    private static func arg(_ args: [[String]], _ key: String) -> String {
        args.first { $0.count == 2 && $0[0] == key }?[1] ?? ""
    }
}

/// Comparison of CNI spec versions (`0.3.1` < `0.4.0` < `1.0.0`).
enum CNIVersion {
    static func atLeast(_ version: String, _ minimum: String) -> Bool {
        let a = version.split(separator: ".").map { Int($0) ?? 0 }
        let b = minimum.split(separator: ".").map { Int($0) ?? 0 }
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            if x != y { return x > y }
        }
        return true
    }
}
