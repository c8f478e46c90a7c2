import Foundation
import Testing
@testable import SwiftletAPI

@Suite("Node, Lease, Event, Secret, ConfigMap, Namespace, Status, List and WatchEvent")
struct ObjectTests {
    private func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        let docs = try Manifest.documents(in: Data(text.utf8))
        return try #require(docs.first).decode(T.self)
    }

    private func roundTrip<T: Codable & Equatable>(_ value: T) throws -> T {
        try JSONDecoder().decode(T.self, from: JSONEncoder().encode(value))
    }

    @Test("a Node as the API server returns it decodes every kubelet-reported field")
    func node() throws {
        let node = try decode(Node.self, """
            apiVersion: v1
            kind: Node
            metadata:
              name: worker-1
              labels: {kubernetes.io/hostname: worker-1, kubernetes.io/os: linux}
              annotations: {node.alpha.kubernetes.io/ttl: "0"}
            spec:
              podCIDR: 10.244.1.0/24
              podCIDRs: [10.244.1.0/24, fd00:244:1::/64]
              providerID: swiftlet://worker-1
              unschedulable: true
              taints:
              - {key: node.kubernetes.io/unschedulable, effect: NoSchedule, timeAdded: "2024-05-01T10:00:00Z"}
              - {key: dedicated, value: gpu, effect: NoExecute}
            status:
              capacity: {cpu: "4", memory: 16393652Ki, pods: "110", ephemeral-storage: 102687672Ki}
              allocatable: {cpu: 3800m, memory: 15242676Ki, pods: "110"}
              conditions:
              - type: Ready
                status: "True"
                lastHeartbeatTime: "2024-05-01T10:05:00Z"
                lastTransitionTime: "2024-05-01T10:00:10Z"
                reason: KubeletReady
                message: kubelet is posting ready status
              - {type: MemoryPressure, status: "False", reason: KubeletHasSufficientMemory}
              addresses:
              - {type: InternalIP, address: 10.0.0.21}
              - {type: Hostname, address: worker-1}
              daemonEndpoints:
                kubeletEndpoint:
                  Port: 10250
              nodeInfo:
                machineID: 0f1e2d3c4b5a69788796a5b4c3d2e1f0
                systemUUID: 4c4c4544-0051-3010-8057-b7c04f563232
                bootID: 7f0b2a5e-8a44-4f0c-9d5e-1b2c3d4e5f60
                kernelVersion: 6.1.0-21-amd64
                osImage: Debian GNU/Linux 12 (bookworm)
                containerRuntimeVersion: swiftlet://0.1.0
                kubeletVersion: v1.32.0
                kubeProxyVersion: ""
                operatingSystem: linux
                architecture: amd64
                swap: {capacity: 0}
              images:
              - names: [docker.io/library/nginx@sha256:28402db69fec7c17e179ea87882667f1e054391138f77ffaf0c3eb388efc3ffb, docker.io/library/nginx:1.27]
                sizeBytes: 72099410
              volumesInUse: [kubernetes.io/csi/ebs^vol-1]
              volumesAttached: [{name: kubernetes.io/csi/ebs^vol-1, devicePath: /dev/xvdba}]
              config: {}
              runtimeHandlers:
              - name: ""
                features: {recursiveReadOnlyMounts: true, userNamespaces: true}
              features: {supplementalGroupsPolicy: true}
            """)
        #expect(node.metadata.name == "worker-1")
        #expect(node.spec.podCIDRs == ["10.244.1.0/24", "fd00:244:1::/64"])
        #expect(node.spec.taints?.first?.timeAdded == Time(rfc3339: "2024-05-01T10:00:00Z"))
        #expect(node.spec.taints?[1] == Taint(key: "dedicated", value: "gpu", effect: "NoExecute"))
        #expect(node.status.daemonEndpoints?.kubeletEndpoint?.port == 10250)
        #expect(node.status.nodeInfo?.kernelVersion == "6.1.0-21-amd64")
        #expect(node.status.nodeInfo?.swap?.capacity == 0)
        #expect(node.status.capacity?["pods"] == (try Quantity(parsing: "110")))
        #expect(node.status.conditions?.first?.reason == "KubeletReady")
        #expect(node.status.addresses?.map(\.type) == ["InternalIP", "Hostname"])
        #expect(node.status.images?.first?.sizeBytes == 72_099_410)
        #expect(node.status.volumesAttached?.first?.devicePath == "/dev/xvdba")
        #expect(node.status.runtimeHandlers?.first?.features?.userNamespaces == true)
        #expect(try roundTrip(node) == node)

        let json = String(decoding: try JSONEncoder().encode(node.status.daemonEndpoints), as: UTF8.self)
        #expect(json == #"{"kubeletEndpoint":{"Port":10250}}"#)
    }

    @Test("a Lease round-trips its MicroTime renewTime with microseconds")
    func lease() throws {
        let lease = try decode(Lease.self, """
            apiVersion: coordination.k8s.io/v1
            kind: Lease
            metadata: {name: worker-1, namespace: kube-node-lease, ownerReferences: [{apiVersion: v1, kind: Node, name: worker-1, uid: abc}]}
            spec:
              holderIdentity: worker-1
              leaseDurationSeconds: 40
              acquireTime: "2024-05-01T10:00:00.000000Z"
              renewTime: "2024-05-01T10:05:07.123456Z"
              leaseTransitions: 2
            """)
        #expect(lease.spec.holderIdentity == "worker-1")
        #expect(lease.spec.leaseDurationSeconds == 40)
        #expect(lease.spec.leaseTransitions == 2)
        #expect(lease.metadata.ownerReferences?.first?.kind == "Node")
        let json = String(decoding: try JSONEncoder().encode(lease.spec), as: UTF8.self)
        #expect(json.contains(#""renewTime":"2024-05-01T10:05:07.123456Z""#))
        #expect(try roundTrip(lease) == lease)
        let created = Lease(metadata: ObjectMeta(name: "n", namespace: "kube-node-lease"),
                            spec: LeaseSpec(holderIdentity: "n", leaseDurationSeconds: 40))
        #expect(created.apiVersion == "coordination.k8s.io/v1")
        #expect(created.kind == "Lease")
    }

    @Test("a core/v1 Event decodes its object reference, source, times and series")
    func event() throws {
        let event = try decode(Event.self, """
            apiVersion: v1
            kind: Event
            metadata: {name: web.17c3a1b2c3d4e5f6, namespace: default}
            involvedObject: {kind: Pod, namespace: default, name: web, uid: u-1, apiVersion: v1, resourceVersion: "12", fieldPath: "spec.containers{web}"}
            reason: BackOff
            message: Back-off restarting failed container web in pod web_default(u-1)
            source: {component: kubelet, host: worker-1}
            firstTimestamp: "2024-05-01T10:00:00Z"
            lastTimestamp: "2024-05-01T10:04:00Z"
            count: 5
            type: Warning
            eventTime: "2024-05-01T10:00:00.250000Z"
            series: {count: 4, lastObservedTime: "2024-05-01T10:04:00.500000Z"}
            action: Restarting
            related: {kind: Node, name: worker-1}
            reportingComponent: kubelet
            reportingInstance: worker-1
            """)
        #expect(event.involvedObject.fieldPath == "spec.containers{web}")
        #expect(event.source == EventSource(component: "kubelet", host: "worker-1"))
        #expect(event.count == 5)
        #expect(event.type == "Warning")
        #expect(event.eventTime?.description == "2024-05-01T10:00:00.250000Z")
        #expect(event.series?.count == 4)
        #expect(event.related?.kind == "Node")
        #expect(event.reportingInstance == "worker-1")
        #expect(try roundTrip(event) == event)
    }

    @Test("Secret data is base64-decoded to bytes; stringData stays text")
    func secret() throws {
        let secret = try decode(Secret.self, """
            apiVersion: v1
            kind: Secret
            metadata: {name: db}
            type: kubernetes.io/basic-auth
            immutable: true
            data:
              username: YWRtaW4=
              binary: AAEC/w==
              empty: ""
            stringData:
              password: s3cr3t
            """)
        #expect(secret.data?["username"] == Data("admin".utf8))
        #expect(secret.data?["binary"] == Data([0x00, 0x01, 0x02, 0xFF]))
        #expect(secret.data?["empty"] == Data())
        #expect(secret.stringData?["password"] == "s3cr3t")
        #expect(secret.type == "kubernetes.io/basic-auth")
        #expect(secret.immutable == true)
        let json = String(decoding: try JSONEncoder().encode(Secret(data: ["k": Data("admin".utf8)])), as: UTF8.self)
        #expect(json.contains(#""k":"YWRtaW4=""#))
        #expect(try roundTrip(secret) == secret)

        let bad = try #require(throws: ManifestDecodingError.self) {
            try decode(Secret.self, "kind: Secret\ndata:\n  token: not*base64\n")
        }
        #expect(bad.field == "data.token")
        #expect(bad.line == 3)
        #expect(bad.message == #"expected base64 data, got string "not*base64""#)
    }

    @Test("a ConfigMap keeps text data and base64 binaryData")
    func configMap() throws {
        let cm = try decode(ConfigMap.self, """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: cfg}
            immutable: false
            data:
              game.properties: |
                enemies=aliens
                lives=3
            binaryData:
              logo.png: iVBORw0KGgo=
            """)
        #expect(cm.data?["game.properties"] == "enemies=aliens\nlives=3\n")
        #expect(cm.binaryData?["logo.png"] == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        #expect(cm.immutable == false)
        #expect(try roundTrip(cm) == cm)
    }

    @Test("a Namespace decodes spec.finalizers and status.phase")
    func namespace() throws {
        let ns = try decode(Namespace.self, """
            {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-a","deletionTimestamp":"2024-05-01T10:00:00Z"},
             "spec":{"finalizers":["kubernetes"]},
             "status":{"phase":"Terminating","conditions":[{"type":"NamespaceContentRemaining","status":"True","reason":"SomeResourcesRemain"}]}}
            """)
        #expect(ns.spec.finalizers == ["kubernetes"])
        #expect(ns.status.phase == "Terminating")
        #expect(ns.status.conditions?.first?.reason == "SomeResourcesRemain")
        #expect(try roundTrip(ns) == ns)
    }

    @Test("a failure Status decodes details, causes and retryAfterSeconds")
    func status() throws {
        let status = try decode(Status.self, """
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
             "message":"Pod \\"web\\" is invalid: spec.containers[0].image: Required value",
             "reason":"Invalid",
             "details":{"name":"web","kind":"pods","group":"","uid":"u-1","retryAfterSeconds":3,
                        "causes":[{"reason":"FieldValueRequired","message":"Required value","field":"spec.containers[0].image"}]},
             "code":422}
            """)
        #expect(status.status == "Failure")
        #expect(status.reason == "Invalid")
        #expect(status.code == 422)
        #expect(status.details?.kind == "pods")
        #expect(status.details?.retryAfterSeconds == 3)
        #expect(status.details?.causes == [StatusCause(reason: "FieldValueRequired", message: "Required value",
                                                       field: "spec.containers[0].image")])
        #expect(status.metadata == ListMeta())
        #expect(try roundTrip(status) == status)
    }

    @Test("a PodList decodes list metadata and items")
    func list() throws {
        let list = try JSONDecoder().decode(PodList.self, from: Data("""
            {"kind":"PodList","apiVersion":"v1",
             "metadata":{"resourceVersion":"4711","continue":"eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ","remainingItemCount":12},
             "items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"},"spec":{"containers":[{"name":"c"}]}}]}
            """.utf8))
        #expect(list.metadata.resourceVersion == "4711")
        #expect(list.metadata.continue == "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ")
        #expect(list.metadata.remainingItemCount == 12)
        #expect(list.items.map { $0.metadata.name } == ["a", "b"])
        #expect(list.items[1].spec.containers.map(\.name) == ["c"])
        #expect(try roundTrip(list) == list)
        let empty = try JSONDecoder().decode(NodeList.self, from: Data(#"{"kind":"NodeList","items":null}"#.utf8))
        #expect(empty.items.isEmpty)
    }

    @Test("watch events decode each type; ERROR carries a Status")
    func watchEvents() throws {
        let lines = [
            #"{"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a","resourceVersion":"1"}}}"#,
            #"{"type":"MODIFIED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a","resourceVersion":"2"},"status":{"phase":"Running"}}}"#,
            #"{"type":"DELETED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a","resourceVersion":"3"}}}"#,
            #"{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"4","annotations":{"k8s.io/initial-events-end":"true"}}}}"#,
            #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}}"#,
        ]
        let events = try lines.map { try JSONDecoder().decode(WatchEvent<Pod>.self, from: Data($0.utf8)) }
        #expect(events.map(\.type) == [.added, .modified, .deleted, .bookmark, .error])
        #expect(events[1].object?.status.phase == "Running")
        #expect(events[3].object?.metadata.resourceVersion == "4")
        #expect(events[4].object == nil)
        #expect(events[4].error?.code == 410)
        #expect(events[4].error?.reason == "Expired")
        for event in events {
            #expect(try roundTrip(event) == event)
        }
        let unknown = try JSONDecoder().decode(WatchEvent<Pod>.self, from: Data(#"{"type":"FUTURE","object":{}}"#.utf8))
        #expect(unknown.type.rawValue == "FUTURE")
    }

    @Test("OwnerReference and LabelSelector round-trip")
    func metaTypes() throws {
        let selector = LabelSelector(
            matchLabels: ["app": "web"],
            matchExpressions: [LabelSelectorRequirement(key: "tier", operator: "In", values: ["a", "b"])])
        #expect(try roundTrip(selector) == selector)
        let json = String(decoding: try JSONEncoder().encode(selector.matchExpressions![0]), as: UTF8.self)
        #expect(json.contains(#""operator":"In""#))
        let owner = OwnerReference(apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "u", controller: true)
        #expect(try roundTrip(owner) == owner)
    }
}

@Suite("Service and TokenRequest")
struct ServiceTokenTests {
    @Test("a Service decodes ports with named target ports and cluster IPs")
    func service() throws {
        let docs = try Manifest.documents(in: Data("""
            apiVersion: v1
            kind: Service
            metadata: {name: redis-leader, namespace: default}
            spec:
              type: ClusterIP
              clusterIP: 10.96.12.7
              clusterIPs: [10.96.12.7]
              selector: {app: redis, role: leader}
              ports:
              - {name: redis, port: 6379, targetPort: redis, protocol: TCP}
              - {name: metrics, port: 9121, targetPort: 9121, appProtocol: http}
            status: {loadBalancer: {}}
            """.utf8))
        let service = try docs[0].decode(Service.self)
        #expect(service.spec.clusterIP == "10.96.12.7")
        #expect(service.spec.ports?.map(\.targetPort) == [.string("redis"), .int(9121)])
        #expect(service.spec.ports?.first?.protocol == "TCP")
        #expect(service.spec.selector == ["app": "redis", "role": "leader"])
    }

    @Test("a TokenRequest encodes its spec and decodes the issued token")
    func tokenRequest() throws {
        let request = TokenRequest(spec: TokenRequestSpec(
            audiences: ["vault"], expirationSeconds: 3600,
            boundObjectRef: BoundObjectReference(kind: "Pod", apiVersion: "v1", name: "web", uid: "u-1")))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(request), as: UTF8.self)
        #expect(json == #"{"apiVersion":"authentication.k8s.io\/v1","kind":"TokenRequest","spec":{"audiences":["vault"],"boundObjectRef":{"apiVersion":"v1","kind":"Pod","name":"web","uid":"u-1"},"expirationSeconds":3600}}"#)
        let response = try JSONDecoder().decode(TokenRequest.self, from: Data("""
            {"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","metadata":{"name":"default","creationTimestamp":null},
             "spec":{"audiences":["vault"],"expirationSeconds":3600,"boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"web","uid":"u-1"}},
             "status":{"token":"eyJhbGciOiJSUzI1NiJ9.e30.sig","expirationTimestamp":"2024-05-01T11:00:00Z"}}
            """.utf8))
        #expect(response.status?.token == "eyJhbGciOiJSUzI1NiJ9.e30.sig")
        #expect(response.status?.expirationTimestamp == Time(rfc3339: "2024-05-01T11:00:00Z"))
    }
}
