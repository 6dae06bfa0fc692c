import BeekeeperAudit
import BeekeeperCore
import Foundation
package import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Remembers task ids for 24 h so a replayed id is answered from the stored outcome instead of
/// running the bee again (SPEC section 4), whichever source the id came from. Finished outcomes are journalled under `state/` so a
/// restart does not forget them. The journal is rotated a retention after its current file started
/// (``IdempotencyJournal/rotate()``), so at most two retentions are on disk, and a start reads them
/// in chunks without rewriting them.
///
/// Memory holds, per finished id, where its outcome's journal line lies, not the outcome: a replay
/// reads the line back. A day of ids at a busy sidecar's rate would otherwise keep a day of
/// results in memory (about 680 bytes a task with a two-element result at 5,000 tasks/s,
/// BENCHMARKS.md section 27), and the whole journal as read at start until its last id expired.
/// Most ids are not even kept by name: ``IdempotencyIndex`` holds them by a 64-bit hash, and the
/// line read back says whose it is (section 29). An outcome no journal line holds (no journal
/// open, or its write failed) stays in memory.
///
/// Each id remembers the SHA-256 of the payload that claimed it: the same id with a different
/// payload is a client bug (or an attack on the replay), never a retry, and is refused rather
/// than answered with another request's outcome.
package actor IdempotencyStore {
    package enum Claim: Sendable, Equatable {
        case claimed
        case running
        /// Finished, but its journal line cannot be read now (an I/O error): not run again, and
        /// not answered; the caller refuses with a retry.
        case unreadable
        case finished(TaskOutcome.Kind)
        /// The id was claimed by a different payload, with this digest.
        case reused(originalSHA256: String)
    }

    /// A finished outcome: its journal line, decoded each time a replay asks for it (a start
    /// reads only ids, times and digests: `IdempotencyJournalLine`), or the outcome itself when
    /// no line holds it. Indirect, so the rare decoded case does not widen every entry.
    private enum Stored {
        indirect case decoded(TaskOutcome.Kind)
        case journalled(IdempotencyJournalLocation)
    }

    /// `sha256` is nil for journal lines written before digests were kept: those are not compared.
    private enum Entry {
        case running(sha256: String)
        case finished(Stored, at: Double, sha256: String?)
    }

    /// Ids running now, and finished ids the compact index does not hold: an outcome no journal
    /// line holds, a line beyond the index's packing, an id whose hash another id's line holds.
    private var entries: [String: Entry] = [:] {
        // Without `oldValue`, so the dictionary is still mutated in place.
        didSet { idCount.store(entries.count + index.count, ordering: .relaxed) }
    }
    /// Finished ids whose outcome is a journal line: most of them, 24 bytes each.
    private var index = IdempotencyIndex() {
        didSet { idCount.store(entries.count + index.count, ordering: .relaxed) }
    }
    private nonisolated let idCount = Atomic<Int>(0)

    /// Ids remembered now, running or finished (the `beekeeper_idempotency_ids` gauge), readable
    /// without awaiting the actor: a scrape must not queue behind tasks.
    package nonisolated var rememberedIDs: Int { idCount.load(ordering: .relaxed) }
    /// Bytes in the journal's files (the `beekeeper_idempotency_journal_bytes` gauge).
    package nonisolated var journalBytes: Int64 { journal?.bytesOnDisk ?? 0 }
    /// Finished ids of `entries` in completion order, for expiry without scanning the whole map.
    private var expiryOrder = ExpiryOrder<String>()
    private let retention: Double
    private let indexKey: @Sendable (String) -> UInt64
    private let clock: @Sendable () -> Double
    /// When the journal's current file got its first line still kept: it is rotated a retention
    /// later, when every line of the previous file has expired.
    private var journalStartedAt: Double
    /// The journal file; outcomes on the task path reach it through their audit record's group
    /// commit (``IdempotencyJournal/groupDurable(_:done:)``), the others through ``finish(_:outcome:)``.
    nonisolated let journal: IdempotencyJournal?
    private let logger: Logger

    /// How many fdatasync calls the journal has had for finished outcomes, by either path (tests
    /// check the group commit with it).
    package var journalSyncs: Int { journal?.syncCount ?? 0 }

    package init(journalPath: String, retention: Duration = .seconds(86_400), logger: Logger) {
        self.init(journalPath: journalPath, retention: retention, logger: logger, faults: nil)
    }

    /// `faults` makes the journal's writes or fdatasyncs fail in tests; `indexKey` lets them make
    /// ids share a hash, `clock` (seconds since 1970) lets them pass a day.
    init(
        journalPath: String, retention: Duration = .seconds(86_400), logger: Logger, faults: AuditFaultInjector?,
        indexKey: @escaping @Sendable (String) -> UInt64 = IdempotencyIndex.key,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.indexKey = indexKey
        self.clock = clock
        self.retention = Double(retention.components.seconds)
        self.logger = logger
        let now = clock()
        // The previous file (``IdempotencyJournal/rotate()``) holds the older lines. Neither file is
        // rewritten at a start: expired and damaged lines are skipped, and the rotations drop them.
        // Rewriting a whole journal made every start pay a write and fsync of up to a day of
        // outcomes (seconds on a slow disk, issue 14), and reading it whole held it all in memory.
        let previousPath = IdempotencyJournal.previousPath(of: journalPath)
        let existed = access(journalPath, F_OK) == 0 || errno != ENOENT
        if !existed {
            // Created durably, so its directory entry survives a power cut with the lines after it.
            do {
                try DurableFile.createExclusively(journalPath, with: [], mode: 0o600)
            } catch {
                logger.warning("could not create the idempotency journal", metadata: ["error": "\(error)"])
            }
        }
        let journal = IdempotencyJournal(path: journalPath, logger: logger, faults: faults)
        self.journal = journal
        var loader = Loader(journal: journal, indexKey: indexKey, now: now, retention: self.retention)
        for (path, file) in [(previousPath, UInt8(1)), (journalPath, 0)] {
            loader.file = file
            let read = IdempotencyJournalReader.forEachLine(of: path) { line, offset in loader.add(line, at: offset) }
            if let failure = read.failure {
                logger.warning("could not read the idempotency journal", metadata: ["path": "\(path)", "errno": "\(failure)"])
            }
            if file == 1, read.exists, loader.kept[1] == 0 {
                // Every id of the previous file has expired.
                _ = unlink(previousPath)
            }
            // A torn last line (a crash mid-write) is cut off, or the next line would be glued onto it.
            if file == 0, read.failure == nil, read.size > read.wholeLinesEnd, let failed = journal?.cut(to: read.wholeLinesEnd) {
                logger.warning("could not cut a torn line off the idempotency journal", metadata: ["errno": "\(failed)"])
            }
        }
        entries = loader.entries
        index = loader.index
        expiryOrder = loader.expiryOrder
        // The current file's oldest line, or the previous file's newest if that is later (a line
        // stamped just before a rotation may be written just after it): the current file is
        // rotated once that is a retention old, so the previous one holds only expired ids by then.
        journalStartedAt = max(loader.firstCurrent ?? now, loader.lastPrevious ?? -.infinity)
        idCount.store(entries.count + index.count, ordering: .relaxed)
        if existed, let journal {
            // After a kill (not a power cut) the lines read may still be only in the page cache;
            // they answer replays from now on, so they must be durable.
            if let failed = journal.sync() {
                logger.warning("could not sync the idempotency journal", metadata: ["errno": "\(failed)"])
            }
        }
    }

    /// What a start builds from the journal's lines, one line at a time.
    private struct Loader {
        let journal: IdempotencyJournal?
        let indexKey: @Sendable (String) -> UInt64
        let now: Double
        let retention: Double
        /// The parity of the file being read.
        var file: UInt8 = 0
        var entries: [String: Entry] = [:]
        var index = IdempotencyIndex()
        var expiryOrder = ExpiryOrder<String>()
        /// Lines kept per file parity.
        var kept = [0, 0]
        var firstCurrent: Double?
        var lastPrevious: Double?

        init(journal: IdempotencyJournal?, indexKey: @escaping @Sendable (String) -> UInt64, now: Double, retention: Double) {
            self.journal = journal
            self.indexKey = indexKey
            self.now = now
            self.retention = retention
        }

        /// One line, in file order: a later line of an id replaces an earlier one, as it always has.
        mutating func add(_ line: UnsafeRawBufferPointer, at offset: Int64) {
            let id: String
            let at: Double
            let sha256: String?
            var stored: Stored?
            if let scanned = IdempotencyJournalLine.scan(line) {
                (id, at, sha256, stored) = (scanned.id, scanned.at, scanned.payloadSHA256, nil)
            } else if let record = try? JSONValue.parse(line), let recordID = record["id"]?.stringValue,
                let recordAt = record["at"]?.doubleValue, let outcome = IdempotencyStore.outcome(of: record)
            {
                (id, at, sha256, stored) = (recordID, recordAt, record["payload_sha256"]?.stringValue, .decoded(outcome))
            } else {
                // A damaged line is skipped: its task simply is not replayable.
                return
            }
            guard now - at < retention else { return }
            kept[Int(file)] += 1
            if file == 0 {
                if firstCurrent == nil { firstCurrent = at }
            } else {
                lastPrevious = max(lastPrevious ?? at, at)
            }
            let place = IdempotencyJournalLocation(offset: offset, length: Int32(line.count), file: file)
            let key = indexKey(id)
            let holder = index[key].map { lineID(at: $0.location) }
            if stored == nil, journal != nil, entries[id] == nil, let slot = IdempotencyIndex.Slot(place, at: at) {
                // Unless another id's line holds the key: this id is then kept whole, below.
                if holder == nil || holder == id {
                    index.replace(key, with: slot)
                    return
                }
            }
            if holder == id { index.remove(key) }
            if stored == nil {
                if journal != nil {
                    stored = .journalled(place)
                } else if let record = try? JSONValue.parse(line), let outcome = IdempotencyStore.outcome(of: record) {
                    // No journal to read lines back from later: decoded now, as every start once did.
                    stored = .decoded(outcome)
                }
            }
            guard let stored else {
                // The last line of the id does not decode: not replayable, whatever came before.
                entries[id] = nil
                return
            }
            entries[id] = .finished(stored, at: at, sha256: sha256)
            expiryOrder.append(id, at: at)
        }

        /// The id of the line an index slot holds (a rare read: a key already taken at a start
        /// means an id journalled twice, or two ids with one hash).
        private func lineID(at location: IdempotencyJournalLocation) -> String? {
            guard case .success(let record?)? = journal?.record(at: location) else { return nil }
            return record["id"]?.stringValue
        }
    }

    /// What reading a finished entry's outcome gave.
    private enum Replay {
        case outcome(TaskOutcome.Kind)
        /// The line is gone, damaged or another id's: forgotten, the id is not replayable.
        case forgotten
        /// The read failed (an I/O error): kept, and asked again on the next replay.
        case unreadable
    }

    /// The outcome a finished entry replays, its journal line read back and decoded each time.
    /// A line that does not decode (damaged inside its outcome, which the start did not read), is
    /// missing (the journal cut short) or names another id is forgotten, as a start that parsed it
    /// whole would have: the id is not replayable. A read that fails is not a reason to run the
    /// task again: the entry stays.
    private func replay(of id: String, _ stored: Stored) -> Replay {
        switch stored {
        case .decoded(let outcome):
            return .outcome(outcome)
        case .journalled(let location):
            // Read back each time, not kept: replays are rare next to the ids that never replay.
            let result = replay(of: id, at: location)
            switch result {
            case .outcome(let outcome, _): return .outcome(outcome)
            case .unreadable: return .unreadable
            case .forgotten, .anotherID:
                // The journal changed under the store (a restore, say): never another id's outcome.
                if case .anotherID = result {
                    logger.warning("idempotency journal line names another id; the id will not be replayed", metadata: ["task_id": "\(id)"])
                }
                entries[id] = nil
                return .forgotten
            }
        }
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
        case .finished(let stored, _, let original)?:
            if let original, original != payloadSHA256 { return .reused(originalSHA256: original) }
            switch replay(of: id, stored) {
            case .outcome(let response): return .finished(response)
            case .unreadable: return .unreadable
            case .forgotten:
                entries[id] = .running(sha256: payloadSHA256)
                return .claimed
            }
        case nil:
            let key = indexKey(id)
            if let slot = index[key] {
                switch replay(of: id, at: slot.location) {
                case .unreadable: return .unreadable
                case .anotherID: break  // the same hash, another id: this one is new
                case .forgotten: index.remove(key)
                case .outcome(let response, let original):
                    if let original, original != payloadSHA256 { return .reused(originalSHA256: original) }
                    return .finished(response)
                }
            }
            entries[id] = .running(sha256: payloadSHA256)
            return .claimed
        }
    }

    /// What reading a journal line back gave.
    private enum LineReplay {
        case outcome(TaskOutcome.Kind, payloadSHA256: String?)
        /// The line is gone or damaged: the id is not replayable.
        case forgotten
        /// The line is whole and names another id: for an index slot, the key's hash is shared;
        /// for an id kept whole, the journal was changed under the store.
        case anotherID
        case unreadable
    }

    /// The outcome and claim digest of `id` read from the journal line at `location`.
    private func replay(of id: String, at location: IdempotencyJournalLocation) -> LineReplay {
        guard let journal else { return .unreadable }
        let read: JSONValue?
        switch journal.record(at: location) {
        case .failure(let failure):
            logger.error(
                "idempotency journal read failed; the id is refused until it can be read",
                metadata: ["task_id": "\(id)", "errno": "\(failure.errno)"])
            return .unreadable
        case .success(let record): read = record
        }
        guard let record = read, let outcome = Self.outcome(of: record), let lineID = record["id"]?.stringValue else {
            logger.warning("idempotency journal line unreadable; the id will not be replayed", metadata: ["task_id": "\(id)"])
            return .forgotten
        }
        guard lineID == id else { return .anotherID }
        return .outcome(outcome, payloadSHA256: record["payload_sha256"]?.stringValue)
    }

    /// The journal line of a final outcome (nil for a kind that is not stored), newline included.
    /// `payloadSHA256` is the digest the id was claimed with.
    nonisolated static func journalLine(_ id: String, outcome: TaskOutcome.Kind, at: Double, payloadSHA256: String?) -> [UInt8]? {
        guard let stored = outcome.journalJSON else { return nil }
        var line: JSONValue = ["id": .string(id), "at": .number(at), "outcome": stored]
        if let payloadSHA256 { line = line.setting("payload_sha256", to: .string(payloadSHA256)) }
        var bytes: [UInt8] = []
        line.write(to: &bytes)
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    /// Stores a final outcome to replay whose journal line (``journalLine(_:outcome:at:payloadSHA256:)``
    /// with this `at`) is already in the journal: it rode on the audit group commit of its record.
    package func finished(_ id: String, outcome: TaskOutcome.Kind, journalledAt at: Double) {
        guard outcome.journalJSON != nil else { return release(id) }
        remember(id, outcome: outcome, at: at, line: journal?.takeLocation(of: id))
    }

    /// Marks a claimed id finished, keeping the payload digest it was claimed with: where its
    /// journal line is, or else the outcome itself.
    private func remember(_ id: String, outcome: TaskOutcome.Kind, at: Double, line: IdempotencyJournalLocation?) {
        // The digest is in the line: the index keeps neither it nor the id.
        if let line, let slot = IdempotencyIndex.Slot(line, at: at), index.insert(indexKey(id), slot) {
            entries[id] = nil
            return
        }
        entries[id] = .finished(line.map { .journalled($0) } ?? .decoded(outcome), at: at, sha256: claimedSHA256(id))
        expiryOrder.append(id, at: at)
    }

    private func claimedSHA256(_ id: String) -> String? {
        if case .running(let claimed)? = entries[id] { return claimed }
        return nil
    }

    /// Stores a final outcome to replay. Returns once the journal line is durable (written and
    /// fdatasync'ed, in a group with concurrent finishes), so the source answers only then.
    /// The task path's outcomes take ``finished(_:outcome:journalledAt:)`` instead in `batch`
    /// and `always`; this is for late outcomes and the modes whose appends nothing waits for.
    package func finish(_ id: String, outcome: TaskOutcome.Kind) async {
        let now = clock()
        guard let line = Self.journalLine(id, outcome: outcome, at: now, payloadSHA256: claimedSHA256(id)) else { return release(id) }
        guard let journal else { return remember(id, outcome: outcome, at: now, line: nil) }
        switch journal.write(line) {
        case .failure(let failure):
            logger.warning(
                "idempotency journal write failed; replay after restart may re-run this task",
                metadata: ["task_id": "\(id)", "errno": "\(failure.errno)"])
            return remember(id, outcome: outcome, at: now, line: nil)
        case .success(var written):
            written.length -= 1  // the line without its newline
            remember(id, outcome: outcome, at: now, line: written)
        }
        // Grouped: finishes (and audit groups' lines) written while an fdatasync runs share the next.
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            journal.syncWritten { waiter.resume() }
        }
    }

    /// Finished ids whose outcome memory holds itself, not where its journal line is (no journal,
    /// a failed write, a previous release's line): what tests and the memory figures check.
    var outcomesInMemory: Int {
        entries.values.reduce(0) { count, entry in
            if case .finished(.decoded, _, _) = entry { return count + 1 }
            return count
        }
    }

    /// Forgets a claim whose task was not run (queue full, audit unavailable): the client may retry the same id.
    package func release(_ id: String) {
        if case .running? = entries[id] { entries[id] = nil }
    }

    /// The stored outcome of a finished id, without claiming it (ColonyOS orphans at start).
    package func finished(_ id: String) -> TaskOutcome.Kind? {
        if case .finished(let stored, _, _)? = entries[id], case .outcome(let outcome) = replay(of: id, stored) { return outcome }
        guard entries[id] == nil, let slot = index[indexKey(id)],
            case .outcome(let outcome, _) = replay(of: id, at: slot.location)
        else { return nil }
        return outcome
    }

    private func expire() {
        let now = clock()
        index.expire(now: now, retention: retention)
        if let journal, now - journalStartedAt >= retention {
            // Every id of the previous file finished before the current file started, a retention ago.
            if let failure = journal.rotate() {
                logger.warning("could not rotate the idempotency journal; trying again in a minute", metadata: ["error": "\(failure)"])
                journalStartedAt = now - retention + 60
            } else {
                logger.info("idempotency journal rotated", metadata: ["path": "\(journal.path)"])
                journalStartedAt = now
            }
        }
        expiryOrder.expire(now: now, retention: retention) { id, added in
            if case .finished(_, let at, _)? = entries[id], at == added { entries[id] = nil }
        }
    }
}
