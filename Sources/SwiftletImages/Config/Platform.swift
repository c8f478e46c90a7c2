/// The platform an image runs on (OCI image spec `platform`): OS, CPU architecture and variant.
public struct Platform: Codable, Hashable, Sendable, CustomStringConvertible {
    /// CPU architecture in Go's naming: `amd64`, `arm64`, `arm`, `386`, `ppc64le`, `s390x`, ...
    public var architecture: String
    /// Operating system in Go's naming: `linux`, `windows`, ...
    public var os: String
    /// CPU variant: `v7` for arm, `v8` for arm64, `v2`/`v3` for amd64.
    public var variant: String?
    /// OS version (Windows images).
    public var osVersion: String?
    /// Required OS features (Windows images).
    public var osFeatures: [String]?

    private enum CodingKeys: String, CodingKey {
        case architecture, os, variant
        case osVersion = "os.version"
        case osFeatures = "os.features"
    }

    /// Creates a platform.
    public init(os: String, architecture: String, variant: String? = nil, osVersion: String? = nil, osFeatures: [String]? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
        self.osVersion = osVersion
        self.osFeatures = osFeatures
    }

    /// Parses `os/arch[/variant]`, e.g. `linux/arm64/v8`.
    /// - Throws: `ImageConfigError` when there are not two or three non-empty parts.
    public init(parsing specifier: String) throws {
        let parts = specifier.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count), !parts.contains(where: \.isEmpty) else {
            throw ImageConfigError.invalidPlatform(specifier)
        }
        self.init(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
    }

    /// `os/arch[/variant]`.
    public var description: String {
        [os, architecture, variant].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "/")
    }

    /// The same platform in canonical spelling, as containerd's `platforms.Normalize`:
    /// `x86_64` → `amd64`, `aarch64` → `arm64`, arm64's `v8` variant dropped (it is the default),
    /// `arm` defaulting to `v7`, `armhf`/`armel` → `arm/v7`/`arm/v6`.
    public var normalized: Platform {
        var p = self
        p.os = os.lowercased() == "macos" ? "darwin" : os.lowercased()
        var arch = architecture.lowercased()
        var v = (variant ?? "").lowercased()
        switch arch {
        case "i386":
            arch = "386"; v = ""
        case "x86_64", "x86-64", "amd64":
            arch = "amd64"; if v == "v1" { v = "" }
        case "aarch64", "arm64":
            arch = "arm64"
            switch v {
            case "8", "v8", "v8.0": v = ""
            case "9", "9.0", "v9.0": v = "v9"
            default: break
            }
        case "armhf":
            arch = "arm"; v = "v7"
        case "armel":
            arch = "arm"; v = "v6"
        case "arm":
            switch v {
            case "", "7": v = "v7"
            case "5", "6", "8": v = "v" + v
            default: break
            }
        default:
            break
        }
        p.architecture = arch
        p.variant = v.isEmpty ? nil : v
        return p
    }

    /// Whether `other` is exactly this platform once both are normalised (OS version compared
    /// only for Windows, where it decides compatibility).
    public func matches(_ other: Platform) -> Bool {
        let a = normalized, b = other.normalized
        guard a.os == b.os, a.architecture == b.architecture, a.variant == b.variant else { return false }
        if a.os == "windows", let want = a.osVersion, !want.isEmpty {
            return b.osVersion.map { Self.windowsBuild($0) == Self.windowsBuild(want) } ?? false
        }
        return true
    }

    private static func windowsBuild(_ version: String) -> String {
        version.split(separator: ".").prefix(3).joined(separator: ".")
    }

    /// The platforms this one can run, best first, as containerd's `platforms.Only`:
    /// amd64/vN also runs amd64/v(N-1)…v1 and 386; arm/vN runs arm/v(N-1)…v5;
    /// arm64 runs arm64 (v8 when no variant is given) and then arm/v8…v5.
    public var compatiblePlatforms: [Platform] {
        let p = normalized
        var vector = [p]
        switch p.architecture {
        case "amd64":
            if let v = p.variant, let n = Int(v.dropFirst()), v.hasPrefix("v"), n > 1 {
                for lower in stride(from: n - 1, through: 1, by: -1) {
                    vector.append(Platform(os: p.os, architecture: "amd64", variant: "v\(lower)", osVersion: p.osVersion))
                }
            }
            vector.append(Platform(os: p.os, architecture: "386", osVersion: p.osVersion))
        case "arm":
            if let v = p.variant, let n = Int(v.dropFirst()), v.hasPrefix("v"), n > 5 {
                for lower in stride(from: n - 1, through: 5, by: -1) {
                    vector.append(Platform(os: p.os, architecture: "arm", variant: "v\(lower)", osVersion: p.osVersion))
                }
            }
        case "arm64":
            let variant = p.variant ?? "v8"
            vector = Self.arm64Variants(below: variant).map {
                Platform(os: p.os, architecture: "arm64", variant: $0, osVersion: p.osVersion)
            }
            if vector.isEmpty { vector = [p] }
            let armStart = variant.hasPrefix("v8") || variant.hasPrefix("v9") ? 8 : 0
            if armStart > 0 {
                for lower in stride(from: armStart, through: 5, by: -1) {
                    vector.append(Platform(os: p.os, architecture: "arm", variant: "v\(lower)", osVersion: p.osVersion))
                }
            }
        default:
            break
        }
        return vector
    }

    /// arm64 variants runnable on `variant`, best first: v9.x also runs v9.(x-1)…v9 and
    /// v8.(x+5)…v8; v8.x runs v8.(x-1)…v8.
    private static func arm64Variants(below variant: String) -> [String] {
        let parts = variant.dropFirst().split(separator: ".", omittingEmptySubsequences: false)
        guard variant.hasPrefix("v"), let major = parts.first.flatMap({ Int($0) }), parts.count <= 2 else { return [] }
        let minor = parts.count == 2 ? Int(parts[1]) : 0
        guard let minor, minor >= 0, minor <= 9 else { return [] }
        var ranges: [(Int, Int)]
        switch major {
        case 8: ranges = [(8, minor)]
        case 9: guard minor <= 7 else { return [] }; ranges = [(9, minor), (8, min(minor + 5, 9))]
        default: return []
        }
        var out: [String] = []
        for (maj, top) in ranges {
            for m in stride(from: top, through: 0, by: -1) { out.append(m == 0 ? "v\(maj)" : "v\(maj).\(m)") }
        }
        return out
    }

    /// The platform of this machine: `linux` and the CPU swiftlet runs on, with the variant
    /// containerd would report (`v8` for arm64, `v7` for 32-bit arm).
    public static var host: Platform {
        #if arch(x86_64)
        return Platform(os: "linux", architecture: "amd64")
        #elseif arch(arm64)
        return Platform(os: "linux", architecture: "arm64", variant: "v8")
        #elseif arch(arm)
        return Platform(os: "linux", architecture: "arm", variant: "v7")
        #elseif arch(i386)
        return Platform(os: "linux", architecture: "386")
        #elseif arch(powerpc64le)
        return Platform(os: "linux", architecture: "ppc64le")
        #elseif arch(s390x)
        return Platform(os: "linux", architecture: "s390x")
        #elseif arch(riscv64)
        return Platform(os: "linux", architecture: "riscv64")
        #else
        return Platform(os: "linux", architecture: "unknown")
        #endif
    }
}
