import Foundation
import Glibc
import SwiftletAPI
import SwiftletImages

/// Kubelet's constants and wording shared by the handlers.
package enum ProbeSupport {
    /// The Kubernetes minor version whose kubelet we behave as; it names the prober's User-Agent.
    package static let kubernetesVersion = "1.32"
    /// `kube-probe/<major.minor>`, sent by HTTP and gRPC probes unless the probe sets its own.
    package static let userAgent = "kube-probe/\(kubernetesVersion)"
    /// Kubelet reads at most 10 KiB of an HTTP body or of an exec probe's output.
    package static let maxOutputBytes = 10 * 1024

    /// The port a probe names: a number, or a container port's name (a number written as a
    /// string also works), as kubelet's `ResolveContainerPort`.
    /// - Throws: ``ProbeSupport/Failure`` in kubelet's words when the name is unknown or the
    ///   number is outside 1–65535.
    package static func resolvePort(_ port: IntOrString, in container: Container) throws -> Int {
        let number: Int
        switch port {
        case .int(let value):
            number = Int(value)
        case .string(let name):
            if let named = container.ports?.first(where: { $0.name == name }) {
                number = Int(named.containerPort)
            } else if let parsed = goAtoi(name) {
                number = parsed
            } else {
                throw Failure("strconv.Atoi: parsing \(goQuote(name)): invalid syntax")
            }
        }
        guard number > 0, number < 65536 else { throw Failure("invalid port number: \(number)") }
        return number
    }

    /// The host a probe dials: its own, else the pod IP, else the local host (what Go's dialer
    /// does with an empty host).
    package static func host(_ explicit: String?, podIP: String?) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let podIP, !podIP.isEmpty { return podIP }
        return "127.0.0.1"
    }

    /// `host:port`, with brackets around an IPv6 literal (Go's `net.JoinHostPort`).
    package static func joinHostPort(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Whole seconds as Go's `time.Duration` prints them: `1s`, `1m30s`, `1h0m0s`.
    package static func goDuration(seconds: Int) -> String {
        if seconds < 60 { return "\(seconds)s" }
        let hours = seconds / 3600, minutes = (seconds % 3600) / 60, rest = seconds % 60
        return hours > 0 ? "\(hours)h\(minutes)m\(rest)s" : "\(minutes)m\(rest)s"
    }

    /// A string in double quotes with Go's `%q` escapes, as kubelet quotes commands and addresses.
    package static func goQuote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    out += String(format: "\\x%02x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Go's `strconv.Atoi`: optional sign, decimal digits only.
    private static func goAtoi(_ text: String) -> Int? {
        var digits = Substring(text)
        if digits.first == "+" || digits.first == "-" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text.hasPrefix("+") ? String(text.dropFirst()) : text)
    }

    /// An exec probe's command with `$(VAR)` replaced by the container's literal env values
    /// (not `valueFrom`), as kubelet's `ExpandContainerCommandOnlyStatic`: `$$` is a literal `$`
    /// and an unknown reference stays as written.
    package static func expand(_ command: [String], env: [EnvVar]?) -> [String] {
        var values: [String: String] = [:]
        for variable in env ?? [] where variable.valueFrom == nil {
            values[variable.name] = variable.value ?? ""
        }
        return command.map { EnvExpansion.expand($0, with: values) }
    }

    /// Go's wording of a failed dial's cause (`connect: connection refused`), from an errno.
    package static func goConnectError(errno code: Int32) -> String {
        switch code {
        case ECONNREFUSED: return "connect: connection refused"
        case EHOSTUNREACH: return "connect: no route to host"
        case ENETUNREACH: return "connect: network is unreachable"
        case ETIMEDOUT: return "i/o timeout"
        case ECONNRESET: return "read: connection reset by peer"
        default: return "connect: " + String(cString: strerror(code)).lowercased()
        }
    }

    /// A message-carrying error of the prober's own.
    package struct Failure: Error, CustomStringConvertible {
        package var description: String
        package init(_ description: String) { self.description = description }
    }
}
