import Foundation
import SwiftletAPI

/// An attachment recorded after a successful ADD: what was added, with which config and
/// arguments, and the result. DEL and CHECK read it back (the result is their `prevResult`),
/// and the agent's cleanup lists it to find attachments whose pod is gone.
public struct CNICachedAttachment: Sendable, Hashable {
    /// The network name.
    public let networkName: String
    /// `CNI_CONTAINERID` of the ADD.
    public let containerID: String
    /// `CNI_IFNAME` of the ADD.
    public let ifName: String
    /// `CNI_NETNS` of the ADD.
    public let netnsPath: String
    /// The config list the ADD ran, so DEL undoes exactly that even if the file changed.
    public let network: CNIConfigList
    /// `CNI_ARGS` of the ADD.
    public let cniArgs: [[String]]
    /// The capability arguments of the ADD (host ports), which portmap needs again on DEL.
    public let capabilityArgs: [String: JSONValue]
    /// The final result of the ADD.
    public let result: CNIResult
    /// The cache file.
    public let path: String
}

/// The on-disk form, close to libcni's `cniCacheV1` so the files read familiar.
struct CNICacheRecord: Codable {
    var kind = "cniCacheV1"
    var containerId: String
    /// The conflist JSON (base64, as libcni stores its `[]byte`).
    var config: Data
    var ifName: String
    var networkName: String
    var netns: String
    var cniArgs: [[String]]
    var capabilityArgs: [String: JSONValue]
    var result: JSONValue
}

/// Result files at `<rootDir>/network/results/<network>-<containerID>-<ifName>`.
struct CNIResultCache: Sendable {
    let directory: String

    init(rootDir: String) {
        directory = "\(rootDir)/network/results"
    }

    func path(network: String, containerID: String, ifName: String) -> String {
        "\(directory)/\(network)-\(containerID)-\(ifName)"
    }

    /// Writes a record atomically (temp file, fsync, rename).
    func store(network: CNIConfigList, attachment: CNIAttachment, result: CNIResult) throws {
        let record = CNICacheRecord(
            containerId: attachment.containerID, config: network.encoded(), ifName: attachment.ifName,
            networkName: network.name, netns: attachment.netnsPath,
            cniArgs: attachment.cniArgs.map { [$0.0, $0.1] }, capabilityArgs: attachment.capabilityArgs,
            result: result.raw)
        try AtomicFile.write(
            JSON.encode(record, pretty: true),
            to: path(network: network.name, containerID: attachment.containerID, ifName: attachment.ifName),
            mode: 0o600)
    }

    /// The record for one attachment; nil when there is none.
    /// - Throws: `NetworkError` when the file exists but cannot be read or parsed.
    func load(network: String, containerID: String, ifName: String) throws -> CNICachedAttachment? {
        try load(path: path(network: network, containerID: containerID, ifName: ifName))
    }

    func load(path: String) throws -> CNICachedAttachment? {
        guard let data = try AtomicFile.read(path) else { return nil }
        let record: CNICacheRecord
        do {
            record = try JSONDecoder().decode(CNICacheRecord.self, from: data)
        } catch {
            throw NetworkError.invalid("CNI result cache \(path): \(JSON.describe(error))")
        }
        let network = try CNIConfigList.parse(record.config, source: "\(path) (cached config)")
        return CNICachedAttachment(
            networkName: record.networkName, containerID: record.containerId, ifName: record.ifName,
            netnsPath: record.netns, network: network, cniArgs: record.cniArgs,
            capabilityArgs: record.capabilityArgs, result: try CNIResult.parse(record.result, plugin: "(cached)"),
            path: path)
    }

    /// Deletes a record; a missing one is fine.
    func remove(network: String, containerID: String, ifName: String) throws {
        let file = path(network: network, containerID: containerID, ifName: ifName)
        if unlink(file) != 0 && errno != ENOENT { throw NetworkError.system("unlink", file, errno: errno) }
    }

    /// Every readable record; unreadable ones are returned as errors beside them.
    func all() -> (attachments: [CNICachedAttachment], errors: [String]) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return ([], []) }
        var attachments: [CNICachedAttachment] = []
        var errors: [String] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            do {
                if let entry = try load(path: "\(directory)/\(name)") { attachments.append(entry) }
            } catch {
                errors.append("\(error)")
            }
        }
        return (attachments, errors)
    }
}
