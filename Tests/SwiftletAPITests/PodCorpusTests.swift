import Foundation
import Testing
import Yams
@testable import SwiftletAPI

@Suite("Pod fixture corpus")
struct PodCorpusTests {
    @Test("the corpus holds at least 30 pod documents, in YAML, JSON and multi-document files")
    func corpusSize() throws {
        let documents = try FixtureCorpus.documents()
        #expect(documents.count >= 30)
        #expect(FixtureCorpus.files.contains { $0.pathExtension == "json" })
        let perFile = Dictionary(grouping: documents, by: \.file).mapValues(\.count)
        #expect(perFile.values.contains { $0 > 1 })
        #expect(documents.allSatisfy { $0.document.kind == "Pod" && $0.document.apiVersion == "v1" })
    }

    @Test("every fixture decodes, and encoding keeps every field it had (nothing is silently dropped)")
    func noFieldLost() throws {
        for entry in try FixtureCorpus.documents() {
            let original = withoutNulls(try JSONDecoder().decode(JSONValue.self, from: entry.document.jsonData()))
            let pod = try entry.document.decode(Pod.self)
            let encoded = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(pod))
            let lost = keyPaths(original).subtracting(keyPaths(encoded))
            let added = keyPaths(encoded).subtracting(keyPaths(original))
            #expect(lost.isEmpty, "\(entry.file) #\(entry.document.index) lost \(lost.sorted())")
            #expect(added.isEmpty, "\(entry.file) #\(entry.document.index) gained \(added.sorted())")
            #expect(encoded == original, "\(entry.file) #\(entry.document.index) changed on re-encoding")
        }
    }

    @Test("decode → JSON → decode yields an equal Pod")
    func jsonRoundTrip() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for (file, pod) in try FixtureCorpus.pods() {
            let json = try encoder.encode(pod)
            let again = try JSONDecoder().decode(Pod.self, from: json)
            #expect(again == pod, "\(file)")
            let viaManifest = try Manifest.documents(in: json)
            #expect(viaManifest.count == 1)
            #expect(try viaManifest[0].decode(Pod.self) == pod, "\(file)")
            #expect(try encoder.encode(again) == json, "\(file): encoding is not stable")
        }
    }

    @Test("decode → YAML → decode yields an equal Pod, through Manifest and through YAMLDecoder")
    func yamlRoundTrip() throws {
        for (file, pod) in try FixtureCorpus.pods() {
            let yaml = try YAMLEncoder().encode(pod)
            let documents = try Manifest.documents(in: Data(yaml.utf8))
            #expect(documents.count == 1, "\(file)")
            #expect(try documents.first?.decode(Pod.self) == pod, "\(file)")
            #expect(try YAMLDecoder().decode(Pod.self, from: yaml) == pod, "\(file)")
        }
    }

    @Test("the corpus exercises every volume source, probe handler and lifecycle handler")
    func coverage() throws {
        let pods = try FixtureCorpus.pods().map(\.pod)
        let volumes = Set(pods.flatMap { $0.spec.volumes ?? [] }.flatMap(\.sourceNames))
        #expect(volumes.isSuperset(of: [
            "emptyDir", "hostPath", "configMap", "secret", "downwardAPI", "projected", "persistentVolumeClaim",
            "image", "nfs", "csi", "ephemeral",
        ]))
        let projections = pods.flatMap { $0.spec.volumes ?? [] }.compactMap(\.projected).flatMap { $0.sources ?? [] }
        #expect(projections.contains { $0.configMap != nil })
        #expect(projections.contains { $0.secret != nil })
        #expect(projections.contains { $0.downwardAPI != nil })
        #expect(projections.contains { $0.serviceAccountToken != nil })
        #expect(projections.contains { $0.clusterTrustBundle != nil })

        let containers = pods.flatMap { $0.spec.containers + ($0.spec.initContainers ?? []) }
        let probes = containers.flatMap { [$0.livenessProbe, $0.readinessProbe, $0.startupProbe].compactMap { $0 } }
        #expect(probes.contains { $0.exec != nil })
        #expect(probes.contains { $0.httpGet != nil })
        #expect(probes.contains { $0.tcpSocket != nil })
        #expect(probes.contains { $0.grpc != nil })
        let hooks = containers.compactMap(\.lifecycle).flatMap { [$0.postStart, $0.preStop].compactMap { $0 } }
        #expect(hooks.contains { $0.exec != nil })
        #expect(hooks.contains { $0.httpGet != nil })
        #expect(hooks.contains { $0.tcpSocket != nil })
        #expect(hooks.contains { $0.sleep != nil })
        #expect(containers.contains { $0.lifecycle?.stopSignal != nil })
        #expect(pods.contains { ($0.spec.initContainers ?? []).contains { $0.restartPolicy == "Always" } })
        #expect(pods.contains { $0.spec.ephemeralContainers?.first?.targetContainerName != nil })
        #expect(pods.contains { $0.spec.affinity?.nodeAffinity != nil })
        #expect(pods.contains { $0.spec.affinity?.podAffinity != nil })
        #expect(pods.contains { $0.spec.affinity?.podAntiAffinity != nil })
        #expect(pods.contains { $0.spec.dnsConfig?.options?.isEmpty == false })
        #expect(pods.contains { $0.spec.hostNetwork == true && $0.spec.hostPID == true && $0.spec.hostIPC == true })
        #expect(pods.contains { $0.spec.securityContext?.sysctls?.isEmpty == false })
        #expect(pods.contains { $0.status.containerStatuses?.contains { $0.lastState?.terminated != nil } == true })
        #expect(pods.contains { $0.status.ephemeralContainerStatuses != nil && $0.status.initContainerStatuses != nil })
    }

    @Test("selected fixture values decode exactly")
    func spotChecks() throws {
        let pods = Dictionary(try FixtureCorpus.pods().map { ($0.pod.metadata.name ?? $0.pod.metadata.generateName ?? "", $0.pod) },
                              uniquingKeysWith: { a, _ in a })

        let cm = try #require(pods["configured-app"]?.spec.volumes?.first?.configMap)
        #expect(cm.defaultMode == 0o644)
        #expect(cm.items?[1].mode == 0o400)
        #expect(pods["quoting"]?.spec.volumes?.first?.configMap?.defaultMode == 0o755)

        let http = try #require(pods["goproxy-http"]?.spec.containers.first)
        #expect(http.startupProbe?.httpGet?.port == .string("http"))
        #expect(http.livenessProbe?.httpGet?.port == .int(8080))
        #expect(http.livenessProbe?.httpGet?.httpHeaders == [HTTPHeader(name: "Custom-Header", value: "Awesome"),
                                                              HTTPHeader(name: "Accept", value: "application/json")])
        #expect(http.livenessProbe?.terminationGracePeriodSeconds == 60)
        #expect(http.readinessProbe?.httpGet?.scheme == "HTTPS")

        let quoting = try #require(pods["quoting"])
        #expect(quoting.metadata.annotations?["enabled"] == "true")
        #expect(quoting.metadata.annotations?["octal"] == "0755")
        #expect(quoting.spec.containers[0].args == ["--retries", "3", "--ratio", "0.5", "--flag", "yes", "--null", "null"])
        let env = quoting.spec.containers[0].env ?? []
        #expect(env.first { $0.name == "TILDE" }?.value == "~")
        #expect(env.first { $0.name == "LITERAL" }?.value == "line one\nline two")
        #expect(env.first { $0.name == "FOLDED" }?.value == "folded text\n")

        let anchors = try #require(pods["anchors"])
        #expect(anchors.spec.containers.map(\.name) == ["first", "second", "third"])
        #expect(anchors.spec.containers.allSatisfy { $0.image == "registry.example.com/anchors:1.0" })
        #expect(anchors.spec.containers[1].env == [EnvVar(name: "ROLE", value: "second")])
        #expect(anchors.spec.containers[2].resources == anchors.spec.containers[0].resources)
        #expect(anchors.spec.nodeSelector == ["app": "anchors", "tier": "backend"])

        let terminated = try #require(pods["batch-job-x8c2v"])
        #expect(terminated.metadata.deletionTimestamp == Time(rfc3339: "2024-06-12T09:00:30Z"))
        #expect(terminated.metadata.deletionGracePeriodSeconds == 30)
        let main = try #require(terminated.status.containerStatuses?.first)
        #expect(main.state?.waiting?.reason == "CrashLoopBackOff")
        #expect(main.lastState?.terminated?.exitCode == 1)
        #expect(main.lastState?.terminated?.message == "panic: input file is empty\ngoroutine 1 [running]:\n")
        #expect(main.user?.linux?.supplementalGroups == [1000, 2000])
        #expect(terminated.status.initContainerStatuses?[1].lastState?.terminated?.signal == 15)
        #expect(terminated.status.conditions?.first?.observedGeneration == 2)

        let privileged = try #require(pods["cni-installer"]?.spec.containers)
        #expect(privileged[0].securityContext?.capabilities?.add == ["NET_ADMIN", "SYS_ADMIN", "NET_RAW"])
        #expect(privileged[1].securityContext?.seccompProfile == SeccompProfile(type: "Localhost", localhostProfile: "profiles/cni-agent.json"))

        let static_ = try #require(pods["kube-apiserver"])
        #expect(static_.spec.priority == 2_000_001_000)
        #expect(static_.spec.containers[0].livenessProbe?.timeoutSeconds == 15)

        let legacy = try #require(pods["legacy-storage"]?.spec.volumes)
        guard case .object(let nfs)? = legacy[0].otherSources["nfs"] else {
            Issue.record("nfs source not kept")
            return
        }
        #expect(nfs["server"] == .string("nfs.example.com"))
        #expect(nfs["readOnly"] == .bool(true))
    }
}
