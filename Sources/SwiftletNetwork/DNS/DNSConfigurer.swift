import Foundation
import SwiftletAPI

/// A pod's resolver settings and the warnings kubelet would raise as events while forming them.
public struct PodDNS: Sendable, Hashable {
    /// What goes into the pod's /etc/resolv.conf.
    public var config: ResolvConf
    /// Kubelet's `DNSConfigForming` / `MissingClusterDNS` warnings: limits exceeded, a
    /// ClusterFirst pod without cluster DNS, an unknown dnsPolicy.
    public var warnings: [String]
}

/// Forms the DNS files of a pod as kubelet does (pkg/kubelet/network/dns and
/// kubelet_pods.go): `/etc/resolv.conf` from `dnsPolicy`, `dnsConfig` and the node's
/// cluster DNS settings, and the kubelet-managed `/etc/hosts`.
public struct DNSConfigurer: Sendable {
    /// Kubelet's `MaxDNSNameservers`: name servers past it are dropped with a warning.
    public static let maxNameservers = 3
    /// Kubelet's `MaxDNSSearchPaths`: search domains past it are dropped with a warning.
    public static let maxSearchPaths = 32
    /// Kubelet's `MaxDNSSearchListChars`: the search line is cut from the end to fit.
    public static let maxSearchListChars = 2048
    /// Longer search domains make some resolvers (glibc 2.28) abort; kubelet drops them.
    public static let maxSearchDomainLength = 253
    /// The options ClusterFirst pods get.
    public static let defaultClusterOptions = ["ndots:5"]

    /// `clusterDNS`: name server IPs for ClusterFirst pods; empty makes them fall back to Default.
    public var clusterDNS: [String]
    /// `clusterDomain` (`cluster.local`); empty adds no cluster search domains.
    public var clusterDomain: String
    /// `resolvConf`: the node resolv.conf Default pods copy; empty means none (pods then
    /// resolve through 127.0.0.1, as kubelet does).
    public var resolverConfig: String
    /// The node's IPs; with no `resolverConfig`, one loopback name server per family.
    public var nodeIPs: [String]
    /// The node's hosts file, which host-network pods get.
    public var hostsFile: String

    /// A configurer with the kubelet config's DNS fields.
    public init(
        clusterDNS: [String] = [], clusterDomain: String = "", resolverConfig: String = "/etc/resolv.conf",
        nodeIPs: [String] = [], hostsFile: String = "/etc/hosts"
    ) {
        self.clusterDNS = clusterDNS
        self.clusterDomain = clusterDomain
        self.resolverConfig = resolverConfig
        self.nodeIPs = nodeIPs
        self.hostsFile = hostsFile
    }

    // MARK: - resolv.conf

    /// The pod's resolver settings (kubelet's `GetPodDNS`):
    /// - `None`: only `dnsConfig`.
    /// - `ClusterFirst` (the default; `Default` for host-network pods) and
    ///   `ClusterFirstWithHostNet`: the cluster DNS servers, search `<ns>.svc.<domain>
    ///   svc.<domain> <domain>` then the node's search domains, `options ndots:5`. Without
    ///   cluster DNS servers the pod falls back to `Default`, with a warning.
    /// - `Default`: the node's resolv.conf (or 127.0.0.1 and search `.` when there is none).
    ///
    /// `dnsConfig` name servers, searches and options are then appended, duplicates dropped
    /// (an option given again takes the new value), and the result is cut to kubelet's limits.
    /// - Parameter hostResolvConf: the node's resolv.conf, nil when `resolverConfig` is empty.
    public func podDNS(for pod: Pod, hostResolvConf: ResolvConf?) -> PodDNS {
        var warnings: [String] = []
        var config = hostResolvConf ?? ResolvConf()
        let hostNetwork = pod.spec.hostNetwork ?? false
        let policy = pod.spec.dnsPolicy.flatMap { $0.isEmpty ? nil : $0 } ?? "ClusterFirst"

        enum Kind { case cluster, host, none }
        var kind: Kind
        switch policy {
        case "None": kind = .none
        case "ClusterFirstWithHostNet": kind = .cluster
        case "ClusterFirst": kind = hostNetwork ? .host : .cluster
        case "Default": kind = .host
        default:
            warnings.append("invalid dnsPolicy \"\(policy)\"; using ClusterFirst")
            kind = .cluster
        }

        if kind == .none {
            config = ResolvConf()
        } else if kind == .cluster && !clusterDNS.isEmpty {
            config.nameservers = clusterDNS
            config.searches = clusterSearches(namespace: pod.metadata.namespace ?? "default", hostSearches: config.searches)
            config.options = Self.defaultClusterOptions
        } else {
            if kind == .cluster {
                warnings.append(
                    "kubelet does not have ClusterDNS IP configured and cannot create Pod using \"ClusterFirst\" policy. Falling back to \"Default\" policy.")
            }
            if hostResolvConf == nil {
                config.nameservers = nodeIPs.map { $0.contains(":") ? "::1" : "127.0.0.1" }
                if config.nameservers.isEmpty { config.nameservers = ["127.0.0.1"] }
                config.nameservers = Self.omitDuplicates(config.nameservers)
                config.searches = ["."]
            }
        }

        if let extra = pod.spec.dnsConfig {
            config.nameservers = Self.omitDuplicates(config.nameservers + (extra.nameservers ?? []))
            config.searches = Self.omitDuplicates(config.searches + (extra.searches ?? []))
            config.options = Self.mergeOptions(config.options, extra.options ?? [])
        }
        config.nameservers = fitNameservers(config.nameservers, warnings: &warnings)
        config.searches = fitSearches(config.searches, warnings: &warnings)
        return PodDNS(config: config, warnings: warnings)
    }

    /// `podDNS(for:hostResolvConf:)` with the node's resolv.conf read from `resolverConfig`.
    /// - Throws: `NetworkError.system` when `resolverConfig` is set but cannot be read.
    public func podDNS(for pod: Pod) throws -> PodDNS {
        podDNS(for: pod, hostResolvConf: try readHostResolvConf().map(ResolvConf.parse))
    }

    /// The pod's /etc/resolv.conf text. Settings that come out empty (a `None` pod without
    /// `dnsConfig`) give the node's file verbatim, as containerd does.
    /// - Parameter hostResolvConfText: the node's resolv.conf text, nil when there is none.
    public func resolvConfContent(for pod: Pod, hostResolvConfText: String?) -> String {
        let dns = podDNS(for: pod, hostResolvConf: hostResolvConfText.map(ResolvConf.parse))
        if dns.config.isEmpty { return hostResolvConfText ?? "" }
        return dns.config.rendered()
    }

    /// `resolvConfContent(for:hostResolvConfText:)` with the node's file read from `resolverConfig`.
    /// - Throws: `NetworkError.system` when `resolverConfig` is set but cannot be read.
    public func resolvConfContent(for pod: Pod) throws -> String {
        resolvConfContent(for: pod, hostResolvConfText: try readHostResolvConf())
    }

    private func readHostResolvConf() throws -> String? {
        guard !resolverConfig.isEmpty else { return nil }
        guard let data = try AtomicFile.read(resolverConfig) else {
            throw NetworkError.system("open", resolverConfig, errno: ENOENT)
        }
        return String(decoding: data, as: UTF8.self)
    }

    private func clusterSearches(namespace: String, hostSearches: [String]) -> [String] {
        guard !clusterDomain.isEmpty else { return hostSearches }
        return Self.omitDuplicates(["\(namespace).svc.\(clusterDomain)", "svc.\(clusterDomain)", clusterDomain] + hostSearches)
    }

    private func fitNameservers(_ servers: [String], warnings: inout [String]) -> [String] {
        guard servers.count > Self.maxNameservers else { return servers }
        let kept = Array(servers.prefix(Self.maxNameservers))
        warnings.append(
            "Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: \(kept.joined(separator: " "))")
        return kept
    }

    private func fitSearches(_ searches: [String], warnings: inout [String]) -> [String] {
        var exceeded = false
        var kept = searches
        if kept.count > Self.maxSearchPaths {
            kept = Array(kept.prefix(Self.maxSearchPaths))
            exceeded = true
        }
        let short = kept.filter { $0.utf8.count <= Self.maxSearchDomainLength }
        if short.count != kept.count { exceeded = true }
        kept = short
        // Drop domains from the end until the search line fits.
        while !kept.isEmpty && kept.joined(separator: " ").utf8.count > Self.maxSearchListChars {
            kept.removeLast()
            exceeded = true
        }
        if exceeded {
            warnings.append(
                "Search Line limits were exceeded, some search paths have been omitted, the applied search line is: \(kept.joined(separator: " "))")
        }
        return kept
    }

    static func omitDuplicates(_ values: [String]) -> [String] {
        var seen: Set<String> = []
        return values.filter { seen.insert($0).inserted }
    }

    /// Options by name: a `dnsConfig` option replaces an existing one of the same name in
    /// place (kubelet's `mergeDNSOptions`); new ones are appended in order.
    static func mergeOptions(_ existing: [String], _ extra: [PodDNSConfigOption]) -> [String] {
        var names: [String] = []
        var values: [String: String] = [:]
        func set(_ name: String, _ value: String) {
            if values[name] == nil { names.append(name) }
            values[name] = value
        }
        for option in existing {
            if let colon = option.firstIndex(of: ":") {
                set(String(option[..<colon]), String(option[option.index(after: colon)...]))
            } else {
                set(option, "")
            }
        }
        for option in extra { set(option.name ?? "", option.value ?? "") }
        return names.map { name in
            let value = values[name] ?? ""
            return value.isEmpty ? name : "\(name):\(value)"
        }
    }

    // MARK: - Hostname

    /// The pod's hostname and domain (kubelet's `GeneratePodHostNameAndDomain`): the
    /// hostname is `spec.hostname` or the pod name, cut to 63 characters; the domain is
    /// `<subdomain>.<namespace>.svc.<clusterDomain>` when `spec.subdomain` is set, else empty.
    /// - Throws: `NetworkError.invalid` naming `spec.hostname` or `spec.subdomain` when it
    ///   is not a DNS-1123 label.
    public func hostnameAndDomain(for pod: Pod) throws -> (hostname: String, domain: String) {
        var hostname = pod.metadata.name ?? ""
        if let spec = pod.spec.hostname, !spec.isEmpty {
            guard Self.isDNS1123Label(spec) else {
                throw NetworkError.invalid("spec.hostname: Invalid value: \"\(spec)\": must be a DNS-1123 label (lower-case letters, digits and \"-\", at most 63 characters)")
            }
            hostname = spec
        }
        if hostname.utf8.count > 63 {
            // Kubelet truncates, and a hostname must not end with "-" or ".".
            var cut = String(decoding: Array(hostname.utf8.prefix(63)), as: UTF8.self)
            while let last = cut.last, last == "-" || last == "." { cut.removeLast() }
            guard !cut.isEmpty else {
                throw NetworkError.invalid("hostname for pod \"\(pod.metadata.name ?? "")\" was invalid: \"\(hostname)\"")
            }
            hostname = cut
        }
        var domain = ""
        if let subdomain = pod.spec.subdomain, !subdomain.isEmpty {
            guard Self.isDNS1123Label(subdomain) else {
                throw NetworkError.invalid("spec.subdomain: Invalid value: \"\(subdomain)\": must be a DNS-1123 label (lower-case letters, digits and \"-\", at most 63 characters)")
            }
            domain = "\(subdomain).\(pod.metadata.namespace ?? "default").svc.\(clusterDomain)"
        }
        return (hostname, domain)
    }

    /// The hostname to set in the pod's UTS namespace: the FQDN when `setHostnameAsFQDN` and
    /// a domain are set, else the short hostname; nil for host-network pods, which keep the
    /// node's (kubelet's `GetNodenameForKernel`).
    /// - Throws: `NetworkError.invalid` for a bad hostname/subdomain or an FQDN over 64 characters.
    public func kernelHostname(for pod: Pod) throws -> String? {
        if pod.spec.hostNetwork ?? false { return nil }
        let (hostname, domain) = try hostnameAndDomain(for: pod)
        guard pod.spec.setHostnameAsFQDN ?? false, !domain.isEmpty else { return hostname }
        let fqdn = "\(hostname).\(domain)"
        guard fqdn.utf8.count <= 64 else {
            throw NetworkError.invalid(
                "failed to construct FQDN from pod hostname and cluster domain, FQDN \(fqdn) is too long (64 characters is the max, \(fqdn.utf8.count) characters requested)")
        }
        return fqdn
    }

    static func isDNS1123Label(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard !bytes.isEmpty, bytes.count <= 63 else { return false }
        func alnum(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 48 && c <= 57) }
        guard alnum(bytes.first!), alnum(bytes.last!) else { return false }
        return bytes.allSatisfy { alnum($0) || $0 == UInt8(ascii: "-") }
    }

    // MARK: - /etc/hosts

    /// The header kubelet writes on a managed hosts file.
    public static let managedHostsHeader = "# Kubernetes-managed hosts file.\n"
    /// The header of a host-network pod's hosts file (the node's file follows).
    public static let managedHostsHeaderWithHostNetwork = "# Kubernetes-managed hosts file (host network).\n"

    /// The pod's /etc/hosts: the node's file for host-network pods, else the managed file with
    /// the pod's IPs and hostname; `hostAliases` appended to both.
    /// - Throws: `NetworkError` for a bad hostname/subdomain, or when the node's hosts file
    ///   cannot be read for a host-network pod.
    public func hostsFileContent(for pod: Pod, podIPs: [String]) throws -> String {
        let aliases = pod.spec.hostAliases ?? []
        if pod.spec.hostNetwork ?? false {
            guard let data = try AtomicFile.read(hostsFile) else { throw NetworkError.system("open", hostsFile, errno: ENOENT) }
            return Self.hostNetworkHostsFileContent(nodeHostsFile: String(decoding: data, as: UTF8.self), hostAliases: aliases)
        }
        let (hostname, domain) = try hostnameAndDomain(for: pod)
        return Self.managedHostsFileContent(podIPs: podIPs, hostname: hostname, domain: domain, hostAliases: aliases)
    }

    /// Kubelet's managed hosts file: localhost and the IPv6 names, then `ip<TAB>fqdn<TAB>hostname`
    /// (or `ip<TAB>hostname` without a domain) per pod IP, then the host aliases.
    public static func managedHostsFileContent(podIPs: [String], hostname: String, domain: String, hostAliases: [HostAlias]) -> String {
        var text = managedHostsHeader
        text += "127.0.0.1\tlocalhost\n"
        text += "::1\tlocalhost ip6-localhost ip6-loopback\n"
        text += "fe00::0\tip6-localnet\n"
        text += "fe00::0\tip6-mcastprefix\n"
        text += "fe00::1\tip6-allnodes\n"
        text += "fe00::2\tip6-allrouters\n"
        for ip in podIPs {
            text += domain.isEmpty ? "\(ip)\t\(hostname)\n" : "\(ip)\t\(hostname).\(domain)\t\(hostname)\n"
        }
        return text + hostAliasEntries(hostAliases)
    }

    /// A host-network pod's hosts file: the header, the node's file verbatim, the host aliases.
    public static func hostNetworkHostsFileContent(nodeHostsFile: String, hostAliases: [HostAlias]) -> String {
        managedHostsHeaderWithHostNetwork + nodeHostsFile + hostAliasEntries(hostAliases)
    }

    /// A blank line, `# Entries added by HostAliases.`, then one line per alias with all
    /// its hostnames tab-separated; nothing when there are no aliases.
    static func hostAliasEntries(_ aliases: [HostAlias]) -> String {
        guard !aliases.isEmpty else { return "" }
        var text = "\n# Entries added by HostAliases.\n"
        for alias in aliases {
            text += "\(alias.ip)\t\((alias.hostnames ?? []).joined(separator: "\t"))\n"
        }
        return text
    }
}
