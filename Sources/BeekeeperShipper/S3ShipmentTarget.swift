#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Curl
public import Logging

/// `s3://bucket/prefix/`: a SigV4-signed `PutObject` of `<prefix><segment file name>`, with the
/// body's SHA-256 signed as `x-amz-content-sha256` (S3 then rejects a body that does not match).
///
/// From the environment, as the AWS CLI and SDKs read it: credentials from `AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY` and optionally `AWS_SESSION_TOKEN`; the region from `AWS_REGION`, else
/// `AWS_DEFAULT_REGION`, else us-east-1; an endpoint override (MinIO, Ceph, LocalStack, a VPC
/// endpoint) from `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`. With an override, requests are
/// path-style (`<endpoint>/<bucket>/<key>`); without one, virtual-hosted
/// (`https://<bucket>.s3.<region>.amazonaws.com/<key>`), or path-style when the bucket name has a
/// dot (its name would not match the TLS certificate as a host name).
public struct S3ShipmentTarget: ShipmentTarget {
    public let bucket: String
    /// The key prefix, "" or ending in "/".
    public let prefix: String
    public let region: String
    /// The endpoint override, if any (`scheme://host[:port][/path]`, no trailing slash).
    public let endpoint: String?
    public let timeout: Duration
    private let signer: SigV4Signer
    private let logger: Logger

    /// - Throws: when the target is not `s3://bucket/prefix/`, credentials are missing, or the
    ///   endpoint override is not an http(s) URL.
    public init(target: String, environment: [String: String], timeout: Duration, logger: Logger) throws(ShipperConfigurationError) {
        guard target.lowercased().hasPrefix("s3://") else {
            throw ShipperConfigurationError(key: "shipper.target", message: "not an s3:// target: \(target)")
        }
        let rest = target.dropFirst("s3://".count)
        let bucket = String(rest.prefix(while: { $0 != "/" }))
        guard !bucket.isEmpty else { throw ShipperConfigurationError(key: "shipper.target", message: "an s3:// target needs a bucket, as in s3://bucket/prefix/") }
        var prefix = String(rest.dropFirst(bucket.count).drop(while: { $0 == "/" }))
        if !prefix.isEmpty, !prefix.hasSuffix("/") { prefix += "/" }
        let credentials = try AWSCredentials.fromEnvironment(environment)
        let region = [environment["AWS_REGION"], environment["AWS_DEFAULT_REGION"]].compactMap { $0?.trimmingWhitespace() }.first { !$0.isEmpty } ?? "us-east-1"
        var endpoint: String? = nil
        for name in ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"] {
            guard let value = environment[name]?.trimmingWhitespace(), !value.isEmpty else { continue }
            endpoint = try Self.validateEndpoint(value, variable: name)
            break
        }
        self.bucket = bucket
        self.prefix = prefix
        self.region = region
        self.endpoint = endpoint
        self.timeout = timeout
        self.signer = SigV4Signer(credentials: credentials, region: region)
        self.logger = logger
    }

    public var kind: String { "s3" }
    public var description: String { "s3://\(bucket)/\(prefix)" + (endpoint.map { " via \($0)" } ?? "") }

    /// Where the object `key` is PUT: the URL, the `Host` header as sent, and the encoded path (signed as is).
    func location(of key: String) -> (url: String, host: String, path: String) {
        let encodedKey = SigV4Signer.uriEncode(key, encodeSlash: false)
        if let endpoint {
            let schemeEnd = endpoint.firstRange(of: "://")!.upperBound
            let afterScheme = endpoint[schemeEnd...]
            let authority = String(afterScheme.prefix(while: { $0 != "/" }))
            let basePath = String(afterScheme.dropFirst(authority.count))
            let path = basePath + "/" + SigV4Signer.uriEncode(bucket, encodeSlash: true) + "/" + encodedKey
            let scheme = endpoint[..<schemeEnd].lowercased()
            return (String(endpoint[..<schemeEnd]) + authority + path, Self.hostHeader(authority, scheme: scheme), path)
        }
        if bucket.contains(".") {
            let host = "s3.\(region).amazonaws.com"
            let path = "/" + bucket + "/" + encodedKey
            return ("https://" + host + path, host, path)
        }
        let host = "\(bucket).s3.\(region).amazonaws.com"
        return ("https://" + host + "/" + encodedKey, host, "/" + encodedKey)
    }

    public func ship(_ shipment: Shipment) async throws(ShipmentError) {
        let key = prefix + shipment.fileName
        let (url, host, path) = location(of: key)
        let signed = signer.sign(
            method: "PUT", path: path, headers: [("Host", host), ("Content-Type", "application/gzip")],
            payloadSHA256: shipment.sha256, date: Date())
        let request = HTTPClientRequest(
            method: "PUT", url: url, headers: signed.headers + [("User-Agent", HTTPShipmentTarget.userAgent)],
            bodyFile: shipment.path, timeout: timeout, connectTimeout: min(timeout, .seconds(10)))
        let response = try await HTTPShipmentTarget.perform(request)
        guard (200...299).contains(response.status) else {
            // S3 explains refusals in XML: <Error><Code>SignatureDoesNotMatch</Code><Message>...</Message>...
            if let code = Self.element("Code", in: response.body) {
                let message = Self.element("Message", in: response.body).map { ": \($0)" } ?? ""
                throw .rejected(status: response.status, detail: HTTPShipmentTarget.excerpt(Array((code + message).utf8)))
            }
            try HTTPShipmentTarget.acknowledge(response)
            return
        }
        logger.debug("S3 PutObject acknowledged", metadata: ["key": "\(key)", "status": "\(response.status)"])
    }

    // MARK: Helpers

    static func validateEndpoint(_ value: String, variable: String) throws(ShipperConfigurationError) -> String {
        let lowered = value.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else {
            throw ShipperConfigurationError(key: variable, message: "expected an http:// or https:// URL, found \(value)")
        }
        var endpoint = value
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        let afterScheme = endpoint[endpoint.firstRange(of: "://")!.upperBound...]
        let authority = afterScheme.prefix(while: { $0 != "/" })
        guard !authority.isEmpty, !authority.contains("@"), !endpoint.contains("?"), !endpoint.contains("#"),
            !endpoint.contains(where: { $0.isWhitespace })
        else {
            throw ShipperConfigurationError(key: variable, message: "expected scheme://host[:port][/path] without user info, query or spaces, found \(value)")
        }
        return endpoint
    }

    /// `host[:port]` as curl sends it in `Host`: without the scheme's default port.
    static func hostHeader(_ authority: String, scheme: String) -> String {
        let defaultPort = scheme.hasPrefix("https") ? ":443" : ":80"
        return authority.hasSuffix(defaultPort) ? String(authority.dropLast(defaultPort.count)) : authority
    }

    /// The text of the first `<name>...</name>` in an XML body (S3 error documents are flat).
    static func element(_ name: String, in body: [UInt8]) -> String? {
        let text = String(decoding: body.prefix(64 * 1024), as: UTF8.self)
        guard let open = text.firstRange(of: "<\(name)>"), let close = text[open.upperBound...].firstRange(of: "</\(name)>") else {
            return nil
        }
        return String(text[open.upperBound..<close.lowerBound])
    }
}
