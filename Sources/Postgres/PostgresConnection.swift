import CLibPQ
import Synchronization

/// One libpq connection.
///
/// libpq connections must not be used by two threads at once; every call here holds a mutex for
/// its whole duration, so sharing is safe (calls simply take turns), hence `Sendable`. All calls
/// block the calling thread: from async code, call them from a dedicated thread or accept that
/// a cooperative thread is held. The connection is closed (`PQfinish`) in `deinit`.
public final class PostgresConnection: Sendable {
    private let connection: Mutex<OpaquePointer>
    /// Server version as libpq reports it, e.g. 150020 for 15.20.
    public let serverVersion: Int

    /// Connects with a libpq connection string, e.g. `postgresql://user:secret@host:5432/db`.
    ///
    /// Defaults, which the URL's own parameters override: `connect_timeout` from
    /// `connectTimeout`, `client_encoding=UTF8`, `fallback_application_name=beekeeper`.
    /// - Throws: `PostgresError` with libpq's reason; the password never appears in it.
    public init(url: String, connectTimeout: Duration = .seconds(10)) throws(PostgresError) {
        let secrets = ConnectionString.secrets(in: url)
        // libpq treats 1 as 2 and 0 as "wait forever"; whole seconds, rounded up.
        let (seconds, attoseconds) = connectTimeout.components
        let timeout = max(2, seconds + (attoseconds > 0 ? 1 : 0))
        // With expand_dbname, the URL in "dbname" is expanded in place: its settings override
        // the defaults before it and nothing comes after it.
        let settings: [(String, String)] = [
            ("connect_timeout", String(timeout)),
            ("client_encoding", "UTF8"),
            ("fallback_application_name", "beekeeper"),
            ("dbname", url),
        ]
        guard !url.utf8.contains(0) else { throw PostgresError(message: "connection URL contains a NUL byte") }
        let connection = withCStrings(settings.map(\.0)) { keywords in
            withCStrings(settings.map(\.1)) { values in
                PQconnectdbParams(keywords, values, 1)
            }
        }
        // PQconnectdbParams returns a connection object even on failure (only out of memory
        // gives nil), and that object must be finished either way.
        guard let connection else { throw PostgresError(message: "libpq could not allocate a connection") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = ConnectionString.redact(Self.errorMessage(connection), secrets: secrets)
            PQfinish(connection)
            throw PostgresError(message: message.isEmpty ? "connection failed" : message)
        }
        // Notices (e.g. "table does not exist, skipping") would otherwise go to stderr.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        self.serverVersion = Int(PQserverVersion(connection))
        self.connection = Mutex(connection)
    }

    deinit {
        self.connection.withLock { PQfinish($0) }
    }

    /// Runs one statement with `$1`, `$2`... parameters, all sent and received as text.
    /// A nil parameter is SQL NULL.
    public func query(_ sql: String, parameters: [String?] = []) throws(PostgresError) -> PostgresResult {
        guard !sql.utf8.contains(0), !parameters.contains(where: { $0?.utf8.contains(0) == true }) else {
            throw PostgresError(message: "SQL text and parameters must not contain NUL bytes")
        }
        return try self.connection.withLock { (connection) throws(PostgresError) -> PostgresResult in
            let result = withCStrings(parameters) { values in
                PQexecParams(connection, sql, Int32(parameters.count), nil, values, nil, nil, 0)
            }
            return try Self.consume(result, connection: connection)
        }
    }

    /// Runs SQL commands whose rows, if any, are not needed. Several statements separated by
    /// semicolons are allowed (they run in one implicit transaction); no parameters.
    public func execute(_ sql: String) throws(PostgresError) {
        guard !sql.utf8.contains(0) else { throw PostgresError(message: "SQL text must not contain NUL bytes") }
        try self.connection.withLock { (connection) throws(PostgresError) in
            _ = try Self.consume(PQexec(connection, sql), connection: connection)
        }
    }

    /// Copies a result's values out and clears it, exactly once, on every path.
    private static func consume(_ result: OpaquePointer?, connection: OpaquePointer) throws(PostgresError) -> PostgresResult {
        guard let result else {
            // nil means out of memory or a lost connection; the reason is on the connection.
            throw PostgresError(message: self.errorMessage(connection))
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return self.copy(result)
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            self.abandonCopy(connection)
            throw PostgresError(message: "COPY is not supported through this connection")
        default:
            let message = trimmed(PQresultErrorMessage(result).map { String(cString: $0) } ?? "")
            // PG_DIAG_SQLSTATE is the character 'C'.
            let sqlState = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            throw PostgresError(message: message.isEmpty ? self.errorMessage(connection) : message, sqlState: sqlState)
        }
    }

    private static func copy(_ result: OpaquePointer) -> PostgresResult {
        let columnCount = PQnfields(result)
        let rowCount = PQntuples(result)
        let columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
        var rows: [[String?]] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            rows.append((0..<columnCount).map { column in
                PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
            })
        }
        return PostgresResult(columns: columns, rows: rows)
    }

    /// Brings the connection out of COPY state so that it stays usable.
    private static func abandonCopy(_ connection: OpaquePointer) {
        _ = PQputCopyEnd(connection, "COPY is not supported by this client")
        var buffer: UnsafeMutablePointer<CChar>?
        while PQgetCopyData(connection, &buffer, 0) > 0 {
            PQfreemem(buffer)
            buffer = nil
        }
        while let pending = PQgetResult(connection) { PQclear(pending) }
    }

    private static func errorMessage(_ connection: OpaquePointer) -> String {
        trimmed(PQerrorMessage(connection).map { String(cString: $0) } ?? "")
    }
}

private func trimmed(_ text: String) -> String {
    var text = Substring(text)
    while let last = text.last, last.isWhitespace { text.removeLast() }
    return String(text)
}

/// Lends `strings` as a C array of NUL-terminated strings (nil stays NULL) with one extra NULL
/// entry at the end, as libpq's keyword/value arrays require (PQexecParams takes a count instead).
private func withCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { string in
        string.map { string in
            let utf8 = Array(string.utf8CString)
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: utf8.count)
            copy.initialize(from: utf8, count: utf8.count)
            return copy
        }
    }
    defer { copies.forEach { $0?.deallocate() } }
    let pointers = copies.map { $0.map { UnsafePointer($0) } } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    withCStrings(strings.map { Optional($0) }, body)
}
