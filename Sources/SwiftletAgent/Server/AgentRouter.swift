import Foundation
import Logging
import SwiftletAPI

/// Maps requests to kubelet's paths and shapes: `/healthz`, `/pods`, `/stats/summary`, `/metrics`,
/// `/metrics/resource` and `/containerLogs/{namespace}/{pod}/{container}`.
struct AgentRouter: Sendable {
    /// Which listener a request came in on; each serves a different set of paths.
    enum Listener: String, Sendable {
        /// The HTTPS port: every path, after authentication and authorization.
        case secure
        /// The read-only HTTP port: health and stats only, no authentication.
        case readOnly
        /// The healthz HTTP port: `/healthz` only.
        case healthz
    }

    let handlers: AgentAPIHandlers
    let metrics: AgentMetrics
    let authenticator: AgentAuthenticator
    let clock: any AgentClock
    let followPollInterval: Duration
    let logger: Logger

    /// The response to `method uri` received on `listener`.
    /// - Parameters:
    ///   - peerCertificate: the client certificate (DER) the TLS handshake verified, if any.
    ///   - authorization: the `Authorization` header, if any.
    func respond(method: String, uri: String, listener: Listener, peerCertificate: [UInt8]?, authorization: String?) async -> AgentHTTPResponse {
        do {
            let (path, query) = try Self.split(uri)
            if listener == .secure {
                let user = try authenticator.authenticate(peerCertificate: peerCertificate, authorization: authorization)
                try authenticator.authorize(user, method: method, path: path)
                logger.debug("request", metadata: ["method": "\(method)", "path": "\(path)", "user": "\(user.name)"])
            }
            guard let route = Route(path: path), route.served(on: listener) else {
                throw AgentAPIError.notFound("404 page not found")
            }
            guard method == "GET" || method == "HEAD" else {
                throw AgentAPIError.methodNotAllowed("\(method) is not allowed on \(path): only GET is supported")
            }
            return try await serve(route, query: query)
        } catch {
            return .error(error)
        }
    }

    /// The paths the API serves.
    enum Route: Equatable {
        case healthz(check: String?)
        case pods
        case statsSummary
        case metrics
        case resourceMetrics
        case containerLogs(namespace: String, pod: String, container: String)

        init?(path: String) {
            let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
            let segments = trimmed.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
            switch segments.first {
            case "healthz" where segments.count == 1: self = .healthz(check: nil)
            case "healthz" where segments.count == 2 && !segments[1].isEmpty: self = .healthz(check: segments[1])
            case "pods" where segments.count == 1: self = .pods
            case "stats" where segments == ["stats", "summary"]: self = .statsSummary
            case "metrics" where segments.count == 1: self = .metrics
            case "metrics" where segments == ["metrics", "resource"]: self = .resourceMetrics
            case "containerLogs" where segments.count == 4 && !segments.contains(""):
                self = .containerLogs(namespace: segments[1], pod: segments[2], container: segments[3])
            default: return nil
            }
        }

        /// kubelet's read-only port serves health and stats without authentication; the healthz port only `/healthz`.
        func served(on listener: Listener) -> Bool {
            switch (listener, self) {
            case (.secure, _): true
            case (.readOnly, .healthz), (.readOnly, .statsSummary), (.readOnly, .resourceMetrics): true
            case (.healthz, .healthz): true
            default: false
            }
        }
    }

    private func serve(_ route: Route, query: [(name: String, value: String)]) async throws -> AgentHTTPResponse {
        switch route {
        case .healthz(let check):
            return await healthz(check: check, query: query)
        case .pods:
            return AgentHTTPResponse(status: 200, headers: AgentHTTPResponse.jsonHeaders, body: .bytes(try Self.podList(await handlers.pods())))
        case .statsSummary:
            var onlyCPUAndMemory = false
            if let value = query.last(where: { $0.name == "only_cpu_and_memory" })?.value, !value.isEmpty {
                guard let parsed = Self.goBool(value) else {
                    throw AgentAPIError.badRequest("only_cpu_and_memory: invalid value \"\(value)\": must be true or false")
                }
                onlyCPUAndMemory = parsed
            }
            let json = try await handlers.statsSummary(onlyCPUAndMemory)
            return AgentHTTPResponse(status: 200, headers: AgentHTTPResponse.jsonHeaders, body: .bytes(Array(json)))
        case .metrics:
            return AgentHTTPResponse(status: 200, headers: AgentHTTPResponse.prometheusHeaders, body: .bytes(Array(metrics.prometheusText().utf8)))
        case .resourceMetrics:
            let text = try await handlers.resourceMetrics()
            return AgentHTTPResponse(status: 200, headers: AgentHTTPResponse.prometheusHeaders, body: .bytes(Array(text.utf8)))
        case .containerLogs(let namespace, let pod, let container):
            return try await containerLogs(namespace: namespace, pod: pod, container: container, query: query)
        }
    }

    /// `/healthz`, `/healthz?verbose`, `/healthz?exclude=NAME` and `/healthz/NAME`, as the apiserver's
    /// healthz handler answers them: `ok`; on failure 500 with every check listed and the reasons
    /// withheld (they are logged); `/healthz/NAME` shows its own reason.
    private func healthz(check name: String?, query: [(name: String, value: String)]) async -> AgentHTTPResponse {
        let checks = [AgentHealthCheck(name: "ping") {}, AgentHealthCheck(name: "log") {}] + handlers.healthChecks
        if let name {
            guard let check = checks.first(where: { $0.name == name }) else { return .text(404, "404 page not found") }
            do {
                try await check.check()
                return AgentHTTPResponse(status: 200, headers: AgentHTTPResponse.plainTextHeaders, body: .bytes(Array("ok".utf8)))
            } catch {
                // The healthz handler answers with Go's `http.Error`, which ends the message with a newline.
                return .text(500, "internal server error: \(error)\n")
            }
        }
        var excluded = Set(query.filter { $0.name == "exclude" }.map(\.value))
        var output = ""
        var failed: [String] = []
        for check in checks {
            if excluded.remove(check.name) != nil {
                output += "[+]\(check.name) excluded: ok\n"
                continue
            }
            do {
                try await check.check()
                output += "[+]\(check.name) ok\n"
            } catch {
                output += "[-]\(check.name) failed: reason withheld\n"
                failed.append(check.name)
                logger.info("health check failed", metadata: ["check": "\(check.name)", "error": "\(error)"])
            }
        }
        if !excluded.isEmpty {
            output += "warn: some health checks cannot be excluded: no matches for \(excluded.sorted().map { "\"\($0)\"" }.joined(separator: ","))\n"
        }
        if !failed.isEmpty {
            return .text(500, output + "healthz check failed\n")
        }
        let verbose = query.contains { $0.name == "verbose" }
        let body = verbose ? output + "healthz check passed\n" : "ok"
        return AgentHTTPResponse(status: 200, headers: AgentHTTPResponse.plainTextHeaders, body: .bytes(Array(body.utf8)))
    }

    private func containerLogs(namespace: String, pod: String, container: String, query: [(name: String, value: String)]) async throws -> AgentHTTPResponse {
        let options = try ContainerLogOptions(query: query)
        let target = ContainerLogTarget(namespace: namespace, pod: pod, container: container, previous: options.previous)
        let path = (try await handlers.containerLogPath(target) as NSString).resolvingSymlinksInPath
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw AgentAPIError.notFound("no log file for container \"\(container)\" in pod \"\(pod)\" (\(path))")
        }
        let streamer = ContainerLogStreamer(
            path: path, options: options, sinceNanos: options.sinceUnixNanos(now: clock.now()),
            pollInterval: followPollInterval, isRunning: { [handlers] in await handlers.containerIsRunning(target) })
        return AgentHTTPResponse(status: 200, headers: [("Content-Type", "text/plain; charset=utf-8")],
                                 body: .stream { output in try await streamer.run(to: output) })
    }

    /// A `v1` `PodList` as kubelet serves it (`metadata` always present, `items` an array).
    static func podList(_ pods: [Pod]) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        var out = Array(#"{"kind":"PodList","apiVersion":"v1","metadata":{},"items":"#.utf8)
        out += try encoder.encode(pods)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Go's `strconv.ParseBool`.
    static func goBool(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "TRUE", "true", "True": true
        case "0", "f", "F", "FALSE", "false", "False": false
        default: nil
        }
    }

    /// The decoded path and query parameters of a request target (`+` is a space in the query, as Go's `ParseQuery` reads it).
    /// - Throws: ``AgentAPIError/badRequest(_:)`` on a malformed percent escape.
    static func split(_ uri: String) throws -> (path: String, query: [(name: String, value: String)]) {
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let rawPath = parts.first.map(String.init) ?? "/"
        guard let path = rawPath.removingPercentEncoding else {
            throw AgentAPIError.badRequest("invalid URL escape in path \(rawPath)")
        }
        var query: [(name: String, value: String)] = []
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") where !pair.isEmpty {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                func decode(_ s: Substring) throws -> String {
                    guard let d = s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
                        throw AgentAPIError.badRequest("invalid URL escape in query parameter \(pair)")
                    }
                    return d
                }
                query.append((try decode(kv[0]), kv.count == 2 ? try decode(kv[1]) : ""))
            }
        }
        return (path.isEmpty ? "/" : path, query)
    }
}
