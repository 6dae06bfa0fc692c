import BeekeeperCore
import Foundation
package import Logging

/// Remembers task ids for 24 h so a replayed id is answered from the stored outcome instead of
/// running the bee again (SPEC section 4), whichever source the id came from. Finished outcomes are journalled under `state/` so a
/// restart does not forget them; the journal is compacted on start.
///
/// Each id remembers the SHA-256 of the payload that claimed it: the same id with a different
/// payload is a client bug (or an attack on the replay), never a retry, and is refused rather
/// than answered with another request's outcome.
package actor IdempotencyStore {
    package enum Claim: Sendable {
        case claimed
        case running
        case finished(TaskOutcome.Kind)
        /// The id was claimed by a different payload, with this digest.
        case reused(originalSHA256: String)
    }

    /// `sha256` is nil for journal lines written before digests were kept: those are not compared.
    private enum Entry {
        case running(sha256: String)
        case finished(TaskOutcome.Kind, at: Double, sha256: String?)
    }

    private var entries: [String: Entry] = [:]
    /// Finished ids in completion order, for expiry without scanning the whole map.
    private var expiryOrder: [(id: String, at: Double)] = []
    private var expiryHead = 0
    private let retention: Double
    private let journalPath: String
    private var journal: FileHandle?
    private let logger: Logger

    package init(journalPath: String, retention: Duration = .seconds(86_400), logger: Logger) {
        self.journalPath = journalPath
        self.retention = Double(retention.components.seconds)
        self.logger = logger
        let now = Date().timeIntervalSince1970
        var kept: [String] = []
        if let data = FileManager.default.contents(atPath: journalPath) {
            for line in data.split(separator: UInt8(ascii: "\n")) {
                // A torn last line (crash mid-write) is skipped: its task simply is not replayable.
                guard let record = try? JSONValue.parse(line),
                    let id = record["id"]?.stringValue, let at = record["at"]?.doubleValue,
                    let outcome = Self.outcome(of: record), now - at < self.retention
                else { continue }
                entries[id] = .finished(outcome, at: at, sha256: record["payload_sha256"]?.stringValue)
                expiryOrder.append((id, at))
                kept.append(String(decoding: line, as: UTF8.self))
            }
        }
        // Compact: rewrite only what is still within retention, atomically.
        do {
            try DurableFile.replace(journalPath, with: Array(kept.map { $0 + "\n" }.joined().utf8), mode: 0o600)
        } catch {
            logger.warning("could not compact the idempotency journal", metadata: ["error": "\(error)"])
        }
        journal = FileHandle(forWritingAtPath: journalPath)
        _ = try? journal?.seekToEnd()
    }

    /// A journal line's outcome: `{"id","at","outcome":{...}}`, or the previous release's `status`/`body`.
    private static func outcome(of record: JSONValue) -> TaskOutcome.Kind? {
        if let stored = record["outcome"] { return TaskOutcome.Kind(journalJSON: stored) }
        return record["body"].flatMap { TaskOutcome.Kind(legacyHTTPBody: $0) }
    }

    package func claim(_ id: String, payloadSHA256: String) -> Claim {
        expire()
        switch entries[id] {
        case .running(let original)?:
            return original == payloadSHA256 ? .running : .reused(originalSHA256: original)
        case .finished(let response, _, let original)?:
            if let original, original != payloadSHA256 { return .reused(originalSHA256: original) }
            return .finished(response)
        case nil:
            entries[id] = .running(sha256: payloadSHA256)
            return .claimed
        }
    }

    /// Stores a final outcome to replay. Written before the source answers.
    package func finish(_ id: String, outcome: TaskOutcome.Kind) {
        guard let stored = outcome.journalJSON else { return release(id) }
        let now = Date().timeIntervalSince1970
        var sha256: String? = nil
        if case .running(let claimed)? = entries[id] { sha256 = claimed }
        entries[id] = .finished(outcome, at: now, sha256: sha256)
        expiryOrder.append((id, now))
        var line: JSONValue = ["id": .string(id), "at": .number(now), "outcome": stored]
        if let sha256 { line = line.setting("payload_sha256", to: .string(sha256)) }
        do {
            try journal?.write(contentsOf: Data((line.serialized() + "\n").utf8))
        } catch {
            logger.warning("idempotency journal write failed; replay after restart may re-run this task", metadata: ["task_id": "\(id)", "error": "\(error)"])
        }
    }

    /// Forgets a claim whose task was not run (queue full, audit unavailable): the client may retry the same id.
    package func release(_ id: String) {
        if case .running? = entries[id] { entries[id] = nil }
    }

    /// The stored outcome of a finished id, without claiming it (ColonyOS orphans at start).
    package func finished(_ id: String) -> TaskOutcome.Kind? {
        if case .finished(let outcome, _, _)? = entries[id] { return outcome }
        return nil
    }

    private func expire() {
        let now = Date().timeIntervalSince1970
        while expiryHead < expiryOrder.count, now - expiryOrder[expiryHead].at >= retention {
            let entry = expiryOrder[expiryHead]
            if case .finished(_, let at, _)? = entries[entry.id], at == entry.at { entries[entry.id] = nil }
            expiryHead += 1
        }
        if expiryHead > 1024, expiryHead * 2 > expiryOrder.count {
            expiryOrder.removeFirst(expiryHead)
            expiryHead = 0
        }
    }
}
