import BeekeeperCore
import Foundation
import Synchronization
import Testing

@testable import BeekeeperPipeline

/// The compact index of finished ids: places packed beside a 64-bit key, ids sharing a key kept
/// apart by the journal line each replay reads.
@Suite("Idempotency index: finished ids as 24-byte slots", .serialized)
struct IdempotencyIndexTests {
    @Test("a slot gives back the place it packed, up to 512 GiB and 16 MiB in either file, and refuses what does not fit")
    func slotPacking() throws {
        for (offset, length) in [(Int64(0), Int32(0)), (1, 1), (123_456_789, 4_321), ((1 << 39) - 1, (1 << 24) - 1)] {
            for file in [UInt8(0), 1] {
                let place = IdempotencyJournalLocation(offset: offset, length: length, file: file)
                let slot = try #require(IdempotencyIndex.Slot(place, at: 1.5))
                #expect(slot.location == place)
                #expect(slot.at == 1.5)
            }
        }
        for (offset, length, file) in [(Int64(1) << 39, Int32(1), UInt8(0)), (0, 1 << 24, 0), (-1, 1, 0), (0, -1, 0), (0, 1, 2)] {
            #expect(
                IdempotencyIndex.Slot(IdempotencyJournalLocation(offset: offset, length: length, file: file), at: 0) == nil,
                "\(offset) \(length) \(file)")
        }
    }

    @Test("a taken key refuses a second id; expiry removes only what its own entry added")
    func insertAndExpire() throws {
        var index = IdempotencyIndex()
        let early = try #require(IdempotencyIndex.Slot(IdempotencyJournalLocation(offset: 0, length: 10), at: 100))
        let late = try #require(IdempotencyIndex.Slot(IdempotencyJournalLocation(offset: 11, length: 10), at: 200))
        let first = index.insert(1, early)
        let taken = index.insert(1, late)
        #expect(first && !taken)
        #expect(index[1] == early)
        let second = index.insert(2, late)
        #expect(second)
        // Key 1 gets a later line (a start reading a second line of its id).
        index.replace(1, with: late)
        index.expire(now: 150, retention: 50)
        // Key 1's first entry is due, but the key now holds the later line: kept.
        #expect(index[1] == late && index[2] == late && index.count == 2)
        index.expire(now: 249.9, retention: 50)
        #expect(index.count == 2)
        index.expire(now: 250, retention: 50)
        #expect(index.count == 0 && index[1] == nil)
    }

    @Test("ids that all share one key each replay their own outcome, are refused with another payload, and survive a restart")
    func sharedKeys() async throws {
        let directory = try IdempotencyJournalCompactionTests.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/idempotency.jsonl"
        let store = IdempotencyStore(journalPath: path, logger: PipelineFixture.logger, faults: nil, indexKey: { _ in 42 })
        let digest = { (index: Int) in String(repeating: String(format: "%02x", index), count: 32) }
        for index in 0..<6 {
            #expect(await store.claim("id-\(index)", payloadSHA256: digest(index)) == .claimed)
            await store.finish("id-\(index)", outcome: .blocked(reason: "r\(index)"))
        }
        // One id in the index, five kept whole (by place, not by outcome).
        #expect(store.rememberedIDs == 6)
        #expect(await store.outcomesInMemory == 0)
        for index in 0..<6 {
            #expect(await store.claim("id-\(index)", payloadSHA256: digest(index)) == .finished(.blocked(reason: "r\(index)")), "id-\(index)")
            #expect(await store.claim("id-\(index)", payloadSHA256: digest(9)) == .reused(originalSHA256: digest(index)), "id-\(index)")
        }
        // A new id with the shared key reads the index's line, finds another id, and runs.
        #expect(await store.claim("new", payloadSHA256: digest(7)) == .claimed)
        #expect(await store.claim("new", payloadSHA256: digest(7)) == .running)
        await store.release("new")

        // A second line of id-0 (run again elsewhere, say): the later line wins after a restart.
        let now = Date().timeIntervalSince1970
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((#"{"id":"id-0","at":\#(now),"outcome":{"outcome":"blocked","reason":"again"},"payload_sha256":"\#(digest(0))"}"# + "\n").utf8))
        try handle.close()
        let keys: [@Sendable (String) -> UInt64] = [{ _ in 42 }, IdempotencyIndex.key]
        for key in keys {
            let reopened = IdempotencyStore(journalPath: path, logger: PipelineFixture.logger, faults: nil, indexKey: key)
            #expect(reopened.rememberedIDs == 6)
            #expect(await reopened.finished("id-0") == .blocked(reason: "again"))
            for index in 1..<6 {
                #expect(await reopened.claim("id-\(index)", payloadSHA256: digest(index)) == .finished(.blocked(reason: "r\(index)")), "id-\(index)")
            }
            #expect(await reopened.finished("new") == nil)
            #expect(await reopened.outcomesInMemory == 0)
        }
    }

    @Test("indexed and whole ids are forgotten after the retention, and run again; a restart keeps what is left")
    func idsExpire() async throws {
        let directory = try IdempotencyJournalCompactionTests.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/idempotency.jsonl"
        let now = Mutex<Double>(Date().timeIntervalSince1970)
        let clock: @Sendable () -> Double = { now.withLock { $0 } }
        // Two ids share a key: "first" is indexed, "second" kept whole.
        let key: @Sendable (String) -> UInt64 = { $0 == "late" ? 1 : 0 }
        let store = IdempotencyStore(journalPath: path, logger: PipelineFixture.logger, faults: nil, indexKey: key, clock: clock)
        for id in ["first", "second"] {
            #expect(await store.claim(id, payloadSHA256: "d") == .claimed)
            await store.finish(id, outcome: .blocked(reason: id))
        }
        now.withLock { $0 += 43_200 }
        #expect(await store.claim("late", payloadSHA256: "d") == .claimed)
        await store.finish("late", outcome: .blocked(reason: "late"))
        #expect(store.rememberedIDs == 3)
        for id in ["first", "second", "late"] {
            #expect(await store.claim(id, payloadSHA256: "d") == .finished(.blocked(reason: id)), "\(id)")
        }
        now.withLock { $0 += 43_200 }
        // A day after the first two: both forgotten, "late" kept.
        #expect(await store.finished("late") == .blocked(reason: "late"))
        for id in ["first", "second"] {
            #expect(await store.claim(id, payloadSHA256: "d") == .claimed, "\(id)")
            await store.release(id)
        }
        #expect(store.rememberedIDs == 1)
        let reopened = IdempotencyStore(journalPath: path, logger: PipelineFixture.logger, faults: nil, clock: clock)
        #expect(reopened.rememberedIDs == 1)
        #expect(await reopened.finished("late") == .blocked(reason: "late"))
        #expect(await reopened.finished("first") == nil)
    }
}
