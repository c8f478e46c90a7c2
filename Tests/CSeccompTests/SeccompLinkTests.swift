import Glibc
import CSeccomp
import Testing

@Suite("libseccomp module map")
struct SeccompLinkTests {
    @Test("links against libseccomp 2.5 or newer and resolves syscall names")
    func linksAndResolves() throws {
        let version = try #require(seccomp_version())
        #expect(version.pointee.major == 2)
        #expect(version.pointee.minor >= 5)
        // getpid is 39 on x86_64, 172 on aarch64: resolve through the library, compare with the native arch.
        let nr = seccomp_syscall_resolve_name("getpid")
        #expect(nr >= 0)
        let name = seccomp_syscall_resolve_num_arch(seccomp_arch_native(), nr)
        defer { free(name) }
        #expect(name.map { String(cString: $0) } == "getpid")
    }
}
