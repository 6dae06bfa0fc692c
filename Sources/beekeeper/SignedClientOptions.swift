import ArgumentParser
import BeekeeperAuth
import BeekeeperConfig
import Curl
import Foundation
import Sodium

/// How a command reaches a running sidecar with a signed request: `--server`, `--key`, `--key-name`.
struct SignedClientOptions: ParsableArguments {
    @Option(help: "Sidecar base URL (default: http://<listen> from the config).") var server: String?
    @Option(help: "Ed25519 secret key file (from `beekeeper keys generate`).") var key = "ops.key"
    @Option(help: "Key name under auth.keys (default: the key file's base name).") var keyName: String?

    /// Signs `body` with the key and POSTs it to `path`. A key that cannot be loaded is a usage
    /// error, explained by `why` (what needed the key).
    func post(
        _ path: String, body: [UInt8], configuration: BeekeeperConfiguration, timeout: Duration = .seconds(3600), why: String = "--key"
    ) async throws -> HTTPClientResponse {
        let keyPair: Ed25519.KeyPair
        do {
            keyPair = try KeyFile.loadKeyPair(at: key)
        } catch {
            throw UsageError(description: "\(why): \(error)")
        }
        let name = keyName ?? URL(fileURLWithPath: key).deletingPathExtension().lastPathComponent
        return try await SidecarClient(server: server, configuration: configuration)
            .signedPOST(path: path, body: body, keyName: name, keyPair: keyPair, timeout: timeout)
    }
}
