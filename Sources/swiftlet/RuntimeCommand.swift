import ArgumentParser
import Foundation
import SwiftletAPI
import SwiftletRuntime

/// Options every `swiftlet runtime` subcommand takes, as runc's global flags.
struct RuntimeGlobalOptions: ParsableArguments {
    @Option(help: "Directory for container state.")
    var root: String = "/run/swiftlet/runtime"

    @Option(help: "Also write errors to this file (as runc's --log, read by containerd-style callers).")
    var log: String?

    @Option(name: .customLong("log-format"), help: "Format of --log: text or json.")
    var logFormat: LogFileFormat = .text

    enum LogFileFormat: String, ExpressibleByArgument { case text, json }

    var runtime: ContainerRuntime { ContainerRuntime(root: root) }

    /// Runs `body`, turning errors into `swiftlet runtime: MESSAGE` on stderr (and --log) and exit 1.
    @discardableResult
    func perform<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            let message = "\(error)"
            printError("swiftlet runtime: \(message)")
            appendLog(message)
            throw ExitCode(1)
        }
    }

    private func appendLog(_ message: String) {
        guard let log else { return }
        let time = ISO8601DateFormatter().string(from: Date())
        let line: String
        switch logFormat {
        case .text:
            line = "time=\"\(time)\" level=error msg=\(goQuote(message))\n"
        case .json:
            let object = ["level": "error", "msg": message, "time": time]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            line = String(decoding: data, as: UTF8.self) + "\n"
        }
        if let handle = FileHandle(forWritingAtPath: log) ?? {
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            return FileHandle(forWritingAtPath: log)
        }() {
            handle.seekToEndOfFile()
            try? handle.write(contentsOf: Data(line.utf8))
            try? handle.close()
        }
    }
}

/// `swiftlet runtime`: an OCI runtime command line (runc-compatible subset).
struct RuntimeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runtime",
        abstract: "Run OCI bundles (runc-compatible command line).",
        subcommands: [Create.self, Start.self, StateCommand.self, Kill.self, Delete.self, Run.self, Exec.self, List.self, Ps.self]
    )

    @OptionGroup var global: RuntimeGlobalOptions

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a container from a bundle; it waits for start.")
        @OptionGroup var global: RuntimeGlobalOptions
        @Option(name: [.short, .long], help: "The bundle directory (holding config.json).")
        var bundle: String = "."
        @Option(name: .customLong("pid-file"), help: "Write the container's pid here.")
        var pidFile: String?
        @Option(name: .customLong("log-path"), help: "Write the container's output to this CRI-format log file.")
        var logPath: String?
        @Argument(help: "The container ID.") var id: String

        func run() throws {
            try global.perform {
                try global.runtime.create(id: id, bundle: bundle, output: logPath.map { .criLog($0) } ?? .inherit, pidFile: pidFile)
            }
        }
    }

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start a created container.")
        @OptionGroup var global: RuntimeGlobalOptions
        @Argument(help: "The container ID.") var id: String
        func run() throws { try global.perform { try global.runtime.start(id: id) } }
    }

    struct StateCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "state", abstract: "Print a container's OCI state as JSON.")
        @OptionGroup var global: RuntimeGlobalOptions
        @Argument(help: "The container ID.") var id: String
        func run() throws {
            let state = try global.perform { try global.runtime.state(id: id) }
            print(String(decoding: state.jsonData(prettyPrinted: true), as: UTF8.self))
        }
    }

    struct Kill: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a signal (default SIGTERM) to a container.")
        @OptionGroup var global: RuntimeGlobalOptions
        @Flag(name: [.short, .long], help: "Signal every process in the container's cgroup.")
        var all = false
        @Argument(help: "The container ID.") var id: String
        @Argument(help: "Signal name (TERM, SIGKILL) or number.") var signal: String = "SIGTERM"
        func run() throws {
            try global.perform {
                guard let number = Signals.number(signal) else {
                    throw RuntimeError.invalidSpec("invalid signal \"\(signal)\"")
                }
                try global.runtime.kill(id: id, signal: number, all: all)
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a container and its resources.")
        @OptionGroup var global: RuntimeGlobalOptions
        @Flag(name: [.short, .long], help: "Kill the container first if it is running.")
        var force = false
        @Argument(help: "The container ID.") var id: String
        func run() throws { try global.perform { try global.runtime.delete(id: id, force: force) } }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create, start and wait for a container; exit with its exit code (128+signal when killed).")
        @OptionGroup var global: RuntimeGlobalOptions
        @Option(name: [.short, .long], help: "The bundle directory (holding config.json).")
        var bundle: String = "."
        @Option(name: .customLong("pid-file"), help: "Write the container's pid here.")
        var pidFile: String?
        @Argument(help: "The container ID.") var id: String
        func run() throws {
            let code = try global.perform { try global.runtime.run(id: id, bundle: bundle, pidFile: pidFile) }
            throw ExitCode(code)
        }
    }

    struct Exec: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run a process in a running container.")
        @OptionGroup var global: RuntimeGlobalOptions
        @Option(name: [.short, .long], help: "A JSON file holding the OCI process to run.")
        var process: String?
        @Argument(help: "The container ID.") var id: String
        @Argument(parsing: .postTerminator, help: "The command and its arguments, after --.")
        var command: [String] = []
        func run() throws {
            let code = try global.perform { () throws -> Int32 in
                var args = command
                if args.first == "--" { args.removeFirst() }
                if let process {
                    guard let data = FileManager.default.contents(atPath: process) else {
                        throw RuntimeError.invalidSpec("\(process): cannot read")
                    }
                    let decoded = try Spec.Process.decode(data, file: process)
                    return try global.runtime.exec(id: id, process: decoded)
                }
                guard !args.isEmpty else { throw RuntimeError.invalidSpec("exec: give a command after --, or --process FILE") }
                return try global.runtime.exec(id: id, args: args)
            }
            throw ExitCode(code)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List containers.")
        @OptionGroup var global: RuntimeGlobalOptions
        @Option(name: [.short, .long], help: "table or json.")
        var format: String = "table"
        @Flag(name: [.short, .long], help: "Print only the container IDs.")
        var quiet = false
        func run() throws {
            let states = try global.perform { try global.runtime.list() }
            if quiet {
                states.forEach { print($0.id) }
            } else if format == "json" {
                print(String(decoding: State.listJSON(states), as: UTF8.self))
            } else if format == "table" {
                print(Self.table(states))
            } else {
                printError("swiftlet runtime: invalid --format \"\(format)\": use table or json")
                throw ExitCode(1)
            }
        }

        static func table(_ states: [SwiftletRuntime.State]) -> String {
            var rows = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]]
            for s in states {
                rows.append([s.id, "\(s.pid)", s.status.rawValue, s.bundle, s.created ?? "", s.owner.flatMap { $0.isEmpty ? nil : $0 } ?? "root"])
            }
            let widths = (0..<6).map { c in rows.map { $0[c].count }.max() ?? 0 }
            return rows.map { row in
                row.enumerated().map { c, cell in c == 5 ? cell : cell.padding(toLength: widths[c] + 3, withPad: " ", startingAt: 0) }.joined()
            }.joined(separator: "\n")
        }
    }

    struct Ps: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the processes of a container.")
        @OptionGroup var global: RuntimeGlobalOptions
        @Option(name: [.short, .long], help: "table or json.")
        var format: String = "table"
        @Argument(help: "The container ID.") var id: String
        func run() throws {
            let pids = try global.perform { try global.runtime.ps(id: id) }
            if format == "json" {
                print("[" + pids.map(String.init).joined(separator: ",") + "]")
                return
            }
            print("PID    CMD")
            for pid in pids {
                let cmd = (FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data())
                    .split(separator: 0).map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
                print(String(pid).padding(toLength: 7, withPad: " ", startingAt: 0) + cmd)
            }
        }
    }
}
