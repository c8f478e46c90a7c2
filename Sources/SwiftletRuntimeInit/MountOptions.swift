/// Mount flag values (`MS_*` from `<sys/mount.h>`; kernel ABI, identical on every Linux arch).
public enum MountFlag {
    /// `MS_RDONLY`.
    public static let readOnly: UInt = 1
    /// `MS_NOSUID`.
    public static let noSuid: UInt = 2
    /// `MS_NODEV`.
    public static let noDev: UInt = 4
    /// `MS_NOEXEC`.
    public static let noExec: UInt = 8
    /// `MS_SYNCHRONOUS`.
    public static let synchronous: UInt = 16
    /// `MS_REMOUNT`.
    public static let remount: UInt = 32
    /// `MS_MANDLOCK`.
    public static let mandatoryLock: UInt = 64
    /// `MS_DIRSYNC`.
    public static let dirSync: UInt = 128
    /// `MS_NOSYMFOLLOW`.
    public static let noSymFollow: UInt = 256
    /// `MS_NOATIME`.
    public static let noAtime: UInt = 1024
    /// `MS_NODIRATIME`.
    public static let noDirAtime: UInt = 2048
    /// `MS_BIND`.
    public static let bind: UInt = 4096
    /// `MS_MOVE`.
    public static let move: UInt = 8192
    /// `MS_REC`.
    public static let recursive: UInt = 16384
    /// `MS_SILENT`.
    public static let silent: UInt = 32768
    /// `MS_POSIXACL`.
    public static let posixACL: UInt = 1 << 16
    /// `MS_UNBINDABLE`.
    public static let unbindable: UInt = 1 << 17
    /// `MS_PRIVATE`.
    public static let `private`: UInt = 1 << 18
    /// `MS_SLAVE`.
    public static let slave: UInt = 1 << 19
    /// `MS_SHARED`.
    public static let shared: UInt = 1 << 20
    /// `MS_RELATIME`.
    public static let relatime: UInt = 1 << 21
    /// `MS_I_VERSION`.
    public static let iVersion: UInt = 1 << 23
    /// `MS_STRICTATIME`.
    public static let strictAtime: UInt = 1 << 24
    /// `MS_LAZYTIME`.
    public static let lazyTime: UInt = 1 << 25

    /// The propagation-type flags.
    public static let propagationMask: UInt = unbindable | `private` | slave | shared
}

/// OCI mount `options` parsed into what mount(2) takes.
public struct MountOptions: Sendable, Equatable {
    /// `MS_*` flags to mount with (no propagation flags; `MS_BIND`/`MS_REC` are reported
    /// separately in ``isBind``/``isRecursiveBind`` and not included here).
    public var flags: UInt
    /// Propagation flags to apply after mounting (`MS_PRIVATE`, `MS_REC|MS_SLAVE`, …); the
    /// last propagation option wins.
    public var propagation: UInt
    /// Options not known as flags, comma-joined in order, for the filesystem (`mode=755`).
    public var data: String
    /// `bind` or `rbind` was given.
    public var isBind: Bool
    /// `rbind` was given.
    public var isRecursiveBind: Bool
    /// `idmap`/`ridmap` was given (an idmapped bind mount was requested).
    public var idmap: Bool

    /// Parses OCI mount options the way runc does: flag options set or clear `MS_*` bits in
    /// order (so `ro,rw` is read-write), propagation options set the propagation, `bind` and
    /// `rbind` make a bind mount, `tmpcopyup` and `defaults` are ignored, and every other
    /// option is passed to the filesystem as data.
    public static func parse(_ options: [String]) -> MountOptions {
        var result = MountOptions(flags: 0, propagation: 0, data: "", isBind: false, isRecursiveBind: false, idmap: false)
        var data: [String] = []
        for option in options {
            if let (clear, flag) = flagOptions[option] {
                if clear {
                    result.flags &= ~flag
                } else {
                    result.flags |= flag
                }
                continue
            }
            if let propagation = propagationOptions[option] {
                result.propagation = propagation
                continue
            }
            switch option {
            case "bind":
                result.isBind = true
            case "rbind":
                result.isBind = true
                result.isRecursiveBind = true
            case "idmap", "ridmap":
                result.idmap = true
            case "tmpcopyup", "defaults", "":
                break
            default:
                data.append(option)
            }
        }
        result.data = data.joined(separator: ",")
        return result
    }

    private static let flagOptions: [String: (clear: Bool, flag: UInt)] = [
        "acl": (false, MountFlag.posixACL),
        "noacl": (true, MountFlag.posixACL),
        "async": (true, MountFlag.synchronous),
        "sync": (false, MountFlag.synchronous),
        "atime": (true, MountFlag.noAtime),
        "noatime": (false, MountFlag.noAtime),
        "dev": (true, MountFlag.noDev),
        "nodev": (false, MountFlag.noDev),
        "diratime": (true, MountFlag.noDirAtime),
        "nodiratime": (false, MountFlag.noDirAtime),
        "dirsync": (false, MountFlag.dirSync),
        "exec": (true, MountFlag.noExec),
        "noexec": (false, MountFlag.noExec),
        "iversion": (false, MountFlag.iVersion),
        "noiversion": (true, MountFlag.iVersion),
        "lazytime": (false, MountFlag.lazyTime),
        "nolazytime": (true, MountFlag.lazyTime),
        "loud": (true, MountFlag.silent),
        "silent": (false, MountFlag.silent),
        "mand": (false, MountFlag.mandatoryLock),
        "nomand": (true, MountFlag.mandatoryLock),
        "relatime": (false, MountFlag.relatime),
        "norelatime": (true, MountFlag.relatime),
        "strictatime": (false, MountFlag.strictAtime),
        "nostrictatime": (true, MountFlag.strictAtime),
        "suid": (true, MountFlag.noSuid),
        "nosuid": (false, MountFlag.noSuid),
        "nosymfollow": (false, MountFlag.noSymFollow),
        "remount": (false, MountFlag.remount),
        "ro": (false, MountFlag.readOnly),
        "rw": (true, MountFlag.readOnly),
    ]

    private static let propagationOptions: [String: UInt] = [
        "private": MountFlag.private,
        "rprivate": MountFlag.private | MountFlag.recursive,
        "shared": MountFlag.shared,
        "rshared": MountFlag.shared | MountFlag.recursive,
        "slave": MountFlag.slave,
        "rslave": MountFlag.slave | MountFlag.recursive,
        "unbindable": MountFlag.unbindable,
        "runbindable": MountFlag.unbindable | MountFlag.recursive,
    ]
}
