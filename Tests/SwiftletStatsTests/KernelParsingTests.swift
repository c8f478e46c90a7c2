import Foundation
import Testing
@testable import SwiftletStats

@Suite("Kernel file parsing")
struct KernelParsingTests {
    @Test("keyed values pick exact keys from memory.stat text, ignoring prefixes and order")
    func keyedValues() {
        let text = """
            cache 100
            rss 200
            total_rss 2000
            total_inactive_file 3000
            inactive_file 300
            total_pgfault 77
            total_pgmajfault 7

            """
        let keys = ["total_inactive_file", "total_rss", "missing", "inactive_file"].map { Array($0.utf8) }
        let values = KernelText.withBytes(text) { KernelText.keyedValues($0, keys: keys) }
        #expect(values == [3000, 2000, nil, 300])
    }

    @Test("meminfo parsing converts kB to bytes")
    func memInfo() throws {
        let info = try #require(MemInfo.parse("""
            MemTotal:        8148108 kB
            MemFree:          711876 kB
            MemAvailable:    5312540 kB
            Inactive(anon):    12000 kB
            Inactive(file):  2500000 kB
            AnonPages:       1200000 kB
            SwapTotal:       1048572 kB
            SwapFree:        1000000 kB

            """))
        #expect(info.memTotalBytes == 8_148_108 * 1024)
        #expect(info.memFreeBytes == 711_876 * 1024)
        #expect(info.memAvailableBytes == 5_312_540 * 1024)
        #expect(info.inactiveFileBytes == 2_500_000 * 1024)
        #expect(info.anonBytes == 1_200_000 * 1024)
        #expect(info.swapTotalBytes == 1_048_572 * 1024)
        #expect(info.swapFreeBytes == 1_000_000 * 1024)
        #expect(MemInfo.parse("SwapTotal: 0 kB\n") == nil)
    }

    @Test("/proc/stat busy time sums user, nice, system, irq, softirq and steal, and btime is the boot time")
    func procStat() throws {
        let stat = try #require(ProcStat.parse("""
            cpu  2272000 22 452528 1511665 22243 10 5697 4055 7 0
            cpu0 1 2 3 4 5 6 7 8 9 10
            btime 1700000123

            """, ticksPerSecond: 100))
        let ticks: UInt64 = 2_272_000 + 22 + 452_528 + 10 + 5697 + 4055
        #expect(stat.busyNanos == ticks * 10_000_000)
        #expect(stat.bootTime == Date(timeIntervalSince1970: 1_700_000_123))
        #expect(ProcStat.parse("intr 1\n") == nil)
    }

    @Test("net/dev parsing reads bytes, packets, errors and drops and skips loopback")
    func netDev() {
        let text = """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo: 31954239265 1060054    0    0    0     0          0         0 31954239265 1060054    0    0    0     0       0          0
              eth0: 360058858   10833    1    2    0     0          0         0   677413    9022    3    4    0     0       0          0
            vethabcdef12:    1000      10    0    0    0     0          0         0     2000      20    0    0    0     0       0          0

            """
        let interfaces = NetworkDevStats.parse(text)
        #expect(interfaces.map(\.name) == ["eth0", "vethabcdef12"])
        #expect(interfaces[0] == InterfaceCounters(name: "eth0", rxBytes: 360_058_858, rxPackets: 10833, rxErrors: 1, rxDropped: 2,
                                                   txBytes: 677_413, txPackets: 9022, txErrors: 3, txDropped: 4))
        #expect(interfaces[1].txBytes == 2000)
    }

    @Test("the real /proc/self/net/dev parses into every non-loopback interface the file lists")
    func realNetDev() throws {
        let text = try KernelFileReader().string(of: "/proc/self/net/dev")
        let expected = text.split(separator: "\n").dropFirst(2).compactMap { line -> String? in
            let name = line.split(separator: ":")[0].trimmingCharacters(in: .whitespaces)
            return name == "lo" ? nil : name
        }
        let parsed = NetworkDevStats.parse(text)
        #expect(parsed.map(\.name) == expected)
        for (line, iface) in zip(text.split(separator: "\n").dropFirst(2).filter { !$0.contains("lo:") }, parsed) {
            let fields = line.split(separator: ":")[1].split(separator: " ").compactMap { UInt64($0) }
            #expect(iface.rxBytes == fields[0] && iface.rxPackets == fields[1] && iface.rxErrors == fields[2])
            #expect(iface.txBytes == fields[8] && iface.txPackets == fields[9] && iface.txErrors == fields[10])
        }
    }

    @Test("the reader returns whole files past 4 KiB and past its initial buffer, and names the path when open fails")
    func readerReadsWholeFiles() throws {
        let dir = try ScratchDir("reader")
        defer { dir.remove() }
        let path = try dir.write("big", bytes: 100_000)
        let reader = KernelFileReader(capacity: 1024)
        #expect(try reader.withContents(of: path) { $0.count } == 100_000)
        // /proc/self/mountinfo is generated on read (stat says size 0); compare with a second read path.
        let viaReader = try reader.string(of: "/proc/self/mounts")
        let viaCat = try String(decoding: FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/mounts")).readToEnd() ?? Data(), as: UTF8.self)
        #expect(viaReader.split(separator: "\n").count == viaCat.split(separator: "\n").count)
        #expect(viaReader.count > 0)
        let error = #expect(throws: StatsError.self) { try reader.string(of: dir.sub("missing")) }
        #expect(error?.message.contains("open(\(dir.sub("missing"))): ENOENT") == true)
    }

    @Test("Go float formatting matches strconv 'g' -1 as the Prometheus encoder writes values")
    func goFloats() {
        let cases: [(Double, String)] = [
            (0, "0"), (1, "1"), (-1, "-1"), (10, "10"), (1000, "1000"), (123_456, "123456"), (1_234_567, "1.234567e+06"),
            (12_926_976, "1.2926976e+07"), (6197.005020909, "6197.005020909"), (1.6243962483020916e+09, "1.6243962483020916e+09"),
            (0.5, "0.5"), (0.0001, "0.0001"), (0.00001, "1e-05"), (1e21, "1e+21"), (.nan, "NaN"), (.infinity, "+Inf"),
            (-.infinity, "-Inf"), (40.384910049, "40.384910049"), (1.137475584e+09, "1.137475584e+09"), (-2.5, "-2.5"),
        ]
        for (value, text) in cases {
            #expect(GoFloatFormat.prometheus(value) == text, "\(value)")
        }
    }

    @Test("stats times encode as whole-second UTC and decode RFC 3339 with fractions and offsets")
    func statsTime() throws {
        let t = StatsTime(Date(timeIntervalSince1970: 1_624_396_278.302091597))
        #expect(t.description == "2021-06-22T21:11:18Z")
        #expect(t.unixMilliseconds == 1_624_396_278_302)
        let decoded = try JSONDecoder().decode([StatsTime].self, from: Data(#"["2021-06-22T21:11:18.5Z","2021-06-23T05:11:18+08:00"]"#.utf8))
        #expect(decoded[0].date.timeIntervalSince1970 == 1_624_396_278.5)
        #expect(decoded[1].date.timeIntervalSince1970 == 1_624_396_278)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([StatsTime].self, from: Data(#"["yesterday"]"#.utf8)) }
    }
}
