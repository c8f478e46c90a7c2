import SwiftletRuntimeInit
import Testing

@Suite("MountOptions.parse")
struct MountOptionsTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var options: [String]
        var flags: UInt
        var propagation: UInt = 0
        var data: String = ""
        var bind = false
        var rbind = false
        var testDescription: String { options.joined(separator: ",") }
    }

    static let cases: [Case] = [
        Case(options: [], flags: 0),
        Case(options: ["ro"], flags: MountFlag.readOnly),
        Case(options: ["ro", "rw"], flags: 0),
        Case(options: ["rw", "ro"], flags: MountFlag.readOnly),
        Case(options: ["nosuid", "nodev", "noexec"], flags: MountFlag.noSuid | MountFlag.noDev | MountFlag.noExec),
        Case(options: ["nosuid", "suid", "nodev", "dev", "noexec", "exec"], flags: 0),
        Case(options: ["sync", "async"], flags: 0),
        Case(options: ["sync", "dirsync", "mand"], flags: MountFlag.synchronous | MountFlag.dirSync | MountFlag.mandatoryLock),
        Case(options: ["noatime", "nodiratime"], flags: MountFlag.noAtime | MountFlag.noDirAtime),
        Case(options: ["noatime", "atime", "nodiratime", "diratime"], flags: 0),
        Case(options: ["relatime"], flags: MountFlag.relatime),
        Case(options: ["relatime", "norelatime"], flags: 0),
        Case(options: ["strictatime"], flags: MountFlag.strictAtime),
        Case(options: ["strictatime", "nostrictatime"], flags: 0),
        Case(options: ["remount", "ro"], flags: MountFlag.remount | MountFlag.readOnly),
        Case(options: ["nosymfollow"], flags: MountFlag.noSymFollow),
        Case(options: ["bind"], flags: 0, bind: true),
        Case(options: ["rbind", "ro"], flags: MountFlag.readOnly, bind: true, rbind: true),
        Case(options: ["private"], flags: 0, propagation: MountFlag.private),
        Case(options: ["rprivate"], flags: 0, propagation: MountFlag.private | MountFlag.recursive),
        Case(options: ["shared"], flags: 0, propagation: MountFlag.shared),
        Case(options: ["rshared"], flags: 0, propagation: MountFlag.shared | MountFlag.recursive),
        Case(options: ["slave"], flags: 0, propagation: MountFlag.slave),
        Case(options: ["rslave"], flags: 0, propagation: MountFlag.slave | MountFlag.recursive),
        Case(options: ["unbindable"], flags: 0, propagation: MountFlag.unbindable),
        Case(options: ["runbindable"], flags: 0, propagation: MountFlag.unbindable | MountFlag.recursive),
        Case(options: ["rprivate", "rslave"], flags: 0, propagation: MountFlag.slave | MountFlag.recursive),
        Case(options: ["tmpcopyup", "defaults"], flags: 0),
        Case(options: ["nosuid", "mode=755", "size=65536k"], flags: MountFlag.noSuid, data: "mode=755,size=65536k"),
        Case(options: ["newinstance", "ptmxmode=0666", "mode=0620", "gid=5", "noexec"], flags: MountFlag.noExec, data: "newinstance,ptmxmode=0666,mode=0620,gid=5"),
    ]

    @Test("OCI options map to flags, propagation and data like runc", arguments: cases)
    func parse(_ c: Case) {
        let parsed = MountOptions.parse(c.options)
        #expect(parsed.flags == c.flags)
        #expect(parsed.propagation == c.propagation)
        #expect(parsed.data == c.data)
        #expect(parsed.isBind == c.bind)
        #expect(parsed.isRecursiveBind == c.rbind)
    }

    @Test("idmap and ridmap are recognised, not passed as data")
    func idmap() {
        #expect(MountOptions.parse(["idmap"]).idmap)
        #expect(MountOptions.parse(["rbind", "ridmap"]).idmap)
        #expect(MountOptions.parse(["ridmap"]).data == "")
        #expect(!MountOptions.parse(["ro"]).idmap)
    }

    @Test("an InitPlan.Mount built from options is a bind for type bind or a bind option")
    func mountFromOptions() {
        let byType = InitPlan.Mount(destination: "/a", source: "/b", type: "bind", options: ["ro"])
        #expect(byType.isBind && !byType.recursive && byType.flags == MountFlag.readOnly)
        let byOption = InitPlan.Mount(destination: "/a", source: "/b", type: "none", options: ["rbind", "rprivate"])
        #expect(byOption.isBind && byOption.recursive && byOption.propagation == MountFlag.private | MountFlag.recursive)
        let tmpfs = InitPlan.Mount(destination: "/t", source: "tmpfs", type: "tmpfs", options: ["mode=1777"])
        #expect(!tmpfs.isBind && tmpfs.data == "mode=1777")
    }
}
