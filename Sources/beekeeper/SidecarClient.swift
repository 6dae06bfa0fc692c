import BeekeeperAuth
import BeekeeperConfig
import BeekeeperCore
import Curl
import Foundation
import Sodium

/// Talks to a running sidecar over HTTP (libcurl), signing what needs a signature.
struct SidecarClient {
    var server: String

    /// `server`, else `BEEKEEPER_URL`, else `http://<listen>` (the loopback address for an
    /// all-interfaces `listen`).
    init(server: String?, configuration: BeekeeperConfiguration) {
        let fromEnvironment = ProcessInfo.processInfo.environment["BEEKEEPER_URL"].flatMap { $0.isEmpty ? nil : $0 }
        var base = server ?? fromEnvironment ?? "http://\(configuration.listen.host == "0.0.0.0" ? "127.0.0.1" : configuration.listen.description)"
        while base.hasSuffix("/") { base.removeLast() }
        self.server = base
    }

    func signedPOST(path: String, body: [UInt8], keyName: String, keyPair: Ed25519.KeyPair, timeout: Duration = .seconds(3600)) async throws -> HTTPClientResponse {
        var headers = SignedRequest.headers(
            method: "POST", path: path, body: body, keyName: keyName, keyPair: keyPair,
            timestamp: Int64(Date().timeIntervalSince1970)
        ).map { ($0.name, $0.value) }
        headers.append(("Content-Type", "application/json"))
        return try await send(HTTPClientRequest(method: "POST", url: server + path, headers: headers, body: body, timeout: timeout))
    }

    func get(path: String, bearerToken: String?) async throws -> HTTPClientResponse {
        var headers: [(String, String)] = [("Accept", "application/json")]
        if let bearerToken { headers.append(("Authorization", "Bearer \(bearerToken)")) }
        return try await send(HTTPClientRequest(method: "GET", url: server + path, headers: headers, timeout: .seconds(30)))
    }

    private func send(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        do {
            return try await Curl.execute(request)
        } catch {
            throw OperationFailed(description: "cannot reach the sidecar at \(server): \(error)")
        }
    }
}
