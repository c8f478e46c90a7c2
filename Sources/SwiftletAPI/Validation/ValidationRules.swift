/// Kubernetes' value-format checks (`k8s.io/apimachinery/pkg/util/validation` and
/// `k8s.io/apimachinery/pkg/api/validate/content`), returning the same messages.
///
/// Each check returns the list of problems with a value, empty when the value is
/// valid; callers wrap them in ``FieldError``s at the field's path. Lengths are
/// counted in UTF-8 bytes, as Go's `len` counts them.
///
/// Messages follow current Kubernetes (apimachinery of v1.34/v1.35): DNS names and port names
/// say "characters" in their length limit, while label keys and values (checked by the newer
/// `content` package) say "bytes", as kube-apiserver prints them.
public enum ValidationRules {
    /// Maximum length of a DNS-1123 or DNS-1035 label.
    public static let dnsLabelMaxLength = 63
    /// Maximum length of a DNS-1123 subdomain.
    public static let dnsSubdomainMaxLength = 253
    /// Maximum length of a label value and of a label key's name part.
    public static let labelValueMaxLength = 63
    /// Maximum total size in bytes of an object's annotations (keys plus values).
    public static let totalAnnotationSizeLimit = 256 * 1024

    // MARK: Message builders

    /// `must be no more than 63 characters`.
    public static func maxLenError(_ length: Int) -> String {
        "must be no more than \(length) characters"
    }

    /// The label-key/label-value flavour of ``maxLenError(_:)``: `must be no more than 63 bytes`.
    public static func maxLenBytesError(_ length: Int) -> String {
        "must be no more than \(length) bytes"
    }

    /// A regex failure explained with examples, as Kubernetes' `RegexError` words it.
    public static func regexError(_ message: String, _ format: String, _ examples: String...) -> String {
        if examples.isEmpty {
            return message + " (regex used for validation is '" + format + "')"
        }
        var text = message + " (e.g. "
        for (i, example) in examples.enumerated() {
            if i > 0 { text += " or " }
            text += "'" + example + "', "
        }
        return text + "regex used for validation is '" + format + "')"
    }

    /// `must be non-empty`.
    public static let emptyError = "must be non-empty"

    /// `must be between 1 and 65535, inclusive`.
    public static func inclusiveRangeError(_ low: Int64, _ high: Int64) -> String {
        "must be between \(low) and \(high), inclusive"
    }

    /// `must be greater than or equal to 0`, Kubernetes' `IsNegativeErrorMsg`.
    public static let isNegativeError = "must be greater than or equal to 0"

    // MARK: DNS names

    static let dns1123LabelFormat = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
    static let dns1123LabelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
    static let dns1123SubdomainFormat = dns1123LabelFormat + "(\\." + dns1123LabelFormat + ")*"
    static let dns1123SubdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
    static let dns1123LabelWithUnderscoreFormat = "_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?"
    static let dns1123SubdomainWithUnderscoreFormat = dns1123LabelWithUnderscoreFormat + "(\\." + dns1123LabelWithUnderscoreFormat + ")*"
    static let dns1123SubdomainWithUnderscoreMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '_', '-' or '.', and must start and end with an alphanumeric character"
    static let dns1035LabelFormat = "[a-z]([-a-z0-9]*[a-z0-9])?"
    static let dns1035LabelMessage = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character"

    /// An RFC 1123 label (`IsDNS1123Label`): container, volume and port-less names, namespaces.
    public static func dns1123Label(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > dnsLabelMaxLength {
            errors.append(maxLenError(dnsLabelMaxLength))
        }
        if !matchesDNS1123Label(value) {
            if matchesDNS1123Subdomain(value) {
                errors.append("must not contain dots")
            } else {
                errors.append(regexError(dns1123LabelMessage, dns1123LabelFormat, "my-name", "123-abc"))
            }
        }
        return errors
    }

    /// An RFC 1123 subdomain (`IsDNS1123Subdomain`): object names, host aliases.
    public static func dns1123Subdomain(_ value: String) -> [String] {
        dns1123Subdomain(value, maxLengthError: maxLenError)
    }

    /// An RFC 1123 subdomain that may also contain `_` (`IsDNS1123SubdomainWithUnderscore`),
    /// used for DNS search domains.
    public static func dns1123SubdomainWithUnderscore(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > dnsSubdomainMaxLength {
            errors.append(maxLenError(dnsSubdomainMaxLength))
        }
        let labels = value.split(separator: ".", omittingEmptySubsequences: false)
        if !labels.allSatisfy({ matchesDNS1123LabelWithUnderscore(Substring($0)) }) {
            errors.append(regexError(dns1123SubdomainWithUnderscoreMessage, dns1123SubdomainWithUnderscoreFormat, "example.com"))
        }
        return errors
    }

    /// An RFC 1035 label (`IsDNS1035Label`): like an RFC 1123 label, but starting with a letter.
    public static func dns1035Label(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > dnsLabelMaxLength {
            errors.append(maxLenError(dnsLabelMaxLength))
        }
        let s = Array(value.unicodeScalars)
        let ok = !s.isEmpty && isLowerAlpha(s[0]) && isLowerAlnum(s[s.count - 1])
            && s.allSatisfy { isLowerAlnum($0) || $0 == "-" }
        if !ok {
            errors.append(regexError(dns1035LabelMessage, dns1035LabelFormat, "my-name", "abc-123"))
        }
        return errors
    }

    static func dns1123Subdomain(_ value: String, maxLengthError: (Int) -> String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > dnsSubdomainMaxLength {
            errors.append(maxLengthError(dnsSubdomainMaxLength))
        }
        if !matchesDNS1123Subdomain(value) {
            errors.append(regexError(dns1123SubdomainMessage, dns1123SubdomainFormat, "example.com"))
        }
        return errors
    }

    static func matchesDNS1123Label<S: StringProtocol>(_ value: S) -> Bool {
        let s = Array(value.unicodeScalars)
        guard let first = s.first, let last = s.last else { return false }
        return isLowerAlnum(first) && isLowerAlnum(last) && s.allSatisfy { isLowerAlnum($0) || $0 == "-" }
    }

    static func matchesDNS1123Subdomain(_ value: String) -> Bool {
        value.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { matchesDNS1123Label($0) }
    }

    private static func matchesDNS1123LabelWithUnderscore(_ value: Substring) -> Bool {
        var s = Array(value.unicodeScalars)
        if s.first == "_" { s.removeFirst() }
        guard let first = s.first, let last = s.last else { return false }
        return isLowerAlnum(first) && isLowerAlnum(last)
            && s.allSatisfy { isLowerAlnum($0) || $0 == "-" || $0 == "_" }
    }

    // MARK: Identifiers and keys

    static let cIdentifierFormat = "[A-Za-z_][A-Za-z0-9_]*"
    static let cIdentifierMessage = "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_'"

    /// A C identifier (`IsCIdentifier`).
    public static func cIdentifier(_ value: String) -> [String] {
        let s = Array(value.unicodeScalars)
        let ok = !s.isEmpty && (isAlpha(s[0]) || s[0] == "_") && s.allSatisfy { isAlnum($0) || $0 == "_" }
        return ok ? [] : [regexError(cIdentifierMessage, cIdentifierFormat, "my_name", "MY_NAME", "MyName")]
    }

    static let envVarNameFormat = "[-._a-zA-Z][-._a-zA-Z0-9]*"
    static let envVarNameMessage = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit"
    static let relaxedEnvVarNameMessage = "a valid environment variable name must consist only of printable ASCII characters other than '='"

    /// The strict environment variable name rule (`IsEnvVarName`), used when the
    /// `RelaxedEnvironmentVariableValidation` feature is off.
    public static func envVarName(_ value: String) -> [String] {
        var errors: [String] = []
        let s = Array(value.unicodeScalars)
        let ok = !s.isEmpty && !isDigit(s[0]) && s.allSatisfy { isAlnum($0) || $0 == "-" || $0 == "." || $0 == "_" }
        if !ok {
            errors.append(regexError(envVarNameMessage, envVarNameFormat, "my.env-name", "MY_ENV.NAME", "MyEnvName1"))
        }
        errors += chdirPrefixErrors(value)
        return errors
    }

    /// The relaxed environment variable name rule (`IsRelaxedEnvVarName`), on by default
    /// since Kubernetes v1.32: any printable ASCII character except `=`.
    public static func relaxedEnvVarName(_ value: String) -> [String] {
        var errors: [String] = []
        if value.isEmpty {
            errors.append("environment variable name " + emptyError)
        }
        if value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value > 0x7E || $0 == "=" }) {
            errors.append(relaxedEnvVarNameMessage)
        }
        return errors
    }

    static let configMapKeyFormat = "[-._a-zA-Z0-9]+"
    static let configMapKeyMessage = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"

    /// A ConfigMap or Secret key (`IsConfigMapKey`).
    public static func configMapKey(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > dnsSubdomainMaxLength {
            errors.append(maxLenError(dnsSubdomainMaxLength))
        }
        let ok = !value.isEmpty && value.unicodeScalars.allSatisfy { isAlnum($0) || $0 == "-" || $0 == "." || $0 == "_" }
        if !ok {
            errors.append(regexError(configMapKeyMessage, configMapKeyFormat, "key.name", "KEY_NAME", "key-name"))
        }
        errors += chdirPrefixErrors(value)
        return errors
    }

    private static func chdirPrefixErrors(_ value: String) -> [String] {
        if value == "." { return ["must not be '.'"] }
        if value == ".." { return ["must not be '..'"] }
        if value.hasPrefix("..") { return ["must not start with '..'"] }
        return []
    }

    // MARK: Labels

    static let labelKeyFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
    static let labelKeyMessage = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    static let labelValueFormat = "(" + labelKeyFormat + ")?"
    static let labelValueMessage = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"

    /// A "qualified name" (`IsQualifiedName`, the label-key rule): an optional DNS
    /// subdomain prefix and `/`, then a name of at most 63 bytes.
    public static func qualifiedName(_ value: String) -> [String] {
        var errors: [String] = []
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        let name: Substring
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            let prefix = String(parts[0])
            name = parts[1]
            if prefix.isEmpty {
                errors.append("prefix part " + emptyError)
            } else {
                errors += dns1123Subdomain(prefix, maxLengthError: maxLenBytesError).map { "prefix part " + $0 }
            }
        default:
            return ["a valid label key " + regexError(labelKeyMessage, labelKeyFormat, "MyName", "my.name", "123-abc")
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
        }
        if name.isEmpty {
            errors.append("name part " + emptyError)
        } else if name.utf8.count > labelValueMaxLength {
            errors.append("name part " + maxLenBytesError(labelValueMaxLength))
        }
        if !matchesLabelKeyName(name) {
            errors.append("name part " + regexError(labelKeyMessage, labelKeyFormat, "MyName", "my.name", "123-abc"))
        }
        return errors
    }

    /// A label value (`IsValidLabelValue`): empty, or at most 63 bytes of `[-A-Za-z0-9_.]`
    /// starting and ending with an alphanumeric character.
    public static func labelValue(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > labelValueMaxLength {
            errors.append(maxLenBytesError(labelValueMaxLength))
        }
        if !value.isEmpty && !matchesLabelKeyName(Substring(value)) {
            errors.append(regexError(labelValueMessage, labelValueFormat, "MyValue", "my_value", "12345"))
        }
        return errors
    }

    private static func matchesLabelKeyName(_ value: Substring) -> Bool {
        let s = Array(value.unicodeScalars)
        guard let first = s.first, let last = s.last else { return false }
        return isAlnum(first) && isAlnum(last) && s.allSatisfy { isAlnum($0) || $0 == "-" || $0 == "_" || $0 == "." }
    }

    // MARK: Numbers, ports and other formats

    /// A port number 1–65535 (`IsValidPortNum`).
    public static func portNumber(_ port: Int64) -> [String] {
        (1...65535).contains(port) ? [] : [inclusiveRangeError(1, 65535)]
    }

    /// An IANA service name (`IsValidPortName`): at most 15 characters of `[-a-z0-9]`,
    /// at least one letter, no leading, trailing or doubled hyphen.
    public static func portName(_ port: String) -> [String] {
        var errors: [String] = []
        if port.utf8.count > 15 {
            errors.append(maxLenError(15))
        }
        if port.isEmpty || !port.unicodeScalars.allSatisfy({ isLowerAlnum($0) || $0 == "-" }) {
            errors.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
        }
        if !port.unicodeScalars.contains(where: isLowerAlpha) {
            errors.append("must contain at least one letter (a-z)")
        }
        if port.contains("--") {
            errors.append("must not contain consecutive hyphens")
        }
        if port.hasPrefix("-") || port.hasSuffix("-") {
            errors.append("must not begin or end with a hyphen")
        }
        return errors
    }

    /// A Unix user ID, 0 through 2^32-1 (`IsValidUserID`).
    public static func userID(_ uid: Int64) -> [String] {
        (0...0xFFFF_FFFF).contains(uid) ? [] : [inclusiveRangeError(0, 0xFFFF_FFFF)]
    }

    /// A Unix group ID, 0 through 2^32-1 (`IsValidGroupID`).
    public static func groupID(_ gid: Int64) -> [String] {
        userID(gid)
    }

    /// A percentage such as `25%` (`IsValidPercent`).
    public static func percent(_ value: String) -> [String] {
        let s = Array(value.unicodeScalars)
        let ok = s.count >= 2 && s.last == "%" && s.dropLast().allSatisfy(isDigit)
        return ok ? [] : [regexError("a valid percent string must be a numeric string followed by an ending '%'", "[0-9]+%", "1%", "93%")]
    }

    /// An HTTP header name (`IsHTTPHeaderName`).
    public static func httpHeaderName(_ value: String) -> [String] {
        let ok = !value.isEmpty && value.unicodeScalars.allSatisfy { isAlnum($0) || $0 == "-" }
        return ok ? [] : [regexError("a valid HTTP header must consist of alphanumeric characters or '-'", "[-A-Za-z0-9]+", "X-Header-Name")]
    }

    /// The message Kubernetes gives for an invalid IP address (`IsValidIP`).
    public static let invalidIPMessage = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"

    /// Whether `value` is an IP address as Kubernetes' `ParseIPSloppy` accepts it
    /// (IPv4 octets may have leading zeros).
    public static func isIPAddress(_ value: String) -> Bool {
        SloppyIP.parse(value) != nil
    }

    /// The regular expression a sysctl name must match, as Kubernetes prints it.
    public static let sysctlNamePattern = "^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$"

    /// Whether `name` is a valid sysctl name (`IsValidSysctlName`): at most 253 bytes
    /// of `.`- or `/`-separated segments.
    public static func isSysctlName(_ name: String) -> Bool {
        if name.utf8.count > 253 { return false }
        return name.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "." || $0 == "/" }).allSatisfy { segment in
            let s = Array(segment.unicodeScalars)
            guard let first = s.first, let last = s.last else { return false }
            return isLowerAlnum(first) && isLowerAlnum(last) && s.allSatisfy { isLowerAlnum($0) || $0 == "-" || $0 == "_" }
        }
    }

    // MARK: Character classes

    static func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }
    static func isLowerAlpha(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) }
    static func isAlpha(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) }
    static func isLowerAlnum(_ c: Unicode.Scalar) -> Bool { isLowerAlpha(c) || isDigit(c) }
    static func isAlnum(_ c: Unicode.Scalar) -> Bool { isAlpha(c) || isDigit(c) }
}
