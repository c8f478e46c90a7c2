import SwiftletAPI
import Yams

/// What decoding a config document found: the fields it sets, the keys swiftlet does not know
/// (dotted paths, in document order), and every value of the wrong type or shape.
struct DecodedConfigFile {
    var file = KubeletConfigurationFile()
    var unknownFields: [String] = []
    var errors: [FieldError] = []
}

/// Turns a YAML (or JSON) document into a `KubeletConfigurationFile`, reading every known field by
/// hand so that unknown keys and every type error are reported with their field path, instead of
/// stopping at the first one as `Decodable` does.
enum ConfigFileDecoder {
    static func decode(_ root: Yams.Node.Mapping) -> DecodedConfigFile {
        let sink = DecodeSink()
        var r = MappingReader(root, path: nil, sink: sink)
        var f = KubeletConfigurationFile()
        f.apiVersion = r.string("apiVersion")
        f.kind = r.string("kind")

        f.staticPodPath = r.string("staticPodPath")
        f.syncFrequency = r.duration("syncFrequency")
        f.fileCheckFrequency = r.duration("fileCheckFrequency")
        f.address = r.string("address")
        f.port = r.int32("port")
        f.readOnlyPort = r.int32("readOnlyPort")
        f.tlsCertFile = r.string("tlsCertFile")
        f.tlsPrivateKeyFile = r.string("tlsPrivateKeyFile")
        if var authn = r.object("authentication") {
            if var x509 = authn.object("x509") {
                f.x509ClientCAFile = x509.string("clientCAFile")
                x509.finish()
            }
            if var webhook = authn.object("webhook") {
                f.webhookAuthenticationEnabled = webhook.bool("enabled")
                f.webhookAuthenticationCacheTTL = webhook.duration("cacheTTL")
                webhook.finish()
            }
            if var anonymous = authn.object("anonymous") {
                f.anonymousAuthenticationEnabled = anonymous.bool("enabled")
                anonymous.finish()
            }
            authn.finish()
        }
        if var authz = r.object("authorization") {
            f.authorizationMode = authz.string("mode")
            if var webhook = authz.object("webhook") {
                f.webhookCacheAuthorizedTTL = webhook.duration("cacheAuthorizedTTL")
                f.webhookCacheUnauthorizedTTL = webhook.duration("cacheUnauthorizedTTL")
                webhook.finish()
            }
            authz.finish()
        }
        f.registerNode = r.bool("registerNode")
        f.clusterDomain = r.string("clusterDomain")
        f.clusterDNS = r.stringList("clusterDNS")
        f.healthzPort = r.int32("healthzPort")
        f.healthzBindAddress = r.string("healthzBindAddress")
        f.nodeStatusUpdateFrequency = r.duration("nodeStatusUpdateFrequency")
        f.nodeStatusReportFrequency = r.duration("nodeStatusReportFrequency")
        f.nodeLeaseDurationSeconds = r.int32("nodeLeaseDurationSeconds")
        f.imageMinimumGCAge = r.duration("imageMinimumGCAge")
        f.imageMaximumGCAge = r.duration("imageMaximumGCAge")
        f.imageGCHighThresholdPercent = r.int32("imageGCHighThresholdPercent")
        f.imageGCLowThresholdPercent = r.int32("imageGCLowThresholdPercent")
        f.cgroupsPerQOS = r.bool("cgroupsPerQOS")
        f.cgroupDriver = r.string("cgroupDriver")
        f.cgroupRoot = r.string("cgroupRoot")
        f.runtimeRequestTimeout = r.duration("runtimeRequestTimeout")
        f.hairpinMode = r.string("hairpinMode")
        f.maxPods = r.int32("maxPods")
        f.podPidsLimit = r.int64("podPidsLimit")
        f.allowedUnsafeSysctls = r.stringList("allowedUnsafeSysctls")
        f.resolvConf = r.string("resolvConf")
        f.podLogsDir = r.string("podLogsDir")
        f.serializeImagePulls = r.bool("serializeImagePulls")
        f.maxParallelImagePulls = r.int32("maxParallelImagePulls")
        f.evictionHard = r.stringMap("evictionHard")
        f.evictionSoft = r.stringMap("evictionSoft")
        f.evictionSoftGracePeriod = r.stringMap("evictionSoftGracePeriod")
        f.evictionPressureTransitionPeriod = r.duration("evictionPressureTransitionPeriod")
        f.evictionMaxPodGracePeriod = r.int32("evictionMaxPodGracePeriod")
        f.evictionMinimumReclaim = r.stringMap("evictionMinimumReclaim")
        f.mergeDefaultEvictionSettings = r.bool("mergeDefaultEvictionSettings")
        f.systemReserved = r.quantityMap("systemReserved")
        f.kubeReserved = r.quantityMap("kubeReserved")
        f.failSwapOn = r.bool("failSwapOn")
        f.containerLogMaxSize = r.quantity("containerLogMaxSize")
        f.containerLogMaxFiles = r.int32("containerLogMaxFiles")
        f.containerLogMonitorInterval = r.duration("containerLogMonitorInterval")
        f.shutdownGracePeriod = r.duration("shutdownGracePeriod")
        f.shutdownGracePeriodCriticalPods = r.duration("shutdownGracePeriodCriticalPods")
        f.seccompDefault = r.bool("seccompDefault")
        r.finish()

        // Nested readers finish before their parents: sort by position to report in document order.
        let unknown = sink.unknownFields.enumerated().sorted { a, b in
            (a.element.line, a.element.column, a.offset) < (b.element.line, b.element.column, b.offset)
        }.map(\.element.path)
        return DecodedConfigFile(file: f, unknownFields: unknown, errors: sink.errors)
    }
}

/// Collects findings while readers for nested objects come and go.
private final class DecodeSink {
    var errors: [FieldError] = []
    var unknownFields: [(path: String, line: Int, column: Int)] = []
}

/// Reads the fields of one YAML mapping, remembering which keys were asked for so that `finish()`
/// can report the rest as unknown.
private struct MappingReader {
    let mapping: Yams.Node.Mapping
    let path: FieldPath?
    let sink: DecodeSink
    private var known: Set<String> = []

    init(_ mapping: Yams.Node.Mapping, path: FieldPath?, sink: DecodeSink) {
        self.mapping = mapping
        self.path = path
        self.sink = sink
    }

    private func fieldPath(_ key: String) -> FieldPath { path?.child(key) ?? FieldPath(key) }

    private func fail(_ key: String, _ node: Yams.Node, _ detail: String) {
        sink.errors.append(FieldError(.invalid, fieldPath(key), value: displayValue(node), detail: detail))
    }

    /// The value under `key`, or nil when absent or `null` (which, as in Go, leaves the field unset).
    private mutating func value(_ key: String) -> Yams.Node? {
        known.insert(key)
        guard let pair = mapping.first(where: { keyText($0.key) == key }) else { return nil }
        return isNull(pair.value) ? nil : pair.value
    }

    mutating func string(_ key: String) -> String? {
        guard let node = value(key) else { return nil }
        guard let text = node.scalar?.string else {
            fail(key, node, "must be a string")
            return nil
        }
        return text
    }

    mutating func int64(_ key: String) -> Int64? {
        guard let node = value(key) else { return nil }
        guard let scalar = node.scalar, scalar.style == .plain, let n = Int64(scalar.string) else {
            fail(key, node, "must be an integer")
            return nil
        }
        return n
    }

    mutating func int32(_ key: String) -> Int32? {
        guard let node = value(key) else { return nil }
        guard let scalar = node.scalar, scalar.style == .plain, let n = Int64(scalar.string) else {
            fail(key, node, "must be an integer")
            return nil
        }
        guard let small = Int32(exactly: n) else {
            fail(key, node, "must be between \(Int32.min) and \(Int32.max), inclusive")
            return nil
        }
        return small
    }

    mutating func bool(_ key: String) -> Bool? {
        guard let node = value(key) else { return nil }
        guard let scalar = node.scalar, scalar.style == .plain, let b = Bool.construct(from: scalar) else {
            fail(key, node, "must be a boolean (true or false)")
            return nil
        }
        return b
    }

    mutating func duration(_ key: String) -> GoDuration? {
        guard let node = value(key) else { return nil }
        guard let text = node.scalar?.string else {
            fail(key, node, "must be a duration such as \"1m30s\"")
            return nil
        }
        do {
            return try GoDuration(parsing: text)
        } catch {
            fail(key, node, error.message)
            return nil
        }
    }

    mutating func quantity(_ key: String) -> Quantity? {
        guard let node = value(key) else { return nil }
        guard let text = node.scalar?.string else {
            fail(key, node, "must be a quantity such as \"10Mi\"")
            return nil
        }
        // An empty string is Go's zero value: the field keeps its default.
        if text.isEmpty { return nil }
        guard let (q, _) = QuantityText.parse(text) else {
            fail(key, node, QuantityText.formatError)
            return nil
        }
        return q
    }

    mutating func stringList(_ key: String) -> [String]? {
        guard let node = value(key) else { return nil }
        guard let sequence = node.sequence else {
            fail(key, node, "must be a list of strings")
            return nil
        }
        var out: [String] = []
        for (i, item) in sequence.enumerated() {
            if let text = item.scalar?.string {
                out.append(text)
            } else {
                sink.errors.append(
                    FieldError(.invalid, fieldPath(key).index(i), value: displayValue(item), detail: "must be a string"))
            }
        }
        return out
    }

    mutating func stringMap(_ key: String) -> [String: String]? {
        guard let node = value(key) else { return nil }
        guard let entries = node.mapping else {
            fail(key, node, "must be a map of strings")
            return nil
        }
        var out: [String: String] = [:]
        for (k, v) in entries {
            let name = keyText(k)
            if isNull(v) {
                out[name] = ""
            } else if let text = v.scalar?.string {
                out[name] = text
            } else {
                sink.errors.append(
                    FieldError(.invalid, fieldPath(key).key(name), value: displayValue(v), detail: "must be a string"))
            }
        }
        return out
    }

    mutating func quantityMap(_ key: String) -> [String: Quantity]? {
        guard let strings = stringMap(key) else { return nil }
        var out: [String: Quantity] = [:]
        for (name, text) in strings.sorted(by: { $0.key < $1.key }) {
            if let (q, _) = QuantityText.parse(text) {
                out[name] = q
            } else {
                sink.errors.append(.invalid(fieldPath(key).key(name), .string(text), QuantityText.formatError))
            }
        }
        return out
    }

    mutating func object(_ key: String) -> MappingReader? {
        guard let node = value(key) else { return nil }
        guard let child = node.mapping else {
            fail(key, node, "must be an object")
            return nil
        }
        return MappingReader(child, path: fieldPath(key), sink: sink)
    }

    /// Reports every key that no accessor asked for, in document order.
    func finish() {
        for (k, _) in mapping {
            let name = keyText(k)
            if !known.contains(name) {
                sink.unknownFields.append((fieldPath(name).description, k.mark?.line ?? 0, k.mark?.column ?? 0))
            }
        }
    }
}

private func keyText(_ node: Yams.Node) -> String {
    node.scalar?.string ?? "\(node)"
}

private func isNull(_ node: Yams.Node) -> Bool {
    guard let scalar = node.scalar, scalar.style == .plain else { return false }
    return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
}

/// How a YAML value is shown in an error: numbers and booleans bare, other scalars quoted,
/// collections not at all (the detail says what was expected).
private func displayValue(_ node: Yams.Node) -> FieldValue? {
    guard let scalar = node.scalar else { return nil }
    if scalar.style == .plain {
        if let n = Int64(scalar.string) { return .int(n) }
        if let b = Bool.construct(from: scalar) { return .bool(b) }
        if let d = Double(scalar.string), d.isFinite, scalar.string.first.map({ $0.isNumber || $0 == "-" }) == true {
            return .raw(scalar.string)
        }
    }
    return .string(scalar.string)
}
