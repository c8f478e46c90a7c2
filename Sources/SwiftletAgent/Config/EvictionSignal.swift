import SwiftletAPI

/// A node-pressure eviction signal, as named in kubelet's `evictionHard`, `evictionSoft`,
/// `evictionSoftGracePeriod` and `evictionMinimumReclaim` maps.
public enum EvictionSignal: String, CaseIterable, Sendable, Hashable {
    case memoryAvailable = "memory.available"
    case nodeFsAvailable = "nodefs.available"
    case nodeFsInodesFree = "nodefs.inodesFree"
    case imageFsAvailable = "imagefs.available"
    case imageFsInodesFree = "imagefs.inodesFree"
    case pidAvailable = "pid.available"

    /// The names accepted as map keys, in kubelet's order.
    public static var names: [String] { allCases.map(\.rawValue) }
}

/// The value of an eviction threshold: an absolute quantity (`100Mi`, `5000` inodes) or a percentage
/// of capacity (`10%`).
public enum EvictionThresholdValue: Sendable, Hashable {
    case quantity(Quantity)
    /// Percent of capacity, 0...100.
    case percentage(Double)

    /// `0%` and `100%` switch a threshold off, as kubelet ignores them.
    public var isDisabled: Bool {
        if case .percentage(let p) = self { return p == 0 || p == 100 }
        return false
    }

    /// Parses a threshold as kubelet's `parseThresholdStatement` does: a percentage between 0% and 100%,
    /// or a quantity greater than zero.
    ///
    /// - Throws: `EvictionThresholdError` whose `detail` reads like the rest of a `FieldError`.
    public init(parsing text: String) throws(EvictionThresholdError) {
        if text.hasSuffix("%") {
            guard let percent = Double(text.dropLast()), percent.isFinite else {
                throw EvictionThresholdError(detail: EvictionThresholdError.formatDetail)
            }
            guard percent >= 0, percent <= 100 else {
                throw EvictionThresholdError(detail: "must be between 0% and 100%, inclusive")
            }
            self = .percentage(percent)
            return
        }
        guard let (quantity, sign) = QuantityText.parse(text) else {
            throw EvictionThresholdError(detail: EvictionThresholdError.formatDetail)
        }
        guard sign > 0 else { throw EvictionThresholdError(detail: "must be positive") }
        self = .quantity(quantity)
    }
}

/// Why an eviction threshold value was rejected; `detail` follows a FieldError's `Invalid value: "…": `.
public struct EvictionThresholdError: Error, Sendable, Hashable {
    public var detail: String

    static let formatDetail = "must be a quantity (such as \"100Mi\") or a percentage (such as \"10%\")"
}
