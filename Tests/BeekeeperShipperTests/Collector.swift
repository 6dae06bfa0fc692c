import BeekeeperCore
import Curl
import Foundation
import Testing

/// The fault-injecting collector (Tests/BeekeeperIntegrationTests/Tools/collector.py) in a child process.
final class Collector {
    let root: String
    let process = Process()
    let port: Int
    private let scratch: ScratchDirectory

    init(actions: [String] = [], hangSeconds: Double = 30, sigv4: (accessKey: String, secret: String, token: String?)? = nil) throws {
        guard let python = Requirements.python else { throw TestFailure("python3 is required (CI=true)") }
        scratch = try ScratchDirectory("collector")
        root = scratch.path + "/root"
        var arguments = [Requirements.collectorScript, "--root", root, "--hang-seconds", String(hangSeconds)]
        if !actions.isEmpty { arguments += ["--actions", actions.joined(separator: ",")] }
        if let sigv4 {
            arguments += ["--sigv4-access-key", sigv4.accessKey, "--sigv4-secret", sigv4.secret]
            if let token = sigv4.token { arguments += ["--sigv4-token", token] }
        }
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        let log = scratch.path + "/collector.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try process.run()
        // The first line is "LISTENING <port>".
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line += byte }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("LISTENING "), let port = Int(text.dropFirst("LISTENING ".count)) else {
            process.terminate()
            throw TestFailure("collector did not start: \(text) \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        }
        self.port = port
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// GET /_control/stats, parsed.
    func stats() throws -> JSONValue {
        let response = try Curl.perform(HTTPClientRequest(url: baseURL + "/_control/stats", timeout: .seconds(10)))
        guard response.status == 200 else { throw TestFailure("collector stats: HTTP \(response.status)") }
        return try JSONValue.parse(response.body)
    }

    /// The actions taken for each PUT, in order.
    func actions() throws -> [String] {
        (try stats()["puts"]?.arrayValue ?? []).compactMap { $0["action"]?.stringValue }
    }

    /// Bytes of a stored object, by path below the root.
    func object(_ relativePath: String) -> [UInt8]? {
        FileManager.default.contents(atPath: root + "/" + relativePath).map(Array.init)
    }
}
