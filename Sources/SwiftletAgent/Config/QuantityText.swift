import SwiftletAPI

/// Quantity checks shared by the config decoder and validation.
enum QuantityText {
    /// Kubernetes' own wording for a malformed quantity (`resource.ErrFormatWrong`).
    static let formatError = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"

    /// Parses `text` as a Kubernetes quantity.
    /// - Returns: the quantity and its sign (-1, 0 or 1), or nil when `text` is not a quantity.
    static func parse(_ text: String) -> (quantity: Quantity, sign: Int)? {
        guard let quantity = try? Quantity(parsing: text) else { return nil }
        return (quantity, quantity.sign)
    }

    /// The sign of the quantity `text`, or nil when it is not a quantity.
    static func signIfValid(_ text: String) -> Int? {
        parse(text)?.sign
    }
}
