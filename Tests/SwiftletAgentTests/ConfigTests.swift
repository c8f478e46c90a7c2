import Foundation
import SwiftletAPI
import Testing
@testable import SwiftletAgent

// MARK: - Helpers

private let header = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"

/// A fresh directory under the system temp dir, removed by `remove()`.
private struct TempDir {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.path + "/swiftlet-config-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    @discardableResult
    func write(_ name: String, _ contents: String) throws -> String {
        let file = path + "/" + name
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try contents.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Loads `yaml` from a temp file and returns the result.
private func load(_ yaml: String, flags: AgentFlags = AgentFlags()) throws -> LoadedConfig {
    let dir = try TempDir()
    defer { dir.remove() }
    let file = try dir.write("config.yaml", yaml)
    return try ConfigLoader.load(path: file, overrides: flags)
}

/// Loads `yaml` from a temp file and returns the error it must raise.
private func loadError(_ yaml: String, flags: AgentFlags = AgentFlags()) throws -> ConfigError? {
    let dir = try TempDir()
    defer { dir.remove() }
    let file = try dir.write("config.yaml", yaml)
    do {
        _ = try ConfigLoader.load(path: file, overrides: flags)
        return nil
    } catch {
        return error
    }
}

/// The package root, found from this file's path.
private let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

// MARK: - GoDuration

@Suite("GoDuration")
struct GoDurationTests {
    struct ParseCase: Sendable, CustomTestStringConvertible {
        let text: String
        let nanoseconds: Int64
        let printed: String
        var testDescription: String { text }
    }

    // Cases follow Go's time.ParseDuration and Duration.String behaviour.
    static let parseCases: [ParseCase] = [
        ParseCase(text: "0", nanoseconds: 0, printed: "0s"),
        ParseCase(text: "+0", nanoseconds: 0, printed: "0s"),
        ParseCase(text: "-0", nanoseconds: 0, printed: "0s"),
        ParseCase(text: "0s", nanoseconds: 0, printed: "0s"),
        ParseCase(text: "5s", nanoseconds: 5_000_000_000, printed: "5s"),
        ParseCase(text: "30s", nanoseconds: 30_000_000_000, printed: "30s"),
        ParseCase(text: "1478s", nanoseconds: 1_478_000_000_000, printed: "24m38s"),
        ParseCase(text: "-5s", nanoseconds: -5_000_000_000, printed: "-5s"),
        ParseCase(text: "+5s", nanoseconds: 5_000_000_000, printed: "5s"),
        ParseCase(text: "5.0s", nanoseconds: 5_000_000_000, printed: "5s"),
        ParseCase(text: "5.6s", nanoseconds: 5_600_000_000, printed: "5.6s"),
        ParseCase(text: "5.s", nanoseconds: 5_000_000_000, printed: "5s"),
        ParseCase(text: ".5s", nanoseconds: 500_000_000, printed: "500ms"),
        ParseCase(text: "1.004s", nanoseconds: 1_004_000_000, printed: "1.004s"),
        ParseCase(text: "100.00100s", nanoseconds: 100_001_000_000, printed: "1m40.001s"),
        ParseCase(text: "10ns", nanoseconds: 10, printed: "10ns"),
        ParseCase(text: "11us", nanoseconds: 11_000, printed: "11µs"),
        ParseCase(text: "12\u{00B5}s", nanoseconds: 12_000, printed: "12µs"),
        ParseCase(text: "12\u{03BC}s", nanoseconds: 12_000, printed: "12µs"),
        ParseCase(text: "300ms", nanoseconds: 300_000_000, printed: "300ms"),
        ParseCase(text: "20s", nanoseconds: 20_000_000_000, printed: "20s"),
        ParseCase(text: "1m30s", nanoseconds: 90_000_000_000, printed: "1m30s"),
        ParseCase(text: "5m", nanoseconds: 300_000_000_000, printed: "5m0s"),
        ParseCase(text: "1h", nanoseconds: 3_600_000_000_000, printed: "1h0m0s"),
        ParseCase(text: "2h45m", nanoseconds: 9_900_000_000_000, printed: "2h45m0s"),
        ParseCase(text: "1.5h", nanoseconds: 5_400_000_000_000, printed: "1h30m0s"),
        ParseCase(text: "3h30m", nanoseconds: 12_600_000_000_000, printed: "3h30m0s"),
        ParseCase(text: "10.5s4m", nanoseconds: 250_500_000_000, printed: "4m10.5s"),
        ParseCase(text: "-2m3.4s", nanoseconds: -123_400_000_000, printed: "-2m3.4s"),
        ParseCase(text: "1h2m3s4ms5us6ns", nanoseconds: 3_723_004_005_006, printed: "1h2m3.004005006s"),
        ParseCase(text: "39h9m14.425s", nanoseconds: 140_954_425_000_000, printed: "39h9m14.425s"),
        ParseCase(text: "52763797000ns", nanoseconds: 52_763_797_000, printed: "52.763797s"),
        ParseCase(text: "0.3333333333333333333h", nanoseconds: 1_200_000_000_000, printed: "20m0s"),
        ParseCase(text: "0.100000000000000000000h", nanoseconds: 360_000_000_000, printed: "6m0s"),
        ParseCase(text: "0.830103483285477580700h", nanoseconds: 2_988_372_539_827, printed: "49m48.372539827s"),
        ParseCase(text: "9007199254740993ns", nanoseconds: 9_007_199_254_740_993, printed: "2501h59m59.254740993s"),
        ParseCase(text: "9223372036854775807ns", nanoseconds: Int64.max, printed: "2562047h47m16.854775807s"),
        ParseCase(text: "-9223372036854775808ns", nanoseconds: Int64.min, printed: "-2562047h47m16.854775808s"),
    ]

    @Test("parses Go duration syntax and prints it as Go's Duration.String does", arguments: parseCases)
    func parseAndPrint(_ c: ParseCase) throws {
        let d = try GoDuration(parsing: c.text)
        #expect(d.nanoseconds == c.nanoseconds)
        #expect(d.description == c.printed)
        // What Go prints, Go parses back to the same value.
        #expect(try GoDuration(parsing: d.description) == d)
    }

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        let text: String
        let message: String
        var testDescription: String { text }
    }

    static let errorCases: [ErrorCase] = [
        ErrorCase(text: "", message: "time: invalid duration \"\""),
        ErrorCase(text: "3", message: "time: missing unit in duration \"3\""),
        ErrorCase(text: "-", message: "time: invalid duration \"-\""),
        ErrorCase(text: "s", message: "time: invalid duration \"s\""),
        ErrorCase(text: ".", message: "time: invalid duration \".\""),
        ErrorCase(text: "-.", message: "time: invalid duration \"-.\""),
        ErrorCase(text: ".s", message: "time: invalid duration \".s\""),
        ErrorCase(text: "+.s", message: "time: invalid duration \"+.s\""),
        ErrorCase(text: "1d", message: "time: unknown unit \"d\" in duration \"1d\""),
        ErrorCase(text: "5x", message: "time: unknown unit \"x\" in duration \"5x\""),
        ErrorCase(text: "1.5.5s", message: "time: missing unit in duration \"1.5.5s\""),
        ErrorCase(text: "5 s", message: "time: unknown unit \" s\" in duration \"5 s\""),
        ErrorCase(text: "5\u{00B5}", message: "time: unknown unit \"\\xc2\\xb5\" in duration \"5\\xc2\\xb5\""),
        ErrorCase(text: "3000000h", message: "time: invalid duration \"3000000h\""),
        ErrorCase(text: "9223372036854775808ns", message: "time: invalid duration \"9223372036854775808ns\""),
        ErrorCase(text: "9223372036854775.808us", message: "time: invalid duration \"9223372036854775.808us\""),
        ErrorCase(text: "9223372036854ms775us808ns", message: "time: invalid duration \"9223372036854ms775us808ns\""),
    ]

    @Test("rejects what Go rejects, with Go's message", arguments: errorCases)
    func parseErrors(_ c: ErrorCase) {
        #expect(throws: GoDurationError(message: c.message)) { try GoDuration(parsing: c.text) }
    }

    @Test("prints sub-second and large values like Go", arguments: [
        (Int64(1), "1ns"), (1_100, "1.1µs"), (2_200_000, "2.2ms"), (3_300_000_000, "3.3s"),
        (245_000_000_000, "4m5s"), (245_001_000_000, "4m5.001s"), (18_367_001_000_000, "5h6m7.001s"),
        (480_000_000_001, "8m0.000000001s"), (-1, "-1ns"), (-1_500_000, "-1.5ms"),
    ])
    func printing(_ nanoseconds: Int64, _ expected: String) {
        #expect(GoDuration(nanoseconds: nanoseconds).description == expected)
    }

    @Test("exposes a Swift.Duration of the same length")
    func swiftDuration() throws {
        #expect(try GoDuration(parsing: "1m30s").duration == .seconds(90))
        #expect(try GoDuration(parsing: "300ms").duration == .milliseconds(300))
        #expect(try GoDuration(parsing: "-1.5h").duration == .seconds(-5400))
        #expect(GoDuration.minutes(2).wholeSeconds == 120)
    }

    @Test("encodes as a JSON string in Go's form and decodes Go syntax")
    func codable() throws {
        let data = try JSONEncoder().encode([GoDuration.seconds(90)])
        #expect(String(decoding: data, as: UTF8.self) == #"["1m30s"]"#)
        let decoded = try JSONDecoder().decode([GoDuration].self, from: Data(#"["2h45m", "0"]"#.utf8))
        #expect(decoded == [.minutes(165), .zero])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([GoDuration].self, from: Data(#"["5x"]"#.utf8)) }
    }
}

// MARK: - Defaults

@Suite("KubeletConfiguration defaults")
struct ConfigDefaultsTests {
    @Test("KubeletConfiguration() holds kubelet's v1beta1 defaults")
    func kubeletDefaults() {
        let c = KubeletConfiguration()
        #expect(c.staticPodPath == "/etc/swiftlet/manifests")
        #expect(c.syncFrequency.description == "1m0s")
        #expect(c.fileCheckFrequency.description == "20s")
        #expect(c.address == "0.0.0.0")
        #expect(c.port == 10250)
        #expect(c.readOnlyPort == 0)
        #expect(c.tlsCertFile == "")
        #expect(c.tlsPrivateKeyFile == "")
        #expect(c.authentication.x509.clientCAFile == "")
        #expect(c.authentication.webhook.enabled == true)
        #expect(c.authentication.webhook.cacheTTL.description == "2m0s")
        #expect(c.authentication.anonymous.enabled == false)
        #expect(c.authorization.mode == "Webhook")
        #expect(c.authorization.webhook.cacheAuthorizedTTL.description == "5m0s")
        #expect(c.authorization.webhook.cacheUnauthorizedTTL.description == "30s")
        #expect(c.registerNode == true)
        #expect(c.clusterDomain == "")
        #expect(c.clusterDNS == [])
        #expect(c.healthzPort == 10248)
        #expect(c.healthzBindAddress == "127.0.0.1")
        #expect(c.nodeStatusUpdateFrequency.description == "10s")
        #expect(c.nodeStatusReportFrequency.description == "5m0s")
        #expect(c.nodeLeaseDurationSeconds == 40)
        #expect(c.imageMinimumGCAge.description == "2m0s")
        #expect(c.imageMaximumGCAge.description == "0s")
        #expect(c.imageGCHighThresholdPercent == 85)
        #expect(c.imageGCLowThresholdPercent == 80)
        #expect(c.cgroupsPerQOS == true)
        #expect(c.cgroupDriver == "cgroupfs")
        #expect(c.cgroupRoot == "/")
        #expect(c.runtimeRequestTimeout.description == "2m0s")
        #expect(c.hairpinMode == "promiscuous-bridge")
        #expect(c.maxPods == 110)
        #expect(c.podPidsLimit == -1)
        #expect(c.resolvConf == "/etc/resolv.conf")
        #expect(c.serializeImagePulls == true)
        #expect(c.maxParallelImagePulls == nil)
        #expect(c.evictionHard == [
            "memory.available": "100Mi",
            "nodefs.available": "10%",
            "nodefs.inodesFree": "5%",
            "imagefs.available": "15%",
            "imagefs.inodesFree": "5%",
        ])
        #expect(c.evictionSoft == [:])
        #expect(c.evictionSoftGracePeriod == [:])
        #expect(c.evictionPressureTransitionPeriod.description == "5m0s")
        #expect(c.evictionMaxPodGracePeriod == 0)
        #expect(c.evictionMinimumReclaim == [:])
        #expect(c.mergeDefaultEvictionSettings == false)
        #expect(c.systemReserved == [:])
        #expect(c.kubeReserved == [:])
        #expect(c.failSwapOn == true)
        #expect(c.containerLogMaxSize.description == "10Mi")
        #expect(c.containerLogMaxFiles == 5)
        #expect(c.shutdownGracePeriod.description == "0s")
        #expect(c.shutdownGracePeriodCriticalPods.description == "0s")
        #expect(c.seccompDefault == false)
        #expect(c.validate().isEmpty)
    }

    @Test("loading without a file gives the defaults and swiftlet's own directory defaults")
    func noFile() throws {
        let loaded = try ConfigLoader.load(path: nil, overrides: AgentFlags())
        #expect(loaded.kubelet == KubeletConfiguration())
        #expect(loaded.configFile == nil)
        #expect(loaded.unknownFields.isEmpty)
        #expect(loaded.warnings.isEmpty)
        #expect(loaded.agent.rootDir == "/var/lib/swiftlet")
        #expect(loaded.agent.runDir == "/run/swiftlet")
        #expect(loaded.agent.cniConfDir == "/etc/cni/net.d")
        #expect(loaded.agent.cniBinDirs == ["/usr/lib/cni", "/opt/cni/bin"])
        #expect(loaded.agent.kubeconfig == nil)
        #expect(loaded.agent.nodeIPs == [])
    }

    @Test("a file with only apiVersion and kind gives the defaults")
    func minimalFile() throws {
        let loaded = try load(header)
        #expect(loaded.kubelet == KubeletConfiguration())
        #expect(loaded.unknownFields.isEmpty)
    }

    @Test("zero values of plain Go fields mean 'use the default', as in kubelet")
    func zeroValuesDefault() throws {
        let c = try load(header + """
            port: 0
            syncFrequency: 0s
            fileCheckFrequency: "0"
            address: ""
            maxPods: 0
            nodeLeaseDurationSeconds: 0
            cgroupDriver: ""
            hairpinMode: ""
            containerLogMaxSize: ""
            authorization:
              mode: ""
            """).kubelet
        #expect(c == KubeletConfiguration())
    }

    @Test("null values leave fields at their defaults")
    func nulls() throws {
        let c = try load(header + "port: null\nfailSwapOn: ~\nevictionHard:\nclusterDNS: null\n").kubelet
        #expect(c == KubeletConfiguration())
    }

    @Test("nodeStatusReportFrequency follows nodeStatusUpdateFrequency when only that is set")
    func reportFrequencyFollowsUpdate() throws {
        let onlyUpdate = try load(header + "nodeStatusUpdateFrequency: 20s\n").kubelet
        #expect(onlyUpdate.nodeStatusUpdateFrequency.description == "20s")
        #expect(onlyUpdate.nodeStatusReportFrequency.description == "20s")
        let both = try load(header + "nodeStatusUpdateFrequency: 20s\nnodeStatusReportFrequency: 1m\n").kubelet
        #expect(both.nodeStatusReportFrequency.description == "1m0s")
    }

    @Test("serializeImagePulls defaults to false when maxParallelImagePulls > 1 is set")
    func parallelPulls() throws {
        let parallel = try load(header + "maxParallelImagePulls: 3\n").kubelet
        #expect(parallel.serializeImagePulls == false)
        #expect(parallel.maxParallelImagePulls == 3)
        let one = try load(header + "maxParallelImagePulls: 1\n").kubelet
        #expect(one.serializeImagePulls == true)
    }

    @Test("a negative podPidsLimit becomes -1, as kubelet defaults it")
    func podPidsLimitNegative() throws {
        #expect(try load(header + "podPidsLimit: -5\n").kubelet.podPidsLimit == -1)
        #expect(try load(header + "podPidsLimit: 0\n").kubelet.podPidsLimit == 0)
        #expect(try load(header + "podPidsLimit: 4096\n").kubelet.podPidsLimit == 4096)
    }

    @Test("allowedUnsafeSysctls from the file, overridden by --allowed-unsafe-sysctls")
    func allowedUnsafeSysctls() throws {
        #expect(try load(header).kubelet.allowedUnsafeSysctls == [])
        #expect(try load(header + "allowedUnsafeSysctls: [\"kernel.msg*\", net.core.somaxconn]\n").kubelet.allowedUnsafeSysctls == ["kernel.msg*", "net.core.somaxconn"])
        let flags = AgentFlags(allowedUnsafeSysctls: ["net.*"])
        #expect(try load(header + "allowedUnsafeSysctls: [kernel.sem]\n", flags: flags).kubelet.allowedUnsafeSysctls == ["net.*"])
    }

    @Test("cgroupRoot stays empty only when cgroupsPerQOS is off")
    func cgroupRoot() throws {
        #expect(try load(header + "cgroupsPerQOS: false\n").kubelet.cgroupRoot == "")
        #expect(try load(header + "cgroupRoot: /swiftlet\n").kubelet.cgroupRoot == "/swiftlet")
    }

    @Test("Codable: '{}' decodes to the defaults and encoding uses Kubernetes' names")
    func codable() throws {
        let decoded = try JSONDecoder().decode(KubeletConfiguration.self, from: Data("{}".utf8))
        #expect(decoded == KubeletConfiguration())
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(KubeletConfiguration())) as? [String: Any]
        #expect(json?["fileCheckFrequency"] as? String == "20s")
        #expect(json?["containerLogMaxSize"] as? String == "10Mi")
        #expect((json?["authentication"] as? [String: Any])?["x509"] != nil)
        var changed = KubeletConfiguration()
        changed.maxParallelImagePulls = 4
        changed.serializeImagePulls = false
        changed.systemReserved = ["memory": try Quantity(parsing: "1Gi")]
        let roundTrip = try JSONDecoder().decode(KubeletConfiguration.self, from: JSONEncoder().encode(changed))
        #expect(roundTrip == changed)
    }
}

// MARK: - Files and flags

@Suite("ConfigLoader")
struct ConfigLoaderTests {
    @Test("file values override the defaults")
    func fileOverrides() throws {
        let loaded = try load(header + """
            staticPodPath: /srv/pods
            syncFrequency: 30s
            fileCheckFrequency: 5s
            address: 127.0.0.1
            port: 11250
            readOnlyPort: 10255
            tlsCertFile: /pki/kubelet.crt
            tlsPrivateKeyFile: /pki/kubelet.key
            authentication:
              x509:
                clientCAFile: /pki/ca.crt
              webhook:
                enabled: false
                cacheTTL: 1m
              anonymous:
                enabled: true
            authorization:
              mode: AlwaysAllow
              webhook:
                cacheAuthorizedTTL: 1m
                cacheUnauthorizedTTL: 10s
            registerNode: false
            clusterDomain: cluster.local
            clusterDNS: [10.96.0.10, "fd00::a"]
            healthzPort: 0
            healthzBindAddress: 0.0.0.0
            nodeLeaseDurationSeconds: 60
            imageMinimumGCAge: 5m
            imageMaximumGCAge: 168h
            imageGCHighThresholdPercent: 90
            imageGCLowThresholdPercent: 70
            cgroupDriver: systemd
            runtimeRequestTimeout: 4m
            hairpinMode: hairpin-veth
            maxPods: 50
            podPidsLimit: 1024
            resolvConf: /run/systemd/resolve/resolv.conf
            serializeImagePulls: false
            maxParallelImagePulls: 4
            evictionSoft:
              memory.available: 500Mi
            evictionSoftGracePeriod:
              memory.available: 1m30s
            evictionPressureTransitionPeriod: 30s
            evictionMaxPodGracePeriod: 60
            evictionMinimumReclaim:
              memory.available: 200Mi
            systemReserved:
              cpu: 500m
              memory: 1Gi
            kubeReserved:
              memory: 256Mi
              pid: "100"
            failSwapOn: false
            containerLogMaxSize: 50Mi
            containerLogMaxFiles: 3
            shutdownGracePeriod: 30s
            shutdownGracePeriodCriticalPods: 10s
            seccompDefault: true
            """)
        let c = loaded.kubelet
        #expect(loaded.unknownFields.isEmpty)
        #expect(c.staticPodPath == "/srv/pods")
        #expect(c.syncFrequency == .seconds(30))
        #expect(c.fileCheckFrequency == .seconds(5))
        #expect(c.address == "127.0.0.1")
        #expect(c.port == 11250)
        #expect(c.readOnlyPort == 10255)
        #expect(c.tlsCertFile == "/pki/kubelet.crt")
        #expect(c.tlsPrivateKeyFile == "/pki/kubelet.key")
        #expect(c.authentication.x509.clientCAFile == "/pki/ca.crt")
        #expect(c.authentication.webhook.enabled == false)
        #expect(c.authentication.webhook.cacheTTL == .minutes(1))
        #expect(c.authentication.anonymous.enabled == true)
        #expect(c.authorization.mode == "AlwaysAllow")
        #expect(c.authorization.webhook.cacheAuthorizedTTL == .minutes(1))
        #expect(c.authorization.webhook.cacheUnauthorizedTTL == .seconds(10))
        #expect(c.registerNode == false)
        #expect(c.clusterDomain == "cluster.local")
        #expect(c.clusterDNS == ["10.96.0.10", "fd00::a"])
        #expect(c.healthzPort == 0)
        #expect(c.healthzBindAddress == "0.0.0.0")
        #expect(c.nodeLeaseDurationSeconds == 60)
        #expect(c.imageMinimumGCAge == .minutes(5))
        #expect(c.imageMaximumGCAge == .hours(168))
        #expect(c.imageGCHighThresholdPercent == 90)
        #expect(c.imageGCLowThresholdPercent == 70)
        #expect(c.cgroupDriver == "systemd")
        #expect(c.runtimeRequestTimeout == .minutes(4))
        #expect(c.hairpinMode == "hairpin-veth")
        #expect(c.maxPods == 50)
        #expect(c.podPidsLimit == 1024)
        #expect(c.resolvConf == "/run/systemd/resolve/resolv.conf")
        #expect(c.serializeImagePulls == false)
        #expect(c.maxParallelImagePulls == 4)
        #expect(c.evictionHard == KubeletConfiguration.defaultEvictionHard)
        #expect(c.evictionSoft == ["memory.available": "500Mi"])
        #expect(c.evictionSoftGracePeriod == ["memory.available": "1m30s"])
        #expect(c.evictionPressureTransitionPeriod == .seconds(30))
        #expect(c.evictionMaxPodGracePeriod == 60)
        #expect(c.evictionMinimumReclaim == ["memory.available": "200Mi"])
        #expect(c.systemReserved.mapValues(\.description) == ["cpu": "500m", "memory": "1Gi"])
        #expect(c.kubeReserved.mapValues(\.description) == ["memory": "256Mi", "pid": "100"])
        #expect(c.failSwapOn == false)
        #expect(c.containerLogMaxSize.description == "50Mi")
        #expect(c.containerLogMaxFiles == 3)
        #expect(c.shutdownGracePeriod == .seconds(30))
        #expect(c.shutdownGracePeriodCriticalPods == .seconds(10))
        #expect(c.seccompDefault == true)
    }

    @Test("a JSON file loads like its YAML twin")
    func jsonFile() throws {
        let json = """
            {
            \t"apiVersion": "kubelet.config.k8s.io/v1beta1",
            \t"kind": "KubeletConfiguration",
            \t"port": 11250,
            \t"failSwapOn": false,
            \t"evictionHard": {"memory.available": "200Mi"},
            \t"authentication": {"anonymous": {"enabled": true}}
            }
            """
        let fromJSON = try load(json)
        let fromYAML = try load(header + """
            port: 11250
            failSwapOn: false
            evictionHard:
              memory.available: 200Mi
            authentication:
              anonymous:
                enabled: true
            """)
        #expect(fromJSON.kubelet == fromYAML.kubelet)
        #expect(fromJSON.kubelet.port == 11250)
        #expect(fromJSON.kubelet.evictionHard == ["memory.available": "200Mi"])
    }

    @Test("flags override the file, and the file's values survive where no flag is given")
    func flagsBeatFile() throws {
        let flags = AgentFlags(
            podManifestPath: "/srv/flag-pods", port: 12250, address: "127.0.0.1", readOnlyPort: 10255,
            maxPods: 20, cgroupDriver: "systemd", clusterDNS: ["10.0.0.10"], clusterDomain: "flag.local",
            failSwapOn: false)
        let c = try load(header + """
            staticPodPath: /srv/file-pods
            port: 11250
            address: 10.0.0.1
            readOnlyPort: 0
            maxPods: 50
            cgroupDriver: cgroupfs
            clusterDNS: [10.96.0.10]
            clusterDomain: cluster.local
            failSwapOn: true
            syncFrequency: 30s
            """, flags: flags).kubelet
        #expect(c.staticPodPath == "/srv/flag-pods")
        #expect(c.port == 12250)
        #expect(c.address == "127.0.0.1")
        #expect(c.readOnlyPort == 10255)
        #expect(c.maxPods == 20)
        #expect(c.cgroupDriver == "systemd")
        #expect(c.clusterDNS == ["10.0.0.10"])
        #expect(c.clusterDomain == "flag.local")
        #expect(c.failSwapOn == false)
        #expect(c.syncFrequency == .seconds(30))
    }

    @Test("--config is used when no path is passed, and flags apply without a file")
    func configFlag() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let file = try dir.write("c.yaml", header + "maxPods: 7\n")
        #expect(try ConfigLoader.load(path: nil, overrides: AgentFlags(config: file)).kubelet.maxPods == 7)
        #expect(try ConfigLoader.load(path: nil, overrides: AgentFlags(maxPods: 9)).kubelet.maxPods == 9)
    }

    @Test("swiftlet's own settings come from flags, paths made absolute")
    func agentSettings() throws {
        let cwd = FileManager.default.currentDirectoryPath
        let flags = AgentFlags(
            kubeconfig: "/etc/swiftlet/kubelet.conf", hostnameOverride: "Node-1", nodeIP: "10.0.0.5,fd00::5",
            rootDir: "state", runDir: "/tmp/run/../run2", cniConfDir: "/etc/cni/custom", cniBinDir: "/opt/a:bin")
        let agent = try ConfigLoader.load(path: nil, overrides: flags).agent
        #expect(agent.kubeconfig == "/etc/swiftlet/kubelet.conf")
        #expect(agent.hostnameOverride == "Node-1")
        #expect(agent.nodeIPs == ["10.0.0.5", "fd00::5"])
        #expect(agent.rootDir == ConfigPaths.clean(cwd + "/state"))
        #expect(agent.runDir == "/tmp/run2")
        #expect(agent.cniConfDir == "/etc/cni/custom")
        #expect(agent.cniBinDirs == ["/opt/a", ConfigPaths.clean(cwd + "/bin")])
    }

    @Test("bad flag values are reported under the flag's name", arguments: [
        (AgentFlags(nodeIP: "not-an-ip"), #"--node-ip: Invalid value: "not-an-ip": must be a valid IP address"#),
        (AgentFlags(nodeIP: "10.0.0.1,10.0.0.2"),
         #"--node-ip: Invalid value: "10.0.0.1,10.0.0.2": must be one IP address, or one IPv4 and one IPv6 address separated by a comma"#),
        (AgentFlags(rootDir: ""), #"--root-dir: Invalid value: "": must not be empty"#),
        (AgentFlags(cniBinDir: ":"), #"--cni-bin-dir: Invalid value: ":": must name at least one directory"#),
        (AgentFlags(port: 0), "port: Invalid value: 0: must be between 1 and 65535, inclusive"),
        (AgentFlags(cgroupDriver: "foo"), #"cgroupDriver: Unsupported value: "foo": supported values: "cgroupfs", "systemd""#),
    ])
    func badFlags(_ flags: AgentFlags, _ expected: String) {
        do {
            _ = try ConfigLoader.load(path: nil, overrides: flags)
            Issue.record("expected \(expected)")
        } catch {
            #expect(error.isInvalid)
            #expect(error.file == nil)
            #expect(error.fieldErrors.map(\.description) == [expected])
            #expect(error.message == "invalid configuration (1 error):\n  " + expected)
        }
    }

    @Test("unknown fields are reported with dotted paths, in file order, and only they")
    func unknownFields() throws {
        let loaded = try load(header + """
            foo: 1
            port: 11250
            authentication:
              x509:
                clientCAFile: /ca.crt
                bogus: true
              webhook:
                enabled: true
                extra: 1
              oidc: {}
            featureGates:
              Foo: true
            authorization:
              mode: Webhook
              webhook:
                cacheAuthorizedTTL: 1m
                cacheTTL: 1m
            evictionHard:
              memory.available: 100Mi
              nodefs.available: 10%
              nodefs.inodesFree: 5%
              imagefs.available: 15%
              imagefs.inodesFree: 5%
            """)
        #expect(loaded.unknownFields == [
            "foo",
            "authentication.x509.bogus",
            "authentication.webhook.extra",
            "authentication.oidc",
            "featureGates",
            "authorization.webhook.cacheTTL",
        ])
        #expect(loaded.kubelet.port == 11250)
        #expect(loaded.warnings.isEmpty)
    }

    @Test("field names are case-sensitive, as in Kubernetes")
    func caseSensitive() throws {
        let loaded = try load(header + "Port: 1\nmaxpods: 3\n")
        #expect(loaded.unknownFields == ["Port", "maxpods"])
        #expect(loaded.kubelet.port == 10250)
        #expect(loaded.kubelet.maxPods == 110)
    }

    @Test("relative paths in the file are resolved against the file's directory")
    func relativePaths() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let file = try dir.write("etc/config.yaml", header + """
            staticPodPath: manifests
            tlsCertFile: pki/../pki/kubelet.crt
            tlsPrivateKeyFile: ./pki/kubelet.key
            authentication:
              x509:
                clientCAFile: ../ca.crt
            resolvConf: resolv.conf
            """)
        let loaded = try ConfigLoader.load(path: file, overrides: AgentFlags())
        let etc = dir.path + "/etc"
        #expect(loaded.configFile == file)
        #expect(loaded.kubelet.staticPodPath == etc + "/manifests")
        #expect(loaded.kubelet.tlsCertFile == etc + "/pki/kubelet.crt")
        #expect(loaded.kubelet.tlsPrivateKeyFile == etc + "/pki/kubelet.key")
        #expect(loaded.kubelet.authentication.x509.clientCAFile == dir.path + "/ca.crt")
        #expect(loaded.kubelet.resolvConf == etc + "/resolv.conf")
    }

    @Test("absolute and empty paths are kept; an empty staticPodPath turns static pods off")
    func absoluteAndEmptyPaths() throws {
        let c = try load(header + "staticPodPath: \"\"\nresolvConf: \"\"\ntlsCertFile: /abs/c.crt\ntlsPrivateKeyFile: /abs/c.key\n").kubelet
        #expect(c.staticPodPath == "")
        #expect(c.resolvConf == "")
        #expect(c.tlsCertFile == "/abs/c.crt")
    }

    @Test("relative flag paths resolve against the working directory, not the file")
    func relativeFlagPath() throws {
        let c = try load(header + "staticPodPath: manifests\n", flags: AgentFlags(podManifestPath: "pods")).kubelet
        #expect(c.staticPodPath == ConfigPaths.clean(FileManager.default.currentDirectoryPath + "/pods"))
    }

    @Test("the shipped config/swiftlet.yaml loads cleanly with staticPodPath config/manifests")
    func shippedExample() throws {
        let file = packageRoot + "/config/swiftlet.yaml"
        let loaded = try ConfigLoader.load(path: file, overrides: AgentFlags())
        #expect(loaded.unknownFields == [])
        #expect(loaded.warnings == [])
        #expect(loaded.kubelet.staticPodPath == packageRoot + "/config/manifests")
        // The example shows the defaults: apart from the path, and authorizing authenticated users
        // without the API server a standalone agent lacks, it must equal them.
        var expected = KubeletConfiguration()
        expected.staticPodPath = packageRoot + "/config/manifests"
        expected.authentication.webhook.enabled = false
        expected.authorization.mode = "AlwaysAllow"
        #expect(loaded.kubelet == expected)
    }
}

// MARK: - Eviction

@Suite("Eviction settings")
struct EvictionConfigTests {
    @Test("a given evictionHard replaces kubelet's defaults: missing signals get no threshold, with a warning")
    func partialEvictionHardReplaces() throws {
        let loaded = try load(header + "evictionHard:\n  memory.available: 200Mi\n")
        #expect(loaded.kubelet.evictionHard == ["memory.available": "200Mi"])
        #expect(loaded.warnings == [
            "evictionHard replaces kubelet's default thresholds: imagefs.available, imagefs.inodesFree, "
                + "nodefs.available, nodefs.inodesFree now have no hard eviction threshold "
                + "(list them, or set mergeDefaultEvictionSettings: true)",
        ])
    }

    @Test("mergeDefaultEvictionSettings fills the missing signals with the defaults")
    func mergeDefaults() throws {
        let loaded = try load(header + "mergeDefaultEvictionSettings: true\nevictionHard:\n  memory.available: 200Mi\n")
        var expected = KubeletConfiguration.defaultEvictionHard
        expected["memory.available"] = "200Mi"
        #expect(loaded.kubelet.evictionHard == expected)
        #expect(loaded.kubelet.mergeDefaultEvictionSettings)
        #expect(loaded.warnings.isEmpty)
    }

    @Test("an empty evictionHard map turns hard eviction off")
    func emptyEvictionHard() throws {
        #expect(try load(header + "evictionHard: {}\n").kubelet.evictionHard == [:])
    }

    @Test("threshold values: quantities above zero and percentages from 0% to 100%")
    func thresholdValues() throws {
        #expect(try EvictionThresholdValue(parsing: "10%") == .percentage(10))
        #expect(try EvictionThresholdValue(parsing: "2.5%") == .percentage(2.5))
        #expect(try EvictionThresholdValue(parsing: "0%").isDisabled)
        #expect(try EvictionThresholdValue(parsing: "100%").isDisabled)
        #expect(try !EvictionThresholdValue(parsing: "99%").isDisabled)
        #expect(try EvictionThresholdValue(parsing: "100Mi") == .quantity(Quantity(parsing: "100Mi")))
        #expect(throws: EvictionThresholdError(detail: "must be positive")) { try EvictionThresholdValue(parsing: "0") }
        #expect(throws: EvictionThresholdError(detail: "must be between 0% and 100%, inclusive")) {
            try EvictionThresholdValue(parsing: "-1%")
        }
        #expect(throws: EvictionThresholdError.self) { try EvictionThresholdValue(parsing: "lots") }
        #expect(EvictionSignal.names == [
            "memory.available", "nodefs.available", "nodefs.inodesFree", "imagefs.available", "imagefs.inodesFree",
            "pid.available",
        ])
    }
}

// MARK: - Invalid values

@Suite("Config validation")
struct ConfigValidationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let yaml: String
        let error: String
        var testDescription: String { error }
    }

    static let quantityFormat =
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    static let signals = #""memory.available", "nodefs.available", "nodefs.inodesFree", "imagefs.available", "imagefs.inodesFree", "pid.available""#
    static let thresholdFormat = #"must be a quantity (such as "100Mi") or a percentage (such as "10%")"#

    static let cases: [Case] = [
        Case(yaml: "imageGCHighThresholdPercent: 120",
             error: "imageGCHighThresholdPercent: Invalid value: 120: must be between 0 and 100, inclusive"),
        Case(yaml: "imageGCLowThresholdPercent: -1",
             error: "imageGCLowThresholdPercent: Invalid value: -1: must be between 0 and 100, inclusive"),
        Case(yaml: "imageGCLowThresholdPercent: 90",
             error: "imageGCLowThresholdPercent: Invalid value: 90: must be less than imageGCHighThresholdPercent (85)"),
        Case(yaml: "fileCheckFrequency: 5x",
             error: #"fileCheckFrequency: Invalid value: "5x": time: unknown unit "x" in duration "5x""#),
        Case(yaml: "syncFrequency: 10",
             error: #"syncFrequency: Invalid value: 10: time: missing unit in duration "10""#),
        Case(yaml: "syncFrequency: -1m",
             error: #"syncFrequency: Invalid value: "-1m0s": must be greater than zero"#),
        Case(yaml: "evictionPressureTransitionPeriod: -5s",
             error: #"evictionPressureTransitionPeriod: Invalid value: "-5s": must be greater than zero"#),
        Case(yaml: "cgroupDriver: foo",
             error: #"cgroupDriver: Unsupported value: "foo": supported values: "cgroupfs", "systemd""#),
        Case(yaml: "port: 70000", error: "port: Invalid value: 70000: must be between 1 and 65535, inclusive"),
        Case(yaml: "port: -1", error: "port: Invalid value: -1: must be between 1 and 65535, inclusive"),
        Case(yaml: "port: abc", error: #"port: Invalid value: "abc": must be an integer"#),
        Case(yaml: "port: \"10250\"", error: #"port: Invalid value: "10250": must be an integer"#),
        Case(yaml: "port: 1.5", error: "port: Invalid value: 1.5: must be an integer"),
        Case(yaml: "port: 99999999999",
             error: "port: Invalid value: 99999999999: must be between -2147483648 and 2147483647, inclusive"),
        Case(yaml: "readOnlyPort: 70000",
             error: "readOnlyPort: Invalid value: 70000: must be between 0 and 65535, inclusive"),
        Case(yaml: "healthzPort: -1", error: "healthzPort: Invalid value: -1: must be between 0 and 65535, inclusive"),
        Case(yaml: "address: not-an-ip", error: #"address: Invalid value: "not-an-ip": must be a valid IP address"#),
        Case(yaml: "healthzBindAddress: localhost",
             error: #"healthzBindAddress: Invalid value: "localhost": must be a valid IP address"#),
        Case(yaml: "nodeLeaseDurationSeconds: -5",
             error: "nodeLeaseDurationSeconds: Invalid value: -5: must be greater than 0"),
        Case(yaml: "maxPods: -1", error: "maxPods: Invalid value: -1: must not be negative"),
        Case(yaml: "containerLogMaxFiles: 1", error: "containerLogMaxFiles: Invalid value: 1: must be greater than 1"),
        Case(yaml: "containerLogMaxFiles: 0", error: "containerLogMaxFiles: Invalid value: 0: must be greater than 1"),
        Case(yaml: "containerLogMaxSize: 10MB", error: #"containerLogMaxSize: Invalid value: "10MB": "# + quantityFormat),
        Case(yaml: "maxParallelImagePulls: 0", error: "maxParallelImagePulls: Invalid value: 0: must be a positive number"),
        Case(yaml: "serializeImagePulls: true\nmaxParallelImagePulls: 5",
             error: "maxParallelImagePulls: Invalid value: 5: cannot be larger than 1 unless serializeImagePulls is false"),
        Case(yaml: "shutdownGracePeriod: 10s\nshutdownGracePeriodCriticalPods: 30s",
             error: #"shutdownGracePeriodCriticalPods: Invalid value: "30s": must be less than or equal to shutdownGracePeriod (10s)"#),
        Case(yaml: "shutdownGracePeriod: 500ms",
             error: #"shutdownGracePeriod: Invalid value: "500ms": must be either zero or otherwise >= 1 sec"#),
        Case(yaml: "imageMaximumGCAge: 1m",
             error: #"imageMaximumGCAge: Invalid value: "1m0s": must be greater than imageMinimumGCAge (2m0s)"#),
        Case(yaml: "imageMinimumGCAge: -1s", error: #"imageMinimumGCAge: Invalid value: "-1s": must not be negative"#),
        Case(yaml: "authorization:\n  mode: RBAC",
             error: #"authorization.mode: Unsupported value: "RBAC": supported values: "AlwaysAllow", "Webhook""#),
        Case(yaml: "authentication:\n  webhook:\n    cacheTTL: -1m",
             error: #"authentication.webhook.cacheTTL: Invalid value: "-1m0s": must not be negative"#),
        Case(yaml: "authentication:\n  anonymous:\n    enabled: maybe",
             error: #"authentication.anonymous.enabled: Invalid value: "maybe": must be a boolean (true or false)"#),
        Case(yaml: "authentication: 5", error: "authentication: Invalid value: 5: must be an object"),
        Case(yaml: "hairpinMode: bogus",
             error: #"hairpinMode: Unsupported value: "bogus": supported values: "promiscuous-bridge", "hairpin-veth", "none""#),
        Case(yaml: "clusterDNS: [10.96.0.10, bogus]", error: #"clusterDNS[1]: Invalid value: "bogus": must be a valid IP address"#),
        Case(yaml: "clusterDNS: 10.96.0.10", error: #"clusterDNS: Invalid value: "10.96.0.10": must be a list of strings"#),
        Case(yaml: "allowedUnsafeSysctls: [kernel.msg*, vm.swappiness]",
             error: #"allowedUnsafeSysctls[1]: Invalid value: "vm.swappiness": not known to be namespaced"#),
        Case(yaml: "failSwapOn: \"false\"", error: #"failSwapOn: Invalid value: "false": must be a boolean (true or false)"#),
        Case(yaml: "cgroupRoot: kubepods",
             error: #"cgroupRoot: Invalid value: "kubepods": must be an absolute cgroup path (starting with "/")"#),
        Case(yaml: "tlsCertFile: /pki/kubelet.crt", error: "tlsPrivateKeyFile: Required value: must be set when tlsCertFile is set"),
        Case(yaml: "evictionHard:\n  memory.available: 100Mi\n  foo.available: 10%",
             error: #"evictionHard[foo.available]: Unsupported value: "foo.available": supported values: "# + signals),
        Case(yaml: "evictionHard:\n  memory.available: \"-100Mi\"",
             error: #"evictionHard[memory.available]: Invalid value: "-100Mi": must be positive"#),
        Case(yaml: "evictionHard:\n  memory.available: \"0\"",
             error: #"evictionHard[memory.available]: Invalid value: "0": must be positive"#),
        Case(yaml: "evictionHard:\n  nodefs.available: 120%",
             error: #"evictionHard[nodefs.available]: Invalid value: "120%": must be between 0% and 100%, inclusive"#),
        Case(yaml: "evictionHard:\n  nodefs.available: lots",
             error: #"evictionHard[nodefs.available]: Invalid value: "lots": "# + thresholdFormat),
        Case(yaml: "evictionHard: [memory.available]", error: "evictionHard: Invalid value: must be a map of strings"),
        Case(yaml: "evictionSoft:\n  memory.available: 1Gi",
             error: "evictionSoftGracePeriod[memory.available]: Required value: each evictionSoft threshold needs a grace period"),
        Case(yaml: "evictionSoft:\n  pid.available: 200%\nevictionSoftGracePeriod:\n  pid.available: 1m",
             error: #"evictionSoft[pid.available]: Invalid value: "200%": must be between 0% and 100%, inclusive"#),
        Case(yaml: "evictionSoftGracePeriod:\n  memory.available: 1x",
             error: #"evictionSoftGracePeriod[memory.available]: Invalid value: "1x": time: unknown unit "x" in duration "1x""#),
        Case(yaml: "evictionSoftGracePeriod:\n  disk.available: 1m",
             error: #"evictionSoftGracePeriod[disk.available]: Unsupported value: "disk.available": supported values: "# + signals),
        Case(yaml: "evictionMinimumReclaim:\n  memory.available: \"-1Mi\"",
             error: #"evictionMinimumReclaim[memory.available]: Invalid value: "-1Mi": must not be negative"#),
        Case(yaml: "evictionMinimumReclaim:\n  nodefs.available: 0%",
             error: #"evictionMinimumReclaim[nodefs.available]: Invalid value: "0%": must be greater than 0% and at most 100%"#),
        Case(yaml: "evictionMaxPodGracePeriod: -1", error: "evictionMaxPodGracePeriod: Invalid value: -1: must not be negative"),
        Case(yaml: "systemReserved:\n  gpu: \"1\"",
             error: #"systemReserved[gpu]: Unsupported value: "gpu": supported values: "cpu", "memory", "ephemeral-storage", "pid""#),
        Case(yaml: "kubeReserved:\n  memory: \"-1Gi\"", error: #"kubeReserved[memory]: Invalid value: "-1Gi": must not be negative"#),
        Case(yaml: "systemReserved:\n  cpu: abc", error: #"systemReserved[cpu]: Invalid value: "abc": "# + quantityFormat),
    ]

    @Test("each invalid value produces exactly its Kubernetes-style error", arguments: cases)
    func invalidValue(_ c: Case) throws {
        let error = try #require(try loadError(header + c.yaml + "\n"))
        #expect(error.isInvalid)
        #expect(error.fieldErrors.map(\.description) == [c.error])
        #expect(error.message.hasSuffix("invalid configuration (1 error):\n  " + c.error))
    }

    @Test("every error in a file is listed at once, each with its field path")
    func allErrorsListed() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let file = try dir.write("config.yaml", header + """
            port: 70000
            fileCheckFrequency: 5x
            imageGCHighThresholdPercent: 120
            cgroupDriver: foo
            authentication:
              x509:
                clientCAFile: [a]
            """)
        var caught: ConfigError?
        do { _ = try ConfigLoader.load(path: file, overrides: AgentFlags()) } catch { caught = error }
        let error = try #require(caught)
        #expect(error.file == file)
        #expect(error.fieldErrors.map(\.description) == [
            #"fileCheckFrequency: Invalid value: "5x": time: unknown unit "x" in duration "5x""#,
            "authentication.x509.clientCAFile: Invalid value: must be a string",
            "port: Invalid value: 70000: must be between 1 and 65535, inclusive",
            "imageGCHighThresholdPercent: Invalid value: 120: must be between 0 and 100, inclusive",
            #"cgroupDriver: Unsupported value: "foo": supported values: "cgroupfs", "systemd""#,
        ])
        #expect(error.message == "\(file): invalid configuration (5 errors):\n  "
            + error.fieldErrors.map(\.description).joined(separator: "\n  "))
    }
}

// MARK: - File problems

@Suite("Config file errors")
struct ConfigFileErrorTests {
    @Test("a missing file is named in the error")
    func missingFile() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path + "/nope.yaml"
        #expect(throws: ConfigError.fileUnreadable(path, "no such file")) {
            try ConfigLoader.load(path: path, overrides: AgentFlags())
        }
        #expect(ConfigError.fileUnreadable("/etc/swiftlet/config.yaml", "no such file").message
            == "/etc/swiftlet/config.yaml: no such file")
    }

    @Test("a directory or an empty file is refused by name")
    func directoryAndEmpty() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        #expect(throws: ConfigError.fileUnreadable(dir.path, "is a directory, not a config file")) {
            try ConfigLoader.load(path: dir.path, overrides: AgentFlags())
        }
        let empty = try dir.write("empty.yaml", "")
        #expect(throws: ConfigError.fileUnreadable(empty, "file is empty")) {
            try ConfigLoader.load(path: empty, overrides: AgentFlags())
        }
    }

    @Test("a file with only comments says what it should contain")
    func onlyComments() throws {
        let error = try #require(try loadError("# nothing here\n"))
        #expect(error.isWrongDocument)
        #expect(error.message.hasSuffix(
            "config.yaml: not a kubelet configuration: the file has no content; "
                + "expected apiVersion: kubelet.config.k8s.io/v1beta1 and kind: KubeletConfiguration"))
    }

    @Test("YAML syntax errors name the file, line and column")
    func badYAML() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let file = try dir.write("bad.yaml", header + "port: 10250\n  maxPods: 3\n")
        var caught: ConfigError?
        do { _ = try ConfigLoader.load(path: file, overrides: AgentFlags()) } catch { caught = error }
        let error = try #require(caught)
        #expect(error.isSyntax)
        #expect(error.message == "\(file): YAML syntax error at line 4, column 10: mapping values are not allowed in this context")
    }

    @Test("duplicate keys are refused by name")
    func duplicateKeys() throws {
        let error = try #require(try loadError(header + "port: 1\nport: 2\n"))
        #expect(error.isSyntax)
        #expect(error.message.contains("duplicate key \"port\""))
        #expect(error.message.hasPrefix(error.file ?? "?"))
    }

    @Test("a document that is not a mapping is refused")
    func notAMapping() throws {
        let error = try #require(try loadError("- a\n- b\n"))
        #expect(error.isWrongDocument)
        #expect(error.message.contains("the document is not a mapping"))
    }

    @Test("missing apiVersion and kind are both named")
    func missingTypeMeta() throws {
        let error = try #require(try loadError("port: 10250\n"))
        #expect(error.isWrongDocument)
        #expect(error.fieldErrors.map(\.description) == [
            #"apiVersion: Required value: must be "kubelet.config.k8s.io/v1beta1""#,
            #"kind: Required value: must be "KubeletConfiguration""#,
        ])
        let file = try #require(error.file)
        #expect(error.message == "\(file): not a kubelet configuration\n  "
            + error.fieldErrors.map(\.description).joined(separator: "\n  "))
    }

    @Test("a wrong apiVersion or kind is named, without noise about the other fields")
    func wrongTypeMeta() throws {
        let wrongKind = try #require(try loadError("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: Pod\nspec: {}\n"))
        #expect(wrongKind.fieldErrors.map(\.description) == [
            #"kind: Unsupported value: "Pod": supported values: "KubeletConfiguration""#,
        ])
        let wrongVersion = try #require(try loadError("apiVersion: kubelet.config.k8s.io/v1alpha1\nkind: KubeletConfiguration\n"))
        #expect(wrongVersion.fieldErrors.map(\.description) == [
            #"apiVersion: Unsupported value: "kubelet.config.k8s.io/v1alpha1": supported values: "kubelet.config.k8s.io/v1beta1""#,
        ])
    }
}

// MARK: - Node name and paths

@Suite("Node name and path helpers")
struct NodeNameTests {
    @Test("the node name is --hostname-override or the host name, trimmed and lowercased")
    func nodeName() throws {
        #expect(try AgentFlags(hostnameOverride: " Worker-1 ").nodeName(systemHostname: "ignored") == "worker-1")
        #expect(try AgentFlags().nodeName(systemHostname: "MyHost") == "myhost")
        #expect(try AgentFlags(hostnameOverride: "").nodeName(systemHostname: "host") == "host")
        #expect(throws: ConfigError.self) { try AgentFlags().nodeName(systemHostname: "  ") }
        let system = AgentFlags.systemHostname()
        #expect(!system.isEmpty)
        #expect(try AgentFlags().nodeName() == system.lowercased())
    }

    @Test("paths are cleaned as Go's filepath.Clean does", arguments: [
        ("", "."), ("a/b/../c", "a/c"), ("/a/./b/", "/a/b"), ("/../x", "/x"), ("../../x", "../../x"),
        ("a//b", "a/b"), ("/", "/"), ("a/..", "."),
    ])
    func clean(_ input: String, _ expected: String) {
        #expect(ConfigPaths.clean(input) == expected)
    }
}
