public import BeekeeperCore
#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// `beekeeper audit query`: streams the records of an audit directory (sealed `.jsonl.gz`,
/// sealed plain and live segments, in seq order, in constant memory) that match every filter.
public struct AuditQuery: Sendable {
    /// Records with `ts` at or after this.
    public var since: Date?
    /// Records with `ts` before this.
    public var until: Date?
    /// A record type; a trailing `*` matches a prefix (`task.*`).
    public var type: String?
    public var bee: String?
    public var funcname: String?
    /// `succeeded`, `failed`, `timed_out`, `blocked`, ...: the record's `outcome` field, or
    /// its type `task.<outcome>`.
    public var outcome: String?
    public var taskID: String?
    /// `--field K=V`: the member named K (or at dotted path K) equals V. A member holding
    /// `hmac-sha256:<hex>` (an `hmac_fields` field) matches when V's HMAC under the key
    /// given to `run` is that value.
    public var fields: [(key: String, value: String)]
    /// Stop after this many matches.
    public var limit: Int?
    /// Only records with a greater seq; whole segments before it are not read at all.
    public var afterSeq: UInt64?

    public init(
        since: Date? = nil, until: Date? = nil, type: String? = nil, bee: String? = nil, funcname: String? = nil,
        outcome: String? = nil, taskID: String? = nil, fields: [(key: String, value: String)] = [], limit: Int? = nil,
        afterSeq: UInt64? = nil
    ) {
        self.afterSeq = afterSeq
        self.since = since
        self.until = until
        self.type = type
        self.bee = bee
        self.funcname = funcname
        self.outcome = outcome
        self.taskID = taskID
        self.fields = fields
        self.limit = limit
    }

    /// Calls `body` with each matching record and its line (without newline), oldest first,
    /// until it returns false. Lines that are not records, or a live segment's partial last
    /// line, are skipped: `audit verify` is where faults are reported.
    /// - Parameter hmacKey: the audit HMAC key; without it `hmac_fields` cannot be matched by value.
    public func run(directory: String, hmacKey: [UInt8]?, _ body: (JSONValue, _ rawLine: String) throws -> Bool) throws {
        let sinceMicros = since.map { Int64(($0.timeIntervalSince1970 * 1_000_000).rounded(.down)) }
        let untilMicros = until.map { Int64(($0.timeIntervalSince1970 * 1_000_000).rounded(.up)) }
        let hmacs = hmacKey.map { key in fields.map { AuditLog.hmac($0.value, key: key) } }
        var matched = 0
        let segments = try AuditSegments.list(directory: directory)
        for (index, segment) in segments.enumerated() {
            // A segment ends where the next begins: skip it whole when all of it is at or before afterSeq.
            if let afterSeq, index + 1 < segments.count, segments[index + 1].firstSeq <= afterSeq + 1 { continue }
            let reader = try SegmentLineReader.open(segment)
            while let line = try reader.next() {
                guard line.terminated, case .success(let record) = AuditLine.parse(line.bytes[...]) else { continue }
                if let afterSeq, record.seq <= afterSeq { continue }
                if sinceMicros != nil || untilMicros != nil {
                    guard let ts = AuditTimestamp.parse(record.ts) else { continue }
                    if let sinceMicros, ts < sinceMicros { continue }
                    if let untilMicros, ts >= untilMicros { continue }
                }
                guard matches(record.type, record.value, hmacs: hmacs) else { continue }
                matched += 1
                guard try body(record.value, String(decoding: line.bytes, as: UTF8.self)) else { return }
                if let limit, matched >= limit { return }
            }
        }
    }

    /// Whether a parsed record passes every filter but the time range.
    public func matches(_ record: JSONValue, hmacKey: [UInt8]?) -> Bool {
        guard let type = record["type"]?.stringValue else { return false }
        return matches(type, record, hmacs: hmacKey.map { key in fields.map { AuditLog.hmac($0.value, key: key) } })
    }

    private func matches(_ recordType: String, _ record: JSONValue, hmacs: [String]?) -> Bool {
        if let type {
            if type.hasSuffix("*") {
                guard recordType.hasPrefix(type.dropLast()) else { return false }
            } else if recordType != type {
                return false
            }
        }
        if let bee, record["bee"]?.stringValue != bee { return false }
        if let funcname, record["funcname"]?.stringValue != funcname { return false }
        if let taskID, record["task_id"]?.stringValue != taskID { return false }
        if let outcome, record["outcome"]?.stringValue != outcome, recordType != "task." + outcome { return false }
        for (index, field) in fields.enumerated() {
            guard let value = record[field.key] ?? record.value(atPath: field.key) else { return false }
            if case .string(let text) = value, text.hasPrefix(AuditLog.hmacPrefix) {
                guard text == field.value || text == hmacs?[index] else { return false }
            } else if !Self.value(value, equals: field.value) {
                return false
            }
        }
        return true
    }

    private static func value(_ value: JSONValue, equals text: String) -> Bool {
        switch value {
        case .string(let string): return string == text
        case .number(let literal):
            if literal == text { return true }
            guard let left = Double(literal), let right = Double(text) else { return false }
            return left == right
        case .bool(let flag): return text == (flag ? "true" : "false")
        case .null: return text == "null"
        case .array, .object: return value.serialized() == text
        }
    }
}
