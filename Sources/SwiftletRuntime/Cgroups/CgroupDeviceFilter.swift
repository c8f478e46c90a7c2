/// One eBPF instruction (`struct bpf_insn`).
struct EBPFInstruction: Equatable, Sendable {
    var code: UInt8
    var dst: UInt8 = 0
    var src: UInt8 = 0
    var offset: Int16 = 0
    var imm: Int32 = 0

    /// The 8-byte little-endian kernel encoding.
    var bytes: [UInt8] {
        let off = UInt16(bitPattern: offset)
        let value = UInt32(bitPattern: imm)
        return [
            code, (src << 4) | (dst & 0x0F),
            UInt8(off & 0xFF), UInt8(off >> 8),
            UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24),
        ]
    }

    // Opcodes used by the device filter (class | op | source).
    static let loadWord: UInt8 = 0x61  // BPF_LDX | BPF_MEM | BPF_W
    static let and32Imm: UInt8 = 0x54  // BPF_ALU | BPF_AND | BPF_K
    static let rsh32Imm: UInt8 = 0x74  // BPF_ALU | BPF_RSH | BPF_K
    static let mov32Reg: UInt8 = 0xBC  // BPF_ALU | BPF_MOV | BPF_X
    static let mov32Imm: UInt8 = 0xB4  // BPF_ALU | BPF_MOV | BPF_K
    static let jneImm: UInt8 = 0x55  // BPF_JMP | BPF_JNE | BPF_K
    static let jeqImm: UInt8 = 0x15  // BPF_JMP | BPF_JEQ | BPF_K
    static let exit: UInt8 = 0x95  // BPF_JMP | BPF_EXIT
}

/// Builds the `BPF_PROG_TYPE_CGROUP_DEVICE` program that enforces device rules on cgroup v2,
/// which has no `devices.allow`/`devices.deny` files.
///
/// Semantics follow the v1 device controller that the OCI rules were designed for: rules apply
/// in order and later rules override earlier ones, so the program checks them last to first and
/// the first match decides. A rule of type `a` resets everything (as writing `a` to v1
/// `devices.allow`/`devices.deny` does), so rules before the last `a` rule are dropped. With no
/// matching rule the access is allowed, like a fresh v1 cgroup. An allow rule matches only when it
/// grants every requested access bit; a deny rule matches when it denies any of them.
///
/// The kernel passes `struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }` with
/// the device type in the low 16 bits of `access_type` and the access bits in the high 16.
enum CgroupDeviceFilter {
    static let typeBlock: Int32 = 1  // BPF_DEVCG_DEV_BLOCK
    static let typeChar: Int32 = 2  // BPF_DEVCG_DEV_CHAR
    static let accessMknod: Int32 = 1  // BPF_DEVCG_ACC_MKNOD
    static let accessRead: Int32 = 2  // BPF_DEVCG_ACC_READ
    static let accessWrite: Int32 = 4  // BPF_DEVCG_ACC_WRITE

    /// The access bits for a rule's letters.
    static func accessMask(_ access: String) -> Int32 {
        var mask: Int32 = 0
        for letter in access {
            switch letter {
            case "r": mask |= accessRead
            case "w": mask |= accessWrite
            case "m": mask |= accessMknod
            default: break
            }
        }
        return mask
    }

    /// The rules that can still match: everything from the last `a` rule on.
    static func effectiveRules(_ rules: [CgroupResources.DeviceRule]) -> [CgroupResources.DeviceRule] {
        guard let last = rules.lastIndex(where: { $0.type == .all }) else {
            return rules
        }
        return Array(rules[last...])
    }

    /// The program for `rules` (validated by the caller).
    static func instructions(for rules: [CgroupResources.DeviceRule]) -> [EBPFInstruction] {
        // r2 = device type, r3 = requested access, r4 = major, r5 = minor.
        var program: [EBPFInstruction] = [
            EBPFInstruction(code: EBPFInstruction.loadWord, dst: 2, src: 1, offset: 0),
            EBPFInstruction(code: EBPFInstruction.and32Imm, dst: 2, imm: 0xFFFF),
            EBPFInstruction(code: EBPFInstruction.loadWord, dst: 3, src: 1, offset: 0),
            EBPFInstruction(code: EBPFInstruction.rsh32Imm, dst: 3, imm: 16),
            EBPFInstruction(code: EBPFInstruction.loadWord, dst: 4, src: 1, offset: 4),
            EBPFInstruction(code: EBPFInstruction.loadWord, dst: 5, src: 1, offset: 8),
        ]
        for rule in effectiveRules(rules).reversed() {
            let verdict = [
                EBPFInstruction(code: EBPFInstruction.mov32Imm, dst: 0, imm: rule.allow ? 1 : 0),
                EBPFInstruction(code: EBPFInstruction.exit),
            ]
            if rule.type == .all {
                // Unconditional: nothing after it is reachable (the verifier rejects dead code).
                return program + verdict
            }
            // Each check jumps past the rest of this block when the rule does not match.
            var checks: [EBPFInstruction] = [
                EBPFInstruction(code: EBPFInstruction.jneImm, dst: 2, imm: rule.type == .block ? typeBlock : typeChar)
            ]
            let mask = accessMask(rule.effectiveAccess)
            let all = accessRead | accessWrite | accessMknod
            if mask != all {
                checks.append(EBPFInstruction(code: EBPFInstruction.mov32Reg, dst: 1, src: 3))
                if rule.allow {
                    // Requested bits outside the grant: no match.
                    checks.append(EBPFInstruction(code: EBPFInstruction.and32Imm, dst: 1, imm: all & ~mask))
                    checks.append(EBPFInstruction(code: EBPFInstruction.jneImm, dst: 1, imm: 0))
                } else {
                    // No requested bit is denied: no match.
                    checks.append(EBPFInstruction(code: EBPFInstruction.and32Imm, dst: 1, imm: mask))
                    checks.append(EBPFInstruction(code: EBPFInstruction.jeqImm, dst: 1, imm: 0))
                }
            }
            if let major = rule.major {
                checks.append(EBPFInstruction(code: EBPFInstruction.jneImm, dst: 4, imm: Int32(truncatingIfNeeded: major)))
            }
            if let minor = rule.minor {
                checks.append(EBPFInstruction(code: EBPFInstruction.jneImm, dst: 5, imm: Int32(truncatingIfNeeded: minor)))
            }
            let blockLength = checks.count + verdict.count
            for index in checks.indices where checks[index].code == EBPFInstruction.jneImm || checks[index].code == EBPFInstruction.jeqImm {
                checks[index].offset = Int16(blockLength - index - 1)
            }
            program += checks + verdict
        }
        return program + [
            EBPFInstruction(code: EBPFInstruction.mov32Imm, dst: 0, imm: 1),
            EBPFInstruction(code: EBPFInstruction.exit),
        ]
    }
}
