import Foundation
import Testing
import SwiftletAgent
import SwiftletAPI

@Suite("Probe helpers: kubelet's ports, defaults, Go wording, URLs")
struct ProbeSupportTests {
    @Test("timing defaults: delay 0, timeout 1, period 10, thresholds 1 and 3; non-positive values take the default")
    func timing() {
        #expect(ProbeTiming(Probe()) == ProbeTiming(Probe(initialDelaySeconds: 0, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3)))
        let set = ProbeTiming(Probe(initialDelaySeconds: 5, timeoutSeconds: 3, periodSeconds: 2, successThreshold: 4, failureThreshold: 6))
        let values: [Int] = [set.initialDelay, set.timeout, set.period, set.successThreshold, set.failureThreshold]
        #expect(values == [5, 3, 2, 4, 6])
        #expect(ProbeTiming(Probe(timeoutSeconds: 0, periodSeconds: -1)).period == 10)
    }

    @Test("ports resolve by number, by name, or as a number written as a string, within 1–65535")
    func ports() throws {
        var container = Container(name: "c")
        container.ports = [ContainerPort(name: "http", containerPort: 8080), ContainerPort(name: "8443", containerPort: 9443)]
        #expect(try ProbeSupport.resolvePort(.int(80), in: container) == 80)
        #expect(try ProbeSupport.resolvePort(.string("http"), in: container) == 8080)
        #expect(try ProbeSupport.resolvePort(.string("8443"), in: container) == 9443, "a name wins over a number")
        #expect(try ProbeSupport.resolvePort(.string("+81"), in: container) == 81)
        #expect(throws: ProbeSupport.Failure.self) { try ProbeSupport.resolvePort(.int(0), in: container) }
        #expect(throws: ProbeSupport.Failure.self) { try ProbeSupport.resolvePort(.string("65536"), in: container) }
    }

    @Test("Go's wording: %q quoting, durations, host:port")
    func goWording() {
        #expect(ProbeSupport.goQuote("sh -c \"x\"\n") == "\"sh -c \\\"x\\\"\\n\"")
        #expect(ProbeSupport.goDuration(seconds: 1) == "1s")
        #expect(ProbeSupport.goDuration(seconds: 90) == "1m30s")
        #expect(ProbeSupport.goDuration(seconds: 3600) == "1h0m0s")
        #expect(ProbeSupport.joinHostPort("fd00::1", 80) == "[fd00::1]:80")
        #expect(ProbeSupport.host("", podIP: "10.1.2.3") == "10.1.2.3")
        #expect(ProbeSupport.host("db.local", podIP: "10.1.2.3") == "db.local")
    }

    @Test("Location headers resolve against the request URL as a browser would")
    func locations() throws {
        let base = HTTPProbe.Location(scheme: "http", host: "10.0.0.1", port: 8080, path: "/a/b?q=1")
        #expect(base.description == "http://10.0.0.1:8080/a/b?q=1")
        #expect(base.resolve("/c") == HTTPProbe.Location(scheme: "http", host: "10.0.0.1", port: 8080, path: "/c"))
        #expect(base.resolve("c")?.path == "/a/c")
        #expect(base.resolve("?z=2")?.path == "/a/b?z=2")
        #expect(base.resolve("https://Example.test/x#frag") == HTTPProbe.Location(scheme: "https", host: "Example.test", port: 443, path: "/x"))
        #expect(base.resolve("//[fd00::2]:81") == HTTPProbe.Location(scheme: "http", host: "fd00::2", port: 81, path: ""))
        #expect(base.resolve("http://host:notaport/") == nil)
        #expect(HTTPProbe.Location(scheme: "http", host: "h", port: 1, path: "").requestTarget == "/")
    }
}
