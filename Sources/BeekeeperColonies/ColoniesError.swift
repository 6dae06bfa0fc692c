/// Everything a Colonies call can fail with. The cases say who failed: the network, the server
/// (with its own status and message), or a reply this client cannot read.
public enum ColoniesError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No HTTP answer: connection refused, DNS, TLS, timeout.
    case transport(String)
    /// The awaiting task was cancelled (shutdown); the call's outcome on the server is unknown.
    case cancelled
    /// The server's own error reply (`error: true`): its status and message, e.g.
    /// 403 "Access denied, not a member of Colony with name dev".
    case server(status: Int, message: String)
    /// An HTTP answer that is not a Colonies envelope (a proxy's error page, a wrong URL): the
    /// HTTP status and the start of the body.
    case unexpectedReply(status: Int, excerpt: String)
    /// A well-formed envelope whose payload is not what the call expects.
    case malformedReply(String)
    /// A private key that cannot be used; `file` names the key file it came from, if any.
    case invalidKey(file: String?, reason: String)
    /// The configured server is not an http:// or https:// URL.
    case invalidServerURL(String)

    public var description: String {
        switch self {
        case .transport(let message): "cannot reach the Colonies server: \(message)"
        case .cancelled: "Colonies call cancelled"
        case .server(let status, let message): "Colonies server answered \(status): \(message)"
        case .unexpectedReply(let status, let excerpt): "Colonies server answered HTTP \(status) with a body that is not a Colonies reply: \(excerpt)"
        case .malformedReply(let message): "malformed reply from the Colonies server: \(message)"
        case .invalidKey(let file?, let reason): "Colonies key file \(file): \(reason)"
        case .invalidKey(nil, let reason): "invalid Colonies key: \(reason)"
        case .invalidServerURL(let url): "Colonies server must be an http:// or https:// URL, got \"\(url)\""
        }
    }

    /// At most the first 200 bytes of a body, on one printable line, for error messages.
    static func excerpt(_ body: [UInt8]) -> String {
        let limit = 200
        let text = String(decoding: body.prefix(limit), as: UTF8.self)
        let printable = String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
        return body.count > limit ? printable + "…" : printable
    }
}
