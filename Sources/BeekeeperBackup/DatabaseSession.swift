import Postgres

/// A libpq connection used by a backup, every call made on a thread of its own.
final class DatabaseSession: Sendable {
    let connection: PostgresConnection

    private init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Connects; a refusal, a wrong password or an unreachable host becomes a `.connection`
    /// error that names the database and never shows the password.
    static func open(_ conninfo: String, database: String) async throws(BackupError) -> DatabaseSession {
        try await BlockingThread.run { () throws(BackupError) -> DatabaseSession in
            do throws(PostgresError) {
                return DatabaseSession(connection: try PostgresConnection(url: conninfo))
            } catch {
                throw BackupError(.connection, "cannot connect to database \"\(database)\": \(error.message)")
            }
        }
    }

    var serverVersion: PostgresVersion { PostgresVersion(serverVersionNumber: connection.serverVersion) }

    func query(_ sql: String, parameters: [String?] = []) async throws(BackupError) -> PostgresResult {
        let connection = self.connection
        return try await BlockingThread.run { () throws(BackupError) -> PostgresResult in
            do throws(PostgresError) {
                return try connection.query(sql, parameters: parameters)
            } catch {
                throw BackupError(.connection, error.description)
            }
        }
    }

    func execute(_ sql: String) async throws(BackupError) {
        let connection = self.connection
        try await BlockingThread.run { () throws(BackupError) in
            do throws(PostgresError) {
                try connection.execute(sql)
            } catch {
                throw BackupError(.connection, error.description)
            }
        }
    }

    /// Opens the transaction whose snapshot the dump and the row counts share.
    /// - Returns: the exported snapshot's id, for `pg_dump --snapshot`, and `server_version`.
    func exportSnapshot() async throws(BackupError) -> (snapshot: String, serverVersion: String) {
        try await execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        let result = try await query("SELECT pg_catalog.pg_export_snapshot() AS snapshot, pg_catalog.current_setting('server_version') AS version")
        guard let snapshot = result[row: 0, column: "snapshot"], let version = result[row: 0, column: "version"] else {
            throw BackupError(.connection, "pg_export_snapshot() returned nothing")
        }
        return (snapshot, version)
    }

    /// Rows of every user table (its own rows, as `pg_dump` writes them), in the session's
    /// snapshot. Tables that belong to an extension are left out: `pg_dump` does not dump them.
    func rowCounts() async throws(BackupError) -> [BackupManifest.TableRows] {
        let tables = try await query("""
            SELECT n.nspname AS schema, c.relname AS name,
                   pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS quoted
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r'
              AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
              AND NOT EXISTS (
                SELECT 1 FROM pg_catalog.pg_depend d
                WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'e')
            ORDER BY n.nspname COLLATE "C", c.relname COLLATE "C"
            """)
        var counts: [BackupManifest.TableRows] = []
        for row in tables.rows {
            guard let schema = row[0], let name = row[1], let quoted = row[2] else { continue }
            let count = try await query("SELECT count(*) AS n FROM ONLY \(quoted)")
            guard let text = count[row: 0, column: "n"], let rows = Int64(text) else {
                throw BackupError(.connection, "cannot count the rows of \(schema).\(name)")
            }
            counts.append(BackupManifest.TableRows(table: "\(schema).\(name)", rows: rows))
        }
        return counts
    }
}
