import Foundation

/// Who the node is, as `nodeInfo` reports it: the files kubelet (through cadvisor) reads.
public struct NodeIdentity: Sendable, Equatable {
    /// `/etc/machine-id` (or `/var/lib/dbus/machine-id`).
    public var machineID: String
    /// `/sys/class/dmi/id/product_uuid`; empty when unreadable (no DMI, or not root).
    public var systemUUID: String
    /// `/proc/sys/kernel/random/boot_id`; changes at every boot.
    public var bootID: String
    /// `/proc/sys/kernel/osrelease` (`uname -r`).
    public var kernelVersion: String
    /// `PRETTY_NAME` of `/etc/os-release` (or `/usr/lib/os-release`); `Linux` without one.
    public var osImage: String

    /// Creates an identity.
    public init(machineID: String, systemUUID: String, bootID: String, kernelVersion: String, osImage: String) {
        self.machineID = machineID
        self.systemUUID = systemUUID
        self.bootID = bootID
        self.kernelVersion = kernelVersion
        self.osImage = osImage
    }

    /// Reads the identity from the host's files below `hostRoot` (empty: the real `/`; tests give a
    /// fixture tree). Unreadable files leave their field empty.
    public static func read(hostRoot: String = "") -> NodeIdentity {
        func first(_ paths: [String]) -> String {
            for path in paths {
                if let text = try? String(contentsOfFile: hostRoot + path, encoding: .utf8) {
                    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
                    if !trimmed.isEmpty { return trimmed }
                }
            }
            return ""
        }
        var kernel = first(["/proc/sys/kernel/osrelease"])
        if kernel.isEmpty && hostRoot.isEmpty { kernel = unameRelease() }
        var osImage = "Linux"
        for path in ["/etc/os-release", "/usr/lib/os-release"] {
            if let text = try? String(contentsOfFile: hostRoot + path, encoding: .utf8), let pretty = osRelease(text)["PRETTY_NAME"] {
                osImage = pretty
                break
            }
        }
        return NodeIdentity(
            machineID: first(["/etc/machine-id", "/var/lib/dbus/machine-id"]),
            systemUUID: first(["/sys/class/dmi/id/product_uuid"]),
            bootID: first(["/proc/sys/kernel/random/boot_id"]),
            kernelVersion: kernel, osImage: osImage)
    }

    /// The `KEY=value` pairs of an os-release file, with shell quoting (`"…"`, `'…'`, backslash
    /// escapes) removed; comments and malformed lines are skipped.
    public static func osRelease(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            guard !line.hasPrefix("#"), let eq = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<eq])
            var value = ""
            var quote: Character?
            var escaped = false
            for ch in line[line.index(after: eq)...] {
                if escaped {
                    value.append(ch)
                    escaped = false
                } else if ch == "\\" && quote != "'" {
                    escaped = true
                } else if let q = quote {
                    if ch == q { quote = nil } else { value.append(ch) }
                } else if ch == "\"" || ch == "'" {
                    quote = ch
                } else {
                    value.append(ch)
                }
            }
            result[key] = value
        }
        return result
    }

    /// This binary's architecture in Go's `GOARCH` names, as kubelet reports it.
    public static var goArchitecture: String {
        #if arch(x86_64)
        return "amd64"
        #elseif arch(arm64)
        return "arm64"
        #elseif arch(arm)
        return "arm"
        #elseif arch(i386)
        return "386"
        #elseif arch(powerpc64le)
        return "ppc64le"
        #elseif arch(s390x)
        return "s390x"
        #elseif arch(riscv64)
        return "riscv64"
        #else
        return "unknown"
        #endif
    }

    private static func unameRelease() -> String {
        var u = utsname()
        guard uname(&u) == 0 else { return "" }
        let size = MemoryLayout.size(ofValue: u.release)
        return withUnsafePointer(to: &u.release) { p in
            p.withMemoryRebound(to: CChar.self, capacity: size) { String(cString: $0) }
        }
    }
}
