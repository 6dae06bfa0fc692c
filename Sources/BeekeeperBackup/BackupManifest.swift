public import BeekeeperCore
public import Foundation

/// The `.json` beside every dump: what was dumped, from which server, with which tool, and
/// what the file must hash to. Verification checks the dump against it; restore verification
/// compares the restored row counts with `tables`.
public struct BackupManifest: Sendable, Equatable {
    public static let formatName = "beekeeper-backup v1"

    public struct TableRows: Sendable, Equatable {
        /// `schema.table`, unquoted.
        public var table: String
        public var rows: Int64

        public init(table: String, rows: Int64) {
            self.table = table
            self.rows = rows
        }
    }

    /// The verification that ran right after the dump.
    public struct Verification: Sendable, Equatable {
        public var mode: String
        public var passed: Bool
        public var at: Date

        public init(mode: String, passed: Bool, at: Date) {
            self.mode = mode
            self.passed = passed
            self.at = at
        }
    }

    public var database: String
    /// The dump's file name as written in `last/` (hard links elsewhere keep this name here).
    public var file: String
    /// Size of the compressed file in bytes.
    public var sizeBytes: Int64
    /// Hex SHA-256 of the compressed file (what `sha256sum` prints for it).
    public var sha256: String
    public var uncompressedBytes: Int64
    /// `SHOW server_version`, e.g. `15.20 (Debian 15.20-0+deb12u1)`.
    public var serverVersion: String
    /// libpq's number for it, e.g. 150020.
    public var serverVersionNumber: Int
    /// The version `pg_dump --version` reported, e.g. `15.20`.
    public var pgDumpVersion: String
    public var startedAt: Date
    public var finishedAt: Date
    public var durationSeconds: Double
    /// `backup.timezone`: the zone of the file names' wall-clock stamps.
    public var timeZone: String
    public var snapshot: String
    /// Row counts per user table in the dump's snapshot, in `schema.table` order.
    public var tables: [TableRows]
    public var verification: Verification?

    public init(
        database: String, file: String, sizeBytes: Int64, sha256: String, uncompressedBytes: Int64, serverVersion: String,
        serverVersionNumber: Int, pgDumpVersion: String, startedAt: Date, finishedAt: Date, durationSeconds: Double,
        timeZone: String, snapshot: String, tables: [TableRows], verification: Verification? = nil
    ) {
        self.database = database
        self.file = file
        self.sizeBytes = sizeBytes
        self.sha256 = sha256
        self.uncompressedBytes = uncompressedBytes
        self.serverVersion = serverVersion
        self.serverVersionNumber = serverVersionNumber
        self.pgDumpVersion = pgDumpVersion
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationSeconds = durationSeconds
        self.timeZone = timeZone
        self.snapshot = snapshot
        self.tables = tables
        self.verification = verification
    }

    public var json: JSONValue {
        var members: [JSONValue.Member] = [
            .init("format", .string(Self.formatName)),
            .init("database", .string(database)),
            .init("file", .string(file)),
            .init("size_bytes", .number(String(sizeBytes))),
            .init("sha256", .string(sha256)),
            .init("uncompressed_bytes", .number(String(uncompressedBytes))),
            .init("server_version", .string(serverVersion)),
            .init("server_version_num", .number(serverVersionNumber)),
            .init("pg_dump_version", .string(pgDumpVersion)),
            .init("started_at", .string(BackupTimestamp.format(startedAt))),
            .init("finished_at", .string(BackupTimestamp.format(finishedAt))),
            .init("duration_seconds", .number(String(format: "%.3f", durationSeconds))),
            .init("timezone", .string(timeZone)),
            .init("snapshot", .string(snapshot)),
            .init("tables", .object(tables.map { .init($0.table, .number(String($0.rows))) })),
        ]
        if let verification {
            members.append(.init("verification", [
                "mode": .string(verification.mode), "passed": .bool(verification.passed),
                "at": .string(BackupTimestamp.format(verification.at)),
            ]))
        }
        return .object(members)
    }

    /// The manifest's bytes as written to disk: the JSON and a newline.
    public var bytes: [UInt8] { Array((json.serialized() + "\n").utf8) }

    public init(json: JSONValue) throws(BackupError) {
        func invalid(_ key: String) -> BackupError { BackupError(.verification, "manifest: missing or invalid \"\(key)\"") }
        func text(_ key: String) throws(BackupError) -> String {
            guard let value = json[key]?.stringValue else { throw invalid(key) }
            return value
        }
        func integer(_ key: String) throws(BackupError) -> Int64 {
            guard case .number(let literal)? = json[key], let value = Int64(literal) else { throw invalid(key) }
            return value
        }
        func date(_ key: String) throws(BackupError) -> Date {
            guard let value = BackupTimestamp.parse(try text(key)) else { throw invalid(key) }
            return value
        }
        guard json["format"]?.stringValue == Self.formatName else {
            throw BackupError(.verification, "manifest: \"format\" is not \"\(Self.formatName)\"")
        }
        var tables: [TableRows] = []
        guard let members = json["tables"]?.objectValue else { throw invalid("tables") }
        for member in members {
            guard case .number(let literal) = member.value, let rows = Int64(literal) else { throw invalid("tables.\(member.key)") }
            tables.append(TableRows(table: member.key, rows: rows))
        }
        var verification: Verification? = nil
        if let value = json["verification"], !value.isNull {
            guard let mode = value["mode"]?.stringValue, let passed = value["passed"]?.boolValue,
                let at = value["at"]?.stringValue.flatMap(BackupTimestamp.parse)
            else { throw invalid("verification") }
            verification = Verification(mode: mode, passed: passed, at: at)
        }
        guard let duration = json["duration_seconds"]?.doubleValue else { throw invalid("duration_seconds") }
        self.init(
            database: try text("database"), file: try text("file"), sizeBytes: try integer("size_bytes"), sha256: try text("sha256"),
            uncompressedBytes: try integer("uncompressed_bytes"), serverVersion: try text("server_version"),
            serverVersionNumber: Int(try integer("server_version_num")), pgDumpVersion: try text("pg_dump_version"),
            startedAt: try date("started_at"), finishedAt: try date("finished_at"), durationSeconds: duration,
            timeZone: try text("timezone"), snapshot: try text("snapshot"), tables: tables, verification: verification)
    }

    /// Reads and parses the manifest at `path`.
    public static func load(from path: String) throws(BackupError) -> BackupManifest {
        let bytes: [UInt8]?
        do {
            bytes = try DurableFile.readFile(path)
        } catch {
            throw BackupError(.storage, "cannot read manifest \(error)")
        }
        guard let bytes else { throw BackupError(.notFound, "no manifest at \(path)") }
        do {
            return try BackupManifest(json: try JSONValue.parse(bytes))
        } catch let error as BackupError {
            throw BackupError(error.kind, "\(path): \(error.message)")
        } catch {
            throw BackupError(.verification, "\(path): not a valid manifest: \(error)")
        }
    }
}
