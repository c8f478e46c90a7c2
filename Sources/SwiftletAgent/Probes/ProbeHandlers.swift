import Foundation
import NIOCore
import SwiftletAPI

/// The production ``ProbeRunning``: picks the probe's handler and, like kubelet's
/// `runProbeWithRetries`, tries a run that erred (rather than failed) up to three times.
package struct ProbeHandlers: ProbeRunning {
    package let exec: ExecProbe
    package let http: HTTPProbe
    package let tcp: TCPProbe
    package let grpc: GRPCProbe

    /// - Parameters:
    ///   - group: the event loops of httpGet, tcpSocket and grpc probes run from outside a loop.
    ///   - clock: times exec probes' timeouts.
    package init(exec runner: any ProbeExecRunner, clock: any AgentClock, group: any EventLoopGroup) {
        let dialer = ProbeDialer(group: group)
        exec = ExecProbe(runner: runner, clock: clock)
        http = HTTPProbe(dialer: dialer)
        tcp = TCPProbe(dialer: dialer)
        grpc = GRPCProbe(dialer: dialer)
    }

    package func run(_ probe: Probe, kind: ProbeKind, target: ProbeTarget, on loop: any EventLoop) -> EventLoopFuture<ProbeOutcome> {
        attempt(probe, target: target, on: loop, left: 3)
    }

    private func attempt(_ probe: Probe, target: ProbeTarget, on loop: any EventLoop, left: Int) -> EventLoopFuture<ProbeOutcome> {
        runOnce(probe, target: target, on: loop).flatMap { outcome in
            guard outcome.status == .error, left > 1 else { return loop.makeSucceededFuture(outcome) }
            return attempt(probe, target: target, on: loop, left: left - 1)
        }
    }

    private func runOnce(_ probe: Probe, target: ProbeTarget, on loop: any EventLoop) -> EventLoopFuture<ProbeOutcome> {
        let timeout = ProbeTiming(probe).timeout
        if let action = probe.exec {
            let exec = self.exec
            if exec.clock is SystemClock, let runner = exec.runner as? any ProbeExecLoopRunner {
                return exec.run(action, container: target.container, containerID: target.containerID, timeoutSeconds: timeout,
                                runner: runner, on: loop)
            }
            return loop.makeFutureWithTask {
                await exec.run(action, container: target.container, containerID: target.containerID, timeoutSeconds: timeout)
            }
        }
        if let action = probe.httpGet {
            return http.run(action, target: target, timeoutSeconds: timeout, on: loop)
        }
        if let action = probe.tcpSocket {
            return tcp.run(action, target: target, timeoutSeconds: timeout, on: loop)
        }
        if let action = probe.grpc {
            return grpc.run(action, target: target, timeoutSeconds: timeout, on: loop)
        }
        return loop.makeSucceededFuture(
            .error("missing probe handler for \(target.podName)_\(target.namespace)(\(target.podUID)):\(target.containerName)"))
    }
}
