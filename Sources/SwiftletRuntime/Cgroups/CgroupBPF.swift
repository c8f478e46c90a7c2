#if canImport(Glibc)
import Glibc
#endif

/// Loads a device-filter program and attaches it to a cgroup v2 directory with the `bpf(2)`
/// system call, replacing whatever device programs were attached before.
///
/// Attaching uses `BPF_F_ALLOW_MULTI` and detaches the old programs only after the new one is in
/// place, so the cgroup is never left without a filter during an update (the same order runc uses).
enum CgroupBPF {
    private static let commandProgLoad = 5
    private static let commandProgAttach = 8
    private static let commandProgDetach = 9
    private static let commandProgGetFDByID = 13
    private static let commandProgQuery = 16
    private static let progTypeCgroupDevice: UInt32 = 15
    private static let attachTypeCgroupDevice: UInt32 = 6
    private static let flagAllowMulti: UInt32 = 2
    private static let attrSize = 128

    /// Verifies and loads `instructions` as a cgroup device program.
    ///
    /// - Returns: the program fd (the caller closes it).
    /// - Throws: `CgroupError` with the verifier log when the kernel rejects the program.
    static func loadDeviceProgram(_ instructions: [EBPFInstruction]) throws -> Int32 {
        let code = instructions.flatMap(\.bytes)
        let license = Array("Apache-2.0".utf8CString)
        func attempt(log: UnsafeMutableBufferPointer<CChar>?) -> (Int, Int32) {
            var attr = [UInt8](repeating: 0, count: attrSize)
            let result = code.withUnsafeBytes { codeBytes in
                license.withUnsafeBufferPointer { licenseBytes in
                    attr.withUnsafeMutableBytes { raw in
                        raw.storeBytes(of: progTypeCgroupDevice, toByteOffset: 0, as: UInt32.self)
                        raw.storeBytes(of: UInt32(instructions.count), toByteOffset: 4, as: UInt32.self)
                        raw.storeBytes(of: UInt64(UInt(bitPattern: codeBytes.baseAddress)), toByteOffset: 8, as: UInt64.self)
                        raw.storeBytes(of: UInt64(UInt(bitPattern: licenseBytes.baseAddress)), toByteOffset: 16, as: UInt64.self)
                        if let log {
                            raw.storeBytes(of: UInt32(1), toByteOffset: 24, as: UInt32.self)
                            raw.storeBytes(of: UInt32(log.count), toByteOffset: 28, as: UInt32.self)
                            raw.storeBytes(of: UInt64(UInt(bitPattern: log.baseAddress)), toByteOffset: 32, as: UInt64.self)
                        }
                        for (index, byte) in "swiftlet_dev".utf8.enumerated() {
                            raw[48 + index] = byte
                        }
                        raw.storeBytes(of: attachTypeCgroupDevice, toByteOffset: 68, as: UInt32.self)
                        return CgroupLibc.bpf(commandProgLoad, raw.baseAddress!, attrSize)
                    }
                }
            }
            return (result, errno)
        }
        let (fd, err) = attempt(log: nil)
        if fd >= 0 {
            return Int32(fd)
        }
        var detail = "the kernel refused the cgroup device filter program"
        if err == EINVAL || err == EACCES {
            let buffer = UnsafeMutableBufferPointer<CChar>.allocate(capacity: 16_384)
            defer { buffer.deallocate() }
            buffer.initialize(repeating: 0)
            _ = attempt(log: buffer)
            let log = String(cString: buffer.baseAddress!)
            if !log.isEmpty {
                detail += "; verifier log: " + log.split(separator: "\n").suffix(6).joined(separator: " | ")
            }
        } else if err == EPERM {
            detail = "loading BPF programs needs CAP_SYS_ADMIN (or CAP_BPF); cgroup v2 device rules cannot be enforced without it"
        }
        throw CgroupError.syscall("bpf(BPF_PROG_LOAD)", path: "BPF_PROG_TYPE_CGROUP_DEVICE", errno: err, hint: detail)
    }

    /// Attaches `programFD` to the cgroup directory `dir` and detaches the device programs that were attached before.
    ///
    /// - Throws: `CgroupError` naming the cgroup directory and the bpf command.
    static func replaceDeviceProgram(in dir: String, programFD: Int32) throws {
        let cgroupFD = dir.withCString { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        if cgroupFD < 0 {
            throw CgroupError.syscall("open", path: dir, errno: errno)
        }
        defer { close(cgroupFD) }
        let previous = (try? attachedPrograms(cgroupFD: cgroupFD)) ?? []
        var attr = [UInt8](repeating: 0, count: attrSize)
        let attached = attr.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt32(bitPattern: cgroupFD), toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: UInt32(bitPattern: programFD), toByteOffset: 4, as: UInt32.self)
            raw.storeBytes(of: attachTypeCgroupDevice, toByteOffset: 8, as: UInt32.self)
            raw.storeBytes(of: flagAllowMulti, toByteOffset: 12, as: UInt32.self)
            return CgroupLibc.bpf(commandProgAttach, raw.baseAddress!, attrSize)
        }
        if attached < 0 {
            let err = errno
            throw CgroupError.syscall(
                "bpf(BPF_PROG_ATTACH)", path: dir, errno: err,
                hint: err == EBADF || err == EINVAL ? "the directory is not a cgroup v2 cgroup" : nil)
        }
        for id in previous {
            try detach(id: id, from: cgroupFD, dir: dir)
        }
    }

    /// The ids of the device programs attached directly to the cgroup.
    static func attachedPrograms(cgroupFD: Int32) throws -> [UInt32] {
        var ids = [UInt32](repeating: 0, count: 64)
        var attr = [UInt8](repeating: 0, count: attrSize)
        let (result, count) = ids.withUnsafeMutableBufferPointer { idBuffer in
            attr.withUnsafeMutableBytes { raw in
                raw.storeBytes(of: UInt32(bitPattern: cgroupFD), toByteOffset: 0, as: UInt32.self)
                raw.storeBytes(of: attachTypeCgroupDevice, toByteOffset: 4, as: UInt32.self)
                raw.storeBytes(of: UInt64(UInt(bitPattern: idBuffer.baseAddress)), toByteOffset: 16, as: UInt64.self)
                raw.storeBytes(of: UInt32(idBuffer.count), toByteOffset: 24, as: UInt32.self)
                let result = CgroupLibc.bpf(commandProgQuery, raw.baseAddress!, attrSize)
                return (result, raw.load(fromByteOffset: 24, as: UInt32.self))
            }
        }
        if result < 0 {
            throw CgroupError.syscall("bpf(BPF_PROG_QUERY)", path: "cgroup fd \(cgroupFD)", errno: errno)
        }
        return Array(ids.prefix(Int(min(count, UInt32(ids.count)))))
    }

    /// The ids of the device programs attached directly to the cgroup directory `dir`.
    static func attachedPrograms(in dir: String) throws -> [UInt32] {
        let cgroupFD = dir.withCString { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        if cgroupFD < 0 {
            throw CgroupError.syscall("open", path: dir, errno: errno)
        }
        defer { close(cgroupFD) }
        return try attachedPrograms(cgroupFD: cgroupFD)
    }

    private static func detach(id: UInt32, from cgroupFD: Int32, dir: String) throws {
        var attr = [UInt8](repeating: 0, count: attrSize)
        let programFD = attr.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: id, toByteOffset: 0, as: UInt32.self)
            return CgroupLibc.bpf(commandProgGetFDByID, raw.baseAddress!, attrSize)
        }
        if programFD < 0 {
            let err = errno
            if err == ENOENT {
                return
            }
            throw CgroupError.syscall("bpf(BPF_PROG_GET_FD_BY_ID)", path: "program \(id) on \(dir)", errno: err)
        }
        defer { close(Int32(programFD)) }
        attr = [UInt8](repeating: 0, count: attrSize)
        let detached = attr.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt32(bitPattern: cgroupFD), toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: UInt32(programFD), toByteOffset: 4, as: UInt32.self)
            raw.storeBytes(of: attachTypeCgroupDevice, toByteOffset: 8, as: UInt32.self)
            return CgroupLibc.bpf(commandProgDetach, raw.baseAddress!, attrSize)
        }
        if detached < 0 && errno != ENOENT {
            throw CgroupError.syscall("bpf(BPF_PROG_DETACH)", path: dir, errno: errno)
        }
    }
}
