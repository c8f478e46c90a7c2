import CRuntimeShim
import Foundation

/// Runs OCI hooks (config.json `hooks`) with the container's state JSON on stdin, as the
/// runtime spec's lifecycle defines: a hook that fails or outlives its `timeout` fails the operation.
enum HookRunner {
    /// Runs `hooks` in order.
    /// - Parameter namespacesOf: for createContainer and startContainer hooks, the container's init:
    ///   the hook runs in its UTS, IPC, network and PID namespaces (through util-linux `nsenter`).
    ///   It keeps the runtime's mount namespace, because the spec requires the hook's `path` to
    ///   resolve there; the container's root filesystem is reachable through the bundle.
    /// - Throws: `RuntimeError.hook` naming the phase, the hook and its exit status or stderr.
    static func run(_ hooks: [Spec.Hook], phase: String, state: State, namespacesOf pid: Int32? = nil) throws {
        guard !hooks.isEmpty else { return }
        let stateJSON = state.jsonData(prettyPrinted: false)
        for (i, hook) in hooks.enumerated() {
            let process = Process()
            var arguments = Array(hook.args.dropFirst())
            if let pid {
                process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
                arguments = ["--target", "\(pid)", "--uts", "--ipc", "--net", "--pid", "--", hook.path] + arguments
            } else {
                process.executableURL = URL(fileURLWithPath: hook.path)
            }
            process.arguments = arguments
            var environment: [String: String] = [:]
            for entry in hook.env {
                if let eq = entry.firstIndex(of: "=") {
                    environment[String(entry[..<eq])] = String(entry[entry.index(after: eq)...])
                }
            }
            process.environment = environment
            let stdin = Pipe(), stderr = Pipe()
            process.standardInput = stdin
            process.standardError = stderr
            process.standardOutput = FileHandle.nullDevice
            do {
                try process.run()
            } catch {
                throw RuntimeError.hook("\(phase) hook \(i) (\(hook.path)): cannot run: \(error.localizedDescription)")
            }
            // A hook may exit without reading its stdin: EPIPE is not an error here, and the
            // write must not raise SIGPIPE (which would kill the caller) either.
            _ = stateJSON.withUnsafeBytes { shim_write_no_sigpipe(stdin.fileHandleForWriting.fileDescriptor, $0.baseAddress, $0.count) }
            try? stdin.fileHandleForWriting.close()
            var timedOut = false
            if let timeout = hook.timeout, timeout > 0 {
                let deadline = Date().addingTimeInterval(Double(timeout))
                while process.isRunning && Date() < deadline { usleep(5_000) }
                if process.isRunning {
                    timedOut = true
                    kill(process.processIdentifier, SIGKILL)
                }
            }
            process.waitUntilExit()
            let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if timedOut {
                throw RuntimeError.hook("\(phase) hook \(i) (\(hook.path)): timed out after \(hook.timeout ?? 0)s")
            }
            if process.terminationReason != .exit || process.terminationStatus != 0 {
                throw RuntimeError.hook("\(phase) hook \(i) (\(hook.path)): exited with status \(process.terminationStatus)\(message.isEmpty ? "" : ": \(message)")")
            }
        }
    }
}
