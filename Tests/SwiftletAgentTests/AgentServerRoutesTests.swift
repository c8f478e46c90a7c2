import Foundation
import SwiftletAPI
import Testing

@testable import SwiftletAgent

/// kubelet's paths and response shapes on the HTTPS API (anonymous access on, to keep requests short).
@Suite("Agent API server: routes")
struct AgentServerRoutesTests {
    private static func options(_ dir: borrowing ServerTestDir) -> AgentServerOptions {
        var options = testServerOptions(dir)
        options.anonymousEnabled = true
        return options
    }

    @Test("/pods is a v1 PodList of the handler's pods")
    func podList() async throws {
        let dir = try ServerTestDir()
        let pods = [
            Pod(metadata: ObjectMeta(name: "web", namespace: "default", uid: "u1")),
            Pod(metadata: ObjectMeta(name: "db", namespace: "prod", uid: "u2")),
        ]
        try await withServer(AgentServer(options: Self.options(dir), handlers: AgentAPIHandlers(pods: { pods }))) { server in
            let r = try await serverCurl(server.url("/pods"), caFile: server.certificateFile)
            #expect(r.status == 200)
            #expect(r.headers.lowercased().contains("content-type: application/json"))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any])
            #expect(object["kind"] as? String == "PodList")
            #expect(object["apiVersion"] as? String == "v1")
            #expect((object["metadata"] as? [String: Any])?.isEmpty == true)
            let list = try JSONDecoder().decode(PodList.self, from: Data(r.body.utf8))
            #expect(list.items.map(\.metadata.name) == ["web", "db"])
            #expect(list.items.map(\.metadata.namespace) == ["default", "prod"])

            let empty = try await withServer(AgentServer(options: Self.options(dir), handlers: AgentAPIHandlers())) { other in
                try await serverCurl(other.url("/pods/"), caFile: other.certificateFile).body
            }
            #expect(empty == #"{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[]}"#)
        }
    }

    @Test("/healthz answers ok, lists its checks with ?verbose, and 500 with the reason withheld when one fails")
    func healthz() async throws {
        let dir = try ServerTestDir()
        let syncLoopHealthy = ServerFlag(true)
        struct SyncLoopStalled: Error, CustomStringConvertible {
            var description: String { "sync loop took 3m0s, longer than 2m0s" }
        }
        let handlers = AgentAPIHandlers(healthChecks: [
            AgentHealthCheck(name: "syncloop") { if !syncLoopHealthy.isSet { throw SyncLoopStalled() } },
        ])
        try await withServer(AgentServer(options: Self.options(dir), handlers: handlers)) { server in
            let cert = server.certificateFile
            #expect(try await serverCurl(server.url("/healthz"), caFile: cert).body == "ok")
            let verbose = try await serverCurl(server.url("/healthz?verbose"), caFile: cert)
            #expect(verbose.body == "[+]ping ok\n[+]log ok\n[+]syncloop ok\nhealthz check passed\n")
            #expect(try await serverCurl(server.url("/healthz/syncloop"), caFile: cert).body == "ok")

            syncLoopHealthy.set(false)
            let failing = try await serverCurl(server.url("/healthz"), caFile: cert)
            #expect(failing.status == 500)
            #expect(failing.body == "[+]ping ok\n[+]log ok\n[-]syncloop failed: reason withheld\nhealthz check failed\n")
            let single = try await serverCurl(server.url("/healthz/syncloop"), caFile: cert)
            #expect(single.status == 500)
            #expect(single.body.contains("longer than 2m0s"))
            let excluded = try await serverCurl(server.url("/healthz?exclude=syncloop&exclude=nosuch&verbose=1"), caFile: cert)
            #expect(excluded.status == 200)
            #expect(excluded.body.contains("[+]syncloop excluded: ok\n"))
            #expect(excluded.body.contains("warn: some health checks cannot be excluded: no matches for \"nosuch\"\n"))
            #expect(try await serverCurl(server.url("/healthz/nosuch"), caFile: cert).status == 404)
        }
    }

    @Test("/metrics shows the agent's metrics under kubelet's names once recorded")
    func metrics() async throws {
        let dir = try ServerTestDir()
        let server = AgentServer(options: Self.options(dir), handlers: AgentAPIHandlers())
        let m = server.metrics
        m.observePodStart(.milliseconds(1500))
        m.observePodWorker(operation: "sync", .milliseconds(20))
        m.setRunningPods(3)
        m.setRunningContainers(4, state: "running")
        m.setRunningContainers(1, state: "exited")
        m.recordProbe(probeType: "Readiness", result: "successful", container: "app", pod: "web", namespace: "default", podUID: "u1")
        m.recordProbe(probeType: "Readiness", result: "successful", container: "app", pod: "web", namespace: "default", podUID: "u1")
        m.recordProbe(probeType: "Liveness", result: "failed", container: "app", pod: "web", namespace: "default", podUID: "u1")
        m.observeRuntimeOperation("create_container", .milliseconds(30))
        m.observeRuntimeOperation("pull_image", .seconds(2), failed: true)
        m.observeImagePull(.seconds(12), imageSizeBytes: 50 * 1024 * 1024)
        try await withServer(server) { server in
            let r = try await serverCurl(server.url("/metrics"), caFile: server.certificateFile)
            #expect(r.status == 200)
            #expect(r.headers.lowercased().contains("content-type: text/plain; version=0.0.4"))
            let text = r.body
            #expect(text.contains("kubelet_pod_start_duration_seconds_count 1"))
            #expect(text.contains(#"kubelet_pod_start_duration_seconds_bucket{le="2.0"} 1"#) || text.contains(#"kubelet_pod_start_duration_seconds_bucket{le="2"} 1"#), "\(text)")
            #expect(text.contains(#"kubelet_pod_worker_duration_seconds_count{operation_type="sync"} 1"#))
            #expect(text.contains("kubelet_running_pods 3"))
            #expect(text.contains(#"kubelet_running_containers{container_state="running"} 4"#))
            #expect(text.contains(#"kubelet_running_containers{container_state="exited"} 1"#))
            #expect(text.contains(#"prober_probe_total{probe_type="Readiness",result="successful",container="app",pod="web",namespace="default",pod_uid="u1"} 2"#))
            #expect(text.contains(#"prober_probe_total{probe_type="Liveness",result="failed",container="app",pod="web",namespace="default",pod_uid="u1"} 1"#))
            #expect(text.contains(#"kubelet_runtime_operations_duration_seconds_count{operation_type="create_container"} 1"#))
            #expect(text.contains(#"kubelet_runtime_operations_errors_total{operation_type="pull_image"} 1"#))
            #expect(!text.contains(#"kubelet_runtime_operations_errors_total{operation_type="create_container"}"#))
            #expect(text.contains(#"kubelet_image_pull_duration_seconds_count{image_size_in_bytes="10MB-100MB"} 1"#))
        }
        m.forgetPod(namespace: "default", name: "web", uid: "u1")
        #expect(!m.prometheusText().contains("prober_probe_total{"))
        let fresh = AgentMetrics().prometheusText()
        #expect(fresh.contains("kubelet_running_pods 0"), "each AgentMetrics has its own registry: \(fresh)")
        #expect(!fresh.contains("kubelet_running_containers"))
    }

    @Test("/stats/summary and /metrics/resource serve what the handlers return")
    func stats() async throws {
        let dir = try ServerTestDir()
        let handlers = AgentAPIHandlers(
            statsSummary: { onlyCPUAndMemory in Data(#"{"node":{"nodeName":"n"},"onlyCPUAndMemory":\#(onlyCPUAndMemory)}"#.utf8) },
            resourceMetrics: { "# TYPE scrape_error gauge\nscrape_error 0\n" })
        try await withServer(AgentServer(options: Self.options(dir), handlers: handlers)) { server in
            let cert = server.certificateFile
            let full = try await serverCurl(server.url("/stats/summary"), caFile: cert)
            #expect(full.status == 200)
            #expect(full.body.contains(#""onlyCPUAndMemory":false"#))
            #expect(try await serverCurl(server.url("/stats/summary?only_cpu_and_memory=true"), caFile: cert).body.contains(#""onlyCPUAndMemory":true"#))
            let bad = try await serverCurl(server.url("/stats/summary?only_cpu_and_memory=maybe"), caFile: cert)
            #expect(bad.status == 400)
            #expect(bad.body.contains("only_cpu_and_memory"))
            let resource = try await serverCurl(server.url("/metrics/resource"), caFile: cert)
            #expect(resource.body == "# TYPE scrape_error gauge\nscrape_error 0\n")
            #expect(resource.headers.lowercased().contains("content-type: text/plain; version=0.0.4"))
        }
        try await withServer(AgentServer(options: Self.options(dir), handlers: AgentAPIHandlers())) { server in
            let unavailable = try await serverCurl(server.url("/stats/summary"), caFile: server.certificateFile)
            #expect(unavailable.status == 503)
            #expect(unavailable.body == "no stats are collected yet")
        }
    }

    @Test("unknown paths are 404, other methods 405, and a handler's failure 500")
    func errors() async throws {
        let dir = try ServerTestDir()
        struct Broken: Error, CustomStringConvertible { var description: String { "pod store unavailable" } }
        try await withServer(AgentServer(options: Self.options(dir), handlers: AgentAPIHandlers(pods: { throw Broken() }))) { server in
            let cert = server.certificateFile
            let missing = try await serverCurl(server.url("/nope"), caFile: cert)
            #expect(missing.status == 404)
            #expect(missing.body == "404 page not found")
            #expect(try await serverCurl(server.url("/stats/other"), caFile: cert).status == 404)
            #expect(try await serverCurl(server.url("/containerLogs/default/web"), caFile: cert).status == 404)
            let post = try await serverCurl(server.url("/healthz"), caFile: cert, ["-X", "POST"])
            #expect(post.status == 405)
            let failed = try await serverCurl(server.url("/pods"), caFile: cert)
            #expect(failed.status == 500)
            #expect(failed.body.contains("pod store unavailable"))
            let head = try await serverCurl(server.url("/healthz"), caFile: cert, ["-I"])
            #expect(head.status == 200)
        }
    }

    @Test("a keep-alive connection carries several requests")
    func keepAlive() async throws {
        let dir = try ServerTestDir()
        try await withServer(AgentServer(options: Self.options(dir), handlers: AgentAPIHandlers())) { server in
            let cert = try #require(server.certificateFile)
            let r = try await runServerTool("/usr/bin/curl", ["-sS", "-v", "--max-time", "20", "--cacert", cert,
                                                        server.url("/healthz"), server.url("/healthz?verbose")])
            #expect(r.out.hasPrefix("ok[+]ping ok"), "\(r.out)")
            #expect(r.out.hasSuffix("healthz check passed\n"))
            #expect(r.err.contains("Re-using existing connection") || r.err.contains("Reusing existing connection"), "\(r.err)")
        }
    }

    @Test("connections idle between requests are closed after the idle timeout")
    func idleConnections() async throws {
        let dir = try ServerTestDir()
        var options = Self.options(dir)
        options.readOnlyPort = 0
        options.idleTimeout = .milliseconds(300)
        try await withServer(AgentServer(options: options, handlers: AgentAPIHandlers())) { server in
            let plain = try await secondsUntilServerCloses(port: try #require(server.readOnlyPort))
            #expect(plain != nil && plain! >= 0.2, "an idle plain connection is closed: \(String(describing: plain))")
            let tls = try await secondsUntilServerCloses(port: try #require(server.port))
            #expect(tls != nil && tls! >= 0.2, "a connection that never starts TLS is closed: \(String(describing: tls))")
        }
    }

    @Test("run() serves until its task is cancelled, then shuts down")
    func runAsService() async throws {
        let dir = try ServerTestDir()
        let server = AgentServer(options: Self.options(dir), handlers: AgentAPIHandlers())
        let task = Task { try await server.run() }
        let deadline = ContinuousClock.now + .seconds(10)
        while server.port == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        let port = try #require(server.port)
        #expect(try await serverCurl(server.url("/healthz"), caFile: server.certificateFile).body == "ok")
        task.cancel()
        try await task.value
        #expect(server.port == nil)
        let after = try await serverCurl("https://127.0.0.1:\(port)/healthz", caFile: server.certificateFile)
        #expect(after.status == 0)
    }
}
