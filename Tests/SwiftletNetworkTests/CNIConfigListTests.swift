import Foundation
import SwiftletAPI
import Testing

@testable import SwiftletNetwork

@Suite("CNI config lists")
struct CNIConfigListTests {
    private func withConfDir(_ files: [String: String], _ body: (String) throws -> Void) throws {
        let dir = try makeTempDir("conf")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (name, text) in files {
            try Data(text.utf8).write(to: URL(fileURLWithPath: "\(dir)/\(name)"))
        }
        try body(dir)
    }

    private func configError(_ text: String, source: String = "/etc/cni/net.d/10-x.conflist") -> String? {
        do {
            _ = try CNIConfigList.parse(Data(text.utf8), source: source)
            return nil
        } catch let error as NetworkError {
            #expect(error.isConfigError)
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test("a conflist parses: version, name, plugins in order, enabled capabilities, disableCheck")
    func parseList() throws {
        let list = try CNIConfigList.parse(
            Data(
                """
                {"cniVersion":"1.0.0","name":"net1","disableCheck":true,"plugins":[
                  {"type":"bridge","bridge":"br9","ipam":{"type":"host-local","subnet":"10.1.0.0/16"}},
                  {"type":"portmap","capabilities":{"portMappings":true,"bandwidth":false},"snat":true}]}
                """.utf8), source: "mem")
        #expect(list.cniVersion == "1.0.0")
        #expect(list.name == "net1")
        #expect(list.disableCheck)
        #expect(list.plugins.map(\.type) == ["bridge", "portmap"])
        #expect(list.plugins[0].capabilities.isEmpty)
        #expect(list.plugins[1].capabilities == ["portMappings"])
        #expect(list.plugins[0].object["bridge"] == .string("br9"))
        // The encoded form parses back to the same list.
        let again = try CNIConfigList.parse(list.encoded(), source: "mem")
        #expect(again.plugins == list.plugins)
        #expect(again.disableCheck)
    }

    @Test("a single-plugin .conf becomes a one-plugin list")
    func singleConf() throws {
        let list = try CNIConfigList.parse(
            Data(#"{"cniVersion":"0.4.0","name":"solo","type":"bridge","bridge":"b0"}"#.utf8), source: "10-solo.conf")
        #expect(list.name == "solo")
        #expect(list.cniVersion == "0.4.0")
        #expect(list.plugins.count == 1)
        #expect(list.plugins[0].type == "bridge")
        #expect(list.plugins[0].object["bridge"] == .string("b0"))
    }

    @Test("errors name the file and the JSON field", arguments: [
        (#"{"name":"n","plugins":[{"type":"bridge"}]}"#, "10-x.conflist: cniVersion: required"),
        (#"{"cniVersion":"2.0.0","name":"n","plugins":[{"type":"bridge"}]}"#, "10-x.conflist: cniVersion: unsupported CNI version \"2.0.0\""),
        (#"{"cniVersion":"1.0.0","plugins":[{"type":"bridge"}]}"#, "10-x.conflist: name: required"),
        (#"{"cniVersion":"1.0.0","name":"bad name","plugins":[{"type":"bridge"}]}"#, "10-x.conflist: name: invalid network name \"bad name\""),
        (#"{"cniVersion":"1.0.0","name":7,"plugins":[]}"#, "10-x.conflist: name: must be a string"),
        (#"{"cniVersion":"1.0.0","name":"n","plugins":[]}"#, "10-x.conflist: plugins: must list at least one plugin"),
        (#"{"cniVersion":"1.0.0","name":"n","plugins":{}}"#, "10-x.conflist: plugins: must be an array"),
        (#"{"cniVersion":"1.0.0","name":"n","plugins":[{"type":"bridge"},{"snat":true}]}"#, "10-x.conflist: plugins[1].type: required"),
        (#"{"cniVersion":"1.0.0","name":"n","plugins":[{"type":"../bin/sh"}]}"#, "10-x.conflist: plugins[0].type: invalid plugin name"),
        (#"{"cniVersion":"1.0.0","name":"n","plugins":[{"type":"p","capabilities":{"portMappings":"yes"}}]}"#, "10-x.conflist: plugins[0].capabilities.portMappings: must be a boolean"),
        (#"{"cniVersion":"1.0.0","name":"n","plugins":[3]}"#, "10-x.conflist: plugins[0]: must be a JSON object"),
        (#"{"cniVersion":"1.0.0","name":"n"}"#, "10-x.conflist: plugins: required"),
        (#"{"cniVersion":"1.0.0","name":"n","plugins":["#, "10-x.conflist: invalid JSON"),
        (#"[1,2]"#, "10-x.conflist: must be a JSON object"),
    ])
    func errors(text: String, expected: String) {
        let message = configError(text)
        #expect(message?.contains(expected) ?? false, "\(message ?? "no error")")
    }

    @Test("a conf dir yields its first *.conflist/*.conf/*.json in lexical order, ignoring other files")
    func confDirOrder() throws {
        try withConfDir([
            "99-last.conflist": #"{"cniVersion":"1.0.0","name":"last","plugins":[{"type":"bridge"}]}"#,
            "20-second.conf": #"{"cniVersion":"1.0.0","name":"second","type":"bridge"}"#,
            "10-first.conflist": #"{"cniVersion":"1.0.0","name":"first","plugins":[{"type":"bridge"}]}"#,
            "00-notes.txt": "not a config",
            ".00-hidden.conflist": "{",
        ]) { dir in
            let list = try CNIConfigList.load(confDir: dir)
            #expect(list.name == "first")
            #expect(list.source == "\(dir)/10-first.conflist")
        }
        try withConfDir([
            "30-b.json": #"{"cniVersion":"1.0.0","name":"json","type":"bridge"}"#,
            "50-c.conflist": #"{"cniVersion":"1.0.0","name":"c","plugins":[{"type":"bridge"}]}"#,
        ]) { dir in
            let list = try CNIConfigList.load(confDir: dir)
            #expect(list.name == "json")
        }
    }

    @Test("an invalid first file is an error naming it; an empty or missing dir is not-found")
    func confDirErrors() throws {
        try withConfDir(["05-broken.conflist": #"{"cniVersion":"1.0.0","name":"b","plugins":[{}]}"#]) { dir in
            let error = #expect(throws: NetworkError.self) { try CNIConfigList.load(confDir: dir) }
            #expect(error?.message == "\(dir)/05-broken.conflist: plugins[0].type: required")
        }
        try withConfDir([:]) { dir in
            let error = #expect(throws: NetworkError.self) { try CNIConfigList.load(confDir: dir) }
            #expect(error?.isNotFound ?? false)
            #expect(error?.message.contains(dir) ?? false)
        }
        let missing = #expect(throws: NetworkError.self) { try CNIConfigList.load(confDir: "/nonexistent/cni/net.d") }
        #expect(missing?.message.contains("/nonexistent/cni/net.d") ?? false)
    }

    @Test("the shipped default conflist: bridge swiftlet0 with host-local 10.88.0.0/16 and portmap")
    func defaultConflist() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let list = try CNIConfigList.load(confDir: root.appendingPathComponent("config/cni").path)
        #expect(list.cniVersion == "1.0.0")
        #expect(list.name == "swiftlet")
        #expect(list.plugins.map(\.type) == ["bridge", "portmap"])
        let bridge = list.plugins[0].object
        #expect(bridge["bridge"] == .string("swiftlet0"))
        #expect(bridge["isGateway"] == .bool(true))
        #expect(bridge["ipMasq"] == .bool(true))
        guard case .object(let ipam)? = bridge["ipam"] else {
            Issue.record("bridge has no ipam object")
            return
        }
        #expect(ipam["type"] == .string("host-local"))
        #expect(ipam["ranges"] == .array([.array([.object(["subnet": .string("10.88.0.0/16")])])]))
        #expect(ipam["routes"] == .array([.object(["dst": .string("0.0.0.0/0")])]))
        #expect(list.plugins[1].capabilities == ["portMappings"])
        #expect(list.plugins[1].object["snat"] == .bool(true))
        // Every plugin it names is installed.
        for plugin in list.plugins + CNIConfigList.loopback.plugins {
            #expect(ChildProcess.find(plugin.type, in: CNIRuntime.defaultBinDirs) != nil, "\(plugin.type)")
        }
    }

    @Test("the plugin's stdin: its object with name, cniVersion, declared capabilities only, and prevResult")
    func pluginStdin() throws {
        let list = try CNIConfigList.parse(
            Data(
                #"{"cniVersion":"1.0.0","name":"n1","plugins":[{"type":"a","name":"ignored","x":1},{"type":"b","capabilities":{"portMappings":true},"runtimeConfig":{"old":true}}]}"#
                    .utf8), source: "mem")
        let caps: [String: JSONValue] = [
            "portMappings": .array([.object(["hostPort": .int(8080)])]), "bandwidth": .object([:]),
        ]
        let prev: JSONValue = .object(["cniVersion": .string("1.0.0"), "ips": .array([])])
        let first = try JSONDecoder().decode(JSONValue.self, from: CNIRuntime.pluginConfig(list.plugins[0], network: list, prevResult: nil, capabilityArgs: caps))
        #expect(first == .object(["type": .string("a"), "name": .string("n1"), "cniVersion": .string("1.0.0"), "x": .int(1)]))
        let second = try JSONDecoder().decode(JSONValue.self, from: CNIRuntime.pluginConfig(list.plugins[1], network: list, prevResult: prev, capabilityArgs: caps))
        guard case .object(let object) = second else {
            Issue.record("not an object")
            return
        }
        #expect(object["runtimeConfig"] == .object(["portMappings": .array([.object(["hostPort": .int(8080)])])]))
        #expect(object["prevResult"] == prev)
        #expect(object["name"] == .string("n1"))
    }

    @Test("port mappings come from containers' hostPorts, lowercased, duplicates dropped, init containers ignored")
    func portMappings() {
        let pod = Pod(
            metadata: ObjectMeta(name: "web", namespace: "ns1", uid: "u-1"),
            spec: PodSpec(
                initContainers: [Container(name: "init", ports: [ContainerPort(hostPort: 9999, containerPort: 1)])],
                containers: [
                    Container(
                        name: "a",
                        ports: [
                            ContainerPort(hostPort: 8080, containerPort: 80),
                            ContainerPort(containerPort: 81),
                            ContainerPort(hostPort: 5353, containerPort: 53, protocol: "UDP", hostIP: "127.0.0.1"),
                        ]),
                    Container(name: "b", ports: [ContainerPort(hostPort: 8080, containerPort: 80, protocol: "TCP")]),
                ]))
        let mappings = CNIPortMapping.from(pod: pod)
        #expect(mappings == [
            CNIPortMapping(hostPort: 8080, containerPort: 80, protocol: "tcp"),
            CNIPortMapping(hostPort: 5353, containerPort: 53, protocol: "udp", hostIP: "127.0.0.1"),
        ])
        let attachment = CNIAttachment(pod: pod, containerID: "sandbox1", netnsPath: "/run/swiftlet/netns/sandbox1")
        #expect(attachment.ifName == "eth0")
        #expect(attachment.cniArgs.map { "\($0.0)=\($0.1)" } == [
            "IgnoreUnknown=1", "K8S_POD_NAMESPACE=ns1", "K8S_POD_NAME=web", "K8S_POD_INFRA_CONTAINER_ID=sandbox1", "K8S_POD_UID=u-1",
        ])
        #expect(attachment.capabilityArgs["portMappings"] == .array([
            .object(["hostPort": .int(8080), "containerPort": .int(80), "protocol": .string("tcp"), "hostIP": .string("")]),
            .object(["hostPort": .int(5353), "containerPort": .int(53), "protocol": .string("udp"), "hostIP": .string("127.0.0.1")]),
        ]))
    }

    @Test("results: pod IPs are the sandbox interface's addresses, IPv4 first")
    func resultPodIPs() throws {
        let result = try CNIResult.parse(
            Data(
                """
                {"cniVersion":"1.0.0","interfaces":[{"name":"br0","mac":"aa:bb:cc:dd:ee:ff"},{"name":"veth1"},{"name":"eth0","sandbox":"/run/netns/x","mtu":1500}],
                 "ips":[{"address":"fd00::5/64","interface":2},{"address":"10.0.0.5/24","gateway":"10.0.0.1","interface":2},{"address":"10.9.9.9/32","interface":0}],
                 "routes":[{"dst":"0.0.0.0/0"}],"dns":{}}
                """.utf8), plugin: "bridge")
        #expect(result.podIPs() == ["10.0.0.5", "fd00::5"])
        #expect(result.interfaces[2].mtu == 1500)
        #expect(result.ips[1].gateway == "10.0.0.1")
        #expect(result.routes == [CNIResult.Route(dst: "0.0.0.0/0", gw: nil)])
        #expect(throws: NetworkError.self) { try CNIResult.parse(Data("not json".utf8), plugin: "bridge") }
    }
}
