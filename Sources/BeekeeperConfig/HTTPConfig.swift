/// `http`: the limits the HTTP edge enforces before any handler runs, so that a client without a
/// key can hold neither descriptors nor memory (issue 13). SPEC section 3 is silent on them; every
/// key has a default that a legitimate client never meets.
public struct HTTPConfig: Sendable, Equatable {
    /// Request line plus header fields; beyond it the answer is 431 and the connection closes.
    public var maxHeaderBytes: Int = 16 * 1024
    /// From a request's first byte to the end of its header fields.
    public var headerTimeout: Duration = .seconds(10)
    /// A body must arrive at `body_min_rate` bytes per second, measured over each `body_timeout`.
    public var bodyTimeout: Duration = .seconds(10)
    public var bodyMinRate: Int = 1024
    /// A keep-alive connection with no request in progress is closed after this long.
    public var idleTimeout: Duration = .seconds(60)
    /// Connections open at once; beyond it a new one gets 503 and is closed.
    public var maxConnections: Int = 1024
    /// Request body bytes being read at once across every connection; beyond it 503 with Retry-After.
    public var maxBodyBytesInFlight: Int = 32 * 1024 * 1024
    /// After an answer that closes the connection, unread input is discarded for at most this long
    /// (and at most `linger_bytes`), so the client sees the answer rather than a reset.
    public var linger: Duration = .seconds(2)
    public var lingerBytes: Int = 4 * 1024 * 1024
    /// On SIGTERM, connections still uploading a request get this long before they are closed.
    public var shutdownGrace: Duration = .seconds(5)
    /// Repeated `auth.denied` for one reason and source are audited once per interval, with a
    /// count; 0s records every denial.
    public var deniedAuditInterval: Duration = .seconds(10)
    public init() {}
}
