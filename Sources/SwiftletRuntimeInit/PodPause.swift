import CRuntimeShim
import Glibc

/// The pod's pause process (`swiftlet-monitor --pause`): PID 1 of a pod's shared PID
/// namespace (`shareProcessNamespace`), the role Kubernetes gives the pause container.
///
/// While it lives the namespace can take new processes; every container of the pod joins it,
/// and processes orphaned inside it are re-parented here and reaped. It exits on SIGTERM or
/// SIGINT (as Kubernetes' pause does); the kernel then kills everything left in the namespace.
public enum PodPause {
    /// The argument that selects this mode.
    public static let argument = "--pause"

    /// Runs until SIGTERM or SIGINT; returns the exit status.
    public static func run() -> Int32 {
        var set = sigset_t()
        sigemptyset(&set)
        for sig in [SIGCHLD, SIGTERM, SIGINT] { sigaddset(&set, sig) }
        // Blocked and taken with sigwaitinfo; the no-op handlers also make SIGTERM and SIGINT
        // deliverable to a namespace init, which drops signals it has no handler for.
        for sig in [SIGTERM, SIGINT, SIGCHLD] { _ = signal(sig, { _ in }) }
        for sig in [SIGHUP, SIGPIPE, SIGQUIT, SIGUSR1, SIGUSR2] { _ = signal(sig, SIG_IGN) }
        _ = sigprocmask(SIG_BLOCK, &set, nil)
        while true {
            var info = siginfo_t()
            let sig = sigwaitinfo(&set, &info)
            if sig == SIGTERM || sig == SIGINT { return 0 }
            if sig == SIGCHLD || sig < 0 {
                var status: Int32 = 0
                while waitpid(-1, &status, WNOHANG) > 0 {}
            }
        }
    }
}
