import ArgumentParser
import BeekeeperAuth
import BeekeeperConfig
import Curl
import Foundation
import Sodium

/// How a command reaches a running sidecar with a signed request: `--server`, `--key`, `--key-name`.
///
/// Each is found by the first of: the flag; the client's environment variable (`BEEKEEPER_URL`,
/// `BEEKEEPER_KEY_FILE`, `BEEKEEPER_KEY_NAME`, as a bee's pod sets them); the configuration (the
/// server at `http://<listen>`; the local key `<data_dir>/keys/local.key` when the configuration
/// trusts a key named `local`, as the built-in defaults do once `serve` created it); else `ops.key`
/// in the working directory. The key name defaults to the key file's base name.
struct SignedClientOptions: ParsableArguments {
    @Option(help: "Sidecar base URL (default: $BEEKEEPER_URL, else http://<listen> from the config).") var server: String?
    @Option(help: "Ed25519 secret key file (from `beekeeper keys generate`; default: $BEEKEEPER_KEY_FILE, else the local key under data_dir when the config trusts it, else ops.key).")
    var key: String?
    @Option(help: "Key name under auth.keys (default: $BEEKEEPER_KEY_NAME, else the key file's base name).") var keyName: String?

    /// The key file to sign with, by the rule above.
    func keyFile(configuration: BeekeeperConfiguration, environment: [String: String]) -> String {
        if let key { return key }
        if let file = environment["BEEKEEPER_KEY_FILE"], !file.isEmpty { return file }
        let local = FirstRun.localKeyPath(dataDir: configuration.dataDir)
        if configuration.auth.keys[FirstRun.keyName] != nil, FileManager.default.fileExists(atPath: local) { return local }
        return "ops.key"
    }

    /// Signs `body` with the key and POSTs it to `path`. A key that cannot be loaded is a usage
    /// error, explained by `why` (what needed the key).
    func post(
        _ path: String, body: [UInt8], configuration: BeekeeperConfiguration, timeout: Duration = .seconds(3600), why: String = "--key"
    ) async throws -> HTTPClientResponse {
        let environment = ProcessInfo.processInfo.environment
        let key = keyFile(configuration: configuration, environment: environment)
        let keyPair: Ed25519.KeyPair
        do {
            keyPair = try KeyFile.loadKeyPair(at: key)
        } catch {
            // The fallback missing: say where a key would have come from.
            let hint = self.key == nil && key == "ops.key"
                ? " (no --key, no BEEKEEPER_KEY_FILE, and the configuration trusts no local key: `beekeeper serve` with no configuration file creates one)" : ""
            throw UsageError(description: "\(why): \(error)\(hint)")
        }
        let name = keyName ?? environment["BEEKEEPER_KEY_NAME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? URL(fileURLWithPath: key).deletingPathExtension().lastPathComponent
        return try await SidecarClient(server: server, configuration: configuration)
            .signedPOST(path: path, body: body, keyName: name, keyPair: keyPair, timeout: timeout)
    }
}
