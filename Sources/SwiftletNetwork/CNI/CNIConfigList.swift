import Foundation
import SwiftletAPI

/// A CNI network configuration list (CNI spec 1.0.0, "Network configuration lists"): a named
/// network whose plugins run in order on ADD and in reverse on DEL.
///
/// A single-plugin `.conf` file becomes a one-plugin list, as libcni's `ConfListFromConf` does.
public struct CNIConfigList: Sendable, Hashable {
    /// CNI spec versions the Debian plugins (1.1.x) speak.
    public static let supportedVersions = ["0.3.0", "0.3.1", "0.4.0", "1.0.0"]

    /// The spec version of the list, passed to every plugin.
    public let cniVersion: String
    /// The network name, unique on the node (it keys the result cache and host-local's IP store).
    public let name: String
    /// Whether CHECK is skipped for this network.
    public let disableCheck: Bool
    /// The plugins, in ADD order.
    public let plugins: [CNIPluginConfig]
    /// The file it was loaded from, or a label for configs built in code.
    public let source: String

    /// Builds a list in code. The plugins' objects are used as given.
    /// - Throws: `NetworkError.config` (with `source` as the file) for an invalid name,
    ///   version or plugin list.
    public init(cniVersion: String, name: String, disableCheck: Bool = false, plugins: [CNIPluginConfig], source: String = "<inline>") throws {
        try Self.validate(version: cniVersion, file: source, field: "cniVersion")
        try Self.validate(name: name, file: source, field: "name")
        guard !plugins.isEmpty else { throw NetworkError.config(file: source, field: "plugins", "must list at least one plugin") }
        self.cniVersion = cniVersion
        self.name = name
        self.disableCheck = disableCheck
        self.plugins = plugins
        self.source = source
    }

    /// The list `lo` is set up with: only the `loopback` plugin, as containerd's `cni-loopback`.
    public static let loopback = CNIConfigList(
        unchecked: "1.0.0", name: "cni-loopback",
        plugins: [CNIPluginConfig(unchecked: "loopback", object: ["type": .string("loopback")])],
        source: "<builtin cni-loopback>")

    private init(unchecked version: String, name: String, plugins: [CNIPluginConfig], source: String) {
        self.cniVersion = version
        self.name = name
        self.disableCheck = false
        self.plugins = plugins
        self.source = source
    }

    /// The list as conflist JSON (sorted keys), as the result cache stores it.
    public func encoded() -> Data {
        var object: [String: JSONValue] = [
            "cniVersion": .string(cniVersion), "name": .string(name),
            "plugins": .array(plugins.map { .object($0.object) }),
        ]
        if disableCheck { object["disableCheck"] = .bool(true) }
        return JSON.encode(.object(object))
    }

    /// Parses a config list (`plugins` present) or a single plugin config (`type` present).
    /// - Parameter source: the file name errors name.
    /// - Throws: `NetworkError.config` naming `source` and the JSON field at fault.
    public static func parse(_ data: Data, source: String) throws -> CNIConfigList {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw NetworkError.config(file: source, field: nil, "invalid JSON: \(JSON.describe(error))")
        }
        guard case .object(let top) = value else {
            throw NetworkError.config(file: source, field: nil, "must be a JSON object")
        }
        let version = try string(top, "cniVersion", file: source, field: "cniVersion", required: true) ?? ""
        let name = try string(top, "name", file: source, field: "name", required: true) ?? ""

        if let pluginsValue = top["plugins"] {
            guard case .array(let items) = pluginsValue else {
                throw NetworkError.config(file: source, field: "plugins", "must be an array of plugin objects")
            }
            var disableCheck = false
            if let flag = top["disableCheck"] {
                switch flag {
                case .bool(let b): disableCheck = b
                // Some tools write it as a string; libcni accepts "true"/"false" too.
                case .string(let s) where s == "true" || s == "false": disableCheck = s == "true"
                default: throw NetworkError.config(file: source, field: "disableCheck", "must be a boolean")
                }
            }
            var plugins: [CNIPluginConfig] = []
            for (i, item) in items.enumerated() {
                guard case .object(let object) = item else {
                    throw NetworkError.config(file: source, field: "plugins[\(i)]", "must be a JSON object")
                }
                plugins.append(try CNIPluginConfig(object: object, file: source, field: "plugins[\(i)]"))
            }
            return try CNIConfigList(cniVersion: version, name: name, disableCheck: disableCheck, plugins: plugins, source: source)
        }
        guard top["type"] != nil else {
            throw NetworkError.config(
                file: source, field: "plugins", "required: a config list needs \"plugins\" (a single-plugin config needs \"type\")")
        }
        let plugin = try CNIPluginConfig(object: top, file: source, field: nil)
        return try CNIConfigList(cniVersion: version, name: name, plugins: [plugin], source: source)
    }

    /// Reads and parses one file.
    /// - Throws: `NetworkError.config` naming the file (and field).
    public static func load(file: String) throws -> CNIConfigList {
        let data: Data?
        do {
            data = try AtomicFile.read(file)
        } catch let error as NetworkError {
            throw NetworkError.config(file: file, field: nil, "cannot read: \(error.message)")
        }
        guard let data else { throw NetworkError.config(file: file, field: nil, "no such file") }
        return try parse(data, source: file)
    }

    /// File name extensions libcni reads from a conf dir.
    public static let fileExtensions = [".conflist", ".conf", ".json"]

    /// The network the node uses: the first `*.conflist`, `*.conf` or `*.json` file of
    /// `confDir` in lexical order, as kubelet and containerd pick it.
    /// - Throws: `NetworkError.notFound` when the directory is missing or holds no such file;
    ///   `NetworkError.config` naming the file and field when that first file is invalid.
    public static func load(confDir: String) throws -> CNIConfigList {
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: confDir)
        } catch {
            throw NetworkError.notFound("CNI config dir \(confDir): cannot be read (\(error.localizedDescription))")
        }
        let candidates = entries.filter { name in
            !name.hasPrefix(".") && fileExtensions.contains { name.hasSuffix($0) }
        }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        guard let first = candidates.first else {
            throw NetworkError.notFound(
                "CNI config dir \(confDir): no network config (*.conflist, *.conf or *.json) found")
        }
        return try load(file: confDir.hasSuffix("/") ? confDir + first : "\(confDir)/\(first)")
    }

    static func string(_ object: [String: JSONValue], _ key: String, file: String, field: String, required: Bool) throws -> String? {
        guard let value = object[key], value != .null else {
            if required { throw NetworkError.config(file: file, field: field, "required") }
            return nil
        }
        guard case .string(let s) = value else { throw NetworkError.config(file: file, field: field, "must be a string") }
        if required && s.isEmpty { throw NetworkError.config(file: file, field: field, "required") }
        return s
    }

    /// Network names as libcni's `ValidateNetworkName` accepts them; they also become file names.
    static func validate(name: String, file: String, field: String) throws {
        guard isCNIIdentifier(name) else {
            throw NetworkError.config(
                file: file, field: field,
                "invalid network name \"\(name)\": must start with a letter or digit and contain only letters, digits, \"_\", \".\" and \"-\"")
        }
    }

    static func validate(version: String, file: String, field: String) throws {
        guard supportedVersions.contains(version) else {
            throw NetworkError.config(
                file: file, field: field,
                "unsupported CNI version \"\(version)\": expected one of \(supportedVersions.joined(separator: ", "))")
        }
    }

    /// `^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$`, libcni's rule for network names and container IDs.
    static func isCNIIdentifier(_ s: String) -> Bool {
        guard let first = s.utf8.first else { return false }
        func alnum(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
        guard alnum(first) else { return false }
        return s.utf8.allSatisfy { alnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }
}

/// One plugin of a network config list: its `type` (the executable) and its JSON object,
/// passed to the plugin with `name`, `cniVersion`, `runtimeConfig` and `prevResult` added.
public struct CNIPluginConfig: Sendable, Hashable {
    /// The plugin executable's name, looked up in the bin dirs.
    public let type: String
    /// Capabilities the plugin declares (`"capabilities": {"portMappings": true}`): the
    /// runtime passes the matching `runtimeConfig` entries only to these plugins.
    public let capabilities: Set<String>
    /// The plugin's JSON object as written in the file.
    public let object: [String: JSONValue]

    /// Wraps a plugin object.
    /// - Parameters:
    ///   - file: named in errors.
    ///   - field: the object's JSON path (`plugins[1]`), or nil for a single-plugin file.
    /// - Throws: `NetworkError.config` when `type` or `capabilities` is invalid.
    public init(object: [String: JSONValue], file: String = "<inline>", field: String? = nil) throws {
        let prefix = field.map { "\($0)." } ?? ""
        guard let type = try CNIConfigList.string(object, "type", file: file, field: prefix + "type", required: true) else {
            throw NetworkError.config(file: file, field: prefix + "type", "required")
        }
        guard !type.contains("/"), type != ".", type != ".." else {
            throw NetworkError.config(file: file, field: prefix + "type", "invalid plugin name \"\(type)\": must be a file name, not a path")
        }
        var capabilities: Set<String> = []
        if let caps = object["capabilities"] {
            guard case .object(let map) = caps else {
                throw NetworkError.config(file: file, field: prefix + "capabilities", "must be an object of capability names to booleans")
            }
            for (key, value) in map {
                guard case .bool(let enabled) = value else {
                    throw NetworkError.config(file: file, field: prefix + "capabilities.\(key)", "must be a boolean")
                }
                if enabled { capabilities.insert(key) }
            }
        }
        self.type = type
        self.capabilities = capabilities
        self.object = object
    }

    init(unchecked type: String, object: [String: JSONValue]) {
        self.type = type
        self.capabilities = []
        self.object = object
    }
}
