import BeekeeperCore

/// An HTTP error answer: every error body is `{"error":{"code":"...","message":"..."}}`.
struct APIError: Error, Sendable {
    var status: Int
    var code: String
    var message: String
    var retryAfterSeconds: Int? = nil

    /// `Retry-After` when the caller should come back later.
    var headers: [(String, String)] {
        retryAfterSeconds.map { [("Retry-After", String($0))] } ?? []
    }

    var body: JSONValue {
        ["error": ["code": .string(code), "message": .string(message)]]
    }

    static func tooDeep(_ message: String) -> APIError { APIError(status: 422, code: "too_deep", message: message) }
    static func badRequest(_ message: String) -> APIError { APIError(status: 400, code: "malformed_request", message: message) }
    static func unauthorized(code: String, _ message: String) -> APIError { APIError(status: 401, code: code, message: message) }
    static func unsupportedMediaType(_ message: String) -> APIError { APIError(status: 415, code: "unsupported_media_type", message: message) }
    static func payloadTooLarge(limit: Int) -> APIError {
        APIError(status: 413, code: "payload_too_large", message: "request body exceeds guardian.max_payload_bytes (\(limit) bytes)")
    }
    static func rateLimited(key: String, retryAfter: Int) -> APIError {
        APIError(status: 429, code: "rate_limited", message: "key \"\(key)\" is over auth.rate_limit", retryAfterSeconds: retryAfter)
    }
    static func unavailable(code: String, _ message: String, retryAfter: Int) -> APIError {
        APIError(status: 503, code: code, message: message, retryAfterSeconds: retryAfter)
    }
}
