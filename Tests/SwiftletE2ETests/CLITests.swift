import Foundation
import Testing

@Suite("swiftlet CLI")
struct CLITests {
    @Test("version prints the release, the git commit and the Swift version")
    func version() throws {
        let out = try Swiftlet.run(["version"])
        #expect(out.status == 0)
        let lines = out.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines.first?.hasPrefix("swiftlet 0.") == true)
        #expect(lines.contains { $0.hasPrefix("git commit: ") && $0.count > "git commit: ".count })
        #expect(lines.contains { $0.hasPrefix("swift: 6.") })
        let short = try Swiftlet.run(["version", "--short"])
        #expect(short.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == lines[0].replacingOccurrences(of: "swiftlet ", with: ""))
    }

    @Test("an unknown subcommand fails with a usage error")
    func unknownSubcommand() throws {
        let out = try Swiftlet.run(["frobnicate"])
        #expect(out.status != 0)
        #expect(out.stderr.contains("frobnicate"))
    }
}

@Suite("swiftlet manifest check")
struct ManifestCheckTests {
    static let good = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
          labels: {app: web}
        spec:
          containers:
          - name: httpd
            image: busybox:1.36
            command: ["httpd", "-f", "-p", "8080"]
            ports:
            - containerPort: 8080
              name: http
            readinessProbe:
              httpGet: {path: /, port: http}
        """

    static let broken = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: Web_Server
        spec:
          restartPolicy: Sometimes
          volumes:
          - name: data
            emptyDir: {}
          containers:
          - name: app
            image: busybox
            ports:
            - containerPort: 70000
            volumeMounts:
            - name: cache
              mountPath: /cache
            livenessProbe:
              successThreshold: 2
              exec: {command: ["true"]}
          - name: app
            image: busybox
        """

    @Test("a valid manifest prints FILE: ok and exits 0")
    func valid() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = try dir.write("web.yaml", Self.good)
        let out = try Swiftlet.run(["manifest", "check", path])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout == "\(path): ok\n")
    }

    @Test("a broken manifest prints every error with its Kubernetes field path and exits 1")
    func broken() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = try dir.write("bad.yaml", Self.broken)
        let out = try Swiftlet.run(["manifest", "check", path])
        #expect(out.status == 1)
        let lines = Set(out.stdout.split(separator: "\n").map(String.init))
        let expected: [String] = [
            #"metadata.name: Invalid value: "Web_Server": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"#,
            #"spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never""#,
            "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
            #"spec.containers[0].volumeMounts[0].name: Not found: "cache""#,
            "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
            #"spec.containers[1].name: Duplicate value: "app""#,
        ]
        for line in expected {
            #expect(lines.contains("\(path): \(line)"), "missing: \(line)\ngot:\n\(out.stdout)")
        }
    }

    @Test("reads standard input with -, and names documents of a multi-document stream")
    func stdinMultiDocument() throws {
        let stream = Self.good + "\n---\n" + """
            apiVersion: v1
            kind: Pod
            metadata:
              name: second
            spec:
              containers:
              - name: c
            """
        let out = try Swiftlet.run(["manifest", "check", "-"], stdin: Data(stream.utf8))
        #expect(out.status == 1)
        #expect(out.stdout.contains("<stdin> (document 2"), "\(out.stdout)")
        #expect(out.stdout.contains("spec.containers[0].image: Required value"), "\(out.stdout)")
        #expect(!out.stdout.contains("document 1"))
    }

    @Test("a type error names the field; a wrong kind is refused; a missing file is named")
    func decodeErrors() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let typeError = try dir.write("type.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: x}
            spec:
              containers:
              - name: c
                image: busybox
                ports:
                - containerPort: eighty
            """)
        let deployment = try dir.write("deploy.json", #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"}}"#)
        let missing = dir.file("missing.yaml")
        let out = try Swiftlet.run(["manifest", "check", typeError, deployment, missing])
        #expect(out.status == 1)
        #expect(out.stdout.contains(#"\#(typeError): line 9: spec.containers[0].ports[0].containerPort: expected integer, got string "eighty""#), "\(out.stdout)")
        #expect(out.stdout.contains(#"\#(deployment): apiVersion: Unsupported value: "apps/v1": supported values: "v1""#), "\(out.stdout)")
        #expect(out.stdout.contains(#"\#(deployment): kind: Unsupported value: "Deployment": supported values: "Pod""#), "\(out.stdout)")
        #expect(out.stderr.contains("\(missing): cannot read: no such file"), "\(out.stderr)")
    }
}
