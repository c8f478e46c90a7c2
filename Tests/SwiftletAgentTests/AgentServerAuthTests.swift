import Foundation
import SwiftletAPI
import Testing
import X509

@testable import SwiftletAgent

/// The HTTPS API's TLS and authentication, against real curl clients over loopback.
@Suite("Agent API server: TLS and authentication")
struct AgentServerAuthTests {
    private static func pods() -> AgentAPIHandlers {
        AgentAPIHandlers(pods: { [Pod(metadata: ObjectMeta(name: "web", namespace: "default"))] })
    }

    @Test("refuses requests without credentials with 401 when anonymous access is off")
    func refusesAnonymous() async throws {
        let dir = try ServerTestDir()
        let server = AgentServer(options: testServerOptions(dir), handlers: Self.pods())
        try await withServer(server) { server in
            let cert = try #require(server.certificateFile)
            for path in ["/pods", "/healthz", "/metrics", "/no/such/path"] {
                let r = try await serverCurl(server.url(path), caFile: cert)
                #expect(r.status == 401, "\(path): \(r.status) \(r.body)")
                #expect(r.body == "Unauthorized")
            }
        }
    }

    @Test("accepts a client certificate signed by the configured CA and refuses a stranger's")
    func clientCertificates() async throws {
        let dir = try ServerTestDir()
        let pki = try await TestPKI(in: dir.path)
        var options = testServerOptions(dir)
        options.clientCAFile = pki.caCert
        let server = AgentServer(options: options, handlers: Self.pods())
        try await withServer(server) { server in
            let cert = try #require(server.certificateFile)
            let good = try await serverCurl(server.url("/pods"), caFile: cert, ["--cert", pki.clientCert, "--key", pki.clientKey])
            #expect(good.status == 200, "\(good.body) \(good.stderr)")
            #expect(good.body.contains(#""name":"web""#))

            let stranger = try await serverCurl(server.url("/pods"), caFile: cert, ["--cert", pki.strangerCert, "--key", pki.strangerKey])
            #expect(stranger.status == 0, "a certificate from another CA got an HTTP answer: \(stranger.status) \(stranger.body)")
            #expect(stranger.exitCode != 0)

            let none = try await serverCurl(server.url("/pods"), caFile: cert)
            #expect(none.status == 401, "no certificate is allowed at the TLS layer and refused by authentication")
        }
    }

    @Test("a client certificate's CN and O become the user and groups")
    func certificateUser() async throws {
        let dir = try ServerTestDir()
        let pki = try await TestPKI(in: dir.path)
        var options = testServerOptions(dir)
        options.clientCAFile = pki.caCert
        options.authorizationMode = "Webhook"
        let server = AgentServer(options: options, handlers: Self.pods())
        try await withServer(server) { server in
            let cert = try #require(server.certificateFile)
            // Webhook authorization is not available without an API server: 403 naming the user.
            let r = try await serverCurl(server.url("/stats/summary"), caFile: cert, ["--cert", pki.clientCert, "--key", pki.clientKey])
            #expect(r.status == 403)
            #expect(r.body.contains("user=alice"), "\(r.body)")
            #expect(r.body.contains("subresource(s)=[stats]"))
            #expect(r.body.contains("AlwaysAllow"))
        }
        let pem = try String(contentsOfFile: pki.clientCert, encoding: .utf8)
        let der = try Certificate(pemEncoded: pem).serializeAsPEM().derBytes
        let user = try AgentAuthenticator.user(fromCertificateDER: der)
        #expect(user == AgentUser(name: "alice", groups: ["devs", "ops"]))
    }

    @Test("accepts a bearer token from the token file and refuses a wrong one")
    func bearerTokens() async throws {
        let dir = try ServerTestDir()
        try "s3cret,bob,1001,\"admins,devs\"\n,empty,2\n".write(toFile: dir.file("tokens.csv"), atomically: true, encoding: .utf8)
        var options = testServerOptions(dir)
        options.tokenAuthFile = dir.file("tokens.csv")
        let server = AgentServer(options: options, handlers: Self.pods())
        try await withServer(server) { server in
            let cert = try #require(server.certificateFile)
            let good = try await serverCurl(server.url("/pods"), caFile: cert, ["-H", "Authorization: Bearer s3cret"])
            #expect(good.status == 200)
            #expect(good.body.hasPrefix(#"{"kind":"PodList","apiVersion":"v1","metadata":{},"items":["#))
            let wrong = try await serverCurl(server.url("/pods"), caFile: cert, ["-H", "Authorization: Bearer guess"])
            #expect(wrong.status == 401)
            let basic = try await serverCurl(server.url("/pods"), caFile: cert, ["-H", "Authorization: Basic czNjcmV0"])
            #expect(basic.status == 401)
        }
    }

    @Test("anonymous access, when enabled, lets requests without credentials through but not a wrong token")
    func anonymousEnabled() async throws {
        let dir = try ServerTestDir()
        try "s3cret,bob,1001\n".write(toFile: dir.file("tokens.csv"), atomically: true, encoding: .utf8)
        var options = testServerOptions(dir)
        options.anonymousEnabled = true
        options.tokenAuthFile = dir.file("tokens.csv")
        let server = AgentServer(options: options, handlers: Self.pods())
        try await withServer(server) { server in
            let cert = try #require(server.certificateFile)
            let r = try await serverCurl(server.url("/healthz"), caFile: cert)
            #expect(r.status == 200)
            #expect(r.body == "ok")
            let wrong = try await serverCurl(server.url("/healthz"), caFile: cert, ["-H", "Authorization: Bearer guess"])
            #expect(wrong.status == 401)
        }
    }

    @Test("the self-signed serving certificate has the node's SANs, a 0600 key, and is reused on restart")
    func selfSignedCertificate() async throws {
        let dir = try ServerTestDir()
        var options = testServerOptions(dir)
        options.anonymousEnabled = true
        options.nodeIPs = ["127.0.0.1", "10.9.8.7", "fd00::7"]
        let first = try await withServer(AgentServer(options: options, handlers: AgentAPIHandlers())) { server in
            let cert = try #require(server.certificateFile)
            #expect(cert == dir.file("pki/kubelet.crt"))
            // curl checks the chain and that 127.0.0.1 and localhost are in the SANs.
            #expect(try await serverCurl(server.url("/healthz"), caFile: cert).status == 200)
            #expect(try await serverCurl("https://localhost:\(server.port ?? 0)/healthz", caFile: cert).status == 200)
            return try String(contentsOfFile: cert, encoding: .utf8)
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: dir.file("pki/kubelet.key"))
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let sans = try #require(ServingCertificate.sans(ofCertificateFile: dir.file("pki/kubelet.crt")))
        #expect(sans.dnsNames == ["test-node", "localhost"])
        #expect(sans.ipAddresses == [[127, 0, 0, 1], [10, 9, 8, 7], [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7]])
        let text = try await runServerTool("/usr/bin/openssl", ["x509", "-in", dir.file("pki/kubelet.crt"), "-noout", "-text"]).out
        #expect(text.contains("DNS:test-node"))
        #expect(text.contains("IP Address:10.9.8.7"))

        let second = try await withServer(AgentServer(options: options, handlers: AgentAPIHandlers())) { server in
            try String(contentsOfFile: try #require(server.certificateFile), encoding: .utf8)
        }
        #expect(second == first, "a valid certificate is reused")

        options.nodeIPs = ["127.0.0.1", "10.9.8.8"]
        let third = try await withServer(AgentServer(options: options, handlers: AgentAPIHandlers())) { server in
            try String(contentsOfFile: try #require(server.certificateFile), encoding: .utf8)
        }
        #expect(third != first, "changed node addresses make a new certificate")
        #expect(ServingCertificate.sans(ofCertificateFile: dir.file("pki/kubelet.crt"))?.ipAddresses.contains([10, 9, 8, 8]) == true)
    }

    @Test("an expiring self-signed certificate is made again")
    func expiredCertificateRegenerated() throws {
        let dir = try ServerTestDir()
        let now = Date()
        let made = try ServingCertificate.ensure(directory: dir.path, nodeName: "n1", nodeIPs: [], now: now)
        #expect(made.generated)
        let again = try ServingCertificate.ensure(directory: dir.path, nodeName: "n1", nodeIPs: [], now: now.addingTimeInterval(86_400 * 30))
        #expect(!again.generated)
        let late = try ServingCertificate.ensure(directory: dir.path, nodeName: "n1", nodeIPs: [], now: now.addingTimeInterval(86_400 * 365))
        #expect(late.generated, "a certificate within a day of expiry is replaced")
    }

    @Test("serves the configured tlsCertFile and tlsPrivateKeyFile")
    func configuredCertificate() async throws {
        let dir = try ServerTestDir()
        let pki = try await TestPKI(in: dir.path)
        var options = testServerOptions(dir)
        options.tlsCertFile = pki.serverCert
        options.tlsPrivateKeyFile = pki.serverKey
        options.anonymousEnabled = true
        try await withServer(AgentServer(options: options, handlers: AgentAPIHandlers())) { server in
            #expect(server.certificateFile == pki.serverCert)
            let r = try await serverCurl(server.url("/healthz"), caFile: pki.caCert)
            #expect(r.status == 200)
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("pki/kubelet.crt")), "no self-signed certificate is made")

        options.tlsPrivateKeyFile = dir.file("missing.key")
        let broken = AgentServer(options: options, handlers: AgentAPIHandlers())
        await #expect(throws: AgentError.self) { try await broken.start() }
        await broken.shutdown()
    }

    @Test("the read-only port serves health and stats without authentication, and nothing else")
    func readOnlyPort() async throws {
        let dir = try ServerTestDir()
        var options = testServerOptions(dir)
        options.readOnlyPort = 0
        options.healthzPort = 0
        let handlers = AgentAPIHandlers(
            pods: { [Pod(metadata: ObjectMeta(name: "web"))] },
            statsSummary: { _ in Data(#"{"node":{"nodeName":"test-node"},"pods":[]}"#.utf8) },
            resourceMetrics: { "scrape_error 0\n" })
        try await withServer(AgentServer(options: options, handlers: handlers)) { server in
            let readOnly = "http://127.0.0.1:\(try #require(server.readOnlyPort))"
            #expect(try await serverCurl(readOnly + "/healthz").body == "ok")
            let stats = try await serverCurl(readOnly + "/stats/summary")
            #expect(stats.status == 200)
            #expect(stats.body.contains("test-node"))
            #expect(try await serverCurl(readOnly + "/metrics/resource").body == "scrape_error 0\n")
            #expect(try await serverCurl(readOnly + "/pods").status == 404)
            #expect(try await serverCurl(readOnly + "/containerLogs/default/web/app").status == 404)
            #expect(try await serverCurl(readOnly + "/metrics").status == 404)

            let healthz = "http://127.0.0.1:\(try #require(server.healthzPort))"
            #expect(try await serverCurl(healthz + "/healthz").body == "ok")
            #expect(try await serverCurl(healthz + "/stats/summary").status == 404)

            // The secure port still wants credentials.
            let cert = try #require(server.certificateFile)
            #expect(try await serverCurl(server.url("/stats/summary"), caFile: cert).status == 401)
        }
    }

    @Test("shutdown closes listeners and open connections, including a followed log")
    func shutdownClosesEverything() async throws {
        let dir = try ServerTestDir()
        let log = dir.file("0.log")
        try "2026-01-02T03:04:05.000000001Z stdout F hello\n".write(toFile: log, atomically: true, encoding: .utf8)
        var options = testServerOptions(dir)
        options.anonymousEnabled = true
        let server = AgentServer(options: options, handlers: AgentAPIHandlers(
            containerLogPath: { _ in log }, containerIsRunning: { _ in true }))
        try await server.start()
        let port = try #require(server.port)
        let cert = try #require(server.certificateFile)
        let follower = try StreamingCurl(server.url("/containerLogs/default/web/app?follow=true"), caFile: cert)
        #expect(await follower.waitFor("hello\n"))
        let start = ContinuousClock.now
        await server.shutdown()
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(await follower.waitForExit() != nil, "the followed log ends when the server stops")
        let after = try await serverCurl("https://127.0.0.1:\(port)/healthz", caFile: cert)
        #expect(after.status == 0, "nothing listens any more")
        #expect(server.port == nil)
    }
}
