import BeekeeperAuth
import BeekeeperCore
import Curl
import Foundation
import Sodium
import Testing

/// SIGHUP, systemd's readiness protocol and the reload of SPEC section 13, against the binary.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ReloadTests {
    var configPath: (SidecarProcess) -> String = { $0.directory + "/beekeeper.yaml" }

    func submit(_ sidecar: SidecarProcess, _ task: JSONValue, keyName: String, keyPair: Ed25519.KeyPair) async throws -> (status: Int, body: JSONValue) {
        let body = task.bytes
        let headers = SignedRequest.headers(
            method: "POST", path: "/v1/tasks", body: body, keyName: keyName, keyPair: keyPair, timestamp: Int64(Date().timeIntervalSince1970))
        let response = try await sidecar.post("/v1/tasks", body: body, headers: headers.map { ($0.name, $0.value) } + [("Content-Type", "application/json")])
        return (response.status, try JSONValue.parse(response.body))
    }

    func count(_ type: String, in sidecar: SidecarProcess) throws -> Int {
        try sidecar.auditRecords().filter { $0["type"]?.stringValue == type }.count
    }

    @Test func sighupReloadsKeysAndGuardianAndKeepsTheRunningConfigurationOnABadFile() async throws {
        let notify = try NotifySocket()
        let sidecar = try await SidecarProcess(environment: ["NOTIFY_SOCKET": notify.path])
        #expect(try await notify.receive(timeout: .seconds(10)) == "READY=1")

        // A second key, a pattern of the operator's own, and a listen change that needs a restart.
        let second = Ed25519.KeyPair.generate()
        var yaml = try String(contentsOfFile: configPath(sidecar), encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "keys: {ops: \(sidecar.keyPair.publicKey.hex)}", with: "keys: {ops: \(sidecar.keyPair.publicKey.hex), second: \(second.publicKey.hex)}")
        yaml = yaml.replacingOccurrences(of: "listen: 127.0.0.1:0", with: "listen: 127.0.0.1:1")
        yaml = yaml.replacingOccurrences(of: "  max_payload_bytes: 64KiB\n", with: "  max_payload_bytes: 64KiB\n  patterns: [{id: no_bananas, regex: banana}]\n")
        yaml += "\nlog: {format: json}\n"
        try yaml.write(toFile: configPath(sidecar), atomically: true, encoding: .utf8)
        let digest = Hex.encode(SHA256.hash(Array(yaml.utf8)))

        let before = try await submit(sidecar, ["id": "r-0", "funcname": "echo", "args": ["banana"]], keyName: "second", keyPair: second)
        #expect(before.status == 401)
        kill(sidecar.process.processIdentifier, SIGHUP)
        try await sidecar.waitForAudit { $0.contains { $0["type"] == "config.reloaded" } }
        let reloaded = try #require(try sidecar.auditRecords().first { $0["type"] == "config.reloaded" })
        #expect(reloaded["sha256"]?.stringValue == digest)
        #expect(reloaded["restart_required"] == ["listen"])
        #expect(sidecar.log.contains("changes that need a restart were left as they were"))
        // The log format is reloaded too: the reload's own line is already JSON.
        let reloadedLine = try #require(sidecar.log.split(separator: "\n").last { $0.contains("configuration reloaded") })
        #expect(try JSONValue.parse(Array(reloadedLine.utf8))["msg"] == "configuration reloaded", "\(reloadedLine)")

        let banana = try await submit(sidecar, ["id": "r-1", "funcname": "echo", "args": ["banana"]], keyName: "second", keyPair: second)
        #expect(banana.status == 422)
        #expect(banana.body["reason"] == "pattern:no_bananas")
        // The built-in patterns were replaced by the file's list.
        let sql = try await sidecar.submit(["id": "r-2", "funcname": "echo", "args": ["x'; DROP TABLE users; --"]])
        #expect(sql.status == 200)

        // A file that fails validation changes nothing and is audited with its error.
        try "auth:\n  keys: {ops: not-a-key}\n".write(toFile: configPath(sidecar), atomically: true, encoding: .utf8)
        kill(sidecar.process.processIdentifier, SIGHUP)
        try await sidecar.waitForAudit { $0.contains { $0["type"] == "config.reload_failed" } }
        let failed = try #require(try sidecar.auditRecords().first { $0["type"] == "config.reload_failed" })
        #expect(failed["error"]?.stringValue?.contains("auth.keys.ops") == true)
        #expect(sidecar.process.isRunning)
        let still = try await submit(sidecar, ["id": "r-3", "funcname": "echo", "args": ["banana"]], keyName: "second", keyPair: second)
        #expect(still.status == 422)
        #expect(try count("config.reloaded", in: sidecar) == 1)

        #expect(try await sidecar.terminate() == 0)
        #expect(try await notify.receive(timeout: .seconds(5)) == "STOPPING=1")
        #expect(try sidecar.auditRecords().last { $0["type"] != "audit.checkpoint" }?["type"] == "sidecar.stopped")
    }
}
