import Foundation
import SwiftletAPI

/// JSON encoding and error wording shared by the CNI code.
enum JSON {
    /// Compact JSON with sorted keys (stable bytes for the cache and for tests).
    static func encode(_ value: JSONValue) -> Data {
        encode(value, pretty: false)
    }

    static func encode<T: Encodable>(_ value: T, pretty: Bool = false) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        // JSONValue and the CNI types hold only strings, numbers, bools, arrays and objects.
        return (try? encoder.encode(value)) ?? Data("null".utf8)
    }

    /// A decoding error as one line naming the JSON path.
    static func describe(_ error: Error) -> String {
        guard let decoding = error as? DecodingError else { return "\(error)" }
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch decoding {
        case .dataCorrupted(let c):
            let underlying = (c.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return [path(c.codingPath), underlying ?? c.debugDescription].filter { !$0.isEmpty }.joined(separator: ": ")
        case .keyNotFound(let key, let c):
            return "\(path(c.codingPath + [key])): required"
        case .typeMismatch(let type, let c):
            return "\(path(c.codingPath)): expected \(type)"
        case .valueNotFound(let type, let c):
            return "\(path(c.codingPath)): expected \(type), found null"
        @unknown default:
            return "\(error)"
        }
    }
}
