import BeekeeperCore
import Curl
import Foundation
import Testing

@Suite(.serialized, .timeLimit(.minutes(2)))
struct HTTPEdgeTests {
    @Test func chunkedOversizedBodyIs413BeforeItIsAllSent() async throws {
        let sidecar = try await SidecarProcess()
        // 64 KiB limit (standardConfig); offer 32 MiB without a Content-Length.
        let script = SidecarProcess.packageRoot + "/Tests/BeekeeperIntegrationTests/Tools/chunked_post.py"
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: SidecarProcess.python)
        // Signed headers (over an empty body, so the signature is wrong): they pass the checks made
        // before the body is read, and only then is the body read, up to the limit.
        let signed = sidecar.signedHeaders(path: "/v1/tasks", body: []).filter { $0.0 != "Content-Type" }.map { "\($0.0): \($0.1)" }
        probe.arguments = [script, String(sidecar.port), "/v1/tasks", String(32 << 20)] + signed
        let pipe = Pipe()
        probe.standardOutput = pipe
        try probe.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        probe.waitUntilExit()
        let parts = output.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(parts.first == "413", "answer: \(output)")
        let sent = Int(parts.last ?? "") ?? Int.max
        #expect(sent < 32 << 20, "the client could send the whole body before the answer")
        // The sidecar still serves.
        #expect(try await sidecar.submit(["funcname": "echo"]).status == 200)
    }

    @Test func readinessNamesAWorkerBeeWithoutLiveWorkers() async throws {
        let sidecar = try await SidecarProcess(config: { key, data in
            """
            data_dir: \(data)
            listen: 127.0.0.1:0
            auth: {keys: {ops: \(key)}}
            bees:
              - name: broken
                funcnames: [nothing]
                kind: worker
                command: [/nonexistent/bee]
                concurrency: 1
            """
        })
        #expect(try await sidecar.get("/healthz").status == 200)
        var readiness = try await sidecar.get("/readyz")
        let deadline = ContinuousClock.now + .seconds(10)
        while readiness.status == 200, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            readiness = try await sidecar.get("/readyz")
        }
        #expect(readiness.status == 503)
        let body = try JSONValue.parse(readiness.body)
        #expect(body["status"] == "not_ready")
        #expect(body.value(atPath: "reasons.0.component") == "bee:broken")
    }

    @Test func unknownRoutesAnd404sAreCountedUnderOneLabel() async throws {
        let sidecar = try await SidecarProcess()
        for path in ["/nope", "/v1/nope", "/etc/passwd"] {
            #expect(try await sidecar.get(path).status == 404)
        }
        let text = String(decoding: try await sidecar.get("/metrics").body, as: UTF8.self)
        #expect(text.contains(#"beekeeper_http_requests_total{handler="unmatched",code="404"} 3"#))
        #expect(!text.contains("/etc/passwd"))
    }
}
