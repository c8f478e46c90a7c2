extension PodValidator {
    enum ProbeKind { case liveness, readiness, startup }

    /// A probe or lifecycle handler, reduced to the actions Kubernetes' `commonHandler` holds.
    private struct Handler {
        var exec: ExecAction?
        var httpGet: HTTPGetAction?
        var tcpSocket: TCPSocketAction?
        var grpc: GRPCAction?
        var sleep: SleepAction?
    }

    /// `validateLivenessProbe` / `validateReadinessProbe` / `validateStartupProbe`. Unset numbers take
    /// Kubernetes' defaults (timeout 1, period 10, success 1, failure 3); zero does too, as in
    /// `SetDefaults_Probe`.
    func validateProbe(_ probe: Probe?, kind: ProbeKind, _ path: FieldPath) -> [FieldError] {
        guard let probe else { return [] }
        var errors = validateHandler(Handler(exec: probe.exec, httpGet: probe.httpGet, tcpSocket: probe.tcpSocket, grpc: probe.grpc), path)
        let successThreshold = defaulted(probe.successThreshold, 1)
        errors += nonNegative(Int64(probe.initialDelaySeconds ?? 0), path.child("initialDelaySeconds"))
        errors += nonNegative(Int64(defaulted(probe.timeoutSeconds, 1)), path.child("timeoutSeconds"))
        errors += nonNegative(Int64(defaulted(probe.periodSeconds, 10)), path.child("periodSeconds"))
        errors += nonNegative(Int64(successThreshold), path.child("successThreshold"))
        errors += nonNegative(Int64(defaulted(probe.failureThreshold, 3)), path.child("failureThreshold"))
        if let grace = probe.terminationGracePeriodSeconds, grace <= 0 {
            errors.append(.invalid(path.child("terminationGracePeriodSeconds"), .int(grace), "must be greater than 0"))
        }
        switch kind {
        case .liveness, .startup:
            if successThreshold != 1 {
                errors.append(.invalid(path.child("successThreshold"), .int(Int64(successThreshold)), "must be 1"))
            }
        case .readiness:
            if let grace = probe.terminationGracePeriodSeconds {
                errors.append(.invalid(path.child("terminationGracePeriodSeconds"), .int(grace), "must not be set for readinessProbes"))
            }
        }
        return errors
    }

    private func defaulted(_ value: Int32?, _ fallback: Int32) -> Int32 {
        guard let value, value != 0 else { return fallback }
        return value
    }

    func nonNegative(_ value: Int64, _ path: FieldPath) -> [FieldError] {
        value < 0 ? [.invalid(path, .int(value), ValidationRules.isNegativeError)] : []
    }

    /// `validateLifecycle`: each hook present must name exactly one action.
    func validateLifecycle(_ lifecycle: Lifecycle, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        if let hook = lifecycle.postStart {
            errors += validateHandler(Handler(exec: hook.exec, httpGet: hook.httpGet, tcpSocket: hook.tcpSocket, sleep: hook.sleep), path.child("postStart"))
        }
        if let hook = lifecycle.preStop {
            errors += validateHandler(Handler(exec: hook.exec, httpGet: hook.httpGet, tcpSocket: hook.tcpSocket, sleep: hook.sleep), path.child("preStop"))
        }
        return errors
    }

    /// `validateHandler`: exactly one action; the first one set wins and the others are forbidden.
    private func validateHandler(_ handler: Handler, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        var count = 0
        func take<Action>(_ name: String, _ action: Action?, _ check: (Action) -> [FieldError]) {
            guard let action else { return }
            if count > 0 {
                errors.append(.forbidden(path.child(name), "may not specify more than 1 handler type"))
            } else {
                count += 1
                errors += check(action)
            }
        }
        take("exec", handler.exec) { ($0.command ?? []).isEmpty ? [.required(path.child("exec").child("command"))] : [] }
        take("httpGet", handler.httpGet) { validateHTTPGet($0, path.child("httpGet")) }
        take("tcpSocket", handler.tcpSocket) { validatePortNumberOrName($0.port, path.child("tcpSocket").child("port")) }
        take("grpc", handler.grpc) { validatePortNumberOrName(.int($0.port), path.child("grpc").child("port")) }
        take("sleep", handler.sleep) { validateSleep($0, path.child("sleep")) }
        if count == 0 {
            errors.append(.required(path, "must specify a handler type"))
        }
        return errors
    }

    private func validateHTTPGet(_ action: HTTPGetAction, _ path: FieldPath) -> [FieldError] {
        var errors = validatePortNumberOrName(action.port, path.child("port"))
        let scheme = nonEmpty(action.scheme) ?? "HTTP"
        if scheme != "HTTP" && scheme != "HTTPS" {
            errors.append(.notSupported(path.child("scheme"), .json(scheme), ["HTTP", "HTTPS"]))
        }
        for header in action.httpHeaders ?? [] {
            errors += ValidationRules.httpHeaderName(header.name).map { .invalid(path.child("httpHeaders"), .string(header.name), $0) }
        }
        return errors
    }

    /// `ValidatePortNumOrName`: a number 1–65535 or an IANA service name. Named ports are not
    /// resolved against the container's ports; Kubernetes leaves that to the kubelet.
    func validatePortNumberOrName(_ port: IntOrString, _ path: FieldPath) -> [FieldError] {
        switch port {
        case .int(let number):
            return ValidationRules.portNumber(Int64(number)).map { .invalid(path, .int(Int64(number)), $0) }
        case .string(let name):
            return ValidationRules.portName(name).map { .invalid(path, .string(name), $0) }
        }
    }

    private func validateSleep(_ sleep: SleepAction, _ path: FieldPath) -> [FieldError] {
        if options.allowZeroSleepAction {
            if sleep.seconds < 0 || sleep.seconds > gracePeriod {
                return [.invalid(path, .int(sleep.seconds), "must be non-negative and less than terminationGracePeriodSeconds (\(gracePeriod))")]
            }
        } else if sleep.seconds <= 0 || sleep.seconds > gracePeriod {
            return [.invalid(path, .int(sleep.seconds),
                             "must be greater than 0 and less than terminationGracePeriodSeconds (\(gracePeriod)). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep.")]
        }
        return []
    }
}
