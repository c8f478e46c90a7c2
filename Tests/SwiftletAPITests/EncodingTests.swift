import Foundation
import Testing
@testable import SwiftletAPI

@Suite("Encoding and lenient decoding")
struct EncodingTests {
    private func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test("a Pod with only a name encodes without null or empty keys")
    func omitEmpty() throws {
        let pod = Pod(metadata: ObjectMeta(name: "web"))
        #expect(try json(pod) == #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"}}"#)
        var bare = pod
        bare.apiVersion = nil
        bare.kind = nil
        #expect(try json(bare) == #"{"metadata":{"name":"web"}}"#)
        #expect(try json(Pod(apiVersion: nil, kind: nil)) == "{}")
        #expect(!(try json(Node(metadata: ObjectMeta(name: "n")))).contains("null"))
    }

    @Test("set fields are written, including required ones with zero values")
    func setFields() throws {
        let container = Container(name: "app", image: "busybox", ports: [ContainerPort(containerPort: 80)])
        #expect(try json(container) == #"{"image":"busybox","name":"app","ports":[{"containerPort":80}]}"#)
        let status = ContainerStatus(name: "app", ready: false, restartCount: 0, image: "busybox", imageID: "")
        #expect(try json(status) == #"{"image":"busybox","imageID":"","name":"app","ready":false,"restartCount":0}"#)
        #expect(try json(Probe(httpGet: HTTPGetAction(path: "/", port: "http"))) == #"{"httpGet":{"path":"\/","port":"http"}}"#)
    }

    @Test("memberwise initializers build a complete pod in code")
    func buildInCode() throws {
        let pod = Pod(
            metadata: ObjectMeta(name: "web", namespace: "default", labels: ["app": "web"]),
            spec: PodSpec(
                volumes: [Volume(name: "data", emptyDir: EmptyDirVolumeSource(medium: "Memory"))],
                containers: [
                    Container(
                        name: "web", image: "nginx:1.27",
                        env: [EnvVar(name: "A", valueFrom: EnvVarSource(fieldRef: ObjectFieldSelector(fieldPath: "metadata.name")))],
                        resources: ResourceRequirements(limits: ["memory": try Quantity(parsing: "64Mi")]),
                        volumeMounts: [VolumeMount(name: "data", mountPath: "/data")],
                        livenessProbe: Probe(tcpSocket: TCPSocketAction(port: 80), periodSeconds: 5),
                        lifecycle: Lifecycle(preStop: LifecycleHandler(sleep: SleepAction(seconds: 3))),
                        securityContext: SecurityContext(capabilities: Capabilities(drop: ["ALL"])))
                ],
                restartPolicy: "Always",
                affinity: Affinity(nodeAffinity: NodeAffinity(
                    requiredDuringSchedulingIgnoredDuringExecution: NodeSelector(nodeSelectorTerms: [
                        NodeSelectorTerm(matchExpressions: [NodeSelectorRequirement(key: "k", operator: "Exists")])
                    ])))),
            status: PodStatus(
                phase: "Running",
                conditions: [PodCondition(type: "Ready", status: "True", lastTransitionTime: Time(Date(timeIntervalSince1970: 0)))],
                containerStatuses: [ContainerStatus(
                    name: "web", state: ContainerState(running: ContainerStateRunning(startedAt: Time(Date(timeIntervalSince1970: 60)))),
                    ready: true, restartCount: 0, image: "nginx:1.27", imageID: "sha256:abc", started: true)]))
        let data = try JSONEncoder().encode(pod)
        let docs = try Manifest.documents(in: data)
        #expect(try docs[0].decode(Pod.self) == pod)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""lastTransitionTime":"1970-01-01T00:00:00Z""#))
        #expect(text.contains(#""startedAt":"1970-01-01T00:01:00Z""#))
    }

    @Test("unknown fields at every level are ignored")
    func unknownFields() throws {
        let docs = try Manifest.documents(in: Data("""
            apiVersion: v1
            kind: Pod
            futureTopLevel: {a: 1}
            metadata:
              name: web
              managedFields: [{manager: kubectl, operation: Apply, fieldsV1: {f:metadata: {}}}]
              selfLink: /api/v1/namespaces/default/pods/web
              someFutureField: 3
            spec:
              futureSpecField: [1, 2, 3]
              containers:
              - name: web
                image: nginx
                futureContainerField: {nested: {deeper: true}}
                livenessProbe:
                  httpGet: {port: 80, futureProbeField: x}
                resources:
                  limits: {cpu: 100m}
                  futureResourcesField: 1
              securityContext:
                futureSecurityField: "x"
            status:
              phase: Running
              resourceClaimStatuses: [{name: gpu, resourceClaimName: c}]
              containerStatuses:
              - {name: web, ready: true, restartCount: 0, image: nginx, imageID: x, allocatedResourcesStatus: [{name: r}]}
            """.utf8))
        let pod = try docs[0].decode(Pod.self)
        #expect(pod.metadata.name == "web")
        #expect(pod.spec.containers[0].livenessProbe?.httpGet?.port == .int(80))
        #expect(pod.spec.containers[0].resources?.limits?["cpu"] == (try Quantity(parsing: "100m")))
        #expect(pod.status.containerStatuses?.first?.ready == true)
        let encoded = try json(pod)
        #expect(!encoded.contains("future"))
        #expect(!encoded.contains("managedFields"))
    }

    @Test("missing required fields decode to zero values for validation to report")
    func missingRequired() throws {
        let pod = try Manifest.documents(in: Data("""
            spec:
              containers:
              - image: nginx
                ports: [{name: http}]
                env: [{value: x}]
                volumeMounts: [{name: v}]
              volumes: [{emptyDir: {}}]
              containers2: []
            """.utf8))[0].decode(Pod.self)
        let container = pod.spec.containers[0]
        #expect(container.name == "")
        #expect(container.ports?[0].containerPort == 0)
        #expect(container.env?[0].name == "")
        #expect(container.volumeMounts?[0].mountPath == "")
        #expect(pod.spec.volumes?[0].name == "")
        let nullContainers = try JSONDecoder().decode(Pod.self, from: Data(#"{"spec":{"containers":null}}"#.utf8))
        #expect(nullContainers.spec.containers.isEmpty)
    }

    @Test("unmodelled volume sources survive a round trip and are named")
    func otherVolumeSources() throws {
        let text = #"{"name":"v","nfs":{"path":"/x","server":"s"},"csi":{"driver":"d","volumeAttributes":{"a":"b"}},"gitRepo":null}"#
        let volume = try JSONDecoder().decode(Volume.self, from: Data(text.utf8))
        #expect(volume.sourceNames == ["csi", "nfs"])
        #expect(volume.otherSources["gitRepo"] == nil)
        #expect(try json(volume) == #"{"csi":{"driver":"d","volumeAttributes":{"a":"b"}},"name":"v","nfs":{"path":"\/x","server":"s"}}"#)
        let known = Volume(name: "c", configMap: ConfigMapVolumeSource(name: "cm"))
        #expect(known.sourceNames == ["configMap"])
    }
}
