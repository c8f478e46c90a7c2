/// Who made a request, as the agent's authenticators tell it (kube's `user.Info`).
public struct AgentUser: Sendable, Hashable, CustomStringConvertible {
    /// User name: a client certificate's subject CN, or the token file's second column.
    public var name: String
    /// User UID (token file only).
    public var uid: String
    /// Groups: a client certificate's subject O values, or the token file's fourth column.
    public var groups: [String]

    /// A user called `name`.
    public init(name: String, uid: String = "", groups: [String] = []) {
        self.name = name
        self.uid = uid
        self.groups = groups
    }

    /// The user requests without credentials get when anonymous access is on.
    public static let anonymous = AgentUser(name: "system:anonymous", groups: ["system:unauthenticated"])

    /// The user name.
    public var description: String { name }
}
