import Foundation

/// A real `beekeeper audit serve` process: the review pages over a directory, on an address of
/// the test's choosing; the bound port is read from its log line.
final class AuditServeProcess: @unchecked Sendable {
    let process = Process()
    let logPath: String
    private(set) var port = 0
    let host: String

    init(arguments: [String], host: String = "127.0.0.1", directory: String) async throws {
        self.host = host
        logPath = directory + "/audit-serve-\(UUID().uuidString.prefix(6)).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: SidecarProcess.binary)
        process.arguments = ["audit", "serve", "--listen", (host.contains(":") ? "[\(host)]" : host) + ":0"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BEEKEEPER_") }
        let log = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"address=\S+:(\d+)"#, options: .regularExpression),
                let port = Int(text[range].split(separator: ":").last ?? "")
            {
                self.port = port
                return
            }
            if !process.isRunning { throw HarnessError("audit serve exited with \(process.terminationStatus):\n\(text)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError("audit serve did not listen within 60s")
    }

    var baseURL: String { "http://\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit { stop() }
}
