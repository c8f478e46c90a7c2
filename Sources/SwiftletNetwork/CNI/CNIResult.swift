import Foundation
import SwiftletAPI

/// What a CNI ADD produced (CNI spec 1.0.0 "Success" result): interfaces, IP addresses,
/// routes and DNS. The exact JSON the plugin printed is kept in `raw`, because it is what
/// the next plugin gets as `prevResult` and what DEL and CHECK get later.
public struct CNIResult: Sendable, Hashable {
    /// An interface a plugin created or configured.
    public struct Interface: Codable, Sendable, Hashable {
        /// Interface name (`eth0`, `cni0`, `veth1234`).
        public var name: String
        /// Hardware address.
        public var mac: String?
        /// MTU in bytes.
        public var mtu: Int?
        /// The namespace path for interfaces inside the pod; absent for host-side ones.
        public var sandbox: String?
    }

    /// An address assigned to an interface.
    public struct IPConfig: Codable, Sendable, Hashable {
        /// CIDR notation, `10.88.0.5/16`.
        public var address: String
        /// The default gateway for this address, if any.
        public var gateway: String?
        /// Index into `interfaces`.
        public var interface: Int?

        /// The address without its prefix length.
        public var ip: String { address.split(separator: "/").first.map(String.init) ?? address }
    }

    /// A route a plugin installed.
    public struct Route: Codable, Sendable, Hashable {
        /// Destination in CIDR notation.
        public var dst: String
        /// Next hop; absent means the interface's default gateway.
        public var gw: String?
    }

    /// DNS settings a plugin suggests (kubelet ignores them; kept for completeness).
    public struct DNS: Codable, Sendable, Hashable {
        /// Name server addresses.
        public var nameservers: [String]?
        /// Local domain.
        public var domain: String?
        /// Search domains.
        public var search: [String]?
        /// Resolver options.
        public var options: [String]?
    }

    /// The version the result is written in.
    public var cniVersion: String
    /// Interfaces, host-side and in the pod.
    public var interfaces: [Interface]
    /// Assigned addresses.
    public var ips: [IPConfig]
    /// Installed routes.
    public var routes: [Route]
    /// Suggested DNS settings.
    public var dns: DNS?
    /// The result as the plugin printed it.
    public var raw: JSONValue

    private struct Wire: Decodable {
        var cniVersion: String?
        var interfaces: [Interface]?
        var ips: [IPConfig]?
        var routes: [Route]?
        var dns: DNS?
    }

    /// Parses a plugin's stdout.
    /// - Throws: `NetworkError.invalid` naming `plugin` when it is not a CNI result.
    public static func parse(_ data: Data, plugin: String) throws -> CNIResult {
        let raw: JSONValue
        let wire: Wire
        do {
            raw = try JSONDecoder().decode(JSONValue.self, from: data)
            wire = try JSONDecoder().decode(Wire.self, from: data)
        } catch {
            let text = String(decoding: data.prefix(300), as: UTF8.self)
            throw NetworkError.invalid("CNI plugin \(plugin) printed an invalid result (\(JSON.describe(error))): \(text)")
        }
        return CNIResult(
            cniVersion: wire.cniVersion ?? "", interfaces: wire.interfaces ?? [], ips: wire.ips ?? [],
            routes: wire.routes ?? [], dns: wire.dns, raw: raw)
    }

    /// Parses a result from a JSON value (the result cache).
    static func parse(_ value: JSONValue, plugin: String) throws -> CNIResult {
        try parse(JSON.encode(value), plugin: plugin)
    }

    /// The pod's addresses (no prefix length) on `ifName` inside the sandbox, IPv4 first, as
    /// kubelet reports `status.podIPs`. IPs without an interface index count as the pod's.
    public func podIPs(ifName: String = "eth0") -> [String] {
        let mine = ips.filter { ip in
            guard let index = ip.interface else { return true }
            guard interfaces.indices.contains(index) else { return false }
            let interface = interfaces[index]
            return interface.name == ifName && !(interface.sandbox ?? "").isEmpty
        }
        let v4 = mine.filter { !$0.ip.contains(":") }.map(\.ip)
        let v6 = mine.filter { $0.ip.contains(":") }.map(\.ip)
        return v4 + v6
    }
}
