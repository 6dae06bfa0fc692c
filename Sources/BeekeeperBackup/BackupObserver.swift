/// Told about every database's backup as it starts and ends (the sidecar counts metrics and
/// writes audit records). `backupFinished` is awaited before the run's answer goes out, so
/// whatever it makes durable is durable before anyone hears of the result.
public protocol BackupObserver: Sendable {
    func backupStarted(database: String, trigger: BackupTrigger, actor: String?) async
    func backupFinished(_ result: DatabaseBackupResult) async
}
