/// A request that did not produce an HTTP response: connection, TLS, timeout, body limits...
public struct CurlError: Error, CustomStringConvertible, Sendable {
    /// libcurl's `CURLcode` (e.g. 7 = could not connect, 28 = timed out).
    public var code: Int
    /// `curl_easy_strerror` text, followed by libcurl's detailed error buffer when it has one.
    public var message: String

    public init(code: Int, message: String) {
        self.code = code
        self.message = message
    }

    /// The request or its connection attempt ran out of time (`CURLE_OPERATION_TIMEDOUT`).
    public var isTimeout: Bool { self.code == 28 }

    /// The async task awaiting the request was cancelled (`CURLE_ABORTED_BY_CALLBACK`).
    public var isCancelled: Bool { self.code == 42 }

    public var description: String { "curl error \(self.code): \(self.message)" }
}
