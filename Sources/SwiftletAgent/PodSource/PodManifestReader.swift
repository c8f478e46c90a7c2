import Foundation
import SwiftletAPI

/// Reads Pod manifests (YAML or JSON, multi-document) and validates every Pod in them as the
/// API server would, so that a bad manifest becomes a list of field-path errors, never a crash.
///
/// Used by `swiftlet manifest check` and by the static pod source.
public enum PodManifestReader {
    /// One document of a manifest stream.
    public struct Document: Sendable {
        /// 1-based position among the stream's non-empty documents.
        public var number: Int
        /// 1-based line where the document starts, when known.
        public var line: Int?
        /// The decoded pod, when it decoded (it may still have validation errors).
        public var pod: Pod?
        /// Every problem found, each formatted as Kubernetes formats a field error
        /// (`spec.containers[0].name: Required value`).
        public var errors: [String]

        /// Whether the document is a valid Pod.
        public var isValid: Bool { errors.isEmpty && pod != nil }
    }

    /// The result of reading a whole stream.
    public struct Result: Sendable {
        /// The documents, in order. Empty when the stream had none or could not be split.
        public var documents: [Document]
        /// Errors that concern the stream as a whole (syntax errors, empty input).
        public var streamErrors: [String]

        /// Whether every document is a valid Pod and there was at least one.
        public var isValid: Bool { streamErrors.isEmpty && documents.allSatisfy(\.isValid) }
    }

    /// Splits, decodes and validates `data`.
    public static func read(_ data: Data) -> Result {
        let documents: [ManifestDocument]
        do {
            documents = try Manifest.documents(in: data)
        } catch let error as ManifestDecodingError {
            return Result(documents: [], streamErrors: [error.description])
        } catch {
            return Result(documents: [], streamErrors: ["\(error)"])
        }
        if documents.isEmpty {
            return Result(documents: [], streamErrors: ["no Pod found: the manifest is empty"])
        }
        return Result(documents: documents.map(read), streamErrors: [])
    }

    private static func read(_ document: ManifestDocument) -> Document {
        var result = Document(number: document.index + 1, line: document.line, pod: nil, errors: [])
        var typeErrors: [FieldError] = []
        switch document.apiVersion {
        case nil, "":
            typeErrors.append(.required(FieldPath("apiVersion"), "must be \"v1\""))
        case "v1":
            break
        case let other?:
            typeErrors.append(.notSupported(FieldPath("apiVersion"), .string(other), ["v1"]))
        }
        switch document.kind {
        case nil, "":
            typeErrors.append(.required(FieldPath("kind"), "must be \"Pod\""))
        case "Pod":
            break
        case let other?:
            typeErrors.append(.notSupported(FieldPath("kind"), .string(other), ["Pod"]))
        }
        if !typeErrors.isEmpty {
            result.errors = typeErrors.map(\.description)
            return result
        }
        do {
            let pod = try document.decode(Pod.self)
            result.pod = pod
            result.errors = PodValidation.validate(pod).map(\.description)
        } catch let error as ManifestDecodingError {
            result.errors = [error.description]
        } catch {
            result.errors = ["\(error)"]
        }
        return result
    }
}
