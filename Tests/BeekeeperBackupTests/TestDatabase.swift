import BeekeeperBackup
import Foundation
import Postgres
import Synchronization
import Testing

/// Needs a real server: BEEKEEPER_TEST_PG_URL, e.g. from scripts/start-test-postgres.sh.
enum TestDatabase {
    static let url = ProcessInfo.processInfo.environment["BEEKEEPER_TEST_PG_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"
    /// Outside CI a missing server skips the suite; in CI the tests run and fail.
    static var shouldRun: Bool { url != nil || isCI }

    static func requireURL() throws -> String {
        guard let url else { throw MissingDatabase() }
        return url
    }

    /// The test URL with another database, user, password or port.
    static func url(database: String? = nil, user: String? = nil, password: String? = nil, port: Int? = nil) throws -> String {
        guard var components = URLComponents(string: try requireURL()) else { throw MissingDatabase() }
        if let database { components.path = "/" + database }
        if let user { components.user = user }
        if let password { components.password = password }
        if let port { components.port = port }
        return components.string!
    }

    static func admin() throws -> PostgresConnection { try PostgresConnection(url: try requireURL()) }

    /// Names of databases whose name starts with `prefix`.
    static func databases(prefix: String) throws -> [String] {
        try admin().query("SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY 1", parameters: [prefix]).rows.compactMap { $0[0] }
    }
}

struct MissingDatabase: Error, CustomStringConvertible {
    var description: String { "BEEKEEPER_TEST_PG_URL is not set (required when CI=true); see scripts/start-test-postgres.sh" }
}

/// A database made for one test, with tables of known row counts (quotes, unicode, 100k rows,
/// an empty one), dropped when the value goes away.
final class ScratchDatabase: @unchecked Sendable {
    static let expectedRows: [(String, Int64)] = [
        ("Odd Schema.Quoted \"T\" 🐝", 2), ("public.bees", 3), ("public.big", 100_000), ("public.empty", 0),
    ]

    let name: String
    let url: String

    init(bigRows: Int = 100_000) throws {
        name = "bk_test_" + UUID().uuidString.prefix(8).lowercased()
        url = try TestDatabase.url(database: name)
        try TestDatabase.admin().execute("CREATE DATABASE \(name)")
        let connection = try PostgresConnection(url: url)
        try connection.execute(#"""
            CREATE TABLE bees (id serial PRIMARY KEY, name text NOT NULL, note text);
            INSERT INTO bees (name, note) VALUES ('worker', 'it''s "quoted" \ back\slash'), ('drone 🐝', E'tab\there\nnewline'), ('queen', NULL);
            CREATE SCHEMA "Odd Schema";
            CREATE TABLE "Odd Schema"."Quoted ""T"" 🐝" (a int, b text);
            INSERT INTO "Odd Schema"."Quoted ""T"" 🐝" VALUES (1, 'ünïcødé'), (2, '日本語');
            CREATE TABLE big (id bigint PRIMARY KEY, payload text);
            CREATE TABLE empty (id int);
            CREATE VIEW bee_names AS SELECT name FROM bees;
            """#)
        try connection.execute("INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, \(bigRows)) g")
    }

    deinit {
        try? TestDatabase.admin().execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    /// Row counts of every user table, as the manifest lists them.
    static func rowCounts(url: String) throws -> [String: Int64] {
        let connection = try PostgresConnection(url: url)
        let tables = try connection.query("""
            SELECT n.nspname || '.' || c.relname, quote_ident(n.nspname) || '.' || quote_ident(c.relname)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
            """)
        var counts: [String: Int64] = [:]
        for row in tables.rows {
            counts[row[0]!] = Int64(try connection.query("SELECT count(*) FROM \(row[1]!)").rows[0][0]!)!
        }
        return counts
    }
}

/// Collects what a runner reports.
final class RecordingObserver: BackupObserver {
    private let events = Mutex<[String]>([])
    private let finished = Mutex<[DatabaseBackupResult]>([])

    var log: [String] { events.withLock { $0 } }
    var results: [DatabaseBackupResult] { finished.withLock { $0 } }

    func backupStarted(database: String, trigger: BackupTrigger, actor: String?) async {
        events.withLock { $0.append("started \(database) \(trigger.rawValue)") }
    }

    func backupFinished(_ result: DatabaseBackupResult) async {
        events.withLock { $0.append("\(result.succeeded ? "succeeded" : "failed") \(result.database)") }
        finished.withLock { $0.append(result) }
    }
}

/// A shell script standing in for pg_dump or psql.
func fakeTool(in directory: String, name: String = "pg_dump", _ body: String) throws -> String {
    let path = directory + "/" + name
    try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    return path
}

/// Runs a shell command line; returns its status and combined output.
@discardableResult
func shell(_ command: String) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command + " 2>&1"]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
}

/// Single-quotes for /bin/sh.
func shellQuoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

/// The real pg_dump's path, for fake tools that hand over to it.
let realPgDump: String = (try? shell("command -v pg_dump").output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? "pg_dump"
