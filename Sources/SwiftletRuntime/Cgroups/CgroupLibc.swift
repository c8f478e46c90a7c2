#if canImport(Glibc)
import Glibc
#endif

/// libc entry points that Swift's Glibc module does not import: `eventfd` (its header is not in
/// the module map) and `syscall` (variadic, so not callable from Swift).
///
/// They are looked up with `dlsym` and called through fixed-arity C function types. For
/// `syscall` this is sound on the ABIs we build for (x86_64, aarch64): glibc's `syscall` is an
/// assembly stub that only moves its integer arguments from the call registers into the syscall
/// registers and never reads the variadic-call metadata.
enum CgroupLibc {
    private typealias EventFDFunction = @convention(c) (UInt32, Int32) -> Int32
    private typealias Syscall3Function = @convention(c) (Int, Int, UnsafeMutableRawPointer?, Int) -> Int

    /// `EFD_CLOEXEC` (equal to `O_CLOEXEC`).
    static let eventFDCloexec: Int32 = 0o2_000_000

    #if arch(x86_64)
    static let bpfSyscallNumber = 321
    #elseif arch(arm64)
    static let bpfSyscallNumber = 280
    #else
    static let bpfSyscallNumber = -1
    #endif

    private static func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        let handle = dlopen(nil, RTLD_NOW)
        return dlsym(handle, name)
    }

    /// `eventfd(initval, flags)`; returns -1 with errno set on failure (ENOSYS if the symbol is missing).
    static func eventfd(_ initval: UInt32, _ flags: Int32) -> Int32 {
        guard let pointer = symbol("eventfd") else {
            errno = ENOSYS
            return -1
        }
        let function = unsafeBitCast(pointer, to: EventFDFunction.self)
        return function(initval, flags)
    }

    /// `bpf(cmd, attr, size)`; returns -1 with errno set on failure.
    static func bpf(_ command: Int, _ attr: UnsafeMutableRawPointer, _ size: Int) -> Int {
        guard bpfSyscallNumber >= 0, let pointer = symbol("syscall") else {
            errno = ENOSYS
            return -1
        }
        let function = unsafeBitCast(pointer, to: Syscall3Function.self)
        return function(bpfSyscallNumber, command, attr, size)
    }
}
