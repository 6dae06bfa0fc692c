import BeekeeperAudit
import BeekeeperBackup
import BeekeeperCore
import BeekeeperPipeline
import BeekeeperMetrics
import Foundation
import Logging

/// Turns backup runs into metrics and audit records (`backup.started`, `backup.succeeded`,
/// `backup.failed`). The result's record is durable before the run's answer goes out.
///
/// `beekeeper_backup_last_duration_seconds` (dump, verification and retention) and
/// `_last_size_bytes` describe the last successful backup, like
/// `_last_success_timestamp_seconds`; failures show in `runs_total{result="failure"}`.
struct BackupEvents: BackupObserver {
    let pipeline: TaskPipeline
    let logger: Logger

    var metrics: SidecarMetrics { pipeline.metrics }

    /// Every configured database has its series from the start, so rates and alerts work
    /// before the first run. The last-backup gauges start from the newest manifest on disk, 0
    /// when there is none: an age alert then fires for a database never backed up and for one
    /// failing since the last restart, instead of seeing no series at all.
    func registerSeries(databases: [String], directory: BackupDirectory) {
        for database in databases {
            for result in ["success", "failure"] { metrics.backupRuns.labels(database, result).increment(by: 0) }
            let newest = directory.listing(database: database).compactMap(\.manifest).max { $0.finishedAt < $1.finishedAt }
            metrics.backupLastSuccess.labels(database).set(newest?.finishedAt.timeIntervalSince1970 ?? 0)
            metrics.backupLastDuration.labels(database).set(newest?.durationSeconds ?? 0)
            metrics.backupLastSize.labels(database).set(newest.map { Double($0.sizeBytes) } ?? 0)
        }
    }

    func backupStarted(database: String, trigger: BackupTrigger, actor: String?) async {
        var fields: [JSONValue.Member] = [.init("database", .string(database)), .init("trigger", .string(trigger.rawValue))]
        if let actor { fields.append(.init("actor", .string(actor))) }
        await record(AuditRecord(type: "backup.started", fields: fields))
    }

    func backupFinished(_ result: DatabaseBackupResult) async {
        metrics.backupRuns.labels(result.database, result.succeeded ? "success" : "failure").increment()
        var fields: [JSONValue.Member] = [.init("database", .string(result.database))]
        let seconds = Double(result.duration.components.seconds) + Double(result.duration.components.attoseconds) / 1e18
        fields.append(.init("duration_ms", .number((seconds * 1000).rounded())))
        switch result.outcome {
        case .succeeded(let manifest, _):
            metrics.backupLastSuccess.labels(result.database).set(manifest.finishedAt.timeIntervalSince1970)
            metrics.backupLastDuration.labels(result.database).set(seconds)
            metrics.backupLastSize.labels(result.database).set(Double(manifest.sizeBytes))
            fields.append(.init("file", .string("last/" + manifest.file)))
            fields.append(.init("size_bytes", .number(String(manifest.sizeBytes))))
            fields.append(.init("sha256", .string(manifest.sha256)))
            fields.append(.init("verify", .string(result.verify)))
        case .failed(let error):
            fields.append(.init("error", .string(error.message)))
        }
        fields.append(.init("trigger", .string(result.trigger.rawValue)))
        if let actor = result.actor { fields.append(.init("actor", .string(actor))) }
        await record(AuditRecord(type: result.succeeded ? "backup.succeeded" : "backup.failed", fields: fields))
    }

    private func record(_ record: AuditRecord) async {
        do {
            try await pipeline.record([record])
        } catch {
            logger.error("could not record a backup event in the audit log", metadata: ["type": "\(record.type)", "error": "\(error)"])
        }
    }
}
