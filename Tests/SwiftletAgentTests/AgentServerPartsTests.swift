import Foundation
import SwiftletAPI
import SwiftletRuntimeInit
import Testing

@testable import SwiftletAgent

/// The server's pure parts: the token file, log query parsing, timestamps and routing.
@Suite("Agent API server: parsing")
struct AgentServerPartsTests {
    @Test("the token file reads kube-apiserver's CSV: quoted groups, skipped empty tokens, last duplicate wins")
    func tokenFile() throws {
        let file = try StaticTokenFile(csv: """
            abc,alice,1001,"admins,devs"
            def,bob,1002
            ,nobody,1003
            "g""h",carol,1004,ops

            def,bobby,1005
            """)
        #expect(file.user(forToken: "abc") == AgentUser(name: "alice", uid: "1001", groups: ["admins", "devs"]))
        #expect(file.user(forToken: "def") == AgentUser(name: "bobby", uid: "1005"))
        #expect(file.user(forToken: "g\"h") == AgentUser(name: "carol", uid: "1004", groups: ["ops"]))
        #expect(file.user(forToken: "") == nil)
        #expect(file.users.count == 3)
        #expect(throws: AgentError.self) { try StaticTokenFile(csv: "abc,alice\n") }
        #expect(throws: AgentError.self) { try StaticTokenFile(csv: "a\"bc,alice,1\n") }
        #expect(throws: AgentError.self) { try StaticTokenFile(csv: "\"abc,alice,1\n") }
        #expect(throws: AgentError.self) { try StaticTokenFile(path: "/nonexistent/tokens.csv") }
    }

    @Test("log queries convert as kubelet's parameter codec does and are validated")
    func logOptions() throws {
        func parse(_ pairs: [(String, String)]) throws -> ContainerLogOptions {
            try ContainerLogOptions(query: pairs.map { (name: $0.0, value: $0.1) })
        }
        let bare = try parse([("follow", ""), ("timestamps", "yes"), ("previous", "0")])
        #expect(bare.follow && bare.timestamps && !bare.previous)
        #expect(try parse([("follow", "False")]).follow == false)
        #expect(try parse([("tailLines", "5")]).tailLines == 5)
        #expect(try parse([("tail", "7")]).tailLines == 7)
        #expect(try parse([("tail", "all"), ("tailLines", "3")]).tailLines == nil)
        #expect(try parse([("limitBytes", "10")]).limitBytes == 10)
        #expect(throws: AgentAPIError.self) { try parse([("limitBytes", "ten")]) }
        #expect(throws: AgentAPIError.self) { try parse([("sinceSeconds", "0")]) }
        do {
            _ = try parse([("tailLines", "-3")])
            Issue.record("a negative tailLines was accepted")
        } catch let error as AgentAPIError {
            #expect(error.statusCode == 422)
            #expect(error.message.contains("tailLines"))
        }

        var options = try parse([("sinceSeconds", "10")])
        let now = Date(timeIntervalSince1970: 1_767_323_045)
        #expect(options.sinceUnixNanos(now: now) == Int64(1_767_323_035_000_000_000))
        options = try parse([("sinceTime", "2026-01-02T03:04:05Z")])
        #expect(options.sinceUnixNanos(now: now) == Int64(1_767_323_045_000_000_000))
        #expect(try parse([]).sinceUnixNanos(now: now) == nil)
    }

    @Test("CRI timestamps parse to nanoseconds and print with nine fraction digits")
    func timestamps() {
        func parse(_ s: String) -> Int64? { RFC3339.parseNanoseconds(Array(s.utf8)[...]) }
        #expect(parse("1970-01-01T00:00:00Z") == 0)
        #expect(parse("2026-01-02T03:04:05Z") == Int64(1_767_323_045_000_000_000))
        #expect(parse("2026-01-02T03:04:05.123456789Z") == 1_767_323_045_123_456_789)
        #expect(parse("2026-01-02T03:04:05.1Z") == 1_767_323_045_100_000_000)
        #expect(parse("2026-01-02T04:04:05+01:00") == Int64(1_767_323_045_000_000_000))
        #expect(parse("2026-01-02 03:04:05Z") == Int64(1_767_323_045_000_000_000), "RFC 3339 §5.6 allows a space")
        #expect(parse("2026-01-02T03:04:05") == nil)
        #expect(parse("2026-13-02T03:04:05Z") == nil)
        var out: [UInt8] = []
        CRILog.appendTimestamp(unixNanos: 1_767_323_045_100_000_000, fixedWidth: true, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "2026-01-02T03:04:05.100000000Z")
        out = []
        CRILog.appendTimestamp(unixNanos: 951_782_400_000_000_007, fixedWidth: true, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "2000-02-29T00:00:00.000000007Z")
    }

    @Test("paths map to kubelet's routes; each listener serves its own set")
    func routes() throws {
        typealias Route = AgentRouter.Route
        #expect(Route(path: "/healthz") == .healthz(check: nil))
        #expect(Route(path: "/healthz/syncloop") == .healthz(check: "syncloop"))
        #expect(Route(path: "/pods/") == .pods)
        #expect(Route(path: "/stats/summary") == .statsSummary)
        #expect(Route(path: "/metrics") == .metrics)
        #expect(Route(path: "/metrics/resource") == .resourceMetrics)
        #expect(Route(path: "/containerLogs/ns/pod/c") == .containerLogs(namespace: "ns", pod: "pod", container: "c"))
        #expect(Route(path: "/containerLogs/ns//c") == nil)
        #expect(Route(path: "/containerLogs/ns/pod/c/extra") == nil)
        #expect(Route(path: "/metrics/cadvisor") == nil)
        #expect(Route(path: "/") == nil)
        #expect(Route.statsSummary.served(on: .readOnly))
        #expect(!Route.pods.served(on: .readOnly))
        #expect(!Route.statsSummary.served(on: .healthz))
        #expect(Route.healthz(check: nil).served(on: .healthz))

        let (path, query) = try AgentRouter.split("/containerLogs/a%2Db/p/c?sinceTime=2026-01-02T03%3A04%3A05Z&x=a+b&flag")
        #expect(path == "/containerLogs/a-b/p/c")
        #expect(query.map(\.name) == ["sinceTime", "x", "flag"])
        #expect(query.map(\.value) == ["2026-01-02T03:04:05Z", "a b", ""])
        #expect(throws: AgentAPIError.self) { try AgentRouter.split("/pods?x=%zz") }
    }

    @Test("image sizes get kubelet's bucket labels")
    func imageSizeBuckets() {
        #expect(AgentMetrics.imageSizeBucket(0) == "N/A")
        #expect(AgentMetrics.imageSizeBucket(1) == "0-10MB")
        #expect(AgentMetrics.imageSizeBucket(10 * 1024 * 1024) == "0-10MB")
        #expect(AgentMetrics.imageSizeBucket(10 * 1024 * 1024 + 1) == "10MB-100MB")
        #expect(AgentMetrics.imageSizeBucket(200 * 1024 * 1024 * 1024) == "GT100GB")
    }

    @Test("options from a KubeletConfiguration: 0 disables the extra ports, the PKI lives under the root dir")
    func optionsFromConfiguration() {
        var config = KubeletConfiguration()
        config.authentication.anonymous.enabled = true
        config.authentication.x509.clientCAFile = "/etc/ca.crt"
        let options = AgentServerOptions(configuration: config, rootDir: "/var/lib/swiftlet", nodeName: "n1", nodeIPs: ["10.0.0.1"],
                                         tokenAuthFile: "/etc/tokens.csv")
        #expect(options.address == "0.0.0.0")
        #expect(options.port == 10250)
        #expect(options.readOnlyPort == nil)
        #expect(options.healthzPort == 10248)
        #expect(options.healthzAddress == "127.0.0.1")
        #expect(options.pkiDirectory == "/var/lib/swiftlet/pki")
        #expect(options.anonymousEnabled)
        #expect(options.clientCAFile == "/etc/ca.crt")
        #expect(options.tokenAuthFile == "/etc/tokens.csv")
        #expect(options.authorizationMode == config.authorization.mode)
        config.readOnlyPort = 10255
        config.healthzPort = 0
        let other = AgentServerOptions(configuration: config, rootDir: "/r", nodeName: "n1", nodeIPs: [])
        #expect(other.readOnlyPort == 10255)
        #expect(other.healthzPort == nil)
    }
}
