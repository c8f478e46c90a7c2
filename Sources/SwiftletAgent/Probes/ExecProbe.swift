import Foundation
import NIOCore
import SwiftletAPI

/// Runs a command inside a running container for an exec probe.
public protocol ProbeExecRunner: Sendable {
    /// Runs `command` (not through a shell) in container `containerID` and waits for it.
    ///
    /// The prober cancels the calling task when the probe's timeout passes: the runner must then
    /// kill the command and return (or throw) promptly.
    /// - Parameter timeout: the probe's timeout, for runners that enforce it themselves too.
    /// - Returns: the exit code and the combined stdout and stderr.
    /// - Throws: when the command could not be run at all (the container is gone, say).
    func exec(containerID: String, command: [String], timeout: Duration) async throws -> ProbeExecResult
}

/// A runner that can also run a probe's command from an event loop with the timeout on that
/// loop's (system) clock: no Swift task, task group or sleeping task per run, which is most of
/// what an exec probe costs the agent besides the process itself.
package protocol ProbeExecLoopRunner: ProbeExecRunner {
    /// Runs `command` in container `containerID`; the future is completed on `loop`, with nil
    /// when the timeout passed first (the runner then kills the command).
    func exec(containerID: String, command: [String], timeout: TimeAmount, on loop: any EventLoop) -> EventLoopFuture<ProbeExecResult?>
}

/// How an exec probe's command ended.
public struct ProbeExecResult: Sendable, Equatable {
    /// The exit code; 128 + the signal when killed.
    public var exitCode: Int32
    /// Combined stdout and stderr (the prober keeps the first 10 KiB).
    public var output: String

    public init(exitCode: Int32, output: String) {
        self.exitCode = exitCode
        self.output = output
    }
}

/// The exec handler: exit 0 is success, any other code a failure carrying the output, and a
/// command still running at the timeout is killed and fails with kubelet's
/// `command "…" timed out`. The timeout runs on the injected clock.
package struct ExecProbe: Sendable {
    package let runner: any ProbeExecRunner
    package let clock: any AgentClock

    package init(runner: any ProbeExecRunner, clock: any AgentClock) {
        self.runner = runner
        self.clock = clock
    }

    private enum Race: Sendable {
        case finished(ProbeExecResult)
        case failed(String)
        case timedOut
    }

    package func run(_ action: ExecAction, container: Container, containerID: String, timeoutSeconds: Int) async -> ProbeOutcome {
        let command = ProbeSupport.expand(action.command ?? [], env: container.env)
        guard !command.isEmpty else { return .error("exec probe of container \(container.name) has no command") }
        let deadline = clock.now().addingTimeInterval(Double(timeoutSeconds))
        let (runner, clock) = (self.runner, self.clock)
        let race: Race = await withTaskGroup(of: Race?.self) { group in
            group.addTask {
                do {
                    return .finished(try await runner.exec(containerID: containerID, command: command, timeout: .seconds(timeoutSeconds)))
                } catch is CancellationError {
                    return nil
                } catch {
                    return .failed("\(error)")
                }
            }
            group.addTask {
                do {
                    try await clock.sleep(until: deadline)
                    return .timedOut
                } catch {
                    return nil
                }
            }
            var first: Race?
            for await result in group {
                if let result {
                    first = result
                    break
                }
            }
            group.cancelAll()
            return first ?? .failed("exec probe cancelled")
        }
        switch race {
        case .finished(let result):
            let output = Self.truncated(result.output)
            return result.exitCode == 0 ? .success(output) : .failure(output)
        case .failed(let message):
            return .error(message)
        case .timedOut:
            return .failure("command \(ProbeSupport.goQuote(command.joined(separator: " "))) timed out")
        }
    }

    /// The same run through a ``ProbeExecLoopRunner``, on the system clock.
    package func run(_ action: ExecAction, container: Container, containerID: String, timeoutSeconds: Int,
                     runner: any ProbeExecLoopRunner, on loop: any EventLoop) -> EventLoopFuture<ProbeOutcome> {
        let command = ProbeSupport.expand(action.command ?? [], env: container.env)
        guard !command.isEmpty else { return loop.makeSucceededFuture(.error("exec probe of container \(container.name) has no command")) }
        return runner.exec(containerID: containerID, command: command, timeout: .seconds(Int64(timeoutSeconds)), on: loop)
            .map { result -> ProbeOutcome in
                guard let result else {
                    return .failure("command \(ProbeSupport.goQuote(command.joined(separator: " "))) timed out")
                }
                let output = Self.truncated(result.output)
                return result.exitCode == 0 ? .success(output) : .failure(output)
            }
            .recover { error in .error("\(error)") }
    }

    /// The first 10 KiB of `output`, cut at a character boundary.
    static func truncated(_ output: String) -> String {
        guard output.utf8.count > ProbeSupport.maxOutputBytes else { return output }
        return String(decoding: output.utf8.prefix(ProbeSupport.maxOutputBytes), as: UTF8.self)
    }
}
