import BeekeeperCore
import Curl
import Foundation
import Synchronization
import Testing

/// SPEC section 6: Guardian stats are persisted and, after any crash, rebuilt to equal the number of
/// `task.approved` and `task.blocked` records in the audit log. kill -9 lands at seeded random moments
/// of a mixed load (tasks and `/v1/guardian/check`, approved and blocked) from concurrent clients.
@Suite(.serialized, .timeLimit(.minutes(6)))
struct GuardianStatsCrashTests {
    /// Small segments so that rotation and compression run during the load and the count spans
    /// live, sealed and gzip segments; a short persist interval so kills land around snapshots too.
    static func crashConfig(keyHex: String, dataDir: String) -> String {
        SidecarProcess.standardConfig(keyHex: keyHex, dataDir: dataDir, guardian: "  persist_interval: 250ms")
            .replacingOccurrences(of: "  fsync: batch\n", with: "  fsync: batch\n  rotate_bytes: 48KiB\n")
    }

    static let seed: UInt64 = {
        if let text = ProcessInfo.processInfo.environment["BEEKEEPER_TEST_SEED"], let seed = UInt64(text) { return seed }
        return UInt64.random(in: 1...UInt64(UInt32.max))
    }()

    static let platinumEvent: JSONValue = [
        "type": "invoice.paid",
        "data": ["object": ["amount_paid": 1, "currency": "EUR", "metadata": ["userId": "8d0f7a52-3f6b-4a8e-9c1d-2b5e6f7a8b9c", "tier": "platinum"]]],
    ]

    /// Decisions the clients saw acknowledged; all of them must be in the audit log.
    final class Acknowledged: Sendable {
        let counts = Mutex(GuardianCounts())
        func approved() { counts.withLock { $0.approved += 1 } }
        func blocked(_ reason: String) { counts.withLock { $0.blocked[reason, default: 0] += 1 } }
        var total: Int { counts.withLock { $0.total } }
    }

    final class StopFlag: Sendable {
        let stopped = Atomic<Bool>(false)
    }

    /// One client: random requests until told to stop or until the sidecar is gone.
    static func client(_ sidecar: SidecarProcess, seed: UInt64, stop: StopFlag, acknowledged: Acknowledged) async {
        var random = SplitMix64(seed: seed)
        var counter = 0
        while !stop.stopped.load(ordering: .relaxed) {
            counter += 1
            do {
                switch random.next() % 6 {
                case 0:
                    let answer = try await sidecar.submit(["funcname": "echo", "args": [.number(counter)]])
                    if answer.status == 200 { acknowledged.approved() }
                case 1:
                    let answer = try await sidecar.submit(["funcname": "echo", "args": ["x'; DROP TABLE users; --"]])
                    if answer.status == 422, let reason = answer.body["reason"]?.stringValue { acknowledged.blocked(reason) }
                case 2:
                    let answer = try await sidecar.submit(["funcname": "validate_revenue", "args": [platinumEvent]])
                    if answer.status == 422, let reason = answer.body["reason"]?.stringValue { acknowledged.blocked(reason) }
                default:
                    let bodies: [JSONValue] = [
                        ["funcname": "echo", "args": ["hello"]], ["funcname": "echo", "args": ["; rm -rf / #"]], ["funcname": "no_such_function"],
                    ]
                    let body = bodies[Int(random.next() % 3)]
                    let response = try await sidecar.post("/v1/guardian/check", body: body.bytes)
                    guard response.status == 200, let answer = try? JSONValue.parse(response.body) else { continue }
                    if answer["decision"] == "approved" {
                        acknowledged.approved()
                    } else if let reason = answer["reason"]?.stringValue {
                        acknowledged.blocked(reason)
                    }
                }
            } catch {
                return  // the sidecar was killed under this request
            }
        }
    }

    /// Runs `clients` concurrent clients; `duration` after the first acknowledged decision, either
    /// kill -9 the sidecar or stop them.
    static func load(_ sidecar: SidecarProcess, seed: UInt64, clients: Int = 6, for duration: Duration, kill: Bool, acknowledged: Acknowledged) async throws {
        let stop = StopFlag()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<clients {
                group.addTask { await client(sidecar, seed: seed &+ UInt64(index) &* 0x9E37_79B9, stop: stop, acknowledged: acknowledged) }
            }
            let before = acknowledged.total
            let deadline = ContinuousClock.now + .seconds(30)
            while acknowledged.total == before, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            try await Task.sleep(for: duration)
            if kill { try await sidecar.kill9() }
            stop.stopped.store(true, ordering: .relaxed)
            try await group.waitForAll()
        }
    }

    @Test func guardianStatsEqualTheAuditLogAfterKill9AndNeverReset() async throws {
        guard MetricsTools.available() else { return }
        let seed = Self.seed
        print("GuardianStatsCrashTests seed=\(seed) (rerun with BEEKEEPER_TEST_SEED=\(seed))")
        var random = SplitMix64(seed: seed)
        let acknowledged = Acknowledged()
        var sidecar = try await SidecarProcess(config: Self.crashConfig)
        var previous = GuardianCounts()

        for round in 1...4 {
            let killAfter = 250 + Int(random.next() % 1250)
            try await Self.load(sidecar, seed: random.next(), for: .milliseconds(killAfter), kill: true, acknowledged: acknowledged)
            sidecar = try await SidecarProcess(restarting: sidecar)

            let context = "seed \(seed), round \(round), kill -9 after \(killAfter)ms"
            let served = try await sidecar.guardianCountsServed()
            let audited = try sidecar.guardianDecisionsInAudit()
            let acked = acknowledged.counts.withLock { $0 }
            print("\(context): audit {\(audited)}, metrics {\(served.metrics)}, acknowledged {\(acked)}")
            #expect(served.metrics == audited, "\(context): beekeeper_guardian_decisions_total {\(served.metrics)} != audit log {\(audited)}")
            #expect(served.stats == audited, "\(context): /v1/stats guardian {\(served.stats)} != audit log {\(audited)}")
            #expect(audited.covers(acked), "\(context): acknowledged decisions missing from the audit log: acknowledged {\(acked)}, audit {\(audited)}")
            #expect(audited.total > previous.total, "\(context): the load made no decisions")
            #expect(served.metrics.covers(previous), "\(context): counters went down: {\(served.metrics)} after {\(previous)}")
            previous = audited
        }
        // The load met every kind of block: pattern, field rule and unknown funcname.
        #expect(previous.blocked.keys.contains("unknown_funcname"), "\(previous)")
        #expect(previous.blocked.keys.contains("rule:args.0.data.object.metadata.tier:one_of"), "\(previous)")
        #expect(previous.blocked.keys.contains { $0.hasPrefix("pattern:") }, "\(previous)")

        // Clean stop: SIGTERM drains and persists; the restarted sidecar serves the same counts.
        try await Self.load(sidecar, seed: random.next(), for: .milliseconds(600), kill: false, acknowledged: acknowledged)
        let before = try await sidecar.guardianCountsServed()
        #expect(try await sidecar.terminate() == 0)
        sidecar = try await SidecarProcess(restarting: sidecar)
        let after = try await sidecar.guardianCountsServed()
        let audited = try sidecar.guardianDecisionsInAudit()
        #expect(after.metrics == before.metrics, "seed \(seed): counts changed across SIGTERM and restart: {\(before.metrics)} -> {\(after.metrics)}")
        #expect(after.stats == before.stats, "seed \(seed): /v1/stats changed across SIGTERM and restart: {\(before.stats)} -> {\(after.stats)}")
        #expect(after.metrics == audited, "seed \(seed): after SIGTERM, metrics {\(after.metrics)} != audit log {\(audited)}")
        #expect(after.metrics.total > previous.total)
        #expect(audited.covers(acknowledged.counts.withLock { $0 }))
        // The audit log spans several segments, sealed ones compressed: the count really crossed them.
        let segments = try FileManager.default.contentsOfDirectory(atPath: sidecar.auditDir).filter { $0.hasPrefix("audit-") }
        #expect(segments.filter { $0.hasSuffix(".jsonl.gz") }.count >= 1, "expected rotated, compressed segments: \(segments.sorted())")
    }
}
