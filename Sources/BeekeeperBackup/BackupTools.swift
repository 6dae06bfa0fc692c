/// The PostgreSQL client programs backups run: names looked up in `PATH`, or paths.
public struct BackupTools: Sendable, Equatable {
    public var pgDump: String
    public var psql: String

    public init(pgDump: String = "pg_dump", psql: String = "psql") {
        self.pgDump = pgDump
        self.psql = psql
    }
}
