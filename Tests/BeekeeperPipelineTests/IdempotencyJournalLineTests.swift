import BeekeeperCore
@testable import BeekeeperPipeline
import Foundation
import Testing

/// The start-time scan of journal lines (issue 14): it must read exactly what the full parser
/// reads from the store's own lines, and give up (nil, so the caller parses whole) on anything else.
@Suite("IdempotencyJournalLine scan")
struct IdempotencyJournalLineTests {
    static func scan(_ text: String) -> IdempotencyJournalLine? {
        Array(text.utf8).withUnsafeBytes { IdempotencyJournalLine.scan($0) }
    }

    /// What the full parser reads from the line, the way the store read every line before.
    static func parsed(_ text: String) -> IdempotencyJournalLine? {
        guard let record = try? JSONValue.parse(text), let id = record["id"]?.stringValue,
            let at = record["at"]?.doubleValue, record["outcome"] != nil || record["body"] != nil
        else { return nil }
        return IdempotencyJournalLine(id: id, at: at, payloadSHA256: record["payload_sha256"]?.stringValue)
    }

    /// A line as the store writes it.
    static func line(id: String, at: Double, outcome: TaskOutcome.Kind, sha256: String?) throws -> String {
        var line: JSONValue = ["id": .string(id), "at": .number(at), "outcome": try #require(outcome.journalJSON)]
        if let sha256 { line = line.setting("payload_sha256", to: .string(sha256)) }
        return line.serialized()
    }

    @Test("the store's own lines: the scan reads what the parser reads, over awkward results")
    func agreesWithTheParser() throws {
        let results: [JSONValue] = [
            .null, .number(7), .string("plain"), .string(#"quote " and brace } and bracket ] and \ backslash"#),
            .string("new\nline\tand \u{1F41D} and \u{0}"),
            ["nested": ["deep": [[1, 2, ["}": "]"]]], "s": "x\",{"], "empty": [:], "list": []],
            .array([.bool(true), .bool(false), .null, .number(-1.5e-3)]),
        ]
        var outcomes: [TaskOutcome.Kind] = results.map { .succeeded(result: $0, attempts: 2, duration: .milliseconds(12.5)) }
        outcomes += [
            .failed(error: #"bee said "no" }"#, attempts: 3, duration: .seconds(1)), .timedOut(attempts: 1, duration: .seconds(30)),
            .blocked(reason: "pattern \\d+ matched"),
        ]
        for (index, outcome) in outcomes.enumerated() {
            for sha256 in [nil, String(repeating: "ab", count: 32)] {
                let text = try Self.line(id: "task-\(index)", at: 1_765_000_000.125 + Double(index), outcome: outcome, sha256: sha256)
                let scanned = try #require(Self.scan(text), "\(text)")
                #expect(scanned == Self.parsed(text), "\(text)")
                #expect(scanned.id == "task-\(index)" && scanned.payloadSHA256 == sha256)
            }
        }
    }

    @Test("a previous release's line (status and body) is read too")
    func legacyLine() throws {
        let text = #"{"id":"old","at":1765000000,"status":200,"body":{"outcome":"succeeded","result":{"a":"}"}}}"#
        #expect(Self.scan(text) == IdempotencyJournalLine(id: "old", at: 1_765_000_000, payloadSHA256: nil))
        #expect(Self.scan(text) == Self.parsed(text))
    }

    @Test("later duplicate keys win, as the parser's subscript reads them")
    func duplicateKeys() throws {
        let text = #"{"id":"a","at":1,"id":"b","outcome":{"outcome":"blocked","reason":"r"},"at":2}"#
        #expect(Self.scan(text) == IdempotencyJournalLine(id: "b", at: 2, payloadSHA256: nil))
        #expect(Self.scan(text) == Self.parsed(text))
    }

    @Test("what the scan does not read plainly gives nil, so the line is parsed whole")
    func givesUp() {
        for text in [
            #"{"id":"a\"b","at":1,"outcome":{}}"#,  // an escape in the id
            #"{"id":"a", "at":1,"outcome":{}}"#,  // whitespace the writer never puts
            #"{"id":"a","at":1}"#,  // no outcome
            #"{"id":"a","at":1,"outcome":"succeeded"}"#,  // outcome not an object
            #"{"id":"a","outcome":{}}"#,  // no time
            #"{"at":1,"outcome":{}}"#,  // no id
            #"{"id":"a","at":x,"outcome":{}}"#,  // not a number
            #"{"id":"a","at":1,"outcome":{}}x"#,  // trailing bytes
            #"["id","a"]"#, "", "{", "{}",
        ] {
            #expect(Self.scan(text) == nil, "\(text)")
        }
    }

    @Test("every torn prefix of a line gives nil (a power cut mid-write), the whole line does not")
    func tornPrefixes() throws {
        let text = try Self.line(
            id: "torn", at: 1_765_000_000.5, outcome: .succeeded(result: ["k": "v}\"]"], attempts: 1, duration: .milliseconds(3)),
            sha256: "00ff")
        let bytes = Array(text.utf8)
        for cut in 0..<bytes.count {
            let prefix = Array(bytes[..<cut])
            #expect(prefix.withUnsafeBytes { IdempotencyJournalLine.scan($0) } == nil, "prefix of \(cut) bytes read as a line")
        }
        #expect(Self.scan(text) != nil)
    }
}
