#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Sodium

/// AWS Signature Version 4 in the `Authorization` header, for a payload hashed in advance
/// (`x-amz-content-sha256` is the hex SHA-256 of the body, never `UNSIGNED-PAYLOAD`), as
/// described in "Signature Calculations for the Authorization Header: Transferring Payload in a
/// Single Chunk", https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
public struct SigV4Signer: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    public var service: String

    public init(credentials: AWSCredentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// A signed request: the headers to send and the intermediate strings (for tests and debugging).
    public struct SignedRequest: Sendable {
        /// The caller's headers plus `x-amz-content-sha256`, `x-amz-date`, `x-amz-security-token`
        /// (with temporary credentials) and `Authorization`.
        public var headers: [(String, String)]
        public var canonicalRequest: String
        public var stringToSign: String
        /// 64 lower-case hex characters.
        public var signature: String
        public var authorization: String
    }

    /// Signs a request. Every header given is signed, so give exactly those the request will
    /// carry, `Host` included (as sent: `host[:port]`, the port only when not the scheme's default).
    /// - Parameters:
    ///   - path: the URI-encoded path as sent (encode keys with `uriEncode(_:encodeSlash: false)`).
    ///   - query: decoded query parameters; they are encoded and sorted here.
    ///   - payloadSHA256: lower-case hex SHA-256 of the body (of the empty string when there is none).
    public func sign(
        method: String, path: String, query: [(String, String)] = [], headers: [(String, String)], payloadSHA256: String, date: Date
    ) -> SignedRequest {
        let timestamp = Self.timestamp(date)
        let day = String(timestamp.prefix(8))
        var all = headers
        func add(_ name: String, _ value: String) {
            if !all.contains(where: { $0.0.lowercased() == name }) { all.append((name, value)) }
        }
        add("x-amz-content-sha256", payloadSHA256)
        add("x-amz-date", timestamp)
        if let token = credentials.sessionToken { add("x-amz-security-token", token) }

        // Canonical headers: lower-case names, sorted; repeated names joined with commas in order;
        // values trimmed with inner runs of spaces collapsed.
        var values: [String: [String]] = [:]
        for (name, value) in all { values[name.lowercased(), default: []].append(Self.trimAll(value)) }
        let names = values.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let canonicalHeaders = names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let canonicalQuery = query
            .map { (Self.uriEncode($0.0, encodeSlash: true), Self.uriEncode($0.1, encodeSlash: true)) }
            .sorted { $0.0 == $1.0 ? Array($0.1.utf8).lexicographicallyPrecedes(Array($1.1.utf8)) : Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
        let canonicalRequest = [method, path, canonicalQuery, canonicalHeaders, signedHeaders, payloadSHA256].joined(separator: "\n")

        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", timestamp, scope, Hex.encode(SHA256.hash(canonicalRequest))].joined(separator: "\n")
        let dateKey = HMACSHA256.authenticate(day, key: Array("AWS4\(credentials.secretAccessKey)".utf8))
        let regionKey = HMACSHA256.authenticate(region, key: dateKey)
        let serviceKey = HMACSHA256.authenticate(service, key: regionKey)
        let signingKey = HMACSHA256.authenticate("aws4_request", key: serviceKey)
        let signature = Hex.encode(HMACSHA256.authenticate(stringToSign, key: signingKey))
        let authorization = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope),SignedHeaders=\(signedHeaders),Signature=\(signature)"
        return SignedRequest(
            headers: all + [("Authorization", authorization)], canonicalRequest: canonicalRequest, stringToSign: stringToSign,
            signature: signature, authorization: authorization)
    }

    /// `YYYYMMDD'T'HHMMSS'Z'` in UTC, the `x-amz-date` format.
    public static func timestamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))T\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z"
    }

    /// SigV4's URI encoding: every byte but the unreserved `A-Z a-z 0-9 - _ . ~` as `%XX`
    /// (upper-case hex), and `/` too unless it separates path segments.
    public static func uriEncode(_ text: String, encodeSlash: Bool) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var result: [UInt8] = []
        result.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                result.append(byte)
            case UInt8(ascii: "/") where !encodeSlash:
                result.append(byte)
            default:
                result += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// Trims a header value and collapses each inner run of whitespace into one space.
    static func trimAll(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
    }
}
