import SwiftletAPI
import SwiftletImages
import Testing

struct CommandCase: CustomTestStringConvertible, Sendable {
    var entrypoint: [String]?
    var cmd: [String]?
    var command: [String]?
    var args: [String]?
    var run: [String]
    var testDescription: String { "entrypoint \(entrypoint ?? []) cmd \(cmd ?? []) command \(command ?? []) args \(args ?? [])" }
}

// The table of "Define a Command and Arguments for a Container" (kubernetes.io), plus
// containerd's edge cases (empty lists count as unset, `[""]` entrypoint means none).
let commandCases: [CommandCase] = [
    .init(entrypoint: ["/ep-1"], cmd: ["foo", "bar"], command: nil, args: nil, run: ["/ep-1", "foo", "bar"]),
    .init(entrypoint: ["/ep-1"], cmd: ["foo", "bar"], command: ["/ep-2"], args: nil, run: ["/ep-2"]),
    .init(entrypoint: ["/ep-1"], cmd: ["foo", "bar"], command: nil, args: ["zoo", "boo"], run: ["/ep-1", "zoo", "boo"]),
    .init(entrypoint: ["/ep-1"], cmd: ["foo", "bar"], command: ["/ep-2"], args: ["zoo", "boo"], run: ["/ep-2", "zoo", "boo"]),
    .init(entrypoint: nil, cmd: ["/bin/sh"], command: nil, args: nil, run: ["/bin/sh"]),
    .init(entrypoint: nil, cmd: ["/bin/sh"], command: nil, args: ["/bin/true"], run: ["/bin/true"]),
    .init(entrypoint: ["/ep-1"], cmd: ["foo"], command: [], args: [], run: ["/ep-1", "foo"]),
    .init(entrypoint: [""], cmd: ["/bin/sh", "-c", "x"], command: nil, args: nil, run: ["/bin/sh", "-c", "x"]),
    .init(entrypoint: nil, cmd: nil, command: ["/app"], args: nil, run: ["/app"]),
]

private func image(entrypoint: [String]? = nil, cmd: [String]? = nil, env: [String]? = nil, workingDir: String? = nil, user: String? = nil) -> ImageConfig {
    ImageConfig(
        architecture: "amd64", os: "linux",
        config: .init(user: user, env: env, entrypoint: entrypoint, cmd: cmd, workingDir: workingDir))
}

@Suite("Container process from the image config")
struct ImageConfigProcessTests {
    @Test("command replaces Entrypoint and drops Cmd; args alone replaces Cmd", arguments: commandCases)
    func commandAndArgs(_ c: CommandCase) throws {
        let container = Container(name: "c", image: "img", command: c.command, args: c.args)
        let process = try ContainerProcess.resolve(container: container, image: image(entrypoint: c.entrypoint, cmd: c.cmd))
        #expect(process.args == c.run)
    }

    @Test("nothing to run is an error naming the container and image")
    func noCommand() {
        let container = Container(name: "web", image: "scratch-app")
        #expect(throws: ImageConfigError.noCommand(container: "web", image: "scratch-app")) {
            try ContainerProcess.resolve(container: container, image: image())
        }
    }

    @Test("image Env comes first; container variables replace in place and append in order")
    func envMerge() throws {
        let container = Container(
            name: "c", image: "i", command: ["/x"],
            env: [EnvVar(name: "B", value: "container-b"), EnvVar(name: "NEW", value: "n"), EnvVar(name: "PATH", value: "/opt/bin")])
        let process = try ContainerProcess.resolve(
            container: container, image: image(env: ["PATH=/usr/bin", "A=1", "B=image-b"]))
        #expect(process.env == ["PATH=/opt/bin", "A=1", "B=container-b", "NEW=n"])
    }

    @Test("a later duplicate container variable wins")
    func duplicateEnv() throws {
        let container = Container(name: "c", image: "i", command: ["/x"], env: [EnvVar(name: "A", value: "1"), EnvVar(name: "A", value: "2")])
        let process = try ContainerProcess.resolve(container: container, image: image())
        #expect(process.env == ["A=2"])
    }

    @Test("$(VAR) expands from container env in command, args and later env values; $$ escapes")
    func expansion() throws {
        let container = Container(
            name: "c", image: "i", command: ["/bin/echo", "$(GREETING)"], args: ["$(NAME)-$(MISSING)", "$$(NAME)", "cost $5", "$(UNCLOSED"],
            env: [EnvVar(name: "NAME", value: "world"), EnvVar(name: "GREETING", value: "hello $(NAME)")])
        let process = try ContainerProcess.resolve(container: container, image: image(env: ["IMAGEVAR=x"]))
        #expect(process.args == ["/bin/echo", "hello world", "world-$(MISSING)", "$(NAME)", "cost $5", "$(UNCLOSED"])
        #expect(process.env.contains("GREETING=hello world"))
    }

    @Test("image variables are not used for $(VAR) expansion, as in kubelet")
    func imageEnvNotExpanded() throws {
        let container = Container(name: "c", image: "i", args: ["$(IMAGEVAR)"])
        let process = try ContainerProcess.resolve(container: container, image: image(entrypoint: ["/e"], env: ["IMAGEVAR=x"]))
        #expect(process.args == ["/e", "$(IMAGEVAR)"])
    }

    @Test("resolved environments (valueFrom already applied) are taken as given")
    func resolvedEnvironment() throws {
        let container = Container(name: "c", image: "i", command: ["/x", "$(SECRET)"])
        let process = try ContainerProcess.resolve(
            container: container, image: image(env: ["SECRET=image"]), environment: [(name: "SECRET", value: "from-secret")])
        #expect(process.args == ["/x", "from-secret"])
        #expect(process.env == ["SECRET=from-secret"])
    }

    @Test("working dir: container's, else image's, else /; user comes from the image")
    func workingDirAndUser() throws {
        let withImageDir = image(entrypoint: ["/e"], workingDir: "/srv", user: "nobody")
        #expect(try ContainerProcess.resolve(container: Container(name: "c", workingDir: "/work"), image: withImageDir).workingDir == "/work")
        let fromImage = try ContainerProcess.resolve(container: Container(name: "c"), image: withImageDir)
        #expect(fromImage.workingDir == "/srv")
        #expect(fromImage.user == "nobody")
        let bare = try ContainerProcess.resolve(container: Container(name: "c", workingDir: ""), image: image(entrypoint: ["/e"], user: ""))
        #expect(bare.workingDir == "/")
        #expect(bare.user == nil)
    }
}
