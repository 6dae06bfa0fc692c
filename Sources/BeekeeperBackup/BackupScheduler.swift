import BeekeeperCore
public import Foundation
public import Logging

/// Starts backup runs at `backup.schedule` times, in `backup.timezone`.
///
/// - At start, a schedule time that passed while the sidecar was down (after the last run the
///   state file records) is caught up with one run, however many were missed; otherwise
///   `run_on_start` asks for one. Never both.
/// - One run at a time: schedule times that pass during a run are skipped, not queued; a
///   schedule time that finds a run in progress (one asked for over HTTP) is skipped too.
/// - The state file (`state/backup-schedule.json`) records when the last scheduled run ended,
///   replaced atomically after every run. It is written only after a run ends, so a run cut
///   short by a crash is made up at the next start. A first start records its own time.
public struct BackupScheduler: Sendable {
    public let schedule: CronSchedule?
    public let timeZone: TimeZone
    public let runOnStart: Bool
    public let statePath: String
    let clock: BackupClock
    let logger: Logger
    let runBackups: @Sendable (BackupTrigger) async -> Void

    /// - Parameter runBackups: one run of every database (the sidecar's ``BackupRunner``).
    public init(
        schedule: CronSchedule?, timeZone: TimeZone, runOnStart: Bool, statePath: String, clock: BackupClock = .system,
        logger: Logger, runBackups: @escaping @Sendable (BackupTrigger) async -> Void
    ) {
        self.schedule = schedule
        self.timeZone = timeZone
        self.runOnStart = runOnStart
        self.statePath = statePath
        self.clock = clock
        self.logger = logger
        self.runBackups = runBackups
    }

    /// Runs until the task is cancelled.
    public func run() async {
        let startedAt = clock.now()
        var covered = loadState()
        if let schedule, let last = covered, let missed = schedule.nextFire(after: last, in: timeZone), missed <= startedAt {
            logger.notice("backup: a scheduled run was missed while the sidecar was down; running it now",
                metadata: ["missed": "\(BackupTimestamp.format(missed))"])
            await runBackups(.catchUp)
            // A run cut short by shutdown is made up at the next start.
            if Task.isCancelled { return }
            covered = clock.now()
            saveState(covered!)
        } else if runOnStart {
            await runBackups(.start)
            if Task.isCancelled { return }
            covered = clock.now()
            saveState(covered!)
        } else if schedule != nil, covered == nil {
            covered = startedAt
            saveState(startedAt)
        }
        guard let schedule else { return }
        while !Task.isCancelled {
            let from = max(clock.now(), covered ?? startedAt)
            guard let next = schedule.nextFire(after: from, in: timeZone) else {
                logger.warning("backup: the schedule never fires", metadata: ["schedule": "\(schedule)"])
                return
            }
            logger.info("backup: next scheduled run", metadata: ["at": "\(BackupTimestamp.format(next))"])
            do {
                try await clock.sleepUntil(next)
            } catch {
                return
            }
            if Task.isCancelled { return }
            await runBackups(.schedule)
            if Task.isCancelled { return }
            covered = clock.now()
            saveState(covered!)
        }
    }

    func loadState() -> Date? {
        guard let bytes = try? DurableFile.readFile(statePath), let json = try? JSONValue.parse(bytes),
            let text = json["last_run_ended"]?.stringValue
        else { return nil }
        return BackupTimestamp.parse(text)
    }

    func saveState(_ date: Date) {
        let json: JSONValue = ["last_run_ended": .string(BackupTimestamp.format(date)), "schedule": schedule.map { .string($0.expression) } ?? .null]
        do {
            try DurableFile.replace(statePath, with: Array((json.serialized() + "\n").utf8), mode: 0o644)
        } catch {
            logger.error("backup: cannot record the schedule state", metadata: ["path": "\(statePath)", "error": "\(error)"])
        }
    }
}
