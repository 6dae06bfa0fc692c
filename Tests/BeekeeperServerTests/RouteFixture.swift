import BeekeeperAuth
import BeekeeperConfig
import BeekeeperCore
import BeekeeperServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Sodium

/// The sidecar assembled from a configuration, its router driven in process (no socket, no binary).
struct RouteFixture {
    /// The pipeline tests' bee: one script for both in-process suites.
    static let beeScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("BeekeeperPipelineTests/Bees/pipeline_bee.py").path
    static let key = Ed25519.KeyPair.fromSeed([UInt8](repeating: 5, count: 32))

    let directory: String
    let sidecar: Sidecar

    static func make() async throws -> RouteFixture {
        let directory = FileManager.default.temporaryDirectory.path + "/beekeeper-routes-" + UUID().uuidString
        var configuration = BeekeeperConfiguration()
        configuration.dataDir = directory
        configuration.listen = ListenAddress(host: "127.0.0.1", port: 0)
        configuration.auth.keys = ["ops": Hex.encode(key.publicKey.bytes)]
        configuration.audit.checkpointInterval = .seconds(3600)
        var bee = BeeConfig(name: "ledger", funcnames: ["echo", "fail", "sleep"], kind: .process, command: ["python3", beeScript])
        bee.timeout = .seconds(10)
        configuration.bees = [bee]
        let sidecar = try await Sidecar.assemble(
            configuration: configuration, configSource: nil, logger: Logger(label: "routes") { _ in SwiftLogNoOpLogHandler() })
        try await sidecar.start()
        return RouteFixture(directory: directory, sidecar: sidecar)
    }

    /// Runs `body` against the sidecar's router, then stops the sidecar and removes its data.
    func test(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: sidecar.routes.makeRouter())
        do {
            try await app.test(.router, body)
        } catch {
            try? await sidecar.stop()
            throw error
        }
        try await sidecar.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A `POST` with the four signature headers of SPEC section 4.
    static func signedPost(_ client: any TestClientProtocol, _ path: String, _ body: String, key: Ed25519.KeyPair = key) async throws -> TestResponse {
        let bytes = Array(body.utf8)
        var headers: HTTPFields = [.contentType: "application/json"]
        for header in SignedRequest.headers(
            method: "POST", path: path, body: bytes, keyName: "ops", keyPair: key, timestamp: Int64(Date().timeIntervalSince1970))
        {
            headers[HTTPField.Name(header.name)!] = header.value
        }
        return try await client.executeRequest(uri: path, method: .post, headers: headers, body: ByteBuffer(bytes: bytes))
    }
}

extension TestResponse {
    var json: JSONValue? { try? JSONValue.parse(Array(body.readableBytesView)) }
}
