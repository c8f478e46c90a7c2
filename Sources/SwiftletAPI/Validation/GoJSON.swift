/// A JSON value rendered as Go's `encoding/json` renders Kubernetes' internal API types,
/// which is how `field.Error` prints structs and lists (`Invalid value: {"Type":"RuntimeDefault",...}`).
/// Internal types carry no JSON tags, so objects use Go field names and print every field.
indirect enum GoJSON {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)
    case array([GoJSON])
    /// Members in declaration order.
    case object([(String, GoJSON)])

    var rendered: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .string(let s): return goJSONQuote(s)
        case .array(let items): return "[" + items.map(\.rendered).joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.map { goJSONQuote($0.0) + ":" + $0.1.rendered }.joined(separator: ",") + "}"
        }
    }

    var fieldValue: FieldValue { .raw(rendered) }

    static func optional(_ s: String?) -> GoJSON { s.map(GoJSON.string) ?? .null }
    static func optional(_ b: Bool?) -> GoJSON { b.map(GoJSON.bool) ?? .null }
    static func optional(_ i: Int64?) -> GoJSON { i.map(GoJSON.int) ?? .null }
    static func strings(_ list: [String]?) -> GoJSON { list.map { .array($0.map(GoJSON.string)) } ?? .null }
}

extension GoJSON {
    static func of(_ sc: SecurityContext) -> GoJSON {
        .object([
            ("Capabilities", sc.capabilities.map { .object([("Add", .strings($0.add)), ("Drop", .strings($0.drop))]) } ?? .null),
            ("Privileged", .optional(sc.privileged)),
            ("SELinuxOptions", sc.seLinuxOptions.map(of) ?? .null),
            ("WindowsOptions", sc.windowsOptions.map(of) ?? .null),
            ("RunAsUser", .optional(sc.runAsUser)),
            ("RunAsGroup", .optional(sc.runAsGroup)),
            ("RunAsNonRoot", .optional(sc.runAsNonRoot)),
            ("ReadOnlyRootFilesystem", .optional(sc.readOnlyRootFilesystem)),
            ("AllowPrivilegeEscalation", .optional(sc.allowPrivilegeEscalation)),
            ("ProcMount", .optional(sc.procMount)),
            ("SeccompProfile", sc.seccompProfile.map(of) ?? .null),
            ("AppArmorProfile", sc.appArmorProfile.map { .object([("Type", .string($0.type)), ("LocalhostProfile", .optional($0.localhostProfile))]) } ?? .null),
        ])
    }

    static func of(_ options: SELinuxOptions) -> GoJSON {
        .object([
            ("User", .string(options.user ?? "")), ("Role", .string(options.role ?? "")),
            ("Type", .string(options.type ?? "")), ("Level", .string(options.level ?? "")),
        ])
    }

    static func of(_ options: WindowsSecurityContextOptions) -> GoJSON {
        .object([
            ("GMSACredentialSpecName", .optional(options.gmsaCredentialSpecName)),
            ("GMSACredentialSpec", .optional(options.gmsaCredentialSpec)),
            ("RunAsUserName", .optional(options.runAsUserName)),
            ("HostProcess", .optional(options.hostProcess)),
        ])
    }

    static func of(_ profile: SeccompProfile) -> GoJSON {
        .object([("Type", .string(profile.type)), ("LocalhostProfile", .optional(profile.localhostProfile))])
    }

    static func of(_ bundle: ClusterTrustBundleProjection) -> GoJSON {
        .object([
            ("Name", .optional(bundle.name)),
            ("SignerName", .optional(bundle.signerName)),
            ("LabelSelector", bundle.labelSelector.map(of) ?? .null),
            ("Optional", .optional(bundle.optional)),
            ("Path", .string(bundle.path)),
        ])
    }

    static func of(_ selector: LabelSelector) -> GoJSON {
        // metav1 types do carry JSON tags (with omitempty).
        var members: [(String, GoJSON)] = []
        if let labels = selector.matchLabels, !labels.isEmpty {
            members.append(("matchLabels", .object(labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        if let expressions = selector.matchExpressions, !expressions.isEmpty {
            members.append(("matchExpressions", .array(expressions.map { requirement in
                var fields: [(String, GoJSON)] = [("key", .string(requirement.key)), ("operator", .string(requirement.operator))]
                if let values = requirement.values, !values.isEmpty { fields.append(("values", .strings(values))) }
                return .object(fields)
            })))
        }
        return .object(members)
    }
}
