import Foundation
import Glibc

/// What the node offers pods: its IP and allocatable cpu and memory.
enum NodeFacts {
    static func envContext(nodeIPs: [String]) -> PodEnvContext {
        PodEnvContext(hostIP: nodeIPs.first ?? primaryIPv4(), podIPs: [],
                      nodeAllocatableMilliCPU: Int64(sysconf(Int32(_SC_NPROCESSORS_ONLN))) * 1000,
                      nodeAllocatableMemory: memTotal())
    }

    /// `MemTotal` from /proc/meminfo, in bytes.
    static func memTotal() -> Int64 {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let kb = line.split(separator: " ").dropFirst().first.flatMap { Int64($0) } ?? 0
            return kb * 1024
        }
        return 0
    }

    /// The first non-loopback IPv4 address of an interface that is up.
    static func primaryIPv4() -> String? {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return nil }
        defer { freeifaddrs(list) }
        var cursor = list
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let addr = entry.pointee.ifa_addr, addr.pointee.sa_family == sa_family_t(AF_INET),
                  entry.pointee.ifa_flags & UInt32(IFF_LOOPBACK) == 0, entry.pointee.ifa_flags & UInt32(IFF_UP) != 0 else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(addr, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 {
                return String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
        return nil
    }
}
