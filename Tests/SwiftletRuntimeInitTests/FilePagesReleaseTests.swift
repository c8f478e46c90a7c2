import CRuntimeShim
import Glibc
import Testing

@Suite("giving back the pages of file mappings (MADV_PAGEOUT)")
struct FilePagesReleaseTests {
    /// RssFile of /proc/self/status, in KiB.
    static func residentFileKiB() throws -> Int {
        let fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 8192)
        let count = read(fd, &buffer, buffer.count)
        try #require(count > 0)
        let line = try #require(String(decoding: buffer[..<count], as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("RssFile:") })
        return try #require(Int(line.dropFirst(8).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? ""))
    }

    @Test("code and read-only data leave the resident set, and what runs again is faulted back in",
          .enabled(if: Self.kernelSupportsPageout, "MADV_PAGEOUT needs Linux 5.4"))
    func release() throws {
        let before = try Self.residentFileKiB()
        let released = shim_release_file_pages()
        #expect(released > 0, "errno \(shim_errno())")
        let after = try Self.residentFileKiB()
        #expect(after < before, "RssFile \(before) KiB before, \(after) KiB after")
        // Code that ran before runs again from the file.
        let words = ["pages", "come", "back"].map { $0.uppercased() }.joined(separator: " ")
        #expect(words == "PAGES COME BACK")
        #expect(try Self.residentFileKiB() > 0)
    }

    static var kernelSupportsPageout: Bool {
        var name = utsname()
        guard uname(&name) == 0 else { return false }
        let release = withUnsafeBytes(of: name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let parts = release.split(separator: ".").prefix(2).compactMap { Int($0.prefix { $0.isNumber }) }
        guard parts.count == 2 else { return false }
        return parts[0] > 5 || (parts[0] == 5 && parts[1] >= 4)
    }
}
