import Testing
@testable import SwiftletAPI

// Expected strings are written out as kube-apiserver prints them (field.Error.Error()), taken
// from Kubernetes' pkg/apis/core/validation and k8s.io/apimachinery validation messages.

private let dnsLabelMessage = #"a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"#
private let dnsSubdomainMessage = #"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"#
private let labelKeyNameMessage = #"name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"#
private let labelValueMessage = #"a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"#
private let relaxedEnvMessage = "a valid environment variable name must consist only of printable ASCII characters other than '='"

private func quantity(_ text: String) -> Quantity {
    do { return try Quantity(parsing: text) } catch { preconditionFailure("test quantity \(text) does not parse: \(error)") }
}

/// A small valid pod that every case mutates.
private func basePod() -> Pod {
    Pod(
        metadata: ObjectMeta(name: "web", namespace: "default", labels: ["app": "web"]),
        spec: PodSpec(
            volumes: [
                Volume(name: "data", emptyDir: EmptyDirVolumeSource()),
                Volume(name: "config", configMap: ConfigMapVolumeSource(name: "web-config")),
            ],
            containers: [
                Container(
                    name: "app", image: "nginx:1.27",
                    ports: [ContainerPort(name: "http", containerPort: 80)],
                    env: [EnvVar(name: "MODE", value: "prod")],
                    volumeMounts: [VolumeMount(name: "data", mountPath: "/data")])
            ]))
}

private func sidecar(_ name: String = "helper") -> Container {
    Container(name: name, image: "busybox:1.36")
}

struct ValidationCase: Sendable, CustomTestStringConvertible {
    let name: String
    var options = PodValidation.Options()
    let mutate: @Sendable (inout Pod) -> Void
    let expected: [String]

    var testDescription: String { name }
}

private let cases: [ValidationCase] = [
    // MARK: metadata
    ValidationCase(name: "missing name", mutate: { $0.metadata.name = nil },
                   expected: ["metadata.name: Required value: name or generateName is required"]),
    ValidationCase(name: "name not a DNS subdomain", mutate: { $0.metadata.name = "Web_1" },
                   expected: [#"metadata.name: Invalid value: "Web_1": "# + dnsSubdomainMessage]),
    ValidationCase(name: "namespace with dots", mutate: { $0.metadata.namespace = "my.ns" },
                   expected: [#"metadata.namespace: Invalid value: "my.ns": must not contain dots"#]),
    ValidationCase(name: "label key starting with a dash", mutate: { $0.metadata.labels = ["-bad": "x"] },
                   expected: [#"metadata.labels: Invalid value: "-bad": "# + labelKeyNameMessage]),
    ValidationCase(name: "label value too long", mutate: { $0.metadata.labels = ["app": String(repeating: "a", count: 64)] },
                   expected: [#"metadata.labels: Invalid value: ""# + String(repeating: "a", count: 64) + #"": must be no more than 63 bytes"#]),
    ValidationCase(name: "annotation key with two slashes", mutate: { $0.metadata.annotations = ["foo/bar/baz": "1"] },
                   expected: [#"metadata.annotations: Invalid value: "foo/bar/baz": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"#]),
    ValidationCase(name: "annotations over 256 KiB", mutate: { $0.metadata.annotations = ["big": String(repeating: "x", count: 262_144)] },
                   expected: ["metadata.annotations: Too long: may not be more than 262144 bytes"]),
    ValidationCase(name: "bad pod deletion cost", mutate: { $0.metadata.annotations = ["controller.kubernetes.io/pod-deletion-cost": "abc"] },
                   expected: [#"metadata.annotations[controller.kubernetes.io/pod-deletion-cost]: Invalid value: "abc": must be a 32bit integer"#]),
    ValidationCase(name: "bad seccomp annotation", mutate: { $0.metadata.annotations = ["seccomp.security.alpha.kubernetes.io/pod": "foo"] },
                   expected: [#"metadata.annotations.seccomp.security.alpha.kubernetes.io/pod: Invalid value: "foo": must be a valid seccomp profile"#]),
    ValidationCase(name: "AppArmor annotation for a missing container",
                   mutate: { $0.metadata.annotations = ["container.apparmor.security.beta.kubernetes.io/db": "localhost/x"] },
                   expected: [#"metadata.annotations[container.apparmor.security.beta.kubernetes.io/db]: Invalid value: "db": container not found"#]),

    // MARK: containers
    ValidationCase(name: "no containers", mutate: { $0.spec.containers = [] },
                   expected: ["spec.containers: Required value"]),
    ValidationCase(name: "container without name", mutate: { $0.spec.containers[0].name = "" },
                   expected: ["spec.containers[0].name: Required value"]),
    ValidationCase(name: "container name with capitals", mutate: { $0.spec.containers[0].name = "App" },
                   expected: [#"spec.containers[0].name: Invalid value: "App": "# + dnsLabelMessage]),
    ValidationCase(name: "duplicate container names", mutate: { $0.spec.containers.append(sidecar("app")) },
                   expected: [#"spec.containers[1].name: Duplicate value: "app""#]),
    ValidationCase(name: "init container named like an app container", mutate: { $0.spec.initContainers = [sidecar("app")] },
                   expected: [#"spec.initContainers[0].name: Duplicate value: "app""#]),
    ValidationCase(name: "missing image", mutate: { $0.spec.containers[0].image = nil },
                   expected: ["spec.containers[0].image: Required value"]),
    ValidationCase(name: "image with leading space", mutate: { $0.spec.containers[0].image = " nginx" },
                   expected: [#"spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace"#]),
    ValidationCase(name: "unknown imagePullPolicy", mutate: { $0.spec.containers[0].imagePullPolicy = "Sometimes" },
                   expected: [#"spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never""#]),
    ValidationCase(name: "unknown terminationMessagePolicy", mutate: { $0.spec.containers[0].terminationMessagePolicy = "Stdout" },
                   expected: [#"spec.containers[0].terminationMessagePolicy: Unsupported value: "Stdout": supported values: "File", "FallbackToLogsOnError""#]),
    ValidationCase(name: "restartPolicy on an app container", mutate: { $0.spec.containers[0].restartPolicy = "Always" },
                   expected: ["spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers"]),
    ValidationCase(name: "init container restartPolicy other than Always",
                   mutate: { var c = sidecar("init"); c.restartPolicy = "OnFailure"; $0.spec.initContainers = [c] },
                   expected: [#"spec.initContainers[0].restartPolicy: Unsupported value: "OnFailure": supported values: "Always""#]),
    ValidationCase(name: "probe on a plain init container",
                   mutate: { var c = sidecar("init"); c.livenessProbe = Probe(exec: ExecAction(command: ["true"])); $0.spec.initContainers = [c] },
                   expected: ["spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers without restartPolicy=Always"]),

    // MARK: ports
    ValidationCase(name: "containerPort out of range", mutate: { $0.spec.containers[0].ports = [ContainerPort(containerPort: 70000)] },
                   expected: ["spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"]),
    ValidationCase(name: "containerPort missing", mutate: { $0.spec.containers[0].ports = [ContainerPort(name: "http")] },
                   expected: ["spec.containers[0].ports[0].containerPort: Required value"]),
    ValidationCase(name: "hostPort out of range", mutate: { $0.spec.containers[0].ports = [ContainerPort(hostPort: 70000, containerPort: 80)] },
                   expected: ["spec.containers[0].ports[0].hostPort: Invalid value: 70000: must be between 1 and 65535, inclusive"]),
    ValidationCase(name: "unknown protocol", mutate: { $0.spec.containers[0].ports = [ContainerPort(containerPort: 80, protocol: "HTTP")] },
                   expected: [#"spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP""#]),
    ValidationCase(name: "port name breaking several IANA rules", mutate: { $0.spec.containers[0].ports = [ContainerPort(name: "Web--", containerPort: 80)] },
                   expected: [
                       #"spec.containers[0].ports[0].name: Invalid value: "Web--": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"#,
                       #"spec.containers[0].ports[0].name: Invalid value: "Web--": must not contain consecutive hyphens"#,
                       #"spec.containers[0].ports[0].name: Invalid value: "Web--": must not begin or end with a hyphen"#,
                   ]),
    ValidationCase(name: "duplicate port names",
                   mutate: { $0.spec.containers[0].ports = [ContainerPort(name: "http", containerPort: 80), ContainerPort(name: "http", containerPort: 8080)] },
                   expected: [#"spec.containers[0].ports[1].name: Duplicate value: "http""#]),
    ValidationCase(name: "hostNetwork hostPort differing from containerPort",
                   mutate: { $0.spec.hostNetwork = true; $0.spec.containers[0].ports = [ContainerPort(hostPort: 8080, containerPort: 80)] },
                   expected: ["spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match `containerPort` when `hostNetwork` is true"]),
    ValidationCase(name: "same hostPort in two containers",
                   mutate: {
                       $0.spec.containers[0].ports = [ContainerPort(hostPort: 8080, containerPort: 80)]
                       var other = sidecar()
                       other.ports = [ContainerPort(hostPort: 8080, containerPort: 81)]
                       $0.spec.containers.append(other)
                   },
                   expected: [#"spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080""#]),

    // MARK: volumes and mounts
    ValidationCase(name: "volume with two sources hides it from mounts",
                   mutate: { $0.spec.volumes![0].hostPath = HostPathVolumeSource(path: "/srv") },
                   expected: [
                       "spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type",
                       #"spec.containers[0].volumeMounts[0].name: Not found: "data""#,
                   ]),
    ValidationCase(name: "mount of a volume that does not exist in a second container",
                   mutate: {
                       var other = sidecar()
                       other.volumeMounts = [VolumeMount(name: "cache", mountPath: "/cache")]
                       $0.spec.containers.append(other)
                   },
                   expected: [#"spec.containers[1].volumeMounts[0].name: Not found: "cache""#]),
    ValidationCase(name: "volume without a source", mutate: { $0.spec.volumes![1] = Volume(name: "config") },
                   expected: ["spec.volumes[1]: Required value: must specify a volume type"]),
    ValidationCase(name: "duplicate volume names", mutate: { $0.spec.volumes![1].name = "data"; $0.spec.volumes![1].configMap = ConfigMapVolumeSource(name: "x") },
                   expected: [#"spec.volumes[1].name: Duplicate value: "data""#]),
    ValidationCase(name: "volume name not a DNS label", mutate: { $0.spec.volumes![1].name = "Config" },
                   expected: [#"spec.volumes[1].name: Invalid value: "Config": "# + dnsLabelMessage]),
    ValidationCase(name: "hostPath without path", mutate: { $0.spec.volumes![1] = Volume(name: "config", hostPath: HostPathVolumeSource()) },
                   expected: ["spec.volumes[1].hostPath.path: Required value"]),
    ValidationCase(name: "unknown hostPath type",
                   mutate: { $0.spec.volumes![1] = Volume(name: "config", hostPath: HostPathVolumeSource(path: "/etc/app", type: "Dir")) },
                   expected: [#"spec.volumes[1].hostPath.type: Unsupported value: "Dir": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket""#]),
    ValidationCase(name: "negative emptyDir sizeLimit",
                   mutate: { $0.spec.volumes![0].emptyDir = EmptyDirVolumeSource(sizeLimit: quantity("-1Gi")) },
                   expected: [
                       "spec.volumes[0].emptyDir.sizeLimit: Forbidden: SizeLimit field must be a valid resource quantity",
                       #"spec.containers[0].volumeMounts[0].name: Not found: "data""#,
                   ]),
    ValidationCase(name: "secret volume without name and with a bad mode",
                   mutate: { $0.spec.volumes![1] = Volume(name: "config", secret: SecretVolumeSource(defaultMode: 0o1000)) },
                   expected: [
                       "spec.volumes[1].secret.secretName: Required value",
                       "spec.volumes[1].secret.defaultMode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive",
                   ]),
    ValidationCase(name: "configMap item paths escaping the volume",
                   mutate: {
                       $0.spec.volumes![1].configMap!.items = [KeyToPath(key: "a", path: "../a"), KeyToPath(key: "b", path: "/b"), KeyToPath(key: "c", path: "..c")]
                   },
                   expected: [
                       #"spec.volumes[1].configMap.items[0].path: Invalid value: "../a": must not contain '..'"#,
                       #"spec.volumes[1].configMap.items[1].path: Invalid value: "/b": must be a relative path"#,
                       #"spec.volumes[1].configMap.items[2].path: Invalid value: "..c": must not start with '..'"#,
                   ]),
    ValidationCase(name: "downward API volume field not exposed to volumes",
                   mutate: {
                       $0.spec.volumes![1] = Volume(name: "config", downwardAPI: DownwardAPIVolumeSource(items: [
                           DownwardAPIVolumeFile(path: "node", fieldRef: ObjectFieldSelector(fieldPath: "spec.nodeName"))]))
                   },
                   expected: [#"spec.volumes[1].downwardAPI.fieldRef.fieldPath: Unsupported value: "spec.nodeName": supported values: "metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid""#]),
    ValidationCase(name: "mountPath used twice",
                   mutate: { $0.spec.containers[0].volumeMounts!.append(VolumeMount(name: "config", mountPath: "/data")) },
                   expected: [#"spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/data": must be unique"#]),
    ValidationCase(name: "subPath escaping and absolute",
                   mutate: {
                       $0.spec.containers[0].volumeMounts![0].subPath = "../etc"
                       $0.spec.containers[0].volumeMounts!.append(VolumeMount(name: "config", mountPath: "/config", subPath: "/etc"))
                   },
                   expected: [
                       #"spec.containers[0].volumeMounts.subPath: Invalid value: "../etc": must not contain '..'"#,
                       #"spec.containers[0].volumeMounts.subPath: Invalid value: "/etc": must be a relative path"#,
                   ]),
    ValidationCase(name: "subPath and subPathExpr together",
                   mutate: { $0.spec.containers[0].volumeMounts![0].subPath = "a"; $0.spec.containers[0].volumeMounts![0].subPathExpr = "$(POD_NAME)" },
                   expected: [#"spec.containers[0].volumeMounts[0].subPathExpr: Invalid value: "$(POD_NAME)": subPathExpr and subPath are mutually exclusive"#]),
    ValidationCase(name: "unknown mountPropagation", mutate: { $0.spec.containers[0].volumeMounts![0].mountPropagation = "Shared" },
                   expected: [#"spec.containers[0].volumeMounts.mountPropagation: Unsupported value: "Shared": supported values: "Bidirectional", "HostToContainer", "None""#]),
    ValidationCase(name: "Bidirectional propagation in an unprivileged container",
                   mutate: { $0.spec.containers[0].volumeMounts![0].mountPropagation = "Bidirectional" },
                   expected: ["spec.containers[0].volumeMounts.mountPropagation: Forbidden: Bidirectional mount propagation is available only to privileged containers"]),

    // MARK: environment
    ValidationCase(name: "env name with '='", mutate: { $0.spec.containers[0].env = [EnvVar(name: "A=B", value: "1")] },
                   expected: [#"spec.containers[0].env[0].name: Invalid value: "A=B": "# + relaxedEnvMessage]),
    ValidationCase(name: "env name starting with a digit under strict rules",
                   options: PodValidation.Options(relaxedEnvironmentVariableNames: false),
                   mutate: { $0.spec.containers[0].env = [EnvVar(name: "1BAD", value: "1")] },
                   expected: [#"spec.containers[0].env[0].name: Invalid value: "1BAD": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"#]),
    ValidationCase(name: "env name starting with a digit under relaxed rules",
                   mutate: { $0.spec.containers[0].env = [EnvVar(name: "1OK", value: "1")] },
                   expected: []),
    ValidationCase(name: "env valueFrom with two sources",
                   mutate: {
                       $0.spec.containers[0].env = [EnvVar(name: "X", valueFrom: EnvVarSource(
                           fieldRef: ObjectFieldSelector(fieldPath: "metadata.name"),
                           configMapKeyRef: ConfigMapKeySelector(name: "cm", key: "k")))]
                   },
                   expected: [#"spec.containers[0].env[0].valueFrom: Invalid value: "": may not have more than one field specified at a time"#]),
    ValidationCase(name: "env valueFrom without a source", mutate: { $0.spec.containers[0].env = [EnvVar(name: "X", valueFrom: EnvVarSource())] },
                   expected: [#"spec.containers[0].env[0].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"#]),
    ValidationCase(name: "env value and valueFrom together",
                   mutate: { $0.spec.containers[0].env = [EnvVar(name: "X", value: "v", valueFrom: EnvVarSource(secretKeyRef: SecretKeySelector(name: "s", key: "k")))] },
                   expected: [#"spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty"#]),
    ValidationCase(name: "env fieldRef not exposed to env",
                   mutate: { $0.spec.containers[0].env = [EnvVar(name: "X", valueFrom: EnvVarSource(fieldRef: ObjectFieldSelector(fieldPath: "metadata.labels")))] },
                   expected: [#"spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: "metadata.labels": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs""#]),
    ValidationCase(name: "env fieldRef Kubernetes cannot convert",
                   mutate: { $0.spec.containers[0].env = [EnvVar(name: "X", valueFrom: EnvVarSource(fieldRef: ObjectFieldSelector(fieldPath: "status.foo")))] },
                   expected: [#"spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Invalid value: "status.foo": error converting fieldPath: field label not supported: status.foo"#]),
    ValidationCase(name: "configMapKeyRef without name or key",
                   mutate: { $0.spec.containers[0].env = [EnvVar(name: "X", valueFrom: EnvVarSource(configMapKeyRef: ConfigMapKeySelector()))] },
                   expected: [
                       #"spec.containers[0].env[0].valueFrom.configMapKeyRef.name: Invalid value: "": "# + dnsSubdomainMessage,
                       "spec.containers[0].env[0].valueFrom.configMapKeyRef.key: Required value",
                   ]),
    ValidationCase(name: "envFrom with a bad prefix and no source", mutate: { $0.spec.containers[0].envFrom = [EnvFromSource(prefix: "A=")] },
                   expected: [
                       #"spec.containers[0].envFrom[0].prefix: Invalid value: "A=": "# + relaxedEnvMessage,
                       #"spec.containers[0].envFrom: Invalid value: "": must specify one of: `configMapRef` or `secretRef`"#,
                   ]),

    // MARK: probes and lifecycle
    ValidationCase(name: "probe with two handlers",
                   mutate: { $0.spec.containers[0].livenessProbe = Probe(exec: ExecAction(command: ["true"]), httpGet: HTTPGetAction(path: "/", port: 80)) },
                   expected: ["spec.containers[0].livenessProbe.httpGet: Forbidden: may not specify more than 1 handler type"]),
    ValidationCase(name: "probe without handler", mutate: { $0.spec.containers[0].readinessProbe = Probe(periodSeconds: 5) },
                   expected: ["spec.containers[0].readinessProbe: Required value: must specify a handler type"]),
    ValidationCase(name: "liveness successThreshold above 1",
                   mutate: { $0.spec.containers[0].livenessProbe = Probe(tcpSocket: TCPSocketAction(port: 80), successThreshold: 2) },
                   expected: ["spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"]),
    ValidationCase(name: "startup successThreshold above 1",
                   mutate: { $0.spec.containers[0].startupProbe = Probe(tcpSocket: TCPSocketAction(port: 80), successThreshold: 3) },
                   expected: ["spec.containers[0].startupProbe.successThreshold: Invalid value: 3: must be 1"]),
    ValidationCase(name: "readiness successThreshold above 1 is fine",
                   mutate: { $0.spec.containers[0].readinessProbe = Probe(tcpSocket: TCPSocketAction(port: 80), successThreshold: 3) },
                   expected: []),
    ValidationCase(name: "negative probe timings",
                   mutate: { $0.spec.containers[0].readinessProbe = Probe(exec: ExecAction(command: ["true"]), initialDelaySeconds: -1, periodSeconds: -5) },
                   expected: [
                       "spec.containers[0].readinessProbe.initialDelaySeconds: Invalid value: -1: must be greater than or equal to 0",
                       "spec.containers[0].readinessProbe.periodSeconds: Invalid value: -5: must be greater than or equal to 0",
                   ]),
    ValidationCase(name: "httpGet port zero and bad scheme",
                   mutate: { $0.spec.containers[0].livenessProbe = Probe(httpGet: HTTPGetAction(path: "/healthz", scheme: "FTP")) },
                   expected: [
                       "spec.containers[0].livenessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive",
                       #"spec.containers[0].livenessProbe.httpGet.scheme: Unsupported value: "FTP": supported values: "HTTP", "HTTPS""#,
                   ]),
    ValidationCase(name: "httpGet named port in capitals",
                   mutate: { $0.spec.containers[0].livenessProbe = Probe(httpGet: HTTPGetAction(port: "HTTP")) },
                   expected: [
                       #"spec.containers[0].livenessProbe.httpGet.port: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"#,
                       #"spec.containers[0].livenessProbe.httpGet.port: Invalid value: "HTTP": must contain at least one letter (a-z)"#,
                   ]),
    ValidationCase(name: "httpGet header name with a space",
                   mutate: { $0.spec.containers[0].livenessProbe = Probe(httpGet: HTTPGetAction(port: "http", httpHeaders: [HTTPHeader(name: "X Bad", value: "1")])) },
                   expected: [#"spec.containers[0].livenessProbe.httpGet.httpHeaders: Invalid value: "X Bad": a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')"#]),
    ValidationCase(name: "tcpSocket port out of range",
                   mutate: { $0.spec.containers[0].readinessProbe = Probe(tcpSocket: TCPSocketAction(port: 70000)) },
                   expected: ["spec.containers[0].readinessProbe.tcpSocket.port: Invalid value: 70000: must be between 1 and 65535, inclusive"]),
    ValidationCase(name: "readiness probe with a termination grace period",
                   mutate: { $0.spec.containers[0].readinessProbe = Probe(grpc: GRPCAction(port: 9090), terminationGracePeriodSeconds: 10) },
                   expected: ["spec.containers[0].readinessProbe.terminationGracePeriodSeconds: Invalid value: 10: must not be set for readinessProbes"]),
    ValidationCase(name: "preStop sleep longer than the grace period",
                   mutate: { $0.spec.containers[0].lifecycle = Lifecycle(preStop: LifecycleHandler(sleep: SleepAction(seconds: 60))) },
                   expected: ["spec.containers[0].lifecycle.preStop.sleep: Invalid value: 60: must be non-negative and less than terminationGracePeriodSeconds (30)"]),
    ValidationCase(name: "postStart without a handler", mutate: { $0.spec.containers[0].lifecycle = Lifecycle(postStart: LifecycleHandler()) },
                   expected: ["spec.containers[0].lifecycle.postStart: Required value: must specify a handler type"]),
    ValidationCase(name: "exec handler without a command",
                   mutate: { $0.spec.containers[0].lifecycle = Lifecycle(preStop: LifecycleHandler(exec: ExecAction())) },
                   expected: ["spec.containers[0].lifecycle.preStop.exec.command: Required value"]),

    // MARK: resources
    ValidationCase(name: "cpu request above limit",
                   mutate: { $0.spec.containers[0].resources = ResourceRequirements(limits: ["cpu": quantity("1")], requests: ["cpu": quantity("2")]) },
                   expected: [#"spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1"#]),
    ValidationCase(name: "unknown unprefixed resource (limits default the requests)",
                   mutate: { $0.spec.containers[0].resources = ResourceRequirements(limits: ["gpu": quantity("1")]) },
                   expected: [
                       #"spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified"#,
                       #"spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers"#,
                       #"spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified"#,
                       #"spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers"#,
                   ]),
    ValidationCase(name: "negative memory limit",
                   mutate: { $0.spec.containers[0].resources = ResourceRequirements(limits: ["memory": quantity("-1Mi")]) },
                   expected: [
                       #"spec.containers[0].resources.limits[memory]: Invalid value: "-1Mi": must be greater than or equal to 0"#,
                       #"spec.containers[0].resources.requests[memory]: Invalid value: "-1Mi": must be greater than or equal to 0"#,
                   ]),
    ValidationCase(name: "extended resource requested without a limit",
                   mutate: { $0.spec.containers[0].resources = ResourceRequirements(requests: ["example.com/gpu": quantity("1")]) },
                   expected: ["spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources"]),
    ValidationCase(name: "fractional extended resource",
                   mutate: { $0.spec.containers[0].resources = ResourceRequirements(limits: ["example.com/gpu": quantity("500m")]) },
                   expected: [
                       #"spec.containers[0].resources.limits[example.com/gpu]: Invalid value: "500m": must be an integer"#,
                       #"spec.containers[0].resources.requests[example.com/gpu]: Invalid value: "500m": must be an integer"#,
                   ]),

    // MARK: pod spec
    ValidationCase(name: "unknown restartPolicy", mutate: { $0.spec.restartPolicy = "Sometimes" },
                   expected: [#"spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never""#]),
    ValidationCase(name: "unknown dnsPolicy", mutate: { $0.spec.dnsPolicy = "Custom" },
                   expected: [#"spec.dnsPolicy: Unsupported value: "Custom": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None""#]),
    ValidationCase(name: "dnsPolicy None without dnsConfig", mutate: { $0.spec.dnsPolicy = "None" },
                   expected: ["spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"]),
    ValidationCase(name: "too many and invalid nameservers",
                   mutate: { $0.spec.dnsConfig = PodDNSConfig(nameservers: ["1.1.1.1", "8.8.8.8", "9.9.9.9", "dns.example"]) },
                   expected: [
                       #"spec.dnsConfig.nameservers: Invalid value: ["1.1.1.1","8.8.8.8","9.9.9.9","dns.example"]: must not have more than 3 nameservers"#,
                       #"spec.dnsConfig.nameservers[3]: Invalid value: "dns.example": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"#,
                   ]),
    ValidationCase(name: "search domains with underscores and a dot are allowed",
                   mutate: { $0.spec.dnsConfig = PodDNSConfig(nameservers: ["010.000.000.001"], searches: ["_srv.example.com.", "."]) },
                   expected: []),
    ValidationCase(name: "activeDeadlineSeconds of zero", mutate: { $0.spec.activeDeadlineSeconds = 0 },
                   expected: ["spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive"]),
    ValidationCase(name: "hostname and subdomain not DNS labels", mutate: { $0.spec.hostname = "My_Host"; $0.spec.subdomain = "a.b" },
                   expected: [
                       #"spec.hostname: Invalid value: "My_Host": "# + dnsLabelMessage,
                       #"spec.subdomain: Invalid value: "a.b": must not contain dots"#,
                   ]),
    ValidationCase(name: "nodeSelector value with a space", mutate: { $0.spec.nodeSelector = ["disk": "a b"] },
                   expected: [#"spec.nodeSelector: Invalid value: "a b": "# + labelValueMessage]),
    ValidationCase(name: "host alias with a bad IP and hostname",
                   mutate: { $0.spec.hostAliases = [HostAlias(ip: "300.1.1.1", hostnames: ["bad_host"])] },
                   expected: [
                       #"spec.hostAliases[0].ip: Invalid value: "300.1.1.1": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"#,
                       #"spec.hostAliases[0].hostnames[0]: Invalid value: "bad_host": "# + dnsSubdomainMessage,
                   ]),
    ValidationCase(name: "toleration operator and effect outside their enums",
                   mutate: { $0.spec.tolerations = [Toleration(key: "k", operator: "Like", effect: "NoRun")] },
                   expected: [
                       #"spec.tolerations[0].operator: Unsupported value: "Like": supported values: "Equal", "Exists""#,
                       #"spec.tolerations[0].effect: Unsupported value: "NoRun": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute""#,
                   ]),
    ValidationCase(name: "toleration without key and with seconds but no NoExecute",
                   mutate: { $0.spec.tolerations = [Toleration(operator: "Equal", effect: "NoSchedule", tolerationSeconds: 30)] },
                   expected: [
                       #"spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys""#,
                       #"spec.tolerations[0].effect: Invalid value: "NoSchedule": effect must be 'NoExecute' when `tolerationSeconds` is set"#,
                   ]),
    ValidationCase(name: "node affinity without terms and with a bad preferred term",
                   mutate: {
                       $0.spec.affinity = Affinity(nodeAffinity: NodeAffinity(
                           requiredDuringSchedulingIgnoredDuringExecution: NodeSelector(),
                           preferredDuringSchedulingIgnoredDuringExecution: [PreferredSchedulingTerm(weight: 0, preference: NodeSelectorTerm(
                               matchExpressions: [NodeSelectorRequirement(key: "zone", operator: "Equals", values: ["a"])]))]))
                   },
                   expected: [
                       "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: must have at least one node selector term",
                       "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100",
                       #"spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator"#,
                   ]),
    ValidationCase(name: "unknown OS", mutate: { $0.spec.os = PodOS(name: "plan9") },
                   expected: [#"spec.os: Unsupported value: "plan9": supported values: "linux", "windows""#]),
    ValidationCase(name: "windows options on a linux pod",
                   mutate: { $0.spec.os = PodOS(name: "linux"); $0.spec.containers[0].securityContext = SecurityContext(windowsOptions: WindowsSecurityContextOptions(runAsUserName: "app")) },
                   expected: ["spec.containers[0].securityContext.windowsOptions: Forbidden: windows options cannot be set for a linux pod"]),
    ValidationCase(name: "ephemeral containers on create",
                   mutate: { $0.spec.ephemeralContainers = [EphemeralContainer(name: "debug", image: "busybox", ports: [ContainerPort(containerPort: 80)])] },
                   expected: [
                       "spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container",
                       "spec.ephemeralContainers: Forbidden: cannot be set on create",
                   ]),

    // MARK: security context
    ValidationCase(name: "negative runAsUser",
                   mutate: { $0.spec.containers[0].securityContext = SecurityContext(runAsUser: -1) },
                   expected: ["spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and 4294967295, inclusive"]),
    ValidationCase(name: "unknown seccomp profile type",
                   mutate: { $0.spec.securityContext = PodSecurityContext(seccompProfile: SeccompProfile(type: "Custom")) },
                   expected: [#"spec.securityContext.seccompProfile.type: Unsupported value: "Custom": supported values: "Localhost", "RuntimeDefault", "Unconfined""#]),
    ValidationCase(name: "Localhost seccomp without a profile",
                   mutate: { $0.spec.securityContext = PodSecurityContext(seccompProfile: SeccompProfile(type: "Localhost")) },
                   expected: ["spec.securityContext.seccompProfile.localhostProfile: Required value: must be set when seccomp type is Localhost"]),
    ValidationCase(name: "localhostProfile on a RuntimeDefault seccomp profile",
                   mutate: { $0.spec.containers[0].securityContext = SecurityContext(seccompProfile: SeccompProfile(type: "RuntimeDefault", localhostProfile: "x.json")) },
                   expected: [#"spec.containers[0].securityContext.seccompProfile.localhostProfile: Invalid value: {"Type":"RuntimeDefault","LocalhostProfile":"x.json"}: can only be set when seccomp type is Localhost"#]),
    ValidationCase(name: "unknown and unmasked procMount",
                   mutate: {
                       $0.spec.containers[0].securityContext = SecurityContext(procMount: "Masked")
                       var other = sidecar()
                       other.securityContext = SecurityContext(procMount: "Unmasked")
                       $0.spec.containers.append(other)
                   },
                   expected: [
                       #"spec.containers[0].securityContext.procMount: Unsupported value: "Masked": supported values: "Default", "Unmasked""#,
                       #"spec.containers[1].securityContext.procMount: Invalid value: "Unmasked": `hostUsers` must be false to use `Unmasked`"#,
                   ]),
    ValidationCase(name: "privileged without privilege escalation",
                   mutate: { $0.spec.containers[0].securityContext = SecurityContext(privileged: true, allowPrivilegeEscalation: false) },
                   expected: [#"spec.containers[0].securityContext: Invalid value: {"Capabilities":null,"Privileged":true,"SELinuxOptions":null,"WindowsOptions":null,"RunAsUser":null,"RunAsGroup":null,"RunAsNonRoot":null,"ReadOnlyRootFilesystem":null,"AllowPrivilegeEscalation":false,"ProcMount":null,"SeccompProfile":null,"AppArmorProfile":null}: cannot set `allowPrivilegeEscalation` to false and `privileged` to true"#]),
    ValidationCase(name: "sysctl name not matching the sysctl syntax",
                   mutate: { $0.spec.securityContext = PodSecurityContext(sysctls: [Sysctl(name: "Net.Core", value: "1")]) },
                   expected: [#"spec.securityContext.sysctls[0].name: Invalid value: "Net.Core": must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$"#]),
    ValidationCase(name: "network sysctl in a hostNetwork pod",
                   mutate: { $0.spec.hostNetwork = true; $0.spec.securityContext = PodSecurityContext(sysctls: [Sysctl(name: "net.core.somaxconn", value: "1024")]) },
                   expected: [#"spec.securityContext.sysctls[0].name: Invalid value: "net.core.somaxconn": may not be specified when 'hostNetwork' is true"#]),
    ValidationCase(name: "shareProcessNamespace with hostPID", mutate: { $0.spec.shareProcessNamespace = true; $0.spec.hostPID = true },
                   expected: ["spec.securityContext.shareProcessNamespace: Invalid value: true: ShareProcessNamespace and HostPID cannot both be enabled"]),
    ValidationCase(name: "IPC sysctl in a hostIPC pod and a slash-separated net sysctl in a hostNetwork pod",
                   mutate: {
                       $0.spec.hostIPC = true
                       $0.spec.hostNetwork = true
                       $0.spec.securityContext = PodSecurityContext(sysctls: [Sysctl(name: "kernel.shmmax", value: "1"), Sysctl(name: "net/ipv4/ip_forward", value: "1")])
                   },
                   expected: [
                       #"spec.securityContext.sysctls[0].name: Invalid value: "kernel.shmmax": may not be specified when 'hostIPC' is true"#,
                       #"spec.securityContext.sysctls[1].name: Invalid value: "net/ipv4/ip_forward": may not be specified when 'hostNetwork' is true"#,
                   ]),
    ValidationCase(name: "AppArmor profile fields",
                   mutate: {
                       $0.spec.containers[0].securityContext = SecurityContext(appArmorProfile: AppArmorProfile(type: "Localhost"))
                       var other = sidecar()
                       other.securityContext = SecurityContext(appArmorProfile: AppArmorProfile(type: "RuntimeDefault", localhostProfile: "x"))
                       $0.spec.containers.append(other)
                       $0.spec.securityContext = PodSecurityContext(appArmorProfile: AppArmorProfile(type: "Custom"))
                   },
                   expected: [
                       "spec.containers[0].securityContext.appArmorProfile.localhostProfile: Required value: must be set when AppArmor type is Localhost",
                       #"spec.containers[1].securityContext.appArmorProfile.localhostProfile: Invalid value: "x": can only be set when AppArmor type is Localhost"#,
                       #"spec.securityContext.appArmorProfile.type: Unsupported value: "Custom": supported values: "Localhost", "RuntimeDefault", "Unconfined""#,
                   ]),
    ValidationCase(name: "seccomp annotation contradicting the field",
                   mutate: {
                       $0.metadata.annotations = ["seccomp.security.alpha.kubernetes.io/pod": "unconfined"]
                       $0.spec.securityContext = PodSecurityContext(seccompProfile: SeccompProfile(type: "RuntimeDefault"))
                   },
                   expected: ["spec.securityContext.seccompProfile.type: Forbidden: seccomp type in annotation and field must match"]),
    ValidationCase(name: "windows pod with linux-only settings",
                   mutate: {
                       $0.spec.os = PodOS(name: "windows")
                       $0.spec.hostPID = true
                       $0.spec.containers[0].securityContext = SecurityContext(privileged: true)
                   },
                   expected: [
                       "spec.hostPID: Forbidden: cannot be set for a windows pod",
                       "spec.containers[0].securityContext.privileged: Forbidden: cannot be set for a windows pod",
                   ]),
    ValidationCase(name: "user namespace with host namespaces",
                   mutate: { $0.spec.hostUsers = false; $0.spec.hostNetwork = true; $0.spec.hostPID = true },
                   expected: [
                       "spec.hostNetwork: Forbidden: when `pod.Spec.HostUsers` is false",
                       "spec.HostPID: Forbidden: when `pod.Spec.HostUsers` is false",
                   ]),

    // MARK: more metadata and spec
    ValidationCase(name: "owner reference without version and uid",
                   mutate: { $0.metadata.ownerReferences = [OwnerReference(kind: "ReplicaSet", name: "rs")] },
                   expected: [
                       #"metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty"#,
                       #"metadata.ownerReferences.uid: Invalid value: "": must not be empty"#,
                   ]),
    ValidationCase(name: "unqualified custom finalizer", mutate: { $0.metadata.finalizers = ["foo"] },
                   expected: [#"metadata.finalizers[0]: Invalid value: "foo": name is neither a standard finalizer name nor is it fully qualified"#]),
    ValidationCase(name: "generateName with capitals", mutate: { $0.metadata.generateName = "Web-" },
                   expected: [#"metadata.generateName: Invalid value: "Web-": "# + dnsSubdomainMessage]),
    ValidationCase(name: "mirror pod annotation without nodeName", mutate: { $0.metadata.annotations = ["kubernetes.io/config.mirror": "abc"] },
                   expected: [#"metadata.annotations[kubernetes.io/config.mirror]: Invalid value: "abc": must set spec.nodeName if mirror pod annotation is set"#]),
    ValidationCase(name: "control characters are quoted as Go quotes them", mutate: { $0.spec.containers[0].name = "a\nb" },
                   expected: [#"spec.containers[0].name: Invalid value: "a\nb": "# + dnsLabelMessage]),
    ValidationCase(name: "nodeName with scheduling gates",
                   mutate: { $0.spec.nodeName = "node-1"; $0.spec.schedulingGates = [PodSchedulingGate(name: "example.com/gate")] },
                   expected: ["spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared"]),
    ValidationCase(name: "readiness gate that is not a qualified name", mutate: { $0.spec.readinessGates = [PodReadinessGate(conditionType: "bad key!")] },
                   expected: [#"spec.readinessGates[0].conditionType: Invalid value: "bad key!": "# + labelKeyNameMessage]),
    ValidationCase(name: "topology spread constraints",
                   mutate: {
                       $0.spec.topologySpreadConstraints = [
                           TopologySpreadConstraint(maxSkew: 0, topologyKey: "zone", whenUnsatisfiable: "Maybe"),
                           TopologySpreadConstraint(maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "Maybe"),
                       ]
                   },
                   expected: [
                       "spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero",
                       #"spec.topologySpreadConstraints[0].whenUnsatisfiable: Unsupported value: "Maybe": supported values: "DoNotSchedule", "ScheduleAnyway""#,
                       #"spec.topologySpreadConstraints[0].{topologyKey, whenUnsatisfiable}: Duplicate value: "{zone, Maybe}""#,
                       #"spec.topologySpreadConstraints[1].whenUnsatisfiable: Unsupported value: "Maybe": supported values: "DoNotSchedule", "ScheduleAnyway""#,
                   ]),
    ValidationCase(name: "resource claims without a source and an unknown container claim",
                   mutate: {
                       $0.spec.resourceClaims = [PodResourceClaim(name: "gpu")]
                       $0.spec.containers[0].resources = ResourceRequirements(claims: [ResourceClaim(name: "tpu")])
                   },
                   expected: [
                       #"spec.resourceClaims[0]: Invalid value: {"Name":"gpu","ResourceClaimName":null,"ResourceClaimTemplateName":null}: must specify one of: `resourceClaimName`, `resourceClaimTemplateName`"#,
                       #"spec.containers[0].resources.claims[0]: Not found: "tpu": must be one of the names in pod.spec.resourceClaims: gpu"#,
                   ]),
    ValidationCase(name: "pod-level resources smaller than the containers'",
                   mutate: {
                       $0.spec.resources = ResourceRequirements(limits: ["cpu": quantity("1")], requests: ["cpu": quantity("1")])
                       $0.spec.containers[0].resources = ResourceRequirements(limits: ["cpu": quantity("2")])
                   },
                   expected: [
                       #"spec.resources.requests[cpu]: Invalid value: "1": must be greater than or equal to aggregate container requests of 2"#,
                       #"spec.resources.containers[0][cpu].limits: Invalid value: "2": must be less than or equal to pod limits of 1"#,
                   ]),
    ValidationCase(name: "hugepages not a multiple of the page size and without cpu or memory",
                   mutate: { $0.spec.containers[0].resources = ResourceRequirements(limits: ["hugepages-2Mi": quantity("3Mi")]) },
                   expected: [
                       #"spec.containers[0].resources.limits[hugepages-2Mi]: Invalid value: "3Mi": 3Mi is not positive integer multiple of hugepages-2Mi"#,
                       #"spec.containers[0].resources.requests[hugepages-2Mi]: Invalid value: "3Mi": 3Mi is not positive integer multiple of hugepages-2Mi"#,
                       "spec.containers[0].resources: Forbidden: HugePages require cpu or memory",
                   ]),
    ValidationCase(name: "env resourceFieldRef with an unknown resource and a cpu divisor in Mi",
                   mutate: {
                       $0.spec.containers[0].env = [
                           EnvVar(name: "GPU", valueFrom: EnvVarSource(resourceFieldRef: ResourceFieldSelector(resource: "limits.gpu"))),
                           EnvVar(name: "CPU", valueFrom: EnvVarSource(resourceFieldRef: ResourceFieldSelector(resource: "limits.cpu", divisor: quantity("1Mi")))),
                       ]
                   },
                   expected: [
                       #"spec.containers[0].env[0].valueFrom.resourceFieldRef.resource: Unsupported value: "limits.gpu": supported values: "limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage", "requests.memory""#,
                       #"spec.containers[0].env[1].valueFrom.resourceFieldRef.divisor: Invalid value: "limits.cpu": only divisor's values 1m and 1 are supported with the cpu resource"#,
                   ]),
    ValidationCase(name: "env fieldRef subscripts only on labels and annotations",
                   mutate: {
                       $0.spec.containers[0].env = [
                           EnvVar(name: "APP", valueFrom: EnvVarSource(fieldRef: ObjectFieldSelector(fieldPath: "metadata.labels['app']"))),
                           EnvVar(name: "X", valueFrom: EnvVarSource(fieldRef: ObjectFieldSelector(fieldPath: "metadata.name['x']"))),
                       ]
                   },
                   expected: [#"spec.containers[0].env[1].valueFrom.fieldRef.fieldPath: Invalid value: "metadata.name['x']": error converting fieldPath: field label does not support subscript: metadata.name['x']"#]),
    ValidationCase(name: "projected volume with duplicate paths and a short token",
                   mutate: {
                       $0.spec.volumes![1] = Volume(name: "config", projected: ProjectedVolumeSource(sources: [
                           VolumeProjection(secret: SecretProjection(name: "s", items: [KeyToPath(key: "a", path: "file")])),
                           VolumeProjection(configMap: ConfigMapProjection(name: "c", items: [KeyToPath(key: "b", path: "file")])),
                           VolumeProjection(serviceAccountToken: ServiceAccountTokenProjection(expirationSeconds: 60, path: "token")),
                       ]))
                   },
                   expected: [
                       #"spec.volumes[1].projected: Invalid value: "c": conflicting duplicate paths"#,
                       "spec.volumes[1].projected.sources[2].serviceAccountToken.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes",
                   ]),
    ValidationCase(name: "volume used both as a mount and as a block device",
                   mutate: { $0.spec.containers[0].volumeDevices = [VolumeDevice(name: "data", devicePath: "/dev/xvda")] },
                   expected: [
                       #"spec.containers[0].volumeMounts[0].name: Invalid value: "data": must not already exist in volumeDevices"#,
                       #"spec.containers[0].volumeDevices[0].name: Invalid value: "data": can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode"#,
                       #"spec.containers[0].volumeDevices[0].name: Invalid value: "data": must not already exist in volumeMounts"#,
                   ]),
    ValidationCase(name: "subPath into an image volume",
                   mutate: {
                       $0.spec.volumes![1] = Volume(name: "config", image: ImageVolumeSource(reference: "registry.example/config:1"))
                       $0.spec.containers[0].volumeMounts!.append(VolumeMount(name: "config", mountPath: "/cfg", subPath: "a"))
                   },
                   expected: [#"spec.containers[0].volumeMounts[1].subPath: Invalid value: "a": not allowed in image volume sources"#]),
    ValidationCase(name: "image volume without a reference", mutate: { $0.spec.volumes![1] = Volume(name: "config", image: ImageVolumeSource()) },
                   expected: ["spec.volumes[1].image.reference: Required value"]),
    ValidationCase(name: "recursive read-only mount that is not read-only",
                   mutate: { $0.spec.containers[0].volumeMounts![0].recursiveReadOnly = "Enabled" },
                   expected: ["spec.containers[0].volumeMounts.recursiveReadOnly: Forbidden: may only be specified when readOnly is true"]),
]

@Suite("PodValidation")
struct ValidationTests {
    @Test("the base pod of the table is valid")
    func basePodIsValid() {
        #expect(PodValidation.validate(basePod()).map(\.description) == [])
    }

    @Test("each mistake is reported with Kubernetes' exact path and message", arguments: cases)
    func reportsKubernetesMessages(_ testCase: ValidationCase) {
        var pod = basePod()
        testCase.mutate(&pod)
        let messages = PodValidation.validate(pod, options: testCase.options).map(\.description)
        #expect(messages == testCase.expected)
    }

    @Test("all mistakes of a pod are reported at once, in field traversal order")
    func reportsAllErrorsAtOnce() {
        var pod = basePod()
        pod.metadata.name = "Bad_Name"
        pod.spec.volumes![1] = Volume(name: "config")
        pod.spec.containers[0].image = nil
        pod.spec.containers[0].ports = [ContainerPort(containerPort: 70000)]
        pod.spec.containers[0].livenessProbe = Probe(tcpSocket: TCPSocketAction(port: 80), successThreshold: 2)
        var second = sidecar("app")
        second.volumeMounts = [VolumeMount(name: "config", mountPath: "/etc/app")]
        pod.spec.containers.append(second)
        pod.spec.restartPolicy = "Sometimes"
        pod.spec.tolerations = [Toleration(key: "k", operator: "Like")]

        let messages = PodValidation.validate(pod).map(\.description)
        #expect(messages == [
            #"metadata.name: Invalid value: "Bad_Name": "# + dnsSubdomainMessage,
            "spec.volumes[1]: Required value: must specify a volume type",
            "spec.containers[0].image: Required value",
            "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
            "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
            #"spec.containers[1].volumeMounts[0].name: Not found: "config""#,
            #"spec.containers[1].name: Duplicate value: "app""#,
            #"spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never""#,
            #"spec.tolerations[0].operator: Unsupported value: "Like": supported values: "Equal", "Exists""#,
        ])
    }

    @Test("errors carry their kind, field path and value, not just text")
    func errorsAreStructured() throws {
        var pod = basePod()
        pod.spec.containers[0].ports = [ContainerPort(containerPort: 70000)]
        let error = try #require(PodValidation.validate(pod).first)
        #expect(error.kind == .invalid)
        #expect(error.field.description == "spec.containers[0].ports[0].containerPort")
        #expect(error.value == .int(70000))
        #expect(error.detail == "must be between 1 and 65535, inclusive")
    }

    @Test("a sidecar init container may have probes and lifecycle hooks")
    func sidecarsMayProbe() {
        var pod = basePod()
        var sidecarContainer = sidecar("proxy")
        sidecarContainer.restartPolicy = "Always"
        sidecarContainer.startupProbe = Probe(exec: ExecAction(command: ["true"]))
        sidecarContainer.lifecycle = Lifecycle(preStop: LifecycleHandler(sleep: SleepAction(seconds: 0)))
        pod.spec.initContainers = [sidecarContainer]
        #expect(PodValidation.validate(pod).isEmpty)
    }

    @Test("namespace is required only when asked for")
    func namespaceRequirement() {
        var pod = basePod()
        pod.metadata.namespace = nil
        #expect(PodValidation.validate(pod).isEmpty)
        #expect(PodValidation.validate(pod, options: PodValidation.Options(requireNamespace: true)).map(\.description)
            == ["metadata.namespace: Required value"])
    }

    @Test("zero sleep is rejected when the feature is off")
    func zeroSleepWithoutFeature() {
        var pod = basePod()
        pod.spec.terminationGracePeriodSeconds = 10
        pod.spec.containers[0].lifecycle = Lifecycle(preStop: LifecycleHandler(sleep: SleepAction(seconds: 0)))
        let messages = PodValidation.validate(pod, options: PodValidation.Options(allowZeroSleepAction: false)).map(\.description)
        #expect(messages == ["spec.containers[0].lifecycle.preStop.sleep: Invalid value: 0: must be greater than 0 and less than terminationGracePeriodSeconds (10). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep."])
    }
}

@Suite("ValidationRules")
struct ValidationRulesTests {
    @Test("DNS-1123 labels", arguments: [
        ("a", true), ("my-name", true), ("123-abc", true), ("-a", false), ("a-", false), ("A", false),
        ("a.b", false), ("", false), (String(repeating: "a", count: 63), true), (String(repeating: "a", count: 64), false),
    ])
    func dnsLabels(_ value: String, _ valid: Bool) {
        #expect(ValidationRules.dns1123Label(value).isEmpty == valid)
    }

    @Test("an over-long DNS label reports its length and nothing else")
    func longLabel() {
        #expect(ValidationRules.dns1123Label(String(repeating: "a", count: 64)) == ["must be no more than 63 characters"])
    }

    @Test("DNS-1123 subdomains", arguments: [
        ("example.com", true), ("a", true), ("a..b", false), (".a", false), ("a.", false), ("A.com", false),
        (String(repeating: "a", count: 253), true), (String(repeating: "a", count: 254), false),
    ])
    func dnsSubdomains(_ value: String, _ valid: Bool) {
        #expect(ValidationRules.dns1123Subdomain(value).isEmpty == valid)
    }

    @Test("DNS-1035 labels must start with a letter")
    func dns1035() {
        #expect(ValidationRules.dns1035Label("abc-123").isEmpty)
        #expect(ValidationRules.dns1035Label("1abc") == [#"a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"#])
    }

    @Test("C identifiers")
    func cIdentifiers() {
        #expect(ValidationRules.cIdentifier("_my_name1").isEmpty)
        #expect(ValidationRules.cIdentifier("my-name") == [#"a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName', regex used for validation is '[A-Za-z_][A-Za-z0-9_]*')"#])
    }

    @Test("strict environment variable names reject chdir names")
    func strictEnvNames() {
        #expect(ValidationRules.envVarName("MY_VAR.x-1").isEmpty)
        #expect(ValidationRules.envVarName("..") == ["must not be '..'"])
        #expect(ValidationRules.envVarName("..x") == ["must not start with '..'"])
    }

    @Test("relaxed environment variable names allow anything printable but '='")
    func relaxedEnvNames() {
        #expect(ValidationRules.relaxedEnvVarName("1 weird:name!").isEmpty)
        #expect(ValidationRules.relaxedEnvVarName("") == ["environment variable name must be non-empty"])
        #expect(ValidationRules.relaxedEnvVarName("tab\there") == [relaxedEnvMessage])
        #expect(ValidationRules.relaxedEnvVarName("naïve") == [relaxedEnvMessage])
    }

    @Test("qualified names check prefix and name parts separately")
    func qualifiedNames() {
        #expect(ValidationRules.qualifiedName("example.com/MyName").isEmpty)
        #expect(ValidationRules.qualifiedName("/name") == ["prefix part must be non-empty"])
        #expect(ValidationRules.qualifiedName("Example.com/a") == [#"prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"#])
        #expect(ValidationRules.qualifiedName("example.com/") == ["name part must be non-empty", labelKeyNameMessage])
        #expect(ValidationRules.qualifiedName(String(repeating: "a", count: 64)) == ["name part must be no more than 63 bytes"])
    }

    @Test("label values may be empty")
    func labelValues() {
        #expect(ValidationRules.labelValue("").isEmpty)
        #expect(ValidationRules.labelValue("my_value.1").isEmpty)
        #expect(ValidationRules.labelValue("-x") == [labelValueMessage])
    }

    @Test("port names follow IANA service names")
    func portNames() {
        #expect(ValidationRules.portName("http-alt").isEmpty)
        #expect(ValidationRules.portName("12345") == ["must contain at least one letter (a-z)"])
        #expect(ValidationRules.portName("a-very-long-port-name") == ["must be no more than 15 characters"])
    }

    @Test("ports, IDs, percents and header names")
    func numbersAndFormats() {
        #expect(ValidationRules.portNumber(65535).isEmpty)
        #expect(ValidationRules.portNumber(0) == ["must be between 1 and 65535, inclusive"])
        #expect(ValidationRules.userID(4_294_967_296) == ["must be between 0 and 4294967295, inclusive"])
        #expect(ValidationRules.percent("25%").isEmpty)
        #expect(ValidationRules.percent("25") == [#"a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"#])
        #expect(ValidationRules.httpHeaderName("X-Token").isEmpty)
        #expect(ValidationRules.configMapKey("a/b") == [#"a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"#])
    }

    @Test("IP addresses are parsed as leniently as Kubernetes does", arguments: [
        ("10.9.8.7", true), ("010.009.008.007", true), ("256.1.1.1", false), ("1.2.3", false), ("2001:db8::ffff", true),
        ("::", true), ("::ffff:1.2.3.4", true), ("1::2::3", false), ("fe80::1%eth0", false), ("example.com", false), ("", false),
    ])
    func ipAddresses(_ value: String, _ valid: Bool) {
        #expect(ValidationRules.isIPAddress(value) == valid)
    }

    @Test("sysctl names use dots or slashes")
    func sysctlNames() {
        #expect(ValidationRules.isSysctlName("net.ipv4.ip_local_port_range"))
        #expect(ValidationRules.isSysctlName("net/ipv4/conf/eth0.100/forwarding"))
        #expect(!ValidationRules.isSysctlName("net..core"))
        #expect(!ValidationRules.isSysctlName("Net.core"))
    }
}

@Suite("FieldError formatting")
struct FieldErrorFormattingTests {
    @Test("strings are quoted as Go's %q quotes them")
    func goQuoting() {
        #expect(goQuote("plain") == #""plain""#)
        #expect(goQuote("a\"b\\c") == #""a\"b\\c""#)
        #expect(goQuote("tab\t\u{7}bell\u{1}") == #""tab\t\abell\x01""#)
        #expect(goQuote("naïve ☃") == #""naïve ☃""#)
        #expect(goQuote("nbsp\u{a0}zw\u{200b}") == #""nbsp\u00a0zw\u200b""#)
    }

    @Test("enum-typed values are quoted as Go's encoding/json quotes them")
    func jsonQuoting() {
        #expect(goJSONQuote("<a&b>") == #""\u003ca\u0026b\u003e""#)
        #expect(FieldValue.json("Always").description == #""Always""#)
    }

    @Test("floats print as Go's %v prints a float64", arguments: [
        (0.5, "0.5"), (100_000.0, "100000"), (1_000_000.0, "1e+06"), (1.5e-5, "1.5e-05"), (0.0001, "0.0001"),
        (-2.25, "-2.25"), (0.0, "0"), (123_456_789.0, "1.23456789e+08"),
    ])
    func goFloats(_ value: Double, _ printed: String) {
        #expect(FieldValue.double(value).description == printed)
    }

    @Test("bodies follow field.Error.ErrorBody")
    func bodies() {
        let path = FieldPath("spec").child("containers").index(0).child("name")
        #expect(FieldError.required(path).description == "spec.containers[0].name: Required value")
        #expect(FieldError.forbidden(path, "nope").description == "spec.containers[0].name: Forbidden: nope")
        #expect(FieldError.tooLong(path, 1).description == "spec.containers[0].name: Too long: may not be more than 1 byte")
        #expect(FieldError.tooMany(path, actual: 4, max: 3).description == "spec.containers[0].name: Too many: 4: must have at most 3 items")
        #expect(FieldError.notSupported(path, .json("x"), ["a", "b"]).description == #"spec.containers[0].name: Unsupported value: "x": supported values: "a", "b""#)
        #expect(FieldError.notFound(FieldPath("metadata").child("labels").key("app"), .string("x")).description == #"metadata.labels[app]: Not found: "x""#)
    }
}
