import BeekeeperCore
import Curl
import Foundation

/// A real Prometheus server (Debian's `prometheus`) in a scratch directory, scraping the given
/// targets every second and evaluating the repository's rules every second.
final class PrometheusServer: @unchecked Sendable {
    static let binary: String? = Requirements.which("prometheus")

    let directory: String
    let process = Process()
    let port: Int
    var baseURL: String { "http://127.0.0.1:\(port)" }
    var logPath: String { directory + "/prometheus.log" }

    init(targets: [String], ruleFiles: [String]) async throws {
        guard let binary = Self.binary else { throw HarnessError("prometheus is not installed (Debian package prometheus)") }
        directory = NSTemporaryDirectory() + "beekeeper-prom-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        let config = """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            rule_files: [\(ruleFiles.map { "\"\($0)\"" }.joined(separator: ", "))]
            scrape_configs:
              - job_name: beekeeper
                static_configs:
                  - targets: [\(targets.map { "\"\($0)\"" }.joined(separator: ", "))]
            """
        try config.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        // Prometheus cannot report a port it picked itself: take a free one and hand it over.
        port = try PrometheusServer.freePort()
        _ = FileManager.default.createFile(atPath: directory + "/prometheus.log", contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/prometheus.log"))
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
            "--web.listen-address=127.0.0.1:\(port)", "--web.enable-lifecycle",
        ]
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let ready = try? await Curl.execute(HTTPClientRequest(method: "GET", url: baseURL + "/-/ready", timeout: .seconds(2))), ready.status == 200 {
                return
            }
            guard process.isRunning else { throw HarnessError("prometheus exited with \(process.terminationStatus):\n\(self.log)") }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw HarnessError("prometheus not ready within 60s:\n\(log)")
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        if ProcessInfo.processInfo.environment["BEEKEEPER_TEST_KEEP_DIRS"] == nil {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// `GET /api/v1/<path>`; the `data` member of a successful answer, or an error with Prometheus's message.
    func api(_ path: String, query: [(String, String)] = []) async throws -> JSONValue {
        var components = URLComponents(string: baseURL + "/api/v1/" + path)!
        if !query.isEmpty { components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        // URLComponents leaves '+' alone, which a query decoder reads as a space.
        let url = components.url!.absoluteString.replacingOccurrences(of: "+", with: "%2B")
        let response = try await Curl.execute(HTTPClientRequest(method: "GET", url: url, timeout: .seconds(10)))
        let body = try JSONValue.parse(response.body)
        guard response.status == 200, body["status"]?.stringValue == "success", let data = body["data"] else {
            throw HarnessError("prometheus \(path) answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
        }
        return data
    }

    /// An instant query's result vector.
    func query(_ expression: String) async throws -> [JSONValue] {
        let data = try await api("query", query: [("query", expression)])
        guard case .array(let result)? = data["result"] else { throw HarnessError("no result vector for \(expression): \(data.serialized())") }
        return result
    }

    static func freePort() throws -> Int { try ShipperHarness.freePort() }
}
