extension CgroupResources {
    /// One device cgroup rule (OCI `linux.resources.devices[]`).
    public struct DeviceRule: Sendable, Equatable {
        /// Which devices a rule covers.
        public enum Kind: String, Sendable, Equatable {
            /// Every device, character and block.
            case all = "a"
            /// Block devices.
            case block = "b"
            /// Character devices.
            case char = "c"
        }

        /// true to allow the access, false to deny it.
        public var allow: Bool
        /// The device type.
        public var type: Kind
        /// Major number; nil matches every major.
        public var major: Int64?
        /// Minor number; nil matches every minor.
        public var minor: Int64?
        /// Access letters: any of `r` (read), `w` (write), `m` (mknod); empty means `rwm`.
        public var access: String

        /// Creates a rule.
        public init(allow: Bool, type: Kind = .all, major: Int64? = nil, minor: Int64? = nil, access: String = "rwm") {
            self.allow = allow
            self.type = type
            self.major = major
            self.minor = minor
            self.access = access
        }

        /// The access letters with the OCI default applied.
        var effectiveAccess: String { access.isEmpty ? "rwm" : access }

        /// The v1 `devices.allow`/`devices.deny` line, e.g. `c 1:3 rwm` or `a *:* rwm`.
        var v1Line: String {
            let majorText = major.map(String.init) ?? "*"
            let minorText = minor.map(String.init) ?? "*"
            return "\(type.rawValue) \(majorText):\(minorText) \(effectiveAccess)"
        }

        func validate() throws {
            if access.contains(where: { !"rwm".contains($0) }) {
                throw CgroupError(.invalidArgument, "device rule \"\(v1Line)\": access \"\(access)\" may only contain r, w and m")
            }
            for (name, number) in [("major", major), ("minor", minor)] {
                if let number, number < 0 || number > Int64(UInt32.max) {
                    throw CgroupError(.invalidArgument, "device rule \"\(v1Line)\": \(name) \(number) is out of range")
                }
            }
        }
    }
}
