import BeekeeperCore

/// A JSON answer before it becomes a Hummingbird `Response`: status, body, extra headers.
struct HTTPAnswer: Sendable {
    var status: Int
    var body: JSONValue
    var headers: [(String, String)] = []

    init(status: Int, body: JSONValue, headers: [(String, String)] = []) {
        self.status = status
        self.body = body
        self.headers = headers
    }

    init(_ error: APIError) {
        self.init(status: error.status, body: error.body, headers: error.headers)
    }
}
