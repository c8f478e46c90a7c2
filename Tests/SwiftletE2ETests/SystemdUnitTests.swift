import Foundation
import Testing

@Suite("systemd unit")
struct SystemdUnitTests {
    static let unitPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("systemd/swiftlet.service").path

    @Test(
        "swiftlet.service passes systemd-analyze verify with empty stderr",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"), "needs systemd-analyze (Debian's systemd package)")
    )
    func verify() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        // verify checks that ExecStart's binary exists: point it at the binary under test.
        let unit = try String(contentsOfFile: Self.unitPath, encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/local/bin/swiftlet agent"))
        let local = try dir.write("swiftlet.service", unit.replacingOccurrences(of: "/usr/local/bin/swiftlet", with: Swiftlet.binary))
        let out = try runProcess("/usr/bin/systemd-analyze", ["verify", local])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stderr.isEmpty, "\(out.stderr)")
    }

    @Test("the unit keeps containers alive across agent restarts and speaks sd_notify")
    func essentials() throws {
        let unit = try String(contentsOfFile: Self.unitPath, encoding: .utf8)
        let lines = Set(unit.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        for required in ["Type=notify", "Restart=always", "KillMode=process", "Delegate=yes"] {
            #expect(lines.contains(required), "missing \(required)")
        }
        #expect(lines.contains { $0.hasPrefix("WatchdogSec=") })
    }
}
