import BeekeeperCore
import Curl
import Foundation
import Testing

/// `log.format` (SPEC section 13): whatever is logged, one event is one line. A backup to a
/// database that refuses connections logs libpq's two-line error.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct LogFormatTests {
    /// A sidecar whose one database refuses connections (port 1), with the log section given.
    static func sidecar(log: String) async throws -> SidecarProcess {
        // The harness asks for debug through BEEKEEPER_LOG_LEVEL, which wins over the file.
        try await SidecarProcess(config: { key, dataDir in
            SidecarProcess.standardConfig(keyHex: key, dataDir: dataDir, extra: """
                log: \(log)
                backup:
                  databases: [{name: refused, url: "postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=2"}]
                """)
        }, environment: ["BEEKEEPER_LOG_LEVEL": "info"])
    }

    /// Runs the failing backup and waits until its error is in the log.
    static func failBackup(_ sidecar: SidecarProcess) async throws {
        let response = try await sidecar.post("/v1/backups", body: Array("{}".utf8))
        #expect(response.status == 502)
        let deadline = ContinuousClock.now + .seconds(20)
        while !sidecar.log.contains("backup failed"), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
    }

    @Test func jsonLogsAreOneObjectPerLineEvenForMultiLineErrors() async throws {
        let sidecar = try await Self.sidecar(log: "{format: json, level: info}")
        try await Self.failBackup(sidecar)
        #expect(try await sidecar.terminate() == 0)
        let lines = sidecar.log.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count > 3)
        var sawMultiLineValue = false
        for line in lines {
            let object = try? JSONValue.parse(Array(line.utf8))
            #expect(object?["ts"]?.stringValue?.hasSuffix("Z") == true, "not a JSON log line: \(line)")
            #expect(object?["level"]?.stringValue != nil && object?["msg"]?.stringValue != nil, "\(line)")
            if object?["msg"] == "backup failed" {
                #expect(object?["database"] == "refused")
                sawMultiLineValue = sawMultiLineValue || object?["error"]?.stringValue?.contains("\n") == true
            }
        }
        // The test is only worth something if an error really spanned lines.
        #expect(sawMultiLineValue, "\(sidecar.log)")
        // info: no debug lines.
        #expect(!lines.contains { $0.contains(#""level":"debug""#) })
    }

    @Test func textLogsEscapeNewlines() async throws {
        let sidecar = try await Self.sidecar(log: "{format: text, level: info}")
        try await Self.failBackup(sidecar)
        #expect(try await sidecar.terminate() == 0)
        let lines = sidecar.log.split(separator: "\n").map(String.init)
        let failure = try #require(lines.first { $0.contains("backup failed") })
        #expect(failure.contains(#"\n"#))
        // Every line is an event of its own: it starts with the timestamp.
        for line in lines {
            #expect(line.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z "#, options: .regularExpression) != nil, "\(line)")
        }
    }
}
