/// A complete HTTP response. Any status, 4xx and 5xx included, is a response, not an error.
public struct HTTPClientResponse: Sendable {
    public var status: Int
    /// Header fields of the final response, in order received.
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return self.headers.first { $0.0.lowercased() == wanted }?.1
    }
}
