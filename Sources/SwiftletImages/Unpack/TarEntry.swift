/// One member of a tar archive, with GNU long names and PAX records applied.
public struct TarEntry: Sendable, Equatable {
    /// The kinds of members a layer may hold.
    public enum Kind: Sendable, Equatable {
        case regular, hardlink, symlink, characterDevice, blockDevice, directory, fifo
    }

    /// The member's path as stored (not yet cleaned).
    public var path: String
    /// The symlink target or the hardlink's target path.
    public var linkName: String
    /// What the member creates.
    public var kind: Kind
    /// Permission bits including setuid, setgid and sticky (`0o7777` at most).
    public var mode: UInt32
    /// Owner user ID.
    public var uid: UInt32
    /// Owner group ID.
    public var gid: UInt32
    /// Content size in bytes (regular files only; 0 otherwise).
    public var size: Int64
    /// Modification time: seconds since the epoch.
    public var mtimeSeconds: Int64
    /// Modification time: nanoseconds within the second (PAX fractional mtimes).
    public var mtimeNanoseconds: Int32
    /// Device numbers of character and block devices.
    public var deviceMajor: UInt32
    public var deviceMinor: UInt32
    /// Extended attributes from PAX `SCHILY.xattr.*` records, name to raw value.
    public var xattrs: [String: [UInt8]]

    /// An entry with the given path and kind and every other field zero or empty.
    public init(path: String, kind: Kind) {
        self.path = path
        self.linkName = ""
        self.kind = kind
        self.mode = 0
        self.uid = 0
        self.gid = 0
        self.size = 0
        self.mtimeSeconds = 0
        self.mtimeNanoseconds = 0
        self.deviceMajor = 0
        self.deviceMinor = 0
        self.xattrs = [:]
    }
}
