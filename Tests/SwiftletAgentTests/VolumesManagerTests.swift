import Foundation
import SwiftletAPI
import SwiftletRuntime
import Testing
@testable import SwiftletAgent

private func q(_ s: String) -> Quantity { try! Quantity(parsing: s) }

@Suite("Volume manager", .enabled(if: volumeTestsRunAsRoot, "volume set-up mounts tmpfs and binds"))
struct VolumeManagerTests {
    let manager = VolumeManager(nodeAllocatable: NodeAllocatable(cpu: q("2"), memory: q("256Mi"), ephemeralStorage: q("10Gi")))

    /// A pod using every supported source.
    private func fullPod(hostDir: String) -> Pod {
        makePod(
            name: "web", namespace: "prod", uid: "u-42", labels: ["app": "web"],
            volumes: [
                Volume(name: "scratch", emptyDir: EmptyDirVolumeSource()),
                Volume(name: "fast", emptyDir: EmptyDirVolumeSource(medium: "Memory", sizeLimit: q("2Mi"))),
                Volume(name: "host", hostPath: HostPathVolumeSource(path: hostDir, type: "DirectoryOrCreate")),
                Volume(name: "info", downwardAPI: DownwardAPIVolumeSource(items: [
                    DownwardAPIVolumeFile(path: "labels", fieldRef: ObjectFieldSelector(fieldPath: "metadata.labels")),
                    DownwardAPIVolumeFile(path: "mem", resourceFieldRef: ResourceFieldSelector(containerName: "app", resource: "limits.memory", divisor: q("1Mi"))),
                ])),
                Volume(name: "proj", projected: ProjectedVolumeSource(sources: [
                    VolumeProjection(downwardAPI: DownwardAPIProjection(items: [
                        DownwardAPIVolumeFile(path: "name", fieldRef: ObjectFieldSelector(fieldPath: "metadata.name")),
                    ])),
                ])),
                Volume(name: "defaulted"),
            ],
            containers: [
                Container(name: "app", volumeMounts: [
                    VolumeMount(name: "scratch", mountPath: "/scratch"),
                    VolumeMount(name: "fast", readOnly: true, mountPath: "/fast"),
                    VolumeMount(name: "host", mountPath: "/logs", subPathExpr: "$(POD_NAME)"),
                    VolumeMount(name: "info", mountPath: "/etc/podinfo"),
                    VolumeMount(name: "proj", mountPath: "/etc/proj", mountPropagation: "None"),
                    VolumeMount(name: "scratch", mountPath: "/cache", subPath: "cache/app"),
                    VolumeMount(name: "defaulted", mountPath: "/d"),
                ]),
            ],
            initContainers: [
                Container(name: "init", volumeMounts: [VolumeMount(name: "scratch", mountPath: "/work")]),
            ])
    }

    @Test("every supported source is set up where kubelet puts it and becomes rbind mounts with the right options")
    func fullSetUp() throws {
        let dir = try VolumeTestDir("vm-full")
        defer { dir.remove() }
        let podDir = dir.sub("pods/u-42")
        let pod = fullPod(hostDir: dir.sub("host/logs"))
        let all = try manager.setUpAll(pod: pod, podDirectory: podDir, environments: ["app": ["POD_NAME": "web"]])

        let volumes = podDir + "/volumes"
        #expect(fileMode(volumes + "/kubernetes.io~empty-dir/scratch") == 0o777)
        #expect(fileMode(dir.sub("host/logs")) == 0o755)
        #expect(readText(volumes + "/kubernetes.io~downward-api/info/labels") == "app=\"web\"")
        #expect(readText(volumes + "/kubernetes.io~downward-api/info/mem") == "256")
        #expect(readText(volumes + "/kubernetes.io~projected/proj/name") == "web")
        #expect(FileManager.default.fileExists(atPath: volumes + "/kubernetes.io~empty-dir/defaulted"))
        // Memory emptyDir, downwardAPI and projected volumes are tmpfs mounts (as kubelet's wrapped emptyDirs).
        let tmpfs = Set(dir.mounts.filter { $0.fsType == "tmpfs" }.map(\.mountPoint))
        let real = VolumeSys.realPath(volumes)
        #expect(tmpfs == [real + "/kubernetes.io~empty-dir/fast", real + "/kubernetes.io~downward-api/info",
                          real + "/kubernetes.io~projected/proj"])

        let app = try #require(all["app"])
        #expect(app.rootfsPropagation == nil)
        let subpaths = VolumeSys.realPath(podDir) + "/volume-subpaths"
        #expect(app.mounts == [
            Spec.Mount(destination: "/scratch", type: "bind", source: volumes + "/kubernetes.io~empty-dir/scratch", options: ["rbind", "rprivate", "rw"]),
            Spec.Mount(destination: "/fast", type: "bind", source: volumes + "/kubernetes.io~empty-dir/fast", options: ["rbind", "rprivate", "ro"]),
            Spec.Mount(destination: "/logs", type: "bind", source: subpaths + "/host/app/2", options: ["rbind", "rprivate", "rw"]),
            Spec.Mount(destination: "/etc/podinfo", type: "bind", source: volumes + "/kubernetes.io~downward-api/info", options: ["rbind", "rprivate", "ro"]),
            Spec.Mount(destination: "/etc/proj", type: "bind", source: volumes + "/kubernetes.io~projected/proj", options: ["rbind", "rprivate", "ro"]),
            Spec.Mount(destination: "/cache", type: "bind", source: subpaths + "/scratch/app/5", options: ["rbind", "rprivate", "rw"]),
            Spec.Mount(destination: "/d", type: "bind", source: volumes + "/kubernetes.io~empty-dir/defaulted", options: ["rbind", "rprivate", "rw"]),
        ])
        // The subPathExpr directory was created inside the hostPath volume and is what /logs binds.
        #expect(FileManager.default.fileExists(atPath: dir.sub("host/logs/web")))
        #expect(all["init"]?.mounts.map(\.destination) == ["/work"])

        // A second set-up (agent restart) changes nothing and mounts nothing twice.
        let before = dir.mounts.count
        _ = try manager.setUpAll(pod: pod, podDirectory: podDir, environments: ["app": ["POD_NAME": "web"]])
        #expect(dir.mounts.count == before)
    }

    @Test("tearDown unmounts tmpfs and subPath binds, removes the pod directory, leaves hostPath data alone, and is idempotent")
    func tearDown() throws {
        let dir = try VolumeTestDir("vm-down")
        defer { dir.remove() }
        let podDir = dir.sub("pods/u-42")
        try dir.write("host/logs/web/keep.log", "host data")
        _ = try manager.setUpAll(pod: fullPod(hostDir: dir.sub("host/logs")), podDirectory: podDir,
                                 environments: ["app": ["POD_NAME": "web"]])
        #expect(!dir.mounts.isEmpty)
        try manager.tearDown(podDirectory: podDir)
        #expect(dir.mounts.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: podDir))
        #expect(readText(dir.sub("host/logs/web/keep.log")) == "host data")
        try manager.tearDown(podDirectory: podDir)
    }

    @Test("tearDownVolumes keeps the rest of the pod directory")
    func tearDownVolumesOnly() throws {
        let dir = try VolumeTestDir("vm-vols")
        defer { dir.remove() }
        let podDir = dir.sub("pods/u-1")
        try dir.write("pods/u-1/etc-hosts", "127.0.0.1 localhost")
        let pod = makePod(volumes: [Volume(name: "m", emptyDir: EmptyDirVolumeSource(medium: "Memory"))],
                          containers: [Container(name: "c", volumeMounts: [VolumeMount(name: "m", mountPath: "/m", subPath: "x")])])
        _ = try manager.setUpAll(pod: pod, podDirectory: podDir)
        #expect(dir.mounts.count == 2)
        try manager.tearDownVolumes(podDirectory: podDir)
        #expect(dir.mounts.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: podDir + "/volumes"))
        #expect(!FileManager.default.fileExists(atPath: podDir + "/volume-subpaths"))
        #expect(readText(podDir + "/etc-hosts") == "127.0.0.1 localhost")
    }

    @Test("sources that need an API server are all reported naming spec.volumes[i], before anything is created")
    func unsupportedSources() throws {
        let dir = try VolumeTestDir("vm-unsup")
        defer { dir.remove() }
        let pod = makePod(volumes: [
            Volume(name: "ok", emptyDir: EmptyDirVolumeSource()),
            Volume(name: "cm", configMap: ConfigMapVolumeSource(name: "settings")),
            Volume(name: "sec", secret: SecretVolumeSource(secretName: "creds")),
            Volume(name: "claim", persistentVolumeClaim: PersistentVolumeClaimVolumeSource(claimName: "data")),
            Volume(name: "share", otherSources: ["nfs": .object(["server": .string("nas"), "path": .string("/")])]),
            Volume(name: "tok", projected: ProjectedVolumeSource(sources: [VolumeProjection(serviceAccountToken: ServiceAccountTokenProjection(path: "t"))])),
        ], containers: [Container(name: "c")])
        let error = try #require(throws: VolumeError.self) {
            _ = try manager.setUp(pod: pod, podDirectory: dir.sub("pod"))
        }
        let lines = error.message.split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        #expect(lines[0].hasPrefix("spec.volumes[1]: volume \"cm\": configMap volumes are not supported in standalone mode"))
        #expect(lines[1].hasPrefix("spec.volumes[2]: volume \"sec\": secret volumes are not supported in standalone mode"))
        #expect(lines[2].hasPrefix("spec.volumes[3]: volume \"claim\": persistentVolumeClaim volumes are not supported in standalone mode"))
        #expect(lines[3] == "spec.volumes[4]: volume \"share\": nfs volumes are not supported by swiftlet")
        #expect(lines[4].hasPrefix("spec.volumes[5].projected.sources[0].serviceAccountToken: "))
        #expect(error.isNotSupported)
        #expect(error.field == "spec.volumes[1]")
        #expect(!FileManager.default.fileExists(atPath: dir.sub("pod")))
    }

    @Test("set-up failures name the volume's field: a hostPath type check")
    func hostPathFailure() throws {
        let dir = try VolumeTestDir("vm-hp")
        defer { dir.remove() }
        let pod = makePod(volumes: [Volume(name: "sock", hostPath: HostPathVolumeSource(path: dir.path, type: "Socket"))],
                          containers: [Container(name: "c")])
        let error = try #require(throws: VolumeError.self) { _ = try manager.setUp(pod: pod, podDirectory: dir.sub("pod")) }
        #expect(error.message == "spec.volumes[0]: hostPath type check failed: \(dir.path) is not a socket file")
    }

    @Test("mount errors name the container's volumeMount field")
    func mountErrors() throws {
        let dir = try VolumeTestDir("vm-mnt")
        defer { dir.remove() }
        let podDir = dir.sub("pod")
        func attempt(_ mount: VolumeMount, privileged: Bool = false, asInit: Bool = false) throws -> VolumeError {
            var container = Container(name: "c", volumeMounts: [VolumeMount(name: "v", mountPath: "/ok"), mount])
            if privileged { container.securityContext = SecurityContext(privileged: true) }
            let pod = asInit
                ? makePod(volumes: [Volume(name: "v", emptyDir: EmptyDirVolumeSource())], containers: [Container(name: "app")], initContainers: [container])
                : makePod(volumes: [Volume(name: "v", emptyDir: EmptyDirVolumeSource())], containers: [Container(name: "app"), container])
            let volumes = try manager.setUp(pod: pod, podDirectory: podDir)
            return try #require(throws: VolumeError.self) {
                _ = try manager.mounts(forContainer: "c", pod: pod, podDirectory: podDir, volumes: volumes)
            }
        }
        #expect(try attempt(VolumeMount(name: "nope", mountPath: "/x")).message
                == "spec.containers[1].volumeMounts[1].name: Not found: \"nope\"")
        #expect(try attempt(VolumeMount(name: "v", mountPath: "/x", subPath: "/etc"), asInit: true).message
                == "spec.initContainers[0].volumeMounts[1].subPath: Invalid value: \"/etc\": must be a relative path")
        #expect(try attempt(VolumeMount(name: "v", mountPath: "/x", subPath: "a/../..")).message
                == "spec.containers[1].volumeMounts[1].subPath: Invalid value: \"a/../..\": must not contain '..'")
        #expect(try attempt(VolumeMount(name: "v", mountPath: "relative")).message
                == "spec.containers[1].volumeMounts[1].mountPath: Invalid value: \"relative\": must be an absolute path")
        #expect(try attempt(VolumeMount(name: "v", mountPath: "/x", mountPropagation: "Sideways")).message
                == "spec.containers[1].volumeMounts[1].mountPropagation: Unsupported value: \"Sideways\": supported values: \"Bidirectional\", \"HostToContainer\", \"None\"")
        #expect(try attempt(VolumeMount(name: "v", mountPath: "/x", mountPropagation: "Bidirectional")).message
                == "spec.containers[1].volumeMounts[1].mountPropagation: Forbidden: Bidirectional mount propagation is available only to privileged containers")
        #expect(try attempt(VolumeMount(name: "v", mountPath: "/x", subPathExpr: "$(MISSING)")).message
                == "spec.containers[1].volumeMounts[1].subPathExpr: Invalid value: \"$(MISSING)\": missing value for MISSING")
        #expect(try attempt(VolumeMount(name: "v", recursiveReadOnly: "Enabled", mountPath: "/x")).isNotSupported)
    }

    @Test("HostToContainer and Bidirectional need a shared source mount; on one they give rslave/rshared and the root propagation")
    func propagation() throws {
        let dir = try VolumeTestDir("vm-prop")
        defer { dir.remove() }
        let podDir = dir.sub("pods/p")
        let pod = makePod(volumes: [Volume(name: "v", emptyDir: EmptyDirVolumeSource())], containers: [
            Container(name: "watcher", volumeMounts: [VolumeMount(name: "v", mountPath: "/in", mountPropagation: "HostToContainer")]),
            Container(name: "mounter", volumeMounts: [
                VolumeMount(name: "v", mountPath: "/in", mountPropagation: "HostToContainer"),
                VolumeMount(name: "v", mountPath: "/out", mountPropagation: "Bidirectional"),
            ], securityContext: SecurityContext(privileged: true)),
        ])
        let volumes = try manager.setUp(pod: pod, podDirectory: podDir)
        let privateTable = MountTable.read()
        if MountTable.mount(containing: VolumeSys.realPath(podDir), in: privateTable)?.isShared == false {
            let error = try #require(throws: VolumeError.self) {
                _ = try manager.mounts(forContainer: "watcher", pod: pod, podDirectory: podDir, volumes: volumes)
            }
            #expect(error.message.hasPrefix("spec.containers[0].volumeMounts[0].mountPropagation: path "))
            #expect(error.message.contains("not a shared or slave mount"))
        }
        try VolumeManager.makeShared(dir.path)
        try VolumeManager.makeShared(dir.path)  // already shared: nothing more is mounted
        #expect(dir.mounts.count == 1)
        let watcher = try manager.mounts(forContainer: "watcher", pod: pod, podDirectory: podDir, volumes: volumes)
        #expect(watcher.mounts.map(\.options) == [["rbind", "rslave", "rw"]])
        #expect(watcher.rootfsPropagation == "rslave")
        let mounter = try manager.mounts(forContainer: "mounter", pod: pod, podDirectory: podDir, volumes: volumes)
        #expect(mounter.mounts.map(\.options) == [["rbind", "rslave", "rw"], ["rbind", "rshared", "rw"]])
        #expect(mounter.rootfsPropagation == "rshared")
    }

    @Test("a hostPath without type that does not exist is created as a directory when mounted, like containerd does")
    func untypedHostPath() throws {
        let dir = try VolumeTestDir("vm-untyped")
        defer { dir.remove() }
        let pod = makePod(volumes: [Volume(name: "h", hostPath: HostPathVolumeSource(path: dir.sub("later/made")))],
                          containers: [Container(name: "c", volumeMounts: [VolumeMount(name: "h", mountPath: "/h")])])
        let volumes = try manager.setUp(pod: pod, podDirectory: dir.sub("pod"))
        #expect(!FileManager.default.fileExists(atPath: dir.sub("later/made")))
        let mounts = try manager.mounts(forContainer: "c", pod: pod, podDirectory: dir.sub("pod"), volumes: volumes)
        #expect(mounts.mounts.first?.source == dir.sub("later/made"))
        #expect(fileMode(dir.sub("later/made")) == 0o755)
    }

    @Test("fsGroup gives emptyDir and downwardAPI volumes the group, group access and the setgid bit")
    func fsGroup() throws {
        let dir = try VolumeTestDir("vm-fsgroup")
        defer { dir.remove() }
        var pod = makePod(volumes: [
            Volume(name: "e", emptyDir: EmptyDirVolumeSource()),
            Volume(name: "d", downwardAPI: DownwardAPIVolumeSource(items: [
                DownwardAPIVolumeFile(path: "n", fieldRef: ObjectFieldSelector(fieldPath: "metadata.name"), mode: 0o600),
            ])),
        ], containers: [Container(name: "c")])
        pod.spec.securityContext = PodSecurityContext(fsGroup: 4242)
        let volumes = try manager.setUp(pod: pod, podDirectory: dir.sub("pod"))
        var st = stat()
        let empty = try #require(volumes["e"]).path
        #expect(stat(empty, &st) == 0)
        #expect(st.st_gid == 4242)
        #expect(st.st_mode & S_ISGID != 0)
        let file = try #require(volumes["d"]).path + "/n"
        #expect(stat(file, &st) == 0)
        #expect(st.st_gid == 4242)
        #expect(st.st_mode & 0o777 == 0o640)  // 0600 plus group read: the volume is read-only
    }
}
