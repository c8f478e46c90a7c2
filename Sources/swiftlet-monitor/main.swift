import Glibc
import SwiftletRuntimeInit

// `swiftlet-monitor [--detach] STATE_DIR`: the per-container monitor (see `Monitor`).
// With --detach the first process forks and exits at once, so the monitor is re-parented to
// the nearest subreaper and a long-lived creator never has to reap it.
func monitorArguments() -> [String] {
    var arguments = CommandLine.arguments
    guard arguments.count > 2 && arguments[1] == "--detach" else { return arguments }
    arguments.remove(at: 1)
    let pid = fork()
    if pid < 0 {
        perror("swiftlet-monitor: fork")
        exit(1)
    }
    if pid > 0 { _exit(0) }
    return arguments
}

exit(Monitor.run(arguments: monitorArguments()))
