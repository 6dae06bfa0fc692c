public import BeekeeperCore

/// The results of one run, one per database in configuration order.
public struct BackupRunReport: Sendable {
    public var results: [DatabaseBackupResult]

    public init(results: [DatabaseBackupResult]) {
        self.results = results
    }

    /// True when every database's backup succeeded.
    public var succeeded: Bool { results.allSatisfy(\.succeeded) }

    /// `{"outcome":"succeeded"|"failed","databases":[...]}`, the body of `POST /v1/backups`.
    public var json: JSONValue {
        ["outcome": .string(succeeded ? "succeeded" : "failed"), "databases": .array(results.map(\.json))]
    }
}
