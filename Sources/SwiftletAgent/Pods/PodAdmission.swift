import SwiftletAPI

/// Checks kubelet makes before it admits a pod to the node; a rejected pod ends `Failed` with
/// the reason and message kubelet gives, and nothing of it runs.
enum PodAdmission {
    /// The sysctls kubelet allows without `allowedUnsafeSysctls` (its safe set, 1.32).
    static let safeSysctls: Set<String> = [
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem",
    ]

    /// nil when the pod may run, else (reason, message). A sysctl must be safe or match
    /// `allowedUnsafeSysctls`, and may not reach into a namespace the pod shares with the node.
    static func reject(_ pod: Pod, allowedUnsafeSysctls: [String] = []) -> (reason: String, message: String)? {
        for sysctl in pod.spec.securityContext?.sysctls ?? [] {
            let name = Sysctls.canonical(sysctl.name)
            switch Sysctls.namespace(of: name) {
            case .net? where pod.spec.hostNetwork == true, .uts? where pod.spec.hostNetwork == true:
                return ("SysctlForbidden", "forbidden sysctl: \"\(sysctl.name)\" not allowed with host net enabled")
            case .ipc? where pod.spec.hostIPC == true:
                return ("SysctlForbidden", "forbidden sysctl: \"\(sysctl.name)\" not allowed with host ipc enabled")
            default:
                break
            }
            guard Sysctls.allowed(name, safe: safeSysctls, patterns: allowedUnsafeSysctls) else {
                return ("SysctlForbidden", "forbidden sysctl: \"\(sysctl.name)\" not allowlisted")
            }
        }
        return nil
    }
}
