import Foundation
import Glibc
import SwiftletAPI

/// A lifecycle hook's `httpGet`: one HTTP/1.1 GET, the response read until the deadline.
/// Kubelet only logs a failing preStop hook, so this reports nothing.
enum HTTPHook {
    static func get(_ action: HTTPGetAction, podIP: String, deadline: Date, clock: any AgentClock) async {
        let host = action.host.flatMap { $0.isEmpty ? nil : $0 } ?? podIP
        let port: Int
        switch action.port {
        case .int(let n): port = Int(n)
        case .string(let s): port = Int(s) ?? 80
        }
        let path = action.path.flatMap { $0.isEmpty ? nil : $0 } ?? "/"
        let seconds = max(0.1, deadline.timeIntervalSince(clock.now()))
        await Task.detached {
            request(host: host, port: port, path: path, headers: action.httpHeaders ?? [], timeout: seconds)
        }.value
    }

    private static func request(host: String, port: Int, path: String, headers: [HTTPHeader], timeout: Double) {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let info = result else { return }
        defer { freeaddrinfo(result) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else { return }
        var text = "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUser-Agent: kube-lifecycle/1.32\r\nConnection: close\r\n"
        for header in headers { text += "\(header.name): \(header.value)\r\n" }
        text += "\r\n"
        _ = text.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while recv(fd, &buffer, buffer.count, 0) > 0 {}
    }
}
