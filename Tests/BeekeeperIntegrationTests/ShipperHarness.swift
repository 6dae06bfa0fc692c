import BeekeeperCore
import Curl
import Foundation
import Sodium
import Testing

/// Helpers for the shipper's binary-level tests: collectors (nginx, the fault-injecting Python
/// collector), configurations with tiny segments, load that seals segments, and the state of an
/// audit directory as the shipper leaves it.
enum ShipperHarness {
    /// A configuration whose 4 KiB segments seal after a few requests, shipping to `target`.
    static func config(keyHex: String, dataDir: String, target: String, audit: [String] = [], shipper: [String] = []) -> String {
        var yaml = AuditHarness.config(keyHex: keyHex, dataDir: dataDir, audit: ["rotate_bytes: 4KiB"] + audit)
        yaml += "shipper:\n  target: \(target)\n"
        let defaults = ["timeout: 2s", "initial_backoff: 100ms", "max_backoff: 500ms"]
        let keys = Set(shipper.map { $0.prefix(while: { $0 != ":" }) })
        for line in defaults where !keys.contains(line.prefix(while: { $0 != ":" })) { yaml += "  \(line)\n" }
        for line in shipper { yaml += "  \(line)\n" }
        return yaml
    }

    /// Reports `batches` batches of 8 self-run executions through `POST /v1/events`: about two
    /// 4 KiB segments per 5 batches. Every batch must be recorded (200).
    static func load(_ sidecar: SidecarProcess, batches: Int, tag: String) async throws {
        for batch in 0..<batches {
            let events: [JSONValue] = (0..<8).map { index in
                [
                    "task_id": .string("\(tag)-\(batch)-\(index)"), "funcname": "echo", "outcome": "succeeded",
                    "duration_ms": .number(Double(index) + 0.5),
                ]
            }
            let response = try await sidecar.post("/v1/events", body: JSONValue.array(events).bytes)
            guard response.status == 200 else {
                throw HarnessError("POST /v1/events answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
            }
        }
    }

    struct LocalState: CustomStringConvertible {
        /// Sealed, compressed segments, in seq order.
        var compressed: [String]
        var shipped: Set<String>
        /// Plain segments: the live one, and sealed ones still being compressed.
        var plain: [String]

        var backlog: [String] { compressed.filter { !shipped.contains($0) } }
        var description: String { "compressed \(compressed.count), shipped \(shipped.count), backlog \(backlog), plain \(plain)" }
    }

    static func localState(_ auditDir: String) throws -> LocalState {
        let names = try FileManager.default.contentsOfDirectory(atPath: auditDir)
        let compressed = names.filter { $0.hasPrefix("audit-") && $0.hasSuffix(".jsonl.gz") }.sorted()
        let shipped = Set(names.filter { $0.hasSuffix(".jsonl.gz.shipped") }.map { String($0.dropLast(".shipped".count)) })
        let plain = names.filter { $0.hasPrefix("audit-") && $0.hasSuffix(".jsonl") }.sorted()
        return LocalState(compressed: compressed, shipped: shipped, plain: plain)
    }

    /// Waits until every sealed segment is compressed and shipped (only the live segment is
    /// plain) and that stays so for a moment: shipping writes `segment.shipped` records, which
    /// may seal one more segment.
    static func waitUntilDrained(_ sidecar: SidecarProcess, timeout: Duration = .seconds(30)) async throws -> LocalState {
        let deadline = ContinuousClock.now + timeout
        var quietSince: ContinuousClock.Instant? = nil
        var state = try localState(sidecar.auditDir)
        while ContinuousClock.now < deadline {
            state = try localState(sidecar.auditDir)
            if state.backlog.isEmpty, state.plain.count == 1, !state.compressed.isEmpty {
                if let since = quietSince, ContinuousClock.now - since > .milliseconds(700) { return state }
                quietSince = quietSince ?? ContinuousClock.now
            } else {
                quietSince = nil
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError("the backlog did not drain within \(timeout): \(state)\n\(sidecar.log.suffix(3000))")
    }

    static func sha256(file path: String) throws -> String {
        Hex.encode(SHA256.hash(Array(try Data(contentsOf: URL(fileURLWithPath: path)))))
    }

    /// The value of one sample in a text exposition (`name{a="b"} 1`), or nil.
    static func metric(_ exposition: [UInt8], _ name: String, _ labels: String = "") -> Double? {
        let prefix = labels.isEmpty ? name + " " : name + "{" + labels + "} "
        for line in String(decoding: exposition, as: UTF8.self).split(separator: "\n") where line.hasPrefix(prefix) {
            return Double(line.dropFirst(prefix.count).split(separator: " ").first ?? "")
        }
        return nil
    }

    static func metrics(_ sidecar: SidecarProcess) async throws -> [UInt8] {
        let response = try await sidecar.get("/metrics")
        guard response.status == 200 else { throw HarnessError("/metrics answered \(response.status)") }
        return response.body
    }

    /// `/readyz` status and its `shipper` detail.
    static func readiness(_ sidecar: SidecarProcess) async throws -> (status: Int, shipper: JSONValue) {
        let response = try await sidecar.get("/readyz")
        let body = try JSONValue.parse(response.body)
        guard let shipper = body["shipper"] else { throw HarnessError("/readyz has no shipper detail: \(body.serialized())") }
        return (response.status, shipper)
    }

    /// Every shipped segment must be at the collector byte for byte; returns how many there are.
    @discardableResult
    static func expectDelivered(_ state: LocalState, auditDir: String, collectorDir: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        for name in state.compressed {
            let remote = collectorDir + "/" + name
            guard FileManager.default.fileExists(atPath: remote) else {
                Issue.record("\(name) is marked shipped but not at the collector", sourceLocation: sourceLocation)
                continue
            }
            #expect(try sha256(file: remote) == sha256(file: auditDir + "/" + name), "\(name) differs at the collector", sourceLocation: sourceLocation)
        }
        return state.compressed.count
    }

    /// `beekeeper audit verify DIR` on a collector's directory: the shipped segments verify as one chain.
    static func expectVerifies(_ sidecar: SidecarProcess, directory: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try sidecar.cli(["audit", "verify", directory])
        #expect(result.status == 0, "audit verify \(directory): \(result.output)", sourceLocation: sourceLocation)
        #expect(result.output.hasPrefix("OK"), "audit verify \(directory): \(result.output)", sourceLocation: sourceLocation)
    }

    /// A TCP port nothing listens on now, and that nothing started later with port 0 can take:
    /// it comes from below Linux's ephemeral range (32768-60999), which is where every listener on
    /// port 0 (sidecars, stand-ins, collectors of the tests beside this one) gets its port. A port
    /// picked from that range was once taken in CI by another test's server while this test waited
    /// for its collector to come up there.
    static func freePort() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 20_000..<32_000)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw HarnessError("socket: errno \(errno)") }
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if bound == 0 { return port }
        }
        throw HarnessError("no free port below the ephemeral range")
    }

    /// Polls `condition` every 100 ms; false after `timeout`.
    static func eventually(timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await condition()
    }
}
