/// Why a backup, a verification or a request for one failed, in words an operator can act on.
public struct BackupError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// libpq could not connect or a query failed.
        case connection
        /// `pg_dump` or `psql` is missing, unusable, or older than the server.
        case tools
        /// `pg_dump` failed or was killed.
        case dump
        /// Reading or writing the backup directory failed (full disk, permissions).
        case storage
        /// The backup does not match its manifest, is corrupt or incomplete, or does not restore.
        case verification
        /// The run was stopped (the sidecar is shutting down).
        case cancelled
        /// Another run is in progress (one run at a time).
        case busy
        /// No such database or backup.
        case notFound
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static let cancelled = BackupError(.cancelled, "the backup was cancelled (shutdown)")
}
