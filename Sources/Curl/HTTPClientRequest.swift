/// One HTTP request for `Curl.perform` / `Curl.execute`.
public struct HTTPClientRequest: Sendable {
    /// e.g. "GET", "PUT", "POST", "DELETE", "HEAD".
    public var method: String
    /// An `http://` or `https://` URL; other schemes are refused.
    public var url: String
    /// Sent in order. An empty value is sent as an empty header, not dropped.
    public var headers: [(String, String)]
    /// Request body held in memory. At most one of `body` and `bodyFile` may be set.
    public var body: [UInt8]?
    /// Path of a file streamed as the request body (read in chunks, never loaded whole).
    public var bodyFile: String?
    /// Limit for the whole request, connection included.
    public var timeout: Duration
    /// Limit for establishing the connection (TCP and TLS).
    public var connectTimeout: Duration

    public init(
        method: String = "GET",
        url: String,
        headers: [(String, String)] = [],
        body: [UInt8]? = nil,
        bodyFile: String? = nil,
        timeout: Duration = .seconds(60),
        connectTimeout: Duration = .seconds(10)
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.bodyFile = bodyFile
        self.timeout = timeout
        self.connectTimeout = connectTimeout
    }
}
