import BeekeeperCore
import HTTPTypes
import NIOCore
import NIOHTTP1

/// The SPEC error body for an answer the framework made without one.
struct EdgeErrorAnswer {
    var status: Int
    var body: String

    init(status: Int, parseError: (any Error)?) {
        let code: String
        let message: String
        switch (status, parseError as? HTTPParserError) {
        case (400, .headerOverflow?):
            self.status = 431
            code = "header_too_large"
            message = "the request's header fields exceed http.max_header_bytes"
        case (400, let error?):
            self.status = 400
            code = "malformed_request"
            message = "the request is not valid HTTP/1.1 (\(error))"
        case (400, nil):
            self.status = 400
            code = "malformed_request"
            message = "the request is not valid HTTP/1.1"
        case (404, _):
            self.status = 404
            code = "not_found"
            message = "no such route"
        case (405, _):
            self.status = 405
            code = "method_not_allowed"
            message = "the route does not take this method"
        default:
            self.status = status
            code = status >= 500 ? "internal_error" : "http_\(status)"
            message = HTTPResponse.Status(code: status).reasonPhrase
        }
        let value: JSONValue = ["error": ["code": .string(code), "message": .string(message)]]
        body = value.serialized() + "\n"
    }

    /// The raw answer for a connection over `http.max_connections`, written before any HTTP is parsed.
    static func overCapacity(allocator: ByteBufferAllocator) -> ByteBuffer {
        let value: JSONValue = ["error": ["code": "too_many_connections", "message": "the sidecar holds http.max_connections connections; retry later"]]
        let body = value.serialized() + "\n"
        return allocator.buffer(string: "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
            + "Content-Length: \(body.utf8.count)\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" + body)
    }
}
