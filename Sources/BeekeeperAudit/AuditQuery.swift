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
        let matcher = matcher(hmacKey: hmacKey)
        var matched = 0
        let segments = try AuditSegments.list(directory: directory, holdingSeqsAfter: afterSeq)
        // Listed from the segment holding afterSeq + 1: the earlier ones are not even stat'ed.
        for segment in segments {
            let reader = try SegmentLineReader.open(segment)
            while let line = try reader.next() {
                guard line.terminated, let record = matcher.match(line.bytes) else { continue }
                if let afterSeq, record.seq <= afterSeq { continue }
                matched += 1
                guard try body(record.value, String(decoding: line.bytes, as: UTF8.self)) else { return }
                if let limit, matched >= limit { return }
            }
        }
    }

    /// The filters compiled for one run: times as microseconds, HMACs of the clear values, and
    /// the bytes a line must hold when a task id is asked for (so most lines are never parsed).
    struct Matcher {
        let query: AuditQuery
        let sinceMicros: Int64?
        let untilMicros: Int64?
        let hmacs: [String]?
        /// Bytes every matching line holds (`"task_id":"…"`, `"type":"…"`, `"bee":"…"`,
        /// `"funcname":"…"` for the filters given): lines without them are never parsed.
        let needles: [[UInt8]]

        /// No filter at all: every record matches, so a reader need not parse a line to decide.
        var acceptsAll: Bool {
            sinceMicros == nil && untilMicros == nil && needles.isEmpty && query.type == nil && query.bee == nil && query.funcname == nil
                && query.outcome == nil && query.fields.isEmpty
        }

        /// The parsed record when the line is one and passes every filter.
        func match(_ bytes: [UInt8]) -> AuditLine? {
            for needle in needles where !ByteSearch.contains(bytes, needle) { return nil }
            guard case .success(let record) = AuditLine.parse(bytes[...]) else { return nil }
            if sinceMicros != nil || untilMicros != nil {
                guard let ts = AuditTimestamp.parse(record.ts) else { return nil }
                if let sinceMicros, ts < sinceMicros { return nil }
                if let untilMicros, ts >= untilMicros { return nil }
            }
            return query.matches(record.type, record.value, hmacs: hmacs) ? record : nil
        }
    }

    func matcher(hmacKey: [UInt8]?) -> Matcher {
        Matcher(
            query: self,
            sinceMicros: since.map { Int64(($0.timeIntervalSince1970 * 1_000_000).rounded(.down)) },
            untilMicros: until.map { Int64(($0.timeIntervalSince1970 * 1_000_000).rounded(.up)) },
            hmacs: hmacKey.map { key in fields.map { AuditLog.hmac($0.value, key: key) } },
            needles: [
                taskID.map { Self.needle("task_id", $0) }, type.flatMap { $0.hasSuffix("*") ? nil : Self.needle("type", $0) },
                bee.map { Self.needle("bee", $0) }, funcname.map { Self.needle("funcname", $0) },
            ].compactMap { $0 })
    }

    /// `"key":"<value as the log escapes it>"`.
    static func needle(_ key: String, _ value: String) -> [UInt8] {
        var text = ""
        JSONValue.writeString(key, to: &text)
        text += ":"
        JSONValue.writeString(value, to: &text)
        return Array(text.utf8)
    }

    /// `"task_id":"<id as the log escapes it>"`: the bytes every record of that task holds.
    static func taskNeedle(_ taskID: String) -> [UInt8] { needle("task_id", taskID) }

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
