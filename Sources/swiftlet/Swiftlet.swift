import ArgumentParser

/// The `swiftlet` command: a Kubernetes node agent with its own container runtime.
@main
struct Swiftlet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftlet",
        abstract: "A Kubernetes node agent with its own container runtime.",
        discussion: """
            Runs the pods assigned to this node. Pod manifests are plain Kubernetes v1 Pods; the \
            agent's configuration file is kubelet's KubeletConfiguration.
            """,
        subcommands: [AgentCommand.self, PsCommand.self, DescribeCommand.self, NodeCommand.self, LogsCommand.self, ImageCommand.self, ManifestCommand.self, RuntimeCommand.self, VersionCommand.self]
    )
}
