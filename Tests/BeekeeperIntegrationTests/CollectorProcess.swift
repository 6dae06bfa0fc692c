import BeekeeperCore
import Curl
import Foundation

/// The fault-injecting collector (Tools/collector.py) in a child process: stores PUT bodies under
/// `root`, checks X-Beekeeper-SHA256 (and SigV4 when asked), and takes queued faults.
final class CollectorProcess: @unchecked Sendable {
    static let script = SidecarProcess.packageRoot + "/Tests/BeekeeperIntegrationTests/Tools/collector.py"

    let directory: String
    var root: String { directory + "/root" }
    let process = Process()
    let port: Int

    /// - Parameters:
    ///   - port: a fixed port (a collector that "comes up" where the sidecar already points), else any.
    ///   - sigv4: check SigV4 signatures with this key (botocore).
    init(
        port: Int = 0, directory: String? = nil, actions: [String] = [], hangSeconds: Double = 30,
        sigv4: (accessKey: String, secret: String)? = nil
    ) throws {
        self.directory = directory ?? NSTemporaryDirectory() + "beekeeper-collector-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
        var arguments = [Self.script, "--root", self.directory + "/root", "--port", String(port), "--hang-seconds", String(hangSeconds)]
        if !actions.isEmpty { arguments += ["--actions", actions.joined(separator: ",")] }
        if let sigv4 { arguments += ["--sigv4-access-key", sigv4.accessKey, "--sigv4-secret", sigv4.secret] }
        process.executableURL = URL(fileURLWithPath: SidecarProcess.python)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        let log = self.directory + "/collector.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try process.run()
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line += byte }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("LISTENING "), let bound = Int(text.dropFirst("LISTENING ".count)) else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            throw HarnessError("collector did not start: \(text)\n\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        }
        self.port = bound
    }

    deinit {
        stop()
        if ProcessInfo.processInfo.environment["BEEKEEPER_TEST_KEEP_DIRS"] == nil { try? FileManager.default.removeItem(atPath: directory) }
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    func stats() throws -> JSONValue {
        let response = try Curl.perform(HTTPClientRequest(url: baseURL + "/_control/stats", timeout: .seconds(10)))
        guard response.status == 200 else { throw HarnessError("collector stats: HTTP \(response.status)") }
        return try JSONValue.parse(response.body)
    }

    /// Queues faults for the next PUTs.
    func enqueue(_ actions: [String]) throws {
        let body = JSONValue.array(actions.map { .string($0) }).bytes
        let response = try Curl.perform(HTTPClientRequest(method: "POST", url: baseURL + "/_control/actions", body: body, timeout: .seconds(10)))
        guard response.status == 200 else { throw HarnessError("collector actions: HTTP \(response.status)") }
    }

    /// Names first stored, in order, below `prefix` (e.g. "audit/").
    func order(under prefix: String) throws -> [String] {
        (try stats()["order"]?.arrayValue ?? []).compactMap { $0.stringValue }.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }
}
