import BeekeeperCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Sodium
import Testing

/// Routes in process: request to submission, pipeline, outcome to response (SPEC section 4).
@Suite("HTTP routes in process", .serialized)
struct TaskRouteTests {
    @Test("POST /v1/tasks: outcomes map to 200, 422, 502; a repeated id is a replay, a reused one 409")
    func outcomes() async throws {
        let fixture = try await RouteFixture.make()
        try await fixture.test { client in
            let ok = try await RouteFixture.signedPost(client, "/v1/tasks", #"{"id":"r-1","funcname":"echo","args":[7]}"#)
            #expect(ok.status == .ok)
            #expect(ok.json?["outcome"] == "succeeded")
            #expect(ok.json?["result"]?["args"] == [7])

            let blocked = try await RouteFixture.signedPost(client, "/v1/tasks", #"{"funcname":"echo","args":["rm -rf /"]}"#)
            #expect(blocked.status.code == 422)
            #expect(blocked.json?["reason"]?.stringValue?.hasPrefix("pattern:") == true)

            let failed = try await RouteFixture.signedPost(client, "/v1/tasks", #"{"funcname":"fail"}"#)
            #expect(failed.status.code == 502)
            #expect(failed.json?["error"]?["message"]?.stringValue?.contains("the ledger is closed") == true)

            let replay = try await RouteFixture.signedPost(client, "/v1/tasks", #"{"id":"r-1","funcname":"echo","args":[7]}"#)
            #expect(replay.status == .ok)
            #expect(replay.headers[HTTPField.Name("Idempotent-Replay")!] == "true")
            #expect(replay.json?["result"]?["args"] == [7])

            // The same id for another body is not a retry.
            let reused = try await RouteFixture.signedPost(client, "/v1/tasks", #"{"id":"r-1","funcname":"echo","args":[8]}"#)
            #expect(reused.status.code == 409)
            #expect(reused.json?["error"]?["code"] == "id_reused")
        }
    }

    @Test("malformed, unsigned and wrongly signed requests never reach the pipeline")
    func refusals() async throws {
        let fixture = try await RouteFixture.make()
        try await fixture.test { client in
            let malformed = try await RouteFixture.signedPost(client, "/v1/tasks", #"{"funcname":"#)
            #expect(malformed.status.code == 400)
            #expect(malformed.json?["error"]?["code"] == "malformed_request")

            let unsigned = try await client.executeRequest(
                uri: "/v1/tasks", method: .post, headers: [.contentType: "application/json"], body: .init(string: #"{"funcname":"echo"}"#))
            #expect(unsigned.status.code == 401)

            let stranger = try await RouteFixture.signedPost(
                client, "/v1/tasks", #"{"funcname":"echo"}"#, key: .fromSeed([UInt8](repeating: 6, count: 32)))
            #expect(stranger.status.code == 401)
            #expect(stranger.json?["error"]?["code"] == "bad_signature")
        }
    }

    @Test("a task id is 1 to 200 characters, counted as docs/openapi.yaml's maxLength counts them")
    func idLength() async throws {
        let fixture = try await RouteFixture.make()
        try await fixture.test { client in
            // 200 two-byte characters: 400 bytes, still one valid id (schemathesis found the byte limit).
            let wide = String(repeating: "é", count: 200)
            let accepted = try await RouteFixture.signedPost(client, "/v1/guardian/check", #"{"id":"\#(wide)","funcname":"echo"}"#)
            #expect(accepted.status == .ok)
            let tooLong = try await RouteFixture.signedPost(client, "/v1/guardian/check", #"{"id":"\#(wide)é","funcname":"echo"}"#)
            #expect(tooLong.status.code == 400)
            #expect(tooLong.json?["error"]?["message"] == "id must be 1 to 200 characters")
            let empty = try await RouteFixture.signedPost(client, "/v1/guardian/check", #"{"id":"","funcname":"echo"}"#)
            #expect(empty.status.code == 400)
        }
    }

    @Test("guardian check and reported events go through the same pipeline")
    func checkAndEvents() async throws {
        let fixture = try await RouteFixture.make()
        try await fixture.test { client in
            let check = try await RouteFixture.signedPost(client, "/v1/guardian/check", #"{"funcname":"echo","args":["../../etc/passwd"]}"#)
            #expect(check.status == .ok)
            #expect(check.json?["decision"] == "blocked")

            let events = try await RouteFixture.signedPost(
                client, "/v1/events", #"[{"task_id":"e-1","funcname":"echo","outcome":"succeeded","duration_ms":3}]"#)
            #expect(events.status == .ok)
            #expect(events.json?["recorded"] == 1)

            let bad = try await RouteFixture.signedPost(client, "/v1/events", #"[{"task_id":"e-2","funcname":"nobody","outcome":"succeeded"}]"#)
            #expect(bad.status.code == 400)
            #expect(bad.json?["error"]?["message"]?.stringValue?.hasPrefix("event 0:") == true)

            let ready = try await client.executeRequest(uri: "/readyz", method: .get, headers: [:], body: nil)
            #expect(ready.status == .ok)
            #expect(ready.json?["colonies"] == nil)
        }
    }
}
