import Foundation

/// A failure of pod networking: a bad CNI config file, a CNI plugin that failed or timed out,
/// a network namespace that could not be made, or a pod whose DNS settings cannot be written.
public struct NetworkError: Error, Sendable, CustomStringConvertible, Equatable {
    private enum Code: Sendable, Equatable {
        case config, plugin, pluginNotFound, timeout, notFound, invalid, system
    }

    private let code: Code
    /// What went wrong, naming the file and field, the plugin, or the system call and path.
    public let message: String
    /// The CNI plugin (its `type`) that failed, for plugin errors and timeouts.
    public let plugin: String?
    /// The CNI error code the plugin reported (CNI spec "Error" object), if it printed one.
    public let pluginCode: Int?

    private init(_ code: Code, _ message: String, plugin: String? = nil, pluginCode: Int? = nil) {
        self.code = code
        self.message = message
        self.plugin = plugin
        self.pluginCode = pluginCode
    }

    /// A CNI network config file that cannot be used; `field` is the JSON path inside it.
    public static func config(file: String, field: String?, _ problem: String) -> NetworkError {
        let location = field.map { "\(file): \($0)" } ?? file
        return NetworkError(.config, "\(location): \(problem)")
    }

    /// A CNI plugin exited with an error. `code`, `msg` and `details` are its CNI error object
    /// when it printed one; otherwise `msg` carries its stderr or stdout.
    public static func plugin(
        _ plugin: String, network: String, command: String, ifName: String,
        code: Int?, msg: String, details: String?
    ) -> NetworkError {
        var text = "CNI plugin \(plugin) failed (\(command) network \(network), interface \(ifName)): \(msg)"
        if let details, !details.isEmpty { text += ": \(details)" }
        if let code { text += " (CNI error code \(code))" }
        return NetworkError(.plugin, text, plugin: plugin, pluginCode: code)
    }

    /// No executable named `plugin` in any of `binDirs`.
    public static func pluginNotFound(_ plugin: String, network: String, binDirs: [String]) -> NetworkError {
        NetworkError(
            .pluginNotFound,
            "CNI plugin \(plugin) (network \(network)) not found in \(binDirs.joined(separator: ", ")); "
                + "install containernetworking-plugins or fix the bin dirs",
            plugin: plugin)
    }

    /// A CNI plugin ran longer than the timeout and was killed.
    public static func timeout(_ plugin: String, network: String, command: String, seconds: Double) -> NetworkError {
        NetworkError(
            .timeout, "CNI plugin \(plugin) (\(command) network \(network)) timed out after \(seconds)s and was killed",
            plugin: plugin)
    }

    /// Something looked up does not exist (a namespace, a config dir, a cached result).
    public static func notFound(_ what: String) -> NetworkError { NetworkError(.notFound, what) }

    /// An argument or pod field that cannot be used; the message names it.
    public static func invalid(_ message: String) -> NetworkError { NetworkError(.invalid, message) }

    /// A system call or helper command failed on `path`.
    public static func system(_ call: String, _ path: String, errno: Int32) -> NetworkError {
        NetworkError(.system, "\(call)(\(path)): \(errnoDescription(errno))")
    }

    /// A helper command (ip, iptables-restore) failed; `output` is what it printed.
    public static func command(_ argv: [String], status: Int32, output: String) -> NetworkError {
        let text = output.trimmingCharacters(in: .whitespacesAndNewlines)
        return NetworkError(
            .system, "\(argv.joined(separator: " ")) exited with status \(status)\(text.isEmpty ? "" : ": \(text)")")
    }

    /// Whether a CNI config file was at fault.
    public var isConfigError: Bool { code == .config }
    /// Whether a CNI plugin reported an error.
    public var isPluginError: Bool { code == .plugin }
    /// Whether a CNI plugin timed out.
    public var isTimeout: Bool { code == .timeout }
    /// Whether something looked up does not exist.
    public var isNotFound: Bool { code == .notFound || code == .pluginNotFound }

    /// The message.
    public var description: String { message }
}

/// `ENOENT (No such file or directory)`.
func errnoDescription(_ value: Int32) -> String {
    let names: [Int32: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", EINTR: "EINTR", EIO: "EIO", EBADF: "EBADF", ECHILD: "ECHILD",
        EAGAIN: "EAGAIN", ENOMEM: "ENOMEM", EACCES: "EACCES", EBUSY: "EBUSY", EEXIST: "EEXIST",
        ENOTDIR: "ENOTDIR", EISDIR: "EISDIR", EINVAL: "EINVAL", ENOSPC: "ENOSPC", EROFS: "EROFS",
        ENAMETOOLONG: "ENAMETOOLONG", ENOSYS: "ENOSYS", ENOTEMPTY: "ENOTEMPTY", ELOOP: "ELOOP", EUSERS: "EUSERS",
    ]
    let text = String(cString: strerror(value))
    return names[value].map { "\($0) (\(text))" } ?? text
}
