import Foundation
import Testing

@testable import SwiftletRuntime

#if canImport(Glibc)
import Glibc
#endif

private typealias DeviceRule = CgroupResources.DeviceRule
private typealias HugepageLimit = CgroupResources.HugepageLimit

/// Runs a device-filter program the way the kernel would for one access check, supporting the
/// opcodes the generator emits, so the rule semantics can be tested without privileges.
private func runFilter(_ program: [EBPFInstruction], type: Int32, access: Int32, major: UInt32, minor: UInt32) throws -> UInt64 {
    let context: [UInt32] = [UInt32(access << 16 | type), major, minor]
    var registers = [UInt64](repeating: 0, count: 11)
    var pc = 0
    var steps = 0
    while pc < program.count {
        steps += 1
        guard steps < 10_000 else { throw CgroupError(.invalidArgument, "filter loops") }
        let insn = program[pc]
        let dst = Int(insn.dst)
        let src = Int(insn.src)
        let imm = UInt64(bitPattern: Int64(insn.imm))
        pc += 1
        switch insn.code {
        case EBPFInstruction.loadWord:
            // r1 is the context pointer in the kernel; here offsets index the context words.
            registers[dst] = UInt64(context[Int(insn.offset) / 4])
        case EBPFInstruction.and32Imm:
            registers[dst] = UInt64(UInt32(truncatingIfNeeded: registers[dst]) & UInt32(truncatingIfNeeded: imm))
        case EBPFInstruction.rsh32Imm:
            registers[dst] = UInt64(UInt32(truncatingIfNeeded: registers[dst]) >> UInt32(imm))
        case EBPFInstruction.mov32Reg:
            registers[dst] = UInt64(UInt32(truncatingIfNeeded: registers[src]))
        case EBPFInstruction.mov32Imm:
            registers[dst] = UInt64(UInt32(truncatingIfNeeded: imm))
        case EBPFInstruction.jneImm:
            if registers[dst] != imm { pc += Int(insn.offset) }
        case EBPFInstruction.jeqImm:
            if registers[dst] == imm { pc += Int(insn.offset) }
        case EBPFInstruction.exit:
            return registers[0]
        default:
            throw CgroupError(.invalidArgument, "unexpected opcode \(insn.code)")
        }
    }
    throw CgroupError(.invalidArgument, "fell off the end of the program")
}

@Suite("cgroup v2 device filter (eBPF)")
struct CgroupDeviceFilterTests {
    static let char = CgroupDeviceFilter.typeChar
    static let block = CgroupDeviceFilter.typeBlock
    static let read = CgroupDeviceFilter.accessRead
    static let write = CgroupDeviceFilter.accessWrite
    static let mknod = CgroupDeviceFilter.accessMknod

    /// The default container rule set: deny all, then allow the usual character devices.
    static let containerRules: [CgroupResources.DeviceRule] = [
        DeviceRule(allow: false, type: .all, access: "rwm"),
        DeviceRule(allow: true, type: .char, major: 1, minor: 3, access: "rwm"),  // null
        DeviceRule(allow: true, type: .char, major: 1, minor: 5, access: "r"),  // zero, read only
        DeviceRule(allow: true, type: .char, major: 136, minor: nil, access: "rw"),  // pts/*
        DeviceRule(allow: true, type: .char, major: nil, minor: nil, access: "m"),  // mknod any char
        DeviceRule(allow: false, type: .char, major: 1, minor: 3, access: "w"),  // then forbid writing null
    ]

    @Test(
        "the program decides like the v1 device controller: the last matching rule wins",
        arguments: [
            (char, read, UInt32(1), UInt32(3), UInt64(1)),  // null read: allowed
            (char, write, 1, 3, 0),  // null write: denied by the last rule
            (char, read | write, 1, 3, 0),  // any denied bit denies
            (char, read, 1, 5, 1),  // zero read
            (char, write, 1, 5, 0),  // zero write not granted
            (char, read | write, 136, 7, 1),  // pts, any minor
            (char, mknod, 136, 7, 1),  // m granted to every char device
            (char, read, 1, 8, 0),  // random: not listed, deny-all applies
            (block, read, 8, 0, 0),  // block devices denied
            (block, mknod, 8, 0, 0),  // the char mknod rule does not cover block
        ])
    func semantics(type: Int32, access: Int32, major: UInt32, minor: UInt32, expected: UInt64) throws {
        let program = CgroupDeviceFilter.instructions(for: Self.containerRules)
        #expect(try runFilter(program, type: type, access: access, major: major, minor: minor) == expected)
    }

    @Test("with no wildcard rule everything not denied is allowed, like a fresh v1 cgroup")
    func defaultAllow() throws {
        let program = CgroupDeviceFilter.instructions(for: [DeviceRule(allow: false, type: .block, major: 8, minor: nil, access: "rwm")])
        #expect(try runFilter(program, type: Self.block, access: Self.read, major: 8, minor: 1) == 0)
        #expect(try runFilter(program, type: Self.block, access: Self.read, major: 9, minor: 1) == 1)
        #expect(try runFilter(program, type: Self.char, access: Self.write, major: 8, minor: 1) == 1)
    }

    @Test("rules before the last 'a' rule are dropped and nothing follows an unconditional verdict")
    func wildcardTruncates() {
        let rules = [
            DeviceRule(allow: true, type: .char, major: 1, minor: 3),
            DeviceRule(allow: true, type: .all),
            DeviceRule(allow: false, type: .char, major: 1, minor: 9),
        ]
        #expect(CgroupDeviceFilter.effectiveRules(rules) == Array(rules[1...]))
        let program = CgroupDeviceFilter.instructions(for: rules)
        // 6 prologue + deny block (jne type, jne major, jne minor, mov, exit) + allow-all (mov, exit).
        #expect(program.count == 6 + 5 + 2)
        #expect(program.last == EBPFInstruction(code: EBPFInstruction.exit))
        #expect(program[program.count - 2] == EBPFInstruction(code: EBPFInstruction.mov32Imm, dst: 0, imm: 1))
        #expect(program[6] == EBPFInstruction(code: EBPFInstruction.jneImm, dst: 2, offset: 4, imm: Self.char))
    }

    @Test("instructions encode to the kernel's 8-byte little-endian layout")
    func encoding() {
        let insn = EBPFInstruction(code: EBPFInstruction.loadWord, dst: 4, src: 1, offset: 4, imm: 0)
        #expect(insn.bytes == [0x61, 0x14, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00])
        let jump = EBPFInstruction(code: EBPFInstruction.jneImm, dst: 5, offset: -2, imm: 0x0102_0304)
        #expect(jump.bytes == [0x55, 0x05, 0xFE, 0xFF, 0x04, 0x03, 0x02, 0x01])
    }

    @Test("the kernel verifier accepts the generated programs", .enabled(if: CgroupTestHost.isRoot))
    func kernelAccepts() throws {
        for rules in [Self.containerRules, [DeviceRule(allow: true)], [DeviceRule(allow: false, type: .block, major: 8, minor: 0, access: "w")]] {
            let fd = try CgroupBPF.loadDeviceProgram(CgroupDeviceFilter.instructions(for: rules))
            #expect(fd >= 0)
            close(fd)
        }
    }
}
