/// A failed connection, statement or query.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// libpq's message, with any password from the connection URL replaced by `***`.
    public var message: String
    /// The five-character SQLSTATE for server-reported errors (e.g. "42601" syntax error,
    /// "42P01" undefined table); nil for client-side failures such as a refused connection.
    public var sqlState: String?

    public init(message: String, sqlState: String? = nil) {
        self.message = message
        self.sqlState = sqlState
    }

    public var description: String {
        if let sqlState { return "\(self.message) (SQLSTATE \(sqlState))" }
        return self.message
    }
}
