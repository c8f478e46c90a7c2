import Foundation
import SwiftletAPI
import Testing

@testable import SwiftletNetwork

/// The execution protocol, proven with scripted plugins that record what they get.
@Suite("CNI execution protocol (scripted plugins)")
struct CNIRuntimeProtocolTests {
    /// A bin dir with plugins `first` and `second` (they record stdin and CNI_* env, and print
    /// results), `failing` (prints a CNI error object), `garbage` (fails without one) and `slow`.
    private struct Fixture {
        let dir: String
        var binDir: String { "\(dir)/bin" }
        var logDir: String { "\(dir)/log" }
        var rootDir: String { "\(dir)/root" }

        init() throws {
            dir = try makeTempDir("proto")
            try FileManager.default.createDirectory(atPath: "\(dir)/bin", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: "\(dir)/log", withIntermediateDirectories: true)
            let record = """
                n=$(ls \(dir)/log | wc -l)
                f=\(dir)/log/$(printf %03d "$n")-$(basename "$0")-$CNI_COMMAND
                cat > "$f.stdin"
                env | grep '^CNI_' | sort > "$f.env"

                """
            try writeScript(
                "\(binDir)/first",
                record + """
                    if [ "$CNI_COMMAND" = ADD ]; then
                      printf '{"cniVersion":"1.0.0","interfaces":[{"name":"%s","sandbox":"%s"}],"ips":[{"address":"10.1.2.3/24","interface":0}]}' "$CNI_IFNAME" "$CNI_NETNS"
                    fi
                    """)
            try writeScript(
                "\(binDir)/second",
                record + """
                    if [ "$CNI_COMMAND" = ADD ]; then
                      printf '{"cniVersion":"1.0.0","interfaces":[{"name":"%s","sandbox":"%s"}],"ips":[{"address":"10.1.2.3/24","interface":0},{"address":"fd00::3/64","interface":0}]}' "$CNI_IFNAME" "$CNI_NETNS"
                    fi
                    """)
            try writeScript(
                "\(binDir)/failing",
                record + """
                    echo 'some log line' >&2
                    printf '{"cniVersion":"1.0.0","code":11,"msg":"failed to allocate for range 0","details":"no IP addresses available in range set"}'
                    exit 1
                    """)
            try writeScript("\(binDir)/garbage", record + "echo 'panic: runtime error' >&2\nexit 2\n")
            try writeScript("\(binDir)/slow", "exec sleep 30\n")
        }

        func list(_ plugins: [String], version: String = "1.0.0", name: String = "proto") throws -> CNIConfigList {
            let objects = plugins.map { type -> String in
                type == "second" ? #"{"type":"second","capabilities":{"portMappings":true}}"# : #"{"type":"\#(type)"}"#
            }
            return try CNIConfigList.parse(
                Data(#"{"cniVersion":"\#(version)","name":"\#(name)","plugins":[\#(objects.joined(separator: ","))]}"#.utf8),
                source: "test")
        }

        func runtime(timeout: Duration = .seconds(20)) -> CNIRuntime {
            CNIRuntime(rootDir: rootDir, binDirs: ["\(dir)/missing", binDir], pluginTimeout: timeout)
        }

        /// The recorded calls, in order: (plugin, command, stdin JSON, env).
        func calls() throws -> [(plugin: String, command: String, stdin: JSONValue, env: [String: String])] {
            let names = try FileManager.default.contentsOfDirectory(atPath: logDir).filter { $0.hasSuffix(".stdin") }.sorted()
            return try names.map { name in
                let base = String(name.dropLast(".stdin".count))
                let parts = base.split(separator: "-")
                let stdin = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: URL(fileURLWithPath: "\(logDir)/\(name)")))
                let envText = try String(contentsOfFile: "\(logDir)/\(base).env", encoding: .utf8)
                var env: [String: String] = [:]
                for line in envText.split(separator: "\n") {
                    if let eq = line.firstIndex(of: "=") { env[String(line[..<eq])] = String(line[line.index(after: eq)...]) }
                }
                return (String(parts[1]), String(parts[2]), stdin, env)
            }
        }

        func remove() { try? FileManager.default.removeItem(atPath: dir) }
    }

    private let attachment = CNIAttachment(
        containerID: "sandbox-1", netnsPath: "/nonexistent/netns/sandbox-1", podNamespace: "team", podName: "web",
        podUID: "uid-1", portMappings: [CNIPortMapping(hostPort: 8080, containerPort: 80, protocol: "TCP")])

    private func member(_ value: JSONValue, _ key: String) -> JSONValue? {
        if case .object(let object) = value { return object[key] }
        return nil
    }

    @Test("ADD runs plugins in order with prevResult chaining, kubelet's CNI_ARGS, and caches the final result")
    func addChains() async throws {
        let f = try Fixture()
        defer { f.remove() }
        let list = try f.list(["first", "second"])
        let result = try await f.runtime().add(network: list, attachment: attachment)
        #expect(result.podIPs() == ["10.1.2.3", "fd00::3"])

        let calls = try f.calls()
        #expect(calls.map { "\($0.plugin) \($0.command)" } == ["first ADD", "second ADD"])
        #expect(member(calls[0].stdin, "prevResult") == nil)
        #expect(member(calls[0].stdin, "runtimeConfig") == nil, "first does not declare portMappings")
        #expect(member(calls[1].stdin, "name") == .string("proto"))
        #expect(member(calls[1].stdin, "cniVersion") == .string("1.0.0"))
        #expect(member(member(calls[1].stdin, "prevResult") ?? .null, "ips") == .array([
            .object(["address": .string("10.1.2.3/24"), "interface": .int(0)]),
        ]))
        #expect(member(calls[1].stdin, "runtimeConfig") == .object([
            "portMappings": .array([
                .object(["hostPort": .int(8080), "containerPort": .int(80), "protocol": .string("tcp"), "hostIP": .string("")]),
            ]),
        ]))
        let env = calls[0].env
        #expect(env["CNI_COMMAND"] == "ADD")
        #expect(env["CNI_CONTAINERID"] == "sandbox-1")
        #expect(env["CNI_NETNS"] == "/nonexistent/netns/sandbox-1")
        #expect(env["CNI_IFNAME"] == "eth0")
        #expect(env["CNI_PATH"] == "\(f.dir)/missing:\(f.binDir)")
        #expect(env["CNI_ARGS"] == "IgnoreUnknown=1;K8S_POD_NAMESPACE=team;K8S_POD_NAME=web;K8S_POD_INFRA_CONTAINER_ID=sandbox-1;K8S_POD_UID=uid-1")

        let cachePath = "\(f.rootDir)/network/results/proto-sandbox-1-eth0"
        #expect(FileManager.default.fileExists(atPath: cachePath))
        let cached = try #require(try f.runtime().cachedAttachment(network: "proto", containerID: "sandbox-1"))
        #expect(cached.result == result)
        #expect(cached.network.plugins == list.plugins)
        #expect(cached.netnsPath == attachment.netnsPath)
        #expect(cached.path == cachePath)
        // Nothing but the record is left in the results dir (the temp file was renamed).
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(f.rootDir)/network/results") == ["proto-sandbox-1-eth0"])
    }

    @Test("CHECK runs in order with the cached result; DEL runs in reverse with it, then drops the cache")
    func checkAndDelete() async throws {
        let f = try Fixture()
        defer { f.remove() }
        let list = try f.list(["first", "second"])
        let runtime = f.runtime()
        let result = try await runtime.add(network: list, attachment: attachment)
        try await runtime.check(network: list, attachment: attachment)
        try await runtime.delete(network: list, attachment: attachment)

        let calls = try f.calls()
        #expect(calls.map { "\($0.plugin) \($0.command)" } == [
            "first ADD", "second ADD", "first CHECK", "second CHECK", "second DEL", "first DEL",
        ])
        for call in calls[2...] {
            #expect(member(call.stdin, "prevResult") == result.raw, "\(call.plugin) \(call.command)")
        }
        // The namespace path does not exist, so DEL tells the plugins there is none.
        #expect(calls[4].env["CNI_NETNS"] == "")
        // portmap-like plugins get the ADD's port mappings again on DEL.
        #expect(member(calls[4].stdin, "runtimeConfig") != nil)
        #expect(try runtime.cachedAttachment(network: "proto", containerID: "sandbox-1") == nil)

        // Once more: DEL of an attachment that is gone succeeds, without prevResult.
        try await runtime.delete(network: list, attachment: attachment)
        let again = try f.calls()
        #expect(again.count == 8)
        #expect(member(again[6].stdin, "prevResult") == nil)
        // CHECK without a cached ADD is an error that says so.
        let error = await #expect(throws: NetworkError.self) { try await runtime.check(network: list, attachment: attachment) }
        #expect(error?.isNotFound ?? false)
    }

    @Test("DEL uses the config the ADD cached, even when the config has changed since")
    func deleteUsesCachedConfig() async throws {
        let f = try Fixture()
        defer { f.remove() }
        let runtime = f.runtime()
        _ = try await runtime.add(network: f.list(["first", "second"]), attachment: attachment)
        try await runtime.delete(network: f.list(["first"]), attachment: attachment)
        #expect(try f.calls().map { "\($0.plugin) \($0.command)" } == ["first ADD", "second ADD", "second DEL", "first DEL"])
    }

    @Test("a plugin's CNI error object becomes an error naming the plugin, code, message and details; earlier plugins are rolled back")
    func pluginErrorObject() async throws {
        let f = try Fixture()
        defer { f.remove() }
        let runtime = f.runtime()
        let error = await #expect(throws: NetworkError.self) {
            try await runtime.add(network: f.list(["first", "failing"]), attachment: attachment)
        }
        #expect(error?.isPluginError ?? false)
        #expect(error?.plugin == "failing")
        #expect(error?.pluginCode == 11)
        #expect(
            error?.message
                == "CNI plugin failing failed (ADD network proto, interface eth0): failed to allocate for range 0: no IP addresses available in range set (CNI error code 11)"
        )
        #expect(try f.calls().map { "\($0.plugin) \($0.command)" } == ["first ADD", "failing ADD", "failing DEL", "first DEL"])
        #expect(try runtime.cachedAttachment(network: "proto", containerID: "sandbox-1") == nil)
    }

    @Test("a plugin failing without an error object is reported with its status and stderr")
    func pluginErrorText() async throws {
        let f = try Fixture()
        defer { f.remove() }
        let error = await #expect(throws: NetworkError.self) {
            try await f.runtime().add(network: f.list(["garbage"]), attachment: attachment)
        }
        #expect(error?.plugin == "garbage")
        #expect(error?.pluginCode == nil)
        #expect(error?.message.contains("CNI plugin garbage failed (ADD network proto") ?? false)
        #expect(error?.message.contains("exited with status 2: panic: runtime error") ?? false)
    }

    @Test("a plugin that outlives the timeout is killed and reported")
    func pluginTimeout() async throws {
        let f = try Fixture()
        defer { f.remove() }
        // The plugin sleeps far longer than any test; the error proves it was cut off. (No
        // wall-clock assertion: on a loaded machine the test may wait for a thread first.)
        let error = await #expect(throws: NetworkError.self) {
            try await f.runtime(timeout: .milliseconds(300)).add(network: f.list(["slow"]), attachment: attachment)
        }
        #expect(error?.isTimeout ?? false)
        #expect(error?.plugin == "slow")
        #expect(error?.message.contains("timed out after 0.3s") ?? false)
    }

    @Test("a missing plugin is named with the bin dirs searched, before any plugin runs")
    func missingPlugin() async throws {
        let f = try Fixture()
        defer { f.remove() }
        let error = await #expect(throws: NetworkError.self) {
            try await f.runtime().add(network: f.list(["first", "nosuchplugin"]), attachment: attachment)
        }
        #expect(error?.isNotFound ?? false)
        #expect(error?.message.contains("nosuchplugin") ?? false)
        #expect(error?.message.contains(f.binDir) ?? false)
        #expect(try f.calls().isEmpty)
    }

    @Test("CHECK is skipped with disableCheck and refused for lists older than 0.4.0")
    func checkVersions() async throws {
        let f = try Fixture()
        defer { f.remove() }
        let old = try f.list(["first"], version: "0.3.1", name: "old")
        let error = await #expect(throws: NetworkError.self) { try await f.runtime().check(network: old, attachment: attachment) }
        #expect(error?.message.contains("does not support CHECK") ?? false)
        let disabled = try CNIConfigList.parse(
            Data(#"{"cniVersion":"1.0.0","name":"nocheck","disableCheck":true,"plugins":[{"type":"first"}]}"#.utf8), source: "t")
        try await f.runtime().check(network: disabled, attachment: attachment)
        #expect(try f.calls().isEmpty)
    }

    @Test("setUpPod runs the loopback network on lo before the pod network; tearDownPod deletes both")
    func podLoopback() async throws {
        let f = try Fixture()
        defer { f.remove() }
        // A stand-in "loopback" plugin in the test bin dir.
        try FileManager.default.copyItem(atPath: "\(f.binDir)/first", toPath: "\(f.binDir)/loopback")
        let runtime = f.runtime()
        let list = try f.list(["second"])
        _ = try await runtime.setUpPod(network: list, attachment: attachment)
        try await runtime.checkPod(network: list, attachment: attachment)
        try await runtime.tearDownPod(network: list, attachment: attachment)
        let calls = try f.calls()
        #expect(calls.map { "\($0.plugin) \($0.command) \($0.env["CNI_IFNAME"] ?? "")" } == [
            "loopback ADD lo", "second ADD eth0", "loopback CHECK lo", "second CHECK eth0", "second DEL eth0", "loopback DEL lo",
        ])
        #expect(member(calls[0].stdin, "name") == .string("cni-loopback"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(f.rootDir)/network/results").isEmpty)
    }

    @Test("invalid container IDs and interface names are refused before any plugin runs")
    func invalidAttachment() async throws {
        let f = try Fixture()
        defer { f.remove() }
        for bad in [("../x", "eth0"), ("ok", "a/b"), ("ok", "waytoolonginterface0"), ("", "eth0")] {
            var a = attachment
            a.containerID = bad.0
            a.ifName = bad.1
            await #expect(throws: NetworkError.self) { _ = try await f.runtime().add(network: f.list(["first"]), attachment: a) }
        }
        #expect(try f.calls().isEmpty)
    }
}
