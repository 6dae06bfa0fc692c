import Foundation
import Postgres
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

    /// The test URL with other credentials or port.
    static func url(user: String? = nil, password: String? = nil, port: Int? = nil) throws -> String {
        guard var components = URLComponents(string: try requireURL()) else { throw MissingDatabase() }
        if let user { components.user = user }
        if let password { components.password = password }
        if let port { components.port = port }
        return components.string!
    }
}

struct MissingDatabase: Error, CustomStringConvertible {
    var description: String { "BEEKEEPER_TEST_PG_URL is not set (required when CI=true); see scripts/start-test-postgres.sh" }
}

@Suite("Postgres against a real server", .enabled(if: TestDatabase.shouldRun, "BEEKEEPER_TEST_PG_URL is not set"))
struct PostgresTests {
    @Test("connects and reports the server version")
    func connect() throws {
        let connection = try PostgresConnection(url: try TestDatabase.requireURL())
        #expect(connection.serverVersion >= 90_000)
        let reported = try connection.query("SHOW server_version_num")
        #expect(reported.rows.first?.first == String(connection.serverVersion))
    }

    @Test("parameters carry text, NULL and unicode both ways")
    func parameters() throws {
        let connection = try PostgresConnection(url: try TestDatabase.requireURL())
        let result = try connection.query(
            "SELECT $1::text AS greeting, $2::text AS missing, $3::int + 1 AS next, 'ünïcødé 🐝'::text AS literal, length($1) AS chars",
            parameters: ["héllo 🐝 ' \" \\", nil, "41"]
        )
        #expect(result.columns == ["greeting", "missing", "next", "literal", "chars"])
        #expect(result.rows.count == 1)
        #expect(result[row: 0, column: "greeting"] == "héllo 🐝 ' \" \\")
        #expect(result[0, "missing"] == nil)
        #expect(result.rows[0][1] == nil)
        #expect(result[row: 0, column: "next"] == "42")
        #expect(result[row: 0, column: "literal"] == "ünïcødé 🐝")
        #expect(result[row: 0, column: "chars"] == "13")  // characters, not UTF-8 bytes (17)
        #expect(result[row: 0, column: "no_such_column"] == nil)
    }

    @Test("create, insert and count in a scratch schema")
    func tableRoundTrip() throws {
        let connection = try PostgresConnection(url: try TestDatabase.requireURL())
        let schema = "bk_test_\(UUID().uuidString.prefix(8).lowercased())"
        try connection.execute("CREATE SCHEMA \(schema)")
        defer { try? connection.execute("DROP SCHEMA \(schema) CASCADE") }

        try connection.execute("""
            CREATE TABLE \(schema).bees (id serial PRIMARY KEY, name text NOT NULL, note text);
            INSERT INTO \(schema).bees (name) VALUES ('worker'), ('drone');
            """)
        for name in ["queen", "scout 🐝"] {
            let inserted = try connection.query("INSERT INTO \(schema).bees (name, note) VALUES ($1, $2) RETURNING id", parameters: [name, nil])
            #expect(inserted.rows.count == 1)
        }
        let count = try connection.query("SELECT count(*) AS n, count(note) AS notes FROM \(schema).bees")
        #expect(count[row: 0, column: "n"] == "4")
        #expect(count[row: 0, column: "notes"] == "0")
        let names = try connection.query("SELECT name FROM \(schema).bees ORDER BY id")
        #expect(names.rows.map { $0[0] } == ["worker", "drone", "queen", "scout 🐝"])
        let empty = try connection.query("SELECT name FROM \(schema).bees WHERE false")
        #expect(empty.columns == ["name"])
        #expect(empty.rows.isEmpty)
    }

    @Test("server errors carry their SQLSTATE and leave the connection usable")
    func serverErrors() throws {
        let connection = try PostgresConnection(url: try TestDatabase.requireURL())
        do {
            _ = try connection.query("SELEC 1")
            Issue.record("bad syntax was accepted")
        } catch {
            #expect(error.sqlState == "42601")
            #expect(error.message.contains("syntax error"), "\(error)")
        }
        do {
            try connection.execute("SELECT * FROM bk_no_such_table_anywhere")
            Issue.record("a missing table was accepted")
        } catch {
            #expect(error.sqlState == "42P01")
            #expect(error.message.contains("bk_no_such_table_anywhere"), "\(error)")
        }
        do {
            _ = try connection.query("SELECT $1::int", parameters: ["not a number"])
            Issue.record("a bad parameter was accepted")
        } catch {
            #expect(error.sqlState == "22P02")
        }
        #expect(try connection.query("SELECT 1 AS one")[row: 0, column: "one"] == "1")
    }

    @Test("COPY is refused without wedging the connection")
    func copyRefused() throws {
        let connection = try PostgresConnection(url: try TestDatabase.requireURL())
        #expect(throws: PostgresError.self) { try connection.execute("COPY (SELECT 1) TO STDOUT") }
        #expect(throws: PostgresError.self) { try connection.execute("CREATE TEMP TABLE t (a int); COPY t FROM STDIN") }
        #expect(try connection.query("SELECT 2 AS two")[row: 0, column: "two"] == "2")
    }

    @Test("a wrong password is refused and never echoed")
    func wrongPassword() throws {
        let password = "s3cret-Pa55w0rd"
        let url = try TestDatabase.url(user: "beekeeper_no_such_role", password: password)
        do {
            _ = try PostgresConnection(url: url)
            Issue.record("connected with a wrong password")
        } catch {
            #expect(error.message.contains("beekeeper_no_such_role"), "\(error)")
            #expect(!error.message.contains(password))
            #expect(error.sqlState == nil)
        }
    }

    @Test("a malformed URL is refused without echoing its password")
    func malformedURL() throws {
        let password = "hunter2-%zz"
        do {
            _ = try PostgresConnection(url: "postgresql://someone:\(password)@127.0.0.1:notaport/db")
            Issue.record("a malformed URL was accepted")
        } catch {
            #expect(!error.message.isEmpty)
            #expect(!error.message.contains("hunter2"), "\(error)")
        }
    }

    @Test("an unreachable port is a clear error, repeatedly, without crashing")
    func unreachablePort() throws {
        let url = try TestDatabase.url(password: "topsecret", port: 1)
        for _ in 0..<25 {
            do {
                _ = try PostgresConnection(url: url, connectTimeout: .seconds(5))
                Issue.record("connected to port 1")
            } catch {
                #expect(error.message.contains("port 1 failed"), "\(error)")
                #expect(error.message.contains("refused"), "\(error)")
                #expect(!error.message.contains("topsecret"))
            }
        }
    }

    @Test("one connection can be shared by concurrent tasks")
    func sharedConnection() async throws {
        let connection = try PostgresConnection(url: try TestDatabase.requireURL())
        let sums = try await withThrowingTaskGroup(of: String?.self) { group in
            for value in 0..<8 {
                group.addTask { try connection.query("SELECT $1::int * 2", parameters: [String(value)]).rows[0][0] }
            }
            return try await group.reduce(into: Set<String?>()) { $0.insert($1) }
        }
        #expect(sums == Set((0..<8).map { String($0 * 2) }))
    }
}

@Suite("Connection parameters")
struct ConnectionParametersTests {
    @Test("a URL's settings, its decoded password, and a conninfo string without it")
    func parsing() throws {
        let parameters = try ConnectionParameters(parsing: "postgresql://bee%20keeper:p%40ss'w%5Cd@db.example:5433/colonies?sslmode=require&application_name=x")
        #expect(parameters["user"] == "bee keeper")
        #expect(parameters.password == "p@ss'w\\d")
        #expect(parameters["host"] == "db.example" && parameters["port"] == "5433" && parameters["dbname"] == "colonies")
        #expect(parameters["sslmode"] == "require")
        let stripped = parameters.removingPassword()
        #expect(stripped.password == nil)
        #expect(!stripped.conninfo.contains("ss'w"))
        // The conninfo string parses back to the same settings (quotes and backslashes escaped).
        #expect(try ConnectionParameters(parsing: parameters.conninfo) == parameters)
        #expect(try ConnectionParameters(parsing: stripped.conninfo) == stripped)
        var other = stripped
        other["dbname"] = "scratch 'db'"
        #expect(try ConnectionParameters(parsing: other.conninfo)["dbname"] == "scratch 'db'")
        #expect(Set(try ConnectionParameters(parsing: "host=/tmp port=5432 dbname=x").settings.map(\.keyword)) == ["host", "port", "dbname"])
    }

    @Test("a malformed string is refused without echoing its password")
    func malformed() {
        do {
            _ = try ConnectionParameters(parsing: "postgresql://u:topsecret-77@host/db?no_such_option=1")
            Issue.record("accepted a malformed URL")
        } catch {
            #expect(!error.message.contains("topsecret-77"), "\(error)")
            #expect(error.message.contains("invalid connection string"))
        }
        #expect(throws: PostgresError.self) { try ConnectionParameters(parsing: "host='unterminated") }
    }
}
