import Curl

/// Loopback GETs for readiness checks and metrics outside the timed windows, over the project's
/// libcurl client.
enum LocalHTTP {
    /// Status and body, or nil when the port does not answer.
    static func get(port: Int, path: String) -> (status: Int, body: String)? {
        guard let response = try? Curl.perform(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)", timeout: .seconds(10))) else {
            return nil
        }
        return (response.status, String(decoding: response.body, as: UTF8.self))
    }

    /// The value of one sample line (`name{labels} value`) of a Prometheus text body.
    static func sample(_ body: String, _ series: String) -> Double? {
        for line in body.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1).split(separator: " ").first ?? "")
        }
        return nil
    }
}
