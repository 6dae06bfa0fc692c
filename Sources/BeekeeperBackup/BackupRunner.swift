public import BeekeeperConfig
public import Foundation
public import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs backups, one run at a time: each database in configuration order is dumped, verified
/// as `backup.verify` says, then linked into its periods and pruned.
///
/// A dump that fails verification is deleted with its manifest (it must not take the place of
/// a good backup in any folder) and the run counts as failed. A failure after verification
/// (linking, pruning) keeps the verified dump in `last/` but still counts as failed, so that an
/// operator notices before the period folders go stale.
///
/// The run itself is a task of its own: a caller that goes away (an HTTP client disconnecting)
/// does not stop it; ``cancel()`` does (shutdown), which terminates a running `pg_dump` or `psql`
/// and removes its temporary file.
public final class BackupRunner: Sendable {
    public let configuration: BackupConfig
    public let directory: BackupDirectory
    public let tools: BackupTools
    let timeZone: TimeZone
    let observer: (any BackupObserver)?
    let logger: Logger
    let now: @Sendable () -> Date
    private let current = Mutex<Task<BackupRunReport, Never>?>(nil)

    /// - Parameters:
    ///   - directory: `backup.dir`, resolved (`BeekeeperConfiguration.backupDirectory`).
    ///   - now: the wall clock, for file names and manifests.
    public init(
        configuration: BackupConfig, directory: String, tools: BackupTools = BackupTools(), observer: (any BackupObserver)? = nil,
        logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.directory = BackupDirectory(directory)
        self.tools = tools
        self.timeZone = TimeZone(identifier: configuration.timezone) ?? TimeZone(secondsFromGMT: 0)!
        self.observer = observer
        self.logger = logger
        self.now = now
    }

    /// Whether a run is in progress.
    public var isRunning: Bool { current.withLock { $0 != nil } }

    /// Backs up `database` (every configured database when nil) now, and returns when done.
    /// - Throws: `.busy` while another run is in progress; `.notFound` for a name not in
    ///   `backup.databases`. Failures of the backups themselves are in the report.
    public func run(database: String? = nil, trigger: BackupTrigger, actor: String? = nil) async throws(BackupError) -> BackupRunReport {
        let databases: [BackupConfig.Database]
        if let database {
            guard let found = configuration.databases.first(where: { $0.name == database }) else {
                let known = configuration.databases.map(\.name).joined(separator: ", ")
                throw BackupError(.notFound, "no database named \"\(database)\" in backup.databases (configured: \(known.isEmpty ? "none" : known))")
            }
            databases = [found]
        } else {
            databases = configuration.databases
        }
        let task = try current.withLock { (current) throws(BackupError) -> Task<BackupRunReport, Never> in
            guard current == nil else { throw BackupError(.busy, "a backup run is already in progress") }
            let task = Task {
                let report = await self.perform(databases, trigger: trigger, actor: actor)
                self.current.withLock { $0 = nil }
                return report
            }
            current = task
            return task
        }
        return await task.value
    }

    /// Stops the run in progress, if any: a running `pg_dump`/`psql` is terminated, its
    /// temporary file removed, the databases not yet started are skipped.
    public func cancel() {
        current.withLock { $0?.cancel() }
    }

    /// Returns once no run is in progress.
    public func waitUntilIdle() async {
        while let task = current.withLock({ $0 }) { _ = await task.value }
    }

    private func perform(_ databases: [BackupConfig.Database], trigger: BackupTrigger, actor: String?) async -> BackupRunReport {
        var results: [DatabaseBackupResult] = []
        for database in databases {
            if Task.isCancelled { break }
            await observer?.backupStarted(database: database.name, trigger: trigger, actor: actor)
            let result = await backUp(database, trigger: trigger, actor: actor)
            switch result.outcome {
            case .succeeded(let manifest, let path):
                logger.notice("backup succeeded", metadata: [
                    "database": "\(database.name)", "file": "\(path)", "size_bytes": "\(manifest.sizeBytes)",
                    "duration_s": "\(String(format: "%.3f", result.duration.seconds))", "verify": "\(result.verify)",
                ])
            case .failed(let error):
                logger.error("backup failed", metadata: ["database": "\(database.name)", "error": "\(error.message)"])
            }
            await observer?.backupFinished(result)
            results.append(result)
        }
        return BackupRunReport(results: results)
    }

    private func backUp(_ database: BackupConfig.Database, trigger: BackupTrigger, actor: String?) async -> DatabaseBackupResult {
        let clock = ContinuousClock()
        let start = clock.now
        let startedAt = BackupTimestamp.truncated(now())
        let verify = configuration.verify
        func result(_ outcome: DatabaseBackupResult.Outcome) -> DatabaseBackupResult {
            DatabaseBackupResult(
                database: database.name, trigger: trigger, actor: actor, startedAt: startedAt, duration: clock.now - start,
                verify: verify.rawValue, outcome: outcome)
        }
        do throws(BackupError) {
            let made = try await DatabaseDump(
                database: database, directory: directory, tools: tools, timeZone: timeZone, timeZoneName: configuration.timezone,
                logger: logger
            ).run(startedAt: startedAt)
            do {
                try await BackupVerifier(tools: tools, logger: logger)
                    .verify(dumpPath: made.path, manifest: made.manifest, mode: verify, url: database.url)
            } catch {
                if error.kind == .cancelled {
                    throw BackupError(.cancelled, "cancelled during verification; \(made.path) is kept, unverified")
                }
                unlink(made.path)
                unlink(directory.path(.last, BackupDirectory.manifestName(forDump: made.name)))
                throw BackupError(error.kind, "\(verify.rawValue) verification failed, the dump was deleted: \(error.message)")
            }
            var manifest = made.manifest
            manifest.verification = .init(mode: verify.rawValue, passed: true, at: BackupTimestamp.truncated(now()))
            try DatabaseDump.writeManifest(manifest, to: directory.path(.last, BackupDirectory.manifestName(forDump: made.name)))
            let removed = try BackupRetention(keep: configuration.keep, timeZone: timeZone)
                .apply(dump: made.name, database: database.name, startedAt: startedAt, in: directory)
            for path in removed { logger.info("backup retention removed a file", metadata: ["path": "\(path)"]) }
            return result(.succeeded(manifest: manifest, path: made.path))
        } catch {
            return result(.failed(error))
        }
    }
}
