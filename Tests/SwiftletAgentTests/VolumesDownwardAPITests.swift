import Foundation
import SwiftletAPI
import Testing
@testable import SwiftletAgent

private func q(_ s: String) -> Quantity { try! Quantity(parsing: s) }

private let node = NodeAllocatable(cpu: q("4"), memory: q("8Gi"), ephemeralStorage: q("100Gi"))

private func samplePod() -> Pod {
    var pod = makePod(name: "web-0", namespace: "shop", uid: "1234-abcd",
                      labels: ["app": "web", "tier": "front"],
                      annotations: ["note": "say \"hi\"\nbye", "a.example.com/x": "1"],
                      containers: [
                        Container(name: "app", resources: ResourceRequirements(
                            limits: ["cpu": q("500m"), "memory": q("64Mi")],
                            requests: ["cpu": q("250m")])),
                        Container(name: "bare"),
                      ],
                      initContainers: [Container(name: "setup", resources: ResourceRequirements(limits: ["ephemeral-storage": q("1Gi")]))])
    pod.spec.serviceAccountName = "builder"
    pod.status.podIP = "10.0.0.7"
    return pod
}

@Suite("Volume downward API values")
struct VolumeDownwardAPIFieldTests {
    private func field(_ path: String, scope: DownwardAPIFields.Scope, pod: Pod = samplePod(),
                       context: DownwardAPIContext = DownwardAPIContext(nodeName: "node-a", hostIPs: ["192.168.1.5", "fd00::5"])) throws -> String {
        try DownwardAPIFields.fieldValue(ObjectFieldSelector(fieldPath: path), pod: pod, context: context, scope: scope)
    }

    @Test("labels and annotations render as sorted key=\"value\" lines with Go quoting and no final newline")
    func formatMap() {
        #expect(DownwardAPIFields.formatMap(["tier": "front", "app": "web"]) == "app=\"web\"\ntier=\"front\"")
        #expect(DownwardAPIFields.formatMap(["k": "say \"hi\"\n\tbye\\"]) == #"k="say \"hi\"\n\tbye\\""#)
        #expect(DownwardAPIFields.formatMap([:]) == "")
    }

    @Test("volume files see pod metadata", arguments: [
        ("metadata.name", "web-0"),
        ("metadata.namespace", "shop"),
        ("metadata.uid", "1234-abcd"),
        ("metadata.labels", "app=\"web\"\ntier=\"front\""),
        ("metadata.annotations", "a.example.com/x=\"1\"\nnote=\"say \\\"hi\\\"\\nbye\""),
        ("metadata.labels['tier']", "front"),
        ("metadata.labels['missing']", ""),
        ("metadata.annotations['a.example.com/x']", "1"),
    ])
    func volumeFields(path: String, expected: String) throws {
        #expect(try field(path, scope: .volume) == expected)
    }

    @Test("environment variables also see node, service account and IPs", arguments: [
        ("metadata.name", "web-0"),
        ("metadata.labels['app']", "web"),
        ("spec.nodeName", "node-a"),
        ("spec.host", "node-a"),
        ("spec.serviceAccountName", "builder"),
        ("status.podIP", "10.0.0.7"),
        ("status.podIPs", "10.0.0.7"),
        ("status.hostIP", "192.168.1.5"),
        ("status.hostIPs", "192.168.1.5,fd00::5"),
    ])
    func environmentFields(path: String, expected: String) throws {
        #expect(try field(path, scope: .environment) == expected)
    }

    @Test("the context's pod IPs and the pod's own nodeName win; the namespace defaults to default")
    func precedence() throws {
        var pod = samplePod()
        pod.spec.nodeName = "bound-node"
        pod.metadata.namespace = nil
        let context = DownwardAPIContext(nodeName: "node-a", podIPs: ["10.1.1.1", "fd00::1"])
        #expect(try field("spec.nodeName", scope: .environment, pod: pod, context: context) == "bound-node")
        #expect(try field("status.podIPs", scope: .environment, pod: pod, context: context) == "10.1.1.1,fd00::1")
        #expect(try field("metadata.namespace", scope: .volume, pod: pod, context: context) == "default")
    }

    @Test("fields outside the scope, unknown fields, bad subscripts and versions are errors")
    func unsupported() throws {
        #expect(throws: VolumeError.self) { try field("spec.nodeName", scope: .volume) }
        #expect(throws: VolumeError.self) { try field("metadata.labels", scope: .environment) }
        #expect(throws: VolumeError.self) { try field("status.phase", scope: .environment) }
        #expect(throws: VolumeError.self) { try field("metadata.name['x']", scope: .volume) }
        #expect(throws: VolumeError.self) { try field("metadata.labels['bad key!']", scope: .volume) }
        #expect(throws: VolumeError.self) {
            try DownwardAPIFields.fieldValue(ObjectFieldSelector(apiVersion: "v2", fieldPath: "metadata.name"),
                                             pod: samplePod(), context: DownwardAPIContext(), scope: .volume)
        }
        let noHost = try #require(throws: VolumeError.self) {
            try field("status.hostIP", scope: .environment, context: DownwardAPIContext())
        }
        #expect(noHost.message.contains("status.hostIP"))
    }

    @Test("resourceFieldRef values: limits, node allocatable for missing limits, requests defaulting to limits, divisors rounding up", arguments: [
        ("app", "limits.cpu", nil, "1"),
        ("app", "limits.cpu", "1m", "500"),
        ("app", "requests.cpu", "1m", "250"),
        ("app", "limits.memory", nil, "67108864"),
        ("app", "limits.memory", "1Mi", "64"),
        ("app", "limits.memory", "1G", "1"),
        ("app", "requests.memory", "1Mi", "64"),
        ("app", "limits.ephemeral-storage", "1Gi", "100"),
        ("app", "requests.ephemeral-storage", nil, "0"),
        ("bare", "limits.cpu", nil, "4"),
        ("bare", "limits.cpu", "1m", "4000"),
        ("bare", "limits.memory", "1Gi", "8"),
        ("bare", "requests.cpu", nil, "0"),
        ("setup", "limits.ephemeral-storage", "1Mi", "1024"),
        ("setup", "requests.ephemeral-storage", "1Mi", "1024"),
        ("app", "limits.hugepages-2Mi", nil, "0"),
        ("app", "limits.cpu", "0", "1"),
    ])
    func resources(container: String, resource: String, divisor: String?, expected: String) throws {
        let selector = ResourceFieldSelector(containerName: container, resource: resource, divisor: divisor.map(q))
        #expect(try DownwardAPIVolume.resourceValue(selector, pod: samplePod(), nodeAllocatable: node) == expected)
    }

    @Test("an unknown resource or container is an error")
    func badResources() {
        #expect(throws: VolumeError.self) {
            try DownwardAPIVolume.resourceValue(ResourceFieldSelector(containerName: "app", resource: "limits.gpu"),
                                                pod: samplePod(), nodeAllocatable: node)
        }
        #expect(throws: VolumeError.self) {
            try DownwardAPIVolume.resourceValue(ResourceFieldSelector(containerName: "nope", resource: "limits.cpu"),
                                                pod: samplePod(), nodeAllocatable: node)
        }
    }
}

@Suite("Volume downward API and projected payloads")
struct VolumeDownwardAPIPayloadTests {
    let field = FieldPath("spec").child("volumes").index(1)

    @Test("items become files with their mode, else defaultMode, else 0644")
    func payload() throws {
        let items = [
            DownwardAPIVolumeFile(path: "name", fieldRef: ObjectFieldSelector(fieldPath: "metadata.name")),
            DownwardAPIVolumeFile(path: "meta/labels", fieldRef: ObjectFieldSelector(fieldPath: "metadata.labels"), mode: 0o400),
            DownwardAPIVolumeFile(path: "./cpu_limit", resourceFieldRef: ResourceFieldSelector(containerName: "app", resource: "limits.cpu", divisor: q("1m"))),
        ]
        let files = try DownwardAPIVolume.payload(items: items, defaultMode: nil, pod: samplePod(), context: DownwardAPIContext(),
                                                  nodeAllocatable: node, field: field.child("downwardAPI"))
        #expect(files == [
            "name": FileProjection("web-0", mode: 0o644),
            "meta/labels": FileProjection("app=\"web\"\ntier=\"front\"", mode: 0o400),
            "cpu_limit": FileProjection("500", mode: 0o644),
        ])
        let withDefault = try DownwardAPIVolume.payload(items: Array(items[0..<1]), defaultMode: 0o440, pod: samplePod(),
                                                        context: DownwardAPIContext(), nodeAllocatable: node, field: field)
        #expect(withDefault["name"]?.mode == 0o440)
    }

    @Test("every failing item is reported with its field path")
    func errors() throws {
        let items = [
            DownwardAPIVolumeFile(path: "ok", fieldRef: ObjectFieldSelector(fieldPath: "metadata.name")),
            DownwardAPIVolumeFile(path: "node", fieldRef: ObjectFieldSelector(fieldPath: "spec.nodeName")),
            DownwardAPIVolumeFile(path: "../up", fieldRef: ObjectFieldSelector(fieldPath: "metadata.uid")),
            DownwardAPIVolumeFile(path: "mem", resourceFieldRef: ResourceFieldSelector(containerName: "ghost", resource: "limits.memory")),
        ]
        let error = try #require(throws: VolumeError.self) {
            try DownwardAPIVolume.payload(items: items, defaultMode: nil, pod: samplePod(), context: DownwardAPIContext(),
                                          nodeAllocatable: node, field: field.child("downwardAPI"))
        }
        let lines = error.message.split(separator: "\n").map(String.init)
        #expect(lines == [
            "spec.volumes[1].downwardAPI.items[1].fieldRef: unsupported fieldPath: spec.nodeName",
            "spec.volumes[1].downwardAPI.items[2].path: invalid path \"../up\": must not contain '..'",
            "spec.volumes[1].downwardAPI.items[3].resourceFieldRef: container ghost not found",
        ])
    }

    @Test("projected volumes merge their downwardAPI sources with the volume's defaultMode")
    func projected() throws {
        let source = ProjectedVolumeSource(sources: [
            VolumeProjection(downwardAPI: DownwardAPIProjection(items: [
                DownwardAPIVolumeFile(path: "name", fieldRef: ObjectFieldSelector(fieldPath: "metadata.name")),
            ])),
            VolumeProjection(downwardAPI: DownwardAPIProjection(items: [
                DownwardAPIVolumeFile(path: "ns", fieldRef: ObjectFieldSelector(fieldPath: "metadata.namespace"), mode: 0o600),
            ])),
        ], defaultMode: 0o440)
        let files = try ProjectedVolume.payload(source, pod: samplePod(), context: DownwardAPIContext(), nodeAllocatable: node, field: field)
        #expect(files == ["name": FileProjection("web-0", mode: 0o440), "ns": FileProjection("shop", mode: 0o600)])
    }

    @Test("other projected sources are not supported yet, naming their field", arguments: [
        (VolumeProjection(configMap: ConfigMapProjection(name: "cm")), "configMap"),
        (VolumeProjection(secret: SecretProjection(name: "s")), "secret"),
        (VolumeProjection(serviceAccountToken: ServiceAccountTokenProjection(path: "token")), "serviceAccountToken"),
        (VolumeProjection(clusterTrustBundle: ClusterTrustBundleProjection(name: "b", path: "ca.crt")), "clusterTrustBundle"),
    ])
    func unsupportedSources(projection: VolumeProjection, name: String) throws {
        let source = ProjectedVolumeSource(sources: [VolumeProjection(downwardAPI: DownwardAPIProjection(items: [])), projection])
        let error = try #require(throws: VolumeError.self) {
            try ProjectedVolume.payload(source, pod: samplePod(), context: DownwardAPIContext(), nodeAllocatable: node, field: field)
        }
        #expect(error.message.hasPrefix("spec.volumes[1].projected.sources[1].\(name): "))
        #expect(error.message.contains("not supported yet"))
        #expect(error.isNotSupported)
    }
}
