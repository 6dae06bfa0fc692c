import BeekeeperConfig
import Curl
public import Logging

/// `http(s)://host/path/`: `PUT <target><segment file name>` with the file streamed as the body,
/// `Content-Type: application/gzip` and `X-Beekeeper-SHA256: <hex of the body>`.
///
/// Only a 2xx acknowledges. Redirects are not followed (a collector that moved must be
/// reconfigured, not discovered: a redirect could send the log to another host), so a 3xx is a
/// failure like any other status. User info in the URL is sent as HTTP Basic authentication.
public struct HTTPShipmentTarget: ShipmentTarget {
    /// The target URL, ending in "/".
    public let baseURL: String
    public let timeout: Duration
    private let logger: Logger

    public init(baseURL: String, timeout: Duration, logger: Logger) {
        self.baseURL = baseURL
        self.timeout = timeout
        self.logger = logger
    }

    public var kind: String { baseURL.lowercased().hasPrefix("https:") ? "https" : "http" }
    public var description: String { URLRedaction.redact(baseURL, hideLoneUser: true) }

    public func ship(_ shipment: Shipment) async throws(ShipmentError) {
        let request = HTTPClientRequest(
            method: "PUT", url: baseURL + shipment.fileName,
            headers: [
                ("Content-Type", "application/gzip"), ("X-Beekeeper-SHA256", shipment.sha256),
                ("User-Agent", Self.userAgent),
            ],
            bodyFile: shipment.path, timeout: timeout, connectTimeout: min(timeout, .seconds(10)))
        let response = try await Self.perform(request)
        try Self.acknowledge(response)
        logger.debug("collector acknowledged", metadata: ["segment": "\(shipment.fileName)", "status": "\(response.status)"])
    }

    static let userAgent = "beekeeper-shipper"
    /// Enough of any answer to explain a refusal; a collector has no reason to send more.
    static let maxResponseBytes = 1 << 20

    /// Runs `request`, mapping libcurl's failures to shipment errors.
    static func perform(_ request: HTTPClientRequest) async throws(ShipmentError) -> HTTPClientResponse {
        do {
            return try await Curl.execute(request, maxResponseBytes: maxResponseBytes)
        } catch {
            if error.isCancelled { throw .cancelled }
            throw .transport(code: error.code, message: error.message)
        }
    }

    /// A 2xx is an acknowledgement; anything else is a refusal explained by a short excerpt.
    static func acknowledge(_ response: HTTPClientResponse) throws(ShipmentError) {
        guard !(200...299).contains(response.status) else { return }
        var detail = excerpt(response.body)
        if (300...399).contains(response.status) {
            let location = response.header("Location").map { " to \(excerpt(Array($0.utf8)))" } ?? ""
            detail = "redirect\(location) not followed (point shipper.target at the final URL)"
        }
        throw .rejected(status: response.status, detail: detail)
    }

    /// The first 200 characters of a body, control characters replaced, on one line.
    static func excerpt(_ body: [UInt8], limit: Int = 200) -> String {
        let text = String(decoding: body.prefix(limit * 4), as: UTF8.self)
        var result = ""
        for character in text {
            if result.count >= limit {
                result += "…"
                break
            }
            result.append(character.isNewline || character.asciiValue.map { $0 < 0x20 || $0 == 0x7F } == true ? " " : character)
        }
        return result.trimmingSpaces()
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while scalars.first == " " { scalars.removeFirst() }
        while scalars.last == " " { scalars.removeLast() }
        return String(scalars)
    }
}
