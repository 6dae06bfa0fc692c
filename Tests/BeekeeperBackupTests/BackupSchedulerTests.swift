import Foundation
import Logging
import Synchronization
import Testing

@testable import BeekeeperBackup

/// A wall clock that jumps to each wake-up time at once; a run takes `runTime` of it. Sleeping
/// past `end` ends the simulation the way shutdown does: with cancellation.
final class SimulatedClock: Sendable {
    private let state: Mutex<Date>
    let end: Date

    init(start: Date, end: Date) {
        state = Mutex(start)
        self.end = end
    }

    var now: Date { state.withLock { $0 } }
    func advance(_ seconds: Double) { state.withLock { $0 += seconds } }

    var clock: BackupClock {
        BackupClock(now: { self.now }) { target in
            guard target <= self.end else { throw CancellationError() }
            self.state.withLock { $0 = max($0, target) }
        }
    }
}

/// Records the runs a scheduler asks for.
final class RunLog: Sendable {
    private let runs = Mutex<[(BackupTrigger, Date)]>([])
    var entries: [(trigger: BackupTrigger, at: String)] { runs.withLock { $0.map { ($0.0, utc($0.1)) } } }
    func append(_ trigger: BackupTrigger, _ at: Date) { runs.withLock { $0.append((trigger, at)) } }
}

@Suite("Backup scheduler on a simulated clock")
struct BackupSchedulerTests {
    let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()

    func scheduler(_ expression: String?, zone: String = "UTC", runOnStart: Bool = false, statePath: String, clock: SimulatedClock, log: RunLog)
        throws -> BackupScheduler
    {
        BackupScheduler(
            schedule: try expression.map { try CronSchedule($0) }, timeZone: BeekeeperBackupTests.zone(zone), runOnStart: runOnStart,
            statePath: statePath, clock: clock.clock, logger: logger
        ) { trigger in
            log.append(trigger, clock.now)
            clock.advance(300)  // a run takes five minutes
        }
    }

    @Test("a first start records its time and runs nothing until the schedule says so")
    func firstStart() async throws {
        let scratch = try ScratchDirectory()
        let statePath = scratch.path + "/backup-schedule.json"
        let clock = SimulatedClock(start: instant("2026-11-22T10:00:00Z"), end: instant("2026-11-25T00:00:00Z"))
        let log = RunLog()
        try await scheduler("0 2 * * *", statePath: statePath, clock: clock, log: log).run()
        #expect(log.entries.map(\.at) == ["2026-11-23T02:00:00Z", "2026-11-24T02:00:00Z"])
        #expect(log.entries.allSatisfy { $0.trigger == .schedule })
        // The state holds the end of the last run.
        let state = try #require(readText(statePath))
        #expect(state.contains("\"last_run_ended\":\"2026-11-24T02:05:00.000Z\""))
    }

    @Test("runs missed while down are made up once at start, then the schedule goes on")
    func catchUp() async throws {
        let scratch = try ScratchDirectory()
        let statePath = scratch.path + "/backup-schedule.json"
        // Last run ended on the 20th; down until the 22nd 10:00: the 21st and 22nd 02:00 were missed.
        try Data(#"{"last_run_ended":"2026-11-20T02:05:00.000Z"}"#.utf8).write(to: URL(fileURLWithPath: statePath))

        let clock = SimulatedClock(start: instant("2026-11-22T10:00:00Z"), end: instant("2026-11-23T12:00:00Z"))
        let log = RunLog()
        try await scheduler("0 2 * * *", runOnStart: true, statePath: statePath, clock: clock, log: log).run()
        // One catch-up (not two, and run_on_start does not add another), then the 23rd.
        #expect(log.entries.map(\.trigger) == [.catchUp, .schedule])
        #expect(log.entries.map(\.at) == ["2026-11-22T10:00:00Z", "2026-11-23T02:00:00Z"])

        // Restarted right after: nothing is missed, nothing runs at start.
        let again = SimulatedClock(start: instant("2026-11-23T12:00:00Z"), end: instant("2026-11-23T23:00:00Z"))
        let quiet = RunLog()
        try await scheduler("0 2 * * *", statePath: statePath, clock: again, log: quiet).run()
        #expect(quiet.entries.isEmpty)
    }

    @Test("run_on_start runs once at start when nothing was missed, also without a schedule")
    func runOnStart() async throws {
        let scratch = try ScratchDirectory()
        let clock = SimulatedClock(start: instant("2026-11-22T10:00:00Z"), end: instant("2026-11-23T03:00:00Z"))
        let log = RunLog()
        try await scheduler("0 2 * * *", runOnStart: true, statePath: scratch.path + "/s.json", clock: clock, log: log).run()
        #expect(log.entries.map(\.trigger) == [.start, .schedule])
        #expect(log.entries.map(\.at) == ["2026-11-22T10:00:00Z", "2026-11-23T02:00:00Z"])

        let alone = RunLog()
        let unscheduled = SimulatedClock(start: instant("2026-11-22T10:00:00Z"), end: instant("2026-11-30T00:00:00Z"))
        try await scheduler(nil, runOnStart: true, statePath: scratch.path + "/u.json", clock: unscheduled, log: alone).run()
        #expect(alone.entries.map(\.trigger) == [.start])
    }

    @Test("a run longer than the interval skips the times it covers instead of queueing them")
    func longRuns() async throws {
        let scratch = try ScratchDirectory()
        let clock = SimulatedClock(start: instant("2026-11-22T10:00:30Z"), end: instant("2026-11-22T10:20:00Z"))
        let log = RunLog()
        // Every minute, each run taking five: 10:01, 10:07, 10:13, 10:19.
        try await scheduler("* * * * *", statePath: scratch.path + "/s.json", clock: clock, log: log).run()
        #expect(log.entries.map(\.at) == ["2026-11-22T10:01:00Z", "2026-11-22T10:07:00Z", "2026-11-22T10:13:00Z", "2026-11-22T10:19:00Z"])
    }

    @Test("ten days of a 02:30 schedule in Europe/Berlin across the spring change")
    func berlinDays() async throws {
        let scratch = try ScratchDirectory()
        let clock = SimulatedClock(start: instant("2026-03-24T12:00:00Z"), end: instant("2026-04-02T12:00:00Z"))
        let log = RunLog()
        try await scheduler("30 2 * * *", zone: "Europe/Berlin", statePath: scratch.path + "/s.json", clock: clock, log: log).run()
        #expect(log.entries.map(\.at) == [
            "2026-03-25T01:30:00Z", "2026-03-26T01:30:00Z", "2026-03-27T01:30:00Z", "2026-03-28T01:30:00Z",
            "2026-03-29T01:00:00Z",  // 02:30 does not exist that day: 03:00 CEST
            "2026-03-30T00:30:00Z", "2026-03-31T00:30:00Z", "2026-04-01T00:30:00Z", "2026-04-02T00:30:00Z",
        ])
    }
}
