import BeekeeperCore
@testable import BeekeeperPipeline
import Foundation
import Testing

/// The idempotency journal is fdatasync'ed before an outcome is returned (so it is as durable as
/// the audit record behind it), in groups: concurrent finishes share one fdatasync.
@Suite("IdempotencyStore group commit")
struct IdempotencyGroupCommitTests {
    @Test("many concurrent finishes all land, with fewer fdatasyncs than finishes")
    func concurrentFinishesShareSyncs() async throws {
        let directory = NSTemporaryDirectory() + "beekeeper-idem-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let journal = directory + "/idempotency.jsonl"
        let store = IdempotencyStore(journalPath: journal, logger: PipelineFixture.logger)
        let count = 200
        for index in 0..<count { _ = await store.claim("t-\(index)", payloadSHA256: "sha-\(index)") }
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                group.addTask { await store.finish("t-\(index)", outcome: .blocked(reason: "r\(index)")) }
            }
        }
        let syncs = await store.journalSyncs
        #expect(syncs >= 1, "no fdatasync at all")
        #expect(syncs < count, "\(syncs) fdatasyncs for \(count) finishes: no group commit")

        // Every outcome is in the journal: a restart replays each one.
        let reopened = IdempotencyStore(journalPath: journal, logger: PipelineFixture.logger)
        for index in 0..<count {
            #expect(await reopened.finished("t-\(index)") == .blocked(reason: "r\(index)"), "t-\(index) forgotten")
        }
    }

    @Test("a lone finish returns only after its own fdatasync")
    func loneFinishIsSynced() async throws {
        let directory = NSTemporaryDirectory() + "beekeeper-idem-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = IdempotencyStore(journalPath: directory + "/idempotency.jsonl", logger: PipelineFixture.logger)
        _ = await store.claim("only", payloadSHA256: "sha")
        await store.finish("only", outcome: .blocked(reason: "x"))
        #expect(await store.journalSyncs == 1)
    }
}
