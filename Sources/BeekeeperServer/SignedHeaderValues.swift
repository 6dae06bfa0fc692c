import BeekeeperAuth
import HTTPTypes

/// The values of the four signing headers (SPEC section 4), each looked up once per request.
///
/// The verifier asks for each of them twice (before the body is read and after), and every
/// `HTTPFields` lookup walks the fields and joins the values of repeated ones; the names are
/// made once, since building an `HTTPField.Name` from a String validates and lowercases it.
/// A value is exactly what `headers[name]` gives (repeated fields joined by ", "), see
/// ``HTTPFields/combinedValue(_:)``.
struct SignedHeaderValues {
    static let keyName = HTTPField.Name(SignedRequest.keyHeader)!
    static let timestampName = HTTPField.Name(SignedRequest.timestampHeader)!
    static let nonceName = HTTPField.Name(SignedRequest.nonceHeader)!
    static let signatureName = HTTPField.Name(SignedRequest.signatureHeader)!

    let headers: HTTPFields
    let key: String?
    let timestamp: String?
    let nonce: String?
    let signature: String?

    init(_ headers: HTTPFields) {
        self.headers = headers
        key = headers.combinedValue(Self.keyName)
        timestamp = headers.combinedValue(Self.timestampName)
        nonce = headers.combinedValue(Self.nonceName)
        signature = headers.combinedValue(Self.signatureName)
    }

    /// The value of header `name` (case-insensitive, as ``RequestVerifier`` asks for it).
    func value(of name: String) -> String? {
        switch name {
        case SignedRequest.keyHeader: return key
        case SignedRequest.timestampHeader: return timestamp
        case SignedRequest.nonceHeader: return nonce
        case SignedRequest.signatureHeader: return signature
        default: return HTTPField.Name(name).flatMap { headers.combinedValue($0) }
        }
    }
}
