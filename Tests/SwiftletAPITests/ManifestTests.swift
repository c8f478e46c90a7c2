import Foundation
import Testing
@testable import SwiftletAPI

@Suite("Manifest decoding")
struct ManifestTests {
    private func documents(_ text: String) throws -> [ManifestDocument] {
        try Manifest.documents(in: Data(text.utf8))
    }

    /// The error `decode` throws for `text` (a single document) decoded as a Pod.
    private func podError(_ text: String) throws -> ManifestDecodingError {
        let docs = try documents(text)
        #expect(docs.count == 1)
        do {
            _ = try docs[0].decode(Pod.self)
        } catch let error as ManifestDecodingError {
            return error
        }
        Issue.record("decoding succeeded")
        return ManifestDecodingError(field: nil, message: "", line: nil)
    }

    @Test("a YAML stream splits on ---, skipping empty and comment-only documents")
    func multiDocument() throws {
        let docs = try Manifest.documents(in: FixtureCorpus.data("multi-doc.yaml"))
        #expect(docs.map(\.index) == [0, 1, 2])
        #expect(docs.map(\.name) == ["frontend", "redis-leader", "redis-follower"])
        #expect(docs.map(\.kind) == ["Pod", "Pod", "Pod"])
        #expect(docs.map(\.line) == [3, 21, 40])
        #expect(try docs[2].decode(Pod.self).spec.containers[0].ports == [ContainerPort(name: "redis", containerPort: 6379)])
    }

    @Test("documents of different kinds report apiVersion, kind and name before decoding")
    func mixedKinds() throws {
        let docs = try documents("""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings}
            data: {a: "1"}
            ---
            apiVersion: coordination.k8s.io/v1
            kind: Lease
            metadata:
              name: node-a
            ---
            kind: Pod
            metadata:
              name: 5
            """)
        #expect(docs.map(\.kind) == ["ConfigMap", "Lease", "Pod"])
        #expect(docs.map(\.apiVersion) == ["v1", "coordination.k8s.io/v1", nil])
        #expect(docs.map(\.name) == ["settings", "node-a", nil])
        #expect(try docs[0].decode(ConfigMap.self).data == ["a": "1"])
        #expect(try docs[1].decode(Lease.self).metadata.name == "node-a")
    }

    @Test("empty input and comment-only input yield no documents")
    func empty() throws {
        #expect(try documents("").isEmpty)
        #expect(try documents("# just a comment\n---\n...\n").isEmpty)
        #expect(try documents("  \n\n").isEmpty)
    }

    @Test("a JSON v1 List splits into its items")
    func jsonList() throws {
        let docs = try Manifest.documents(in: FixtureCorpus.data("podlist.json"))
        #expect(docs.map(\.name) == ["list-item-a", "list-item-b"])
        #expect(docs.map(\.index) == [0, 1])
        #expect(docs.map(\.line) == [6, 12])
        #expect(try docs[1].decode(Pod.self).spec.activeDeadlineSeconds == 600)
    }

    @Test("a typed list fills in each item's kind and apiVersion")
    func typedList() throws {
        let docs = try documents("""
            {"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": "10"},
             "items": [{"metadata": {"name": "a"}}, null, {"kind": "Pod", "metadata": {"name": "b"}}]}
            """)
        #expect(docs.map(\.kind) == ["Pod", "Pod"])
        #expect(docs.map(\.apiVersion) == ["v1", "v1"])
        #expect(docs.map(\.name) == ["a", "b"])
        let yamlList = try documents("apiVersion: v1\nkind: List\nitems:\n- kind: Pod\n  metadata: {name: y}\n")
        #expect(yamlList.map(\.name) == ["y"])
    }

    @Test("a single JSON object, a JSON stream and a JSON array are all accepted")
    func jsonForms() throws {
        let single = try documents(#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"one"}}"#)
        #expect(single.map(\.name) == ["one"])
        #expect(single[0].line == 1)
        let stream = try documents("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"}}\n{\"kind\":\"Pod\",\"metadata\":{\"name\":\"b\"}}\n")
        #expect(stream.map(\.name) == ["a", "b"])
        #expect(stream.map(\.line) == [1, 2])
        let array = try documents(#"[{"kind":"Pod","metadata":{"name":"a"}},{"kind":"Pod","metadata":{"name":"b"}}]"#)
        #expect(array.map(\.name) == ["a", "b"])
        let flowYAML = try documents("{kind: Pod, metadata: {name: flow}}")
        #expect(flowYAML.map(\.name) == ["flow"])
    }

    @Test("JSON and YAML of the same pod decode to identical values")
    func jsonYamlAgree() throws {
        let json = try Manifest.documents(in: FixtureCorpus.data("pod.json"))[0].decode(Pod.self)
        let yamlText = """
            kind: Pod
            apiVersion: v1
            metadata:
              name: json-pod
              namespace: default
              labels: {app.kubernetes.io/name: json-pod}
              annotations:
                kubectl.kubernetes.io/last-applied-configuration: "{\\"apiVersion\\":\\"v1\\",\\"kind\\":\\"Pod\\"}\\n"
                note: "unicode é中 and escapes \\t \\"quoted\\" \\\\ /"
            spec:
              containers:
              - name: server
                image: registry.example.com/server:1.0
                args: [--port=8080, --verbose]
                ports: [{name: http, containerPort: 8080, protocol: TCP}]
                env: [{name: MODE, value: production}]
                resources: {requests: {cpu: 100m, memory: 64Mi}}
                livenessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 15}
                terminationMessagePath: /tmp/termination-log
                imagePullPolicy: IfNotPresent
              restartPolicy: Always
              terminationGracePeriodSeconds: 10
              dnsPolicy: Default
              imagePullSecrets: [{name: regcred}]
            """
        let yaml = try documents(yamlText)[0].decode(Pod.self)
        #expect(yaml == json)
        #expect(json.metadata.annotations?["note"] == "unicode é中 and escapes \t \"quoted\" \\ /")
    }

    @Test("YAML syntax errors carry the line")
    func yamlSyntaxError() throws {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   bad: indentation\nspec: {}\n"
        let error = try #require(throws: ManifestDecodingError.self) { try documents(text) }
        #expect(error.line == 5)
        #expect(error.field == nil)
        #expect(error.message.hasPrefix("invalid YAML"))
        let tab = try #require(throws: ManifestDecodingError.self) { try documents("a: 1\nb:\n\t- c\n") }
        #expect(tab.line == 3)
    }

    @Test("JSON syntax errors carry the line; what YAML can still read (a trailing comma) is accepted")
    func jsonSyntaxError() throws {
        let lenient = try documents("{\"kind\": \"Pod\", \"metadata\": {\"name\": \"x\",}}")
        #expect(lenient.map(\.name) == ["x"])
        let error = try #require(throws: ManifestDecodingError.self) {
            try documents("{\n  \"kind\": \"Pod\",\n  \"metadata\": {\"name\": \"x\"]\n}")
        }
        #expect(error.line == 3)
        #expect(error.message == "invalid JSON: expected ',' or '}', found character \"]\"")
    }

    @Test("duplicate YAML keys are rejected with the line of the first")
    func duplicateKeys() throws {
        let error = try #require(throws: ManifestDecodingError.self) {
            try documents("kind: Pod\nmetadata:\n  name: a\n  name: b\n")
        }
        #expect(error.line == 3)
        #expect(error.message == #"mapping key "name" defined more than once"#)
    }

    @Test("a document that is not an object is rejected")
    func notAnObject() throws {
        let error = try #require(throws: ManifestDecodingError.self) { try documents("kind: Pod\n---\n- a\n- b\n") }
        #expect(error.line == 3)
        #expect(error.message == "expected a Kubernetes object, got array")
        let scalar = try #require(throws: ManifestDecodingError.self) { try documents("just text") }
        #expect(scalar.message == #"expected a Kubernetes object, got string "just text""#)
    }

    @Test("decode errors name the Kubernetes field path, what was expected and what was found", arguments: [
        ("spec:\n  containers:\n  - name: a\n    ports:\n    - containerPort: abc\n",
         "spec.containers[0].ports[0].containerPort", #"expected integer, got string "abc""#, 5),
        ("spec:\n  containers:\n  - name: a\n  - name: b\n    image: 5\n",
         "spec.containers[1].image", "expected string, got number 5", 5),
        ("spec:\n  containers:\n  - name: a\n    env:\n    - name: X\n      value: yes\n",
         "spec.containers[0].env[0].value", "expected string, got boolean true", 6),
        ("spec:\n  hostNetwork: \"true\"\n",
         "spec.hostNetwork", #"expected boolean, got string "true""#, 2),
        ("spec:\n  containers: {name: a}\n",
         "spec.containers", "expected array, got object", 2),
        ("spec:\n  containers:\n  - name: a\n    livenessProbe:\n      httpGet:\n        port: true\n",
         "spec.containers[0].livenessProbe.httpGet.port", "expected integer or string, got boolean true", 6),
        ("metadata:\n  labels:\n    app.kubernetes.io/name: 3\n",
         "metadata.labels[app.kubernetes.io/name]", "expected string, got number 3", 3),
        ("metadata:\n  creationTimestamp: yesterday\n",
         "metadata.creationTimestamp", #"expected an RFC 3339 time, got "yesterday""#, 2),
        ("spec:\n  containers:\n  - name: a\n    args: [x, null]\n",
         "spec.containers[0].args[1]", "expected string, got null", 4),
        ("spec:\n  containers:\n  - name: a\n    ports:\n    - containerPort: 99999999999\n",
         "spec.containers[0].ports[0].containerPort", "number 99999999999 is out of range for a 32-bit integer", 5),
        ("spec:\n  containers:\n  - name: a\n    ports:\n    - containerPort: 80.5\n",
         "spec.containers[0].ports[0].containerPort", "expected integer, got number 80.5", 5),
        ("status: []\n", "status", "expected object, got array", 1),
    ])
    func fieldPaths(text: String, field: String, message: String, line: Int) throws {
        let error = try podError(text)
        #expect(error.field == field)
        #expect(error.message == message)
        #expect(error.line == line)
        #expect(error.description == "line \(line): \(field): \(message)")
    }

    @Test("decode errors in JSON documents carry lines too")
    func jsonFieldPath() throws {
        let error = try podError("{\n \"spec\": {\n  \"containers\": [\n   {\"name\": \"a\",\n    \"tty\": \"no\"}]}}")
        #expect(error.field == "spec.containers[0].tty")
        #expect(error.message == #"expected boolean, got string "no""#)
        #expect(error.line == 5)
    }

    @Test("YAML 1.1 scalars resolve as Kubernetes resolves them")
    func scalarResolution() throws {
        struct Probe: Decodable {
            var a: Int; var b: Bool; var c: String; var d: Double; var e: Int; var f: String?; var g: Int; var h: String
        }
        let doc = try documents("a: 0644\nb: on\nc: '0644'\nd: 1e3\ne: 0x1F\nf: ~\ng: -12\nh: 1:30\n")[0]
        let value = try doc.decode(Probe.self)
        #expect(value.a == 420)
        #expect(value.b == true)
        #expect(value.c == "0644")
        #expect(value.d == 1000)
        #expect(value.e == 31)
        #expect(value.f == nil)
        #expect(value.g == -12)
        #expect(value.h == "1:30")
        let json = String(decoding: doc.jsonData(), as: UTF8.self)
        #expect(json == #"{"a":420,"b":true,"c":"0644","d":1e3,"e":31,"f":null,"g":-12,"h":"1:30"}"#)
    }

    @Test("timestamps in YAML stay strings and decode as Time")
    func timestamps() throws {
        let pod = try documents("metadata:\n  creationTimestamp: 2024-05-01T10:00:00Z\n")[0].decode(Pod.self)
        #expect(pod.metadata.creationTimestamp == Time(rfc3339: "2024-05-01T10:00:00Z"))
    }

    @Test("a UTF-8 byte order mark is ignored")
    func byteOrderMark() throws {
        let docs = try Manifest.documents(in: Data([0xEF, 0xBB, 0xBF] + Array("kind: Pod\nmetadata: {name: bom}\n".utf8)))
        #expect(docs.map(\.name) == ["bom"])
    }
}
