import SwiftletAPI

/// The process a container runs, worked out from its spec and its image's config the way
/// kubelet and containerd's CRI do together.
public struct ContainerProcess: Hashable, Sendable {
    /// The full argv: executable first.
    public var args: [String]
    /// The environment as `NAME=value`: the image's, then the container's on top.
    public var env: [String]
    /// The working directory (the container's, else the image's, else `/`).
    public var workingDir: String
    /// The image's `User`, nil when it sets none (the pod's security context may override it).
    public var user: String?

    /// Creates a process description.
    public init(args: [String], env: [String], workingDir: String, user: String?) {
        self.args = args
        self.env = env
        self.workingDir = workingDir
        self.user = user
    }

    /// Resolves the process with the container's literal `env` values (each expanded against
    /// the variables defined before it, as kubelet does). Variables sourced from `valueFrom`
    /// must be resolved first; use `resolve(container:image:environment:)` for those.
    /// - Throws: `ImageConfigError.noCommand` when neither the container nor the image names
    ///   anything to run.
    public static func resolve(container: Container, image: ImageConfig) throws -> ContainerProcess {
        var defined: [String: String] = [:]
        var environment: [(name: String, value: String)] = []
        for variable in container.env ?? [] {
            let value = EnvExpansion.expand(variable.value ?? "", with: defined)
            defined[variable.name] = value
            environment.append((variable.name, value))
        }
        return try resolve(container: container, image: image, environment: environment)
    }

    /// Resolves the process with the container's environment already resolved (valueFrom,
    /// envFrom and service variables included), in order.
    ///
    /// - `command` replaces the image's Entrypoint and drops its Cmd; `args` alone replaces Cmd;
    ///   with neither, Entrypoint + Cmd run. An empty list counts as unset.
    /// - `$(VAR)` in command and args expands from `environment`; `$$` is a literal `$`; an
    ///   unknown `$(VAR)` stays as written.
    /// - The image's Env comes first; a container variable of the same name replaces it in
    ///   place, new ones follow in order.
    /// - Throws: `ImageConfigError.noCommand` when the result would be empty.
    public static func resolve(
        container: Container, image: ImageConfig, environment: [(name: String, value: String)]
    ) throws -> ContainerProcess {
        let defaults = image.config ?? ImageConfig.ProcessDefaults()
        var lookup: [String: String] = [:]
        for (name, value) in environment { lookup[name] = value }

        var command = (container.command ?? []).map { EnvExpansion.expand($0, with: lookup) }
        var args = (container.args ?? []).map { EnvExpansion.expand($0, with: lookup) }
        if command.isEmpty {
            if args.isEmpty { args = defaults.cmd ?? [] }
            let entrypoint = defaults.entrypoint ?? []
            // Docker writes `[""]` to mean "no entrypoint".
            if entrypoint != [""] { command = entrypoint }
        }
        let argv = command + args
        guard !argv.isEmpty else {
            throw ImageConfigError.noCommand(container: container.name, image: container.image ?? "")
        }

        var env = defaults.env ?? []
        for (name, value) in environment {
            let entry = "\(name)=\(value)"
            if let i = env.firstIndex(where: { Self.envName($0) == name }) {
                env[i] = entry
            } else {
                env.append(entry)
            }
        }

        let workingDir = [container.workingDir, defaults.workingDir].compactMap { $0 }.first { !$0.isEmpty } ?? "/"
        let user = defaults.user.flatMap { $0.isEmpty ? nil : $0 }
        return ContainerProcess(args: argv, env: env, workingDir: workingDir, user: user)
    }

    private static func envName(_ entry: String) -> Substring {
        entry.firstIndex(of: "=").map { entry[..<$0] } ?? entry[...]
    }
}
