/// Compact binary form of ``InitPlan`` for `plan.bin`, readable without Foundation.
///
/// Layout: the magic `SWIP`, a format version (UInt32), then the fields in declaration
/// order. Integers are little-endian fixed width; strings and byte arrays are a UInt32
/// length followed by the bytes; arrays are a UInt32 count followed by the elements;
/// optionals are a 0/1 tag byte followed by the value when present.
extension InitPlan {
    /// Format version written by ``encode()``; ``init(decoding:)`` accepts only this one,
    /// since the monitor and the library ship together.
    public static let formatVersion: UInt32 = 1

    /// Serializes the plan.
    public func encode() -> [UInt8] {
        var w = PlanWriter()
        w.bytes.append(contentsOf: Array("SWIP".utf8))
        w.u32(Self.formatVersion)
        w.strings(args)
        w.strings(env)
        w.string(cwd)
        w.u32(user.uid)
        w.u32(user.gid)
        w.array(user.additionalGids) { $0.u32($1) }
        w.u32(user.umask)
        w.u64(capabilities.bounding)
        w.u64(capabilities.effective)
        w.u64(capabilities.inheritable)
        w.u64(capabilities.permitted)
        w.u64(capabilities.ambient)
        w.array(rlimits) { w, r in
            w.i32(r.resource)
            w.u64(r.soft)
            w.u64(r.hard)
        }
        w.bool(noNewPrivileges)
        w.optional(oomScoreAdj) { $0.i32($1) }
        w.optional(hostname) { $0.string($1) }
        w.optional(domainname) { $0.string($1) }
        w.u64(createNamespaces)
        w.array(joinNamespaces) { w, j in
            w.u64(j.type)
            w.string(j.path)
        }
        for mappings in [uidMappings, gidMappings] {
            w.array(mappings) { w, m in
                w.u32(m.containerID)
                w.u32(m.hostID)
                w.u32(m.size)
            }
        }
        w.bool(denySetgroups)
        w.string(rootfs)
        w.bool(rootfsReadonly)
        w.u64(UInt64(rootfsPropagation))
        w.array(mounts) { w, m in
            w.string(m.destination)
            w.string(m.source)
            w.string(m.type)
            w.u64(UInt64(m.flags))
            w.u64(UInt64(m.propagation))
            w.string(m.data)
            w.bool(m.isBind)
            w.bool(m.recursive)
        }
        w.array(devices) { w, d in
            w.string(d.path)
            w.u8(d.type)
            w.u32(d.major)
            w.u32(d.minor)
            w.u32(d.mode)
            w.u32(d.uid)
            w.u32(d.gid)
        }
        w.strings(maskedPaths)
        w.strings(readonlyPaths)
        w.array(sysctls) { w, s in
            w.string(s.key)
            w.string(s.value)
        }
        w.optional(seccomp) { w, s in
            w.byteArray(s.program)
            w.u32(s.flags)
        }
        switch stdio {
        case .inherit:
            w.u8(0)
        case .criLog(let path):
            w.u8(1)
            w.string(path)
        }
        w.string(stateDir)
        w.string(execFifoPath)
        w.string(exitFilePath)
        w.strings(joinCgroupProcs)
        return w.bytes
    }

    /// Deserializes a plan written by ``encode()``.
    /// - Throws: ``RuntimeInitError`` (`.invalidPlan`) naming the offset when the bytes are
    ///   truncated, carry another magic or version, or have trailing garbage.
    public init(decoding bytes: [UInt8]) throws(RuntimeInitError) {
        var r = PlanReader(bytes: bytes)
        let magic = try r.take(4)
        guard Array(magic) == Array("SWIP".utf8) else {
            throw .invalidPlan("not an init plan (bad magic at offset 0)")
        }
        let version = try r.u32()
        guard version == Self.formatVersion else {
            throw .invalidPlan("init plan format version \(version) is not supported (expected \(Self.formatVersion)); the monitor and the runtime library must come from the same build")
        }
        let args = try r.strings()
        let env = try r.strings()
        let cwd = try r.string()
        let uid = try r.u32()
        let gid = try r.u32()
        let additionalGids = try r.array { r throws(RuntimeInitError) in try r.u32() }
        let umask = try r.u32()
        let caps = Capabilities(
            bounding: try r.u64(), effective: try r.u64(), inheritable: try r.u64(),
            permitted: try r.u64(), ambient: try r.u64())
        let rlimits = try r.array { r throws(RuntimeInitError) in
            Rlimit(resource: try r.i32(), soft: try r.u64(), hard: try r.u64())
        }
        let noNewPrivileges = try r.bool()
        let oomScoreAdj = try r.optional { r throws(RuntimeInitError) in try r.i32() }
        let hostname = try r.optional { r throws(RuntimeInitError) in try r.string() }
        let domainname = try r.optional { r throws(RuntimeInitError) in try r.string() }
        let createNamespaces = try r.u64()
        let joins = try r.array { r throws(RuntimeInitError) in
            NamespaceJoin(type: try r.u64(), path: try r.string())
        }
        let readMapping = { (r: inout PlanReader) throws(RuntimeInitError) -> IDMapping in
            IDMapping(containerID: try r.u32(), hostID: try r.u32(), size: try r.u32())
        }
        let uidMappings = try r.array(readMapping)
        let gidMappings = try r.array(readMapping)
        let denySetgroups = try r.bool()
        let rootfs = try r.string()
        let rootfsReadonly = try r.bool()
        let rootfsPropagation = UInt(try r.u64())
        let mounts = try r.array { r throws(RuntimeInitError) in
            Mount(
                destination: try r.string(), source: try r.string(), type: try r.string(),
                flags: UInt(try r.u64()), propagation: UInt(try r.u64()), data: try r.string(),
                isBind: try r.bool(), recursive: try r.bool())
        }
        let devices = try r.array { r throws(RuntimeInitError) in
            Device(
                path: try r.string(), type: try r.u8(), major: try r.u32(), minor: try r.u32(),
                mode: try r.u32(), uid: try r.u32(), gid: try r.u32())
        }
        let maskedPaths = try r.strings()
        let readonlyPaths = try r.strings()
        let sysctls = try r.array { r throws(RuntimeInitError) in
            Sysctl(key: try r.string(), value: try r.string())
        }
        let seccomp = try r.optional { r throws(RuntimeInitError) in
            SeccompFilter(program: try r.byteArray(), flags: try r.u32())
        }
        let stdio: Stdio
        switch try r.u8() {
        case 0: stdio = .inherit
        case 1: stdio = .criLog(path: try r.string())
        case let tag: throw .invalidPlan("unknown stdio kind \(tag) at offset \(r.offset - 1)")
        }
        let stateDir = try r.string()
        let execFifoPath = try r.string()
        let exitFilePath = try r.string()
        let joinCgroupProcs = try r.strings()
        guard r.offset == bytes.count else {
            throw .invalidPlan("\(bytes.count - r.offset) unexpected trailing bytes at offset \(r.offset)")
        }
        self.init(
            args: args, env: env, cwd: cwd,
            user: User(uid: uid, gid: gid, additionalGids: additionalGids, umask: umask),
            capabilities: caps, rlimits: rlimits, noNewPrivileges: noNewPrivileges,
            oomScoreAdj: oomScoreAdj, hostname: hostname, domainname: domainname,
            createNamespaces: createNamespaces, joinNamespaces: joins,
            uidMappings: uidMappings, gidMappings: gidMappings, denySetgroups: denySetgroups,
            rootfs: rootfs, rootfsReadonly: rootfsReadonly, rootfsPropagation: rootfsPropagation,
            mounts: mounts, devices: devices, maskedPaths: maskedPaths, readonlyPaths: readonlyPaths,
            sysctls: sysctls, seccomp: seccomp, stdio: stdio, stateDir: stateDir,
            execFifoPath: execFifoPath, exitFilePath: exitFilePath, joinCgroupProcs: joinCgroupProcs)
    }
}

private struct PlanWriter {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(4096) }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }
    mutating func u32(_ v: UInt32) {
        var v = v.littleEndian
        withUnsafeBytes(of: &v) { bytes.append(contentsOf: $0) }
    }
    mutating func i32(_ v: Int32) { u32(UInt32(bitPattern: v)) }
    mutating func u64(_ v: UInt64) {
        var v = v.littleEndian
        withUnsafeBytes(of: &v) { bytes.append(contentsOf: $0) }
    }
    mutating func byteArray(_ v: [UInt8]) {
        u32(UInt32(v.count))
        bytes.append(contentsOf: v)
    }
    mutating func string(_ v: String) {
        var v = v
        v.withUTF8 { utf8 in
            u32(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }
    mutating func strings(_ v: [String]) { array(v) { $0.string($1) } }
    mutating func array<T>(_ v: [T], _ element: (inout PlanWriter, T) -> Void) {
        u32(UInt32(v.count))
        for e in v { element(&self, e) }
    }
    mutating func optional<T>(_ v: T?, _ element: (inout PlanWriter, T) -> Void) {
        if let v {
            u8(1)
            element(&self, v)
        } else {
            u8(0)
        }
    }
}

private struct PlanReader {
    let bytes: [UInt8]
    var offset = 0

    mutating func take(_ n: Int) throws(RuntimeInitError) -> ArraySlice<UInt8> {
        guard n >= 0, n <= bytes.count - offset else {
            throw .invalidPlan("init plan truncated: needed \(n) bytes at offset \(offset), \(bytes.count - offset) left")
        }
        defer { offset += n }
        return bytes[offset..<offset + n]
    }
    mutating func u8() throws(RuntimeInitError) -> UInt8 { try take(1).first! }
    mutating func bool() throws(RuntimeInitError) -> Bool {
        let at = offset
        switch try u8() {
        case 0: return false
        case 1: return true
        case let v: throw .invalidPlan("invalid boolean \(v) at offset \(at)")
        }
    }
    mutating func u32() throws(RuntimeInitError) -> UInt32 {
        let s = try take(4)
        var v: UInt32 = 0
        for (i, b) in s.enumerated() { v |= UInt32(b) << (8 * UInt32(i)) }
        return v
    }
    mutating func i32() throws(RuntimeInitError) -> Int32 { Int32(bitPattern: try u32()) }
    mutating func u64() throws(RuntimeInitError) -> UInt64 {
        let s = try take(8)
        var v: UInt64 = 0
        for (i, b) in s.enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        return v
    }
    mutating func byteArray() throws(RuntimeInitError) -> [UInt8] {
        Array(try take(Int(try u32())))
    }
    mutating func string() throws(RuntimeInitError) -> String {
        String(decoding: try take(Int(try u32())), as: UTF8.self)
    }
    mutating func strings() throws(RuntimeInitError) -> [String] {
        try array { r throws(RuntimeInitError) in try r.string() }
    }
    mutating func array<T>(_ element: (inout PlanReader) throws(RuntimeInitError) -> T) throws(RuntimeInitError) -> [T] {
        let at = offset
        let count = Int(try u32())
        // Every element takes at least one byte: a larger count is corrupt, and checking
        // first avoids reserving memory for a bogus count.
        guard count <= bytes.count - offset else {
            throw .invalidPlan("array count \(count) at offset \(at) exceeds the remaining \(bytes.count - offset) bytes")
        }
        var out: [T] = []
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(try element(&self)) }
        return out
    }
    mutating func optional<T>(_ element: (inout PlanReader) throws(RuntimeInitError) -> T) throws(RuntimeInitError) -> T? {
        try bool() ? try element(&self) : nil
    }
}
