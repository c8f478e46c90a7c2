import Foundation
import SwiftletAPI

/// What a pod's containers share: its network namespace and IPs, and the files kubelet
/// manages for it.
public struct PodSandbox: Sendable, Codable, Equatable {
    /// The network namespace to join; nil for `hostNetwork` pods.
    public var netnsPath: String?
    /// The pod's IPs (the node's for `hostNetwork`).
    public var podIPs: [String]
    /// Files bind-mounted into every container: `/etc/hosts`, `/etc/resolv.conf`, `/etc/hostname`.
    public var hostsFile: String
    public var resolvConfFile: String
    public var hostnameFile: String

    public init(netnsPath: String?, podIPs: [String], hostsFile: String, resolvConfFile: String, hostnameFile: String) {
        self.netnsPath = netnsPath
        self.podIPs = podIPs
        self.hostsFile = hostsFile
        self.resolvConfFile = resolvConfFile
        self.hostnameFile = hostnameFile
    }
}

/// Creates and removes pod sandboxes. Setting up twice must be harmless (re-adoption after an
/// agent restart calls it again), and so must tearing down twice.
public protocol PodSandboxProvider: Sendable {
    /// - Throws: an error naming what failed; the pod's containers then wait in ContainerCreating.
    func setUp(pod: Pod, podDir: String) async throws -> PodSandbox
    /// Releases the pod's network and namespaces.
    func tearDown(pod: Pod, podDir: String) async throws
    /// Releases sandboxes of pods not in `keep` (UIDs) left by a crash.
    func cleanUpOrphans(keep: Set<String>) async
}

extension PodSandboxProvider {
    public func cleanUpOrphans(keep: Set<String>) async {}
}

/// Sandboxes for `hostNetwork` pods only: the node's network, with the node's `/etc/hosts`
/// and the `resolvConf` file. Pods with their own network need a CNI-backed provider.
public struct HostNetworkSandboxProvider: PodSandboxProvider {
    public let resolvConf: String

    public init(resolvConf: String = "/etc/resolv.conf") { self.resolvConf = resolvConf }

    public func setUp(pod: Pod, podDir: String) async throws -> PodSandbox {
        guard pod.spec.hostNetwork == true else {
            throw AgentError.invalid("pod \(pod.metadata.namespace ?? "default")/\(pod.metadata.name ?? ""): pod networking (CNI) is not configured on this node; only hostNetwork pods can run")
        }
        let files = try SandboxFiles.write(podDir: podDir, hosts: (try? String(contentsOfFile: "/etc/hosts", encoding: .utf8)) ?? "127.0.0.1\tlocalhost\n",
                                          resolvConf: (try? String(contentsOfFile: resolvConf, encoding: .utf8)) ?? "",
                                          hostname: ProcessInfo.processInfo.hostName)
        return PodSandbox(netnsPath: nil, podIPs: [], hostsFile: files.hosts, resolvConfFile: files.resolvConf, hostnameFile: files.hostname)
    }

    public func tearDown(pod: Pod, podDir: String) async throws {}
}

/// Writes a pod's `etc-hosts`, `resolv.conf` and `hostname` atomically into its pod dir.
public enum SandboxFiles {
    public static func write(podDir: String, hosts: String, resolvConf: String, hostname: String) throws -> (hosts: String, resolvConf: String, hostname: String) {
        let paths = (podDir + "/etc-hosts", podDir + "/resolv.conf", podDir + "/hostname")
        try AtomicFile.write(Data(hosts.utf8), to: paths.0, mode: 0o644)
        try AtomicFile.write(Data(resolvConf.utf8), to: paths.1, mode: 0o644)
        try AtomicFile.write(Data((hostname + "\n").utf8), to: paths.2, mode: 0o644)
        return paths
    }
}

/// Temp file, fsync, rename: readers see the old or the new content, never a mix.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String, mode: mode_t = 0o600) throws {
        let temp = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw AgentError.filesystem("\(temp): \(String(cString: strerror(errno)))") }
        var ok = false
        defer {
            if !ok { unlink(temp) }
        }
        let written = data.withUnsafeBytes { bytes -> Bool in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
        let synced = written && fsync(fd) == 0
        close(fd)
        guard synced, rename(temp, path) == 0 else {
            throw AgentError.filesystem("\(path): cannot write: \(String(cString: strerror(errno)))")
        }
        ok = true
    }
}
