/// What started a backup run; recorded in audit records and results.
public enum BackupTrigger: String, Sendable, Equatable {
    /// A `backup.schedule` time.
    case schedule
    /// At start, for a schedule time missed while the sidecar was down.
    case catchUp = "catch_up"
    /// At start, for `backup.run_on_start`.
    case start
    /// `POST /v1/backups`.
    case api
    /// `beekeeper backup run` without a sidecar.
    case cli
}
