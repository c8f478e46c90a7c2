import Foundation
import SwiftletAPI

/// The query of `/containerLogs/{namespace}/{pod}/{container}`: kubelet's `v1.PodLogOptions`, with its
/// query names, conversions and validation.
public struct ContainerLogOptions: Sendable, Equatable {
    /// Keep the response open and stream new lines until the container stops or the client leaves.
    public var follow = false
    /// Read the previous (terminated) instance of the container.
    public var previous = false
    /// Prefix each line with its RFC 3339 timestamp (nine fraction digits).
    public var timestamps = false
    /// Only the last N lines; nil: all.
    public var tailLines: Int64?
    /// Stop after this many bytes of output (a line may be cut); nil: no limit.
    public var limitBytes: Int64?
    /// Only lines written in the last N seconds.
    public var sinceSeconds: Int64?
    /// Only lines written at or after this time.
    public var sinceTime: Date?

    /// kubelet's defaults: the whole current log, once, without timestamps.
    public init() {}

    /// Parses a query as kubelet's parameter codec does: booleans are true unless `false` or `0`
    /// (so a bare `?follow` is true), integers are decimal, `sinceTime` is RFC 3339; `tail` is the
    /// old name of `tailLines` (`tail=all` means every line). Then validates as `ValidatePodLogOptions`.
    /// - Throws: ``AgentAPIError/badRequest(_:)`` naming the parameter that does not parse, and
    ///   ``AgentAPIError/invalid(_:)`` for values out of range or in conflict.
    public init(query: [(name: String, value: String)]) throws {
        func last(_ name: String) -> String? { query.last { $0.name == name }?.value }
        func bool(_ name: String) -> Bool {
            guard let v = last(name) else { return false }
            let lower = v.lowercased()
            return lower != "false" && lower != "0"
        }
        func int(_ name: String, _ text: String? = nil) throws -> Int64? {
            guard let v = text ?? last(name) else { return nil }
            guard let n = Int64(v) else {
                throw AgentAPIError.badRequest("\(name): invalid value \"\(v)\": must be an integer")
            }
            return n
        }
        follow = bool("follow")
        previous = bool("previous")
        timestamps = bool("timestamps")
        if let tail = last("tail"), !tail.isEmpty {
            tailLines = tail == "all" ? nil : try int("tail", tail)
        } else {
            tailLines = try int("tailLines")
        }
        limitBytes = try int("limitBytes")
        sinceSeconds = try int("sinceSeconds")
        if let text = last("sinceTime") {
            guard let time = Time(rfc3339: text) else {
                throw AgentAPIError.badRequest("sinceTime: invalid value \"\(text)\": must be an RFC 3339 time such as 2006-01-02T15:04:05Z")
            }
            sinceTime = time.date
        }
        if let n = tailLines, n < 0 {
            throw AgentAPIError.invalid("tailLines: Invalid value: \(n): must be greater than or equal to 0")
        }
        if let n = limitBytes, n < 1 {
            throw AgentAPIError.invalid("limitBytes: Invalid value: \(n): must be greater than 0")
        }
        if sinceSeconds != nil && sinceTime != nil {
            throw AgentAPIError.invalid("sinceSeconds: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified")
        }
        if let n = sinceSeconds, n < 1 {
            throw AgentAPIError.invalid("sinceSeconds: Invalid value: \(n): must be greater than 0")
        }
    }

    /// The earliest log time to show given the current time `now` (kubelet's `NewLogOptions`), in
    /// nanoseconds since the epoch; nil shows everything.
    public func sinceUnixNanos(now: Date) -> Int64? {
        var since: Date?
        if let s = sinceSeconds { since = now.addingTimeInterval(-Double(s)) }
        if let t = sinceTime, since.map({ t > $0 }) ?? true { since = t }
        return since.map { Int64(($0.timeIntervalSince1970 * 1e9).rounded(.down)) }
    }
}
