import BeekeeperAudit
import BeekeeperAuth
import BeekeeperConfig
import BeekeeperCore
import BeekeeperGuardian
import BeekeeperPipeline
import Foundation
import Logging
import Sodium

/// Reads the configuration file again (SIGHUP, SPEC section 13) and swaps in what can change
/// under a running sidecar: auth keys, clock skew and rate limit, the Guardian, the metrics bearer
/// token, the log format and level, and the `http` limits (``LiveHTTPLimits``; `listen` stays as
/// bound until a restart).
/// Every part is built from the new file before any is swapped, so a file that fails anywhere
/// leaves the running configuration whole. Both outcomes are audited.
struct ConfigReloader: Sendable {
    /// The configuration the sidecar started with: restart-only changes are measured against it.
    let started: BeekeeperConfiguration
    /// The file as given at start (`--config`, else `BEEKEEPER_CONFIG`); nil: built-in defaults.
    let configSource: String?
    let load: @Sendable () throws -> BeekeeperConfiguration
    let knownFuncnames: Set<String>
    let verifier: RequestVerifier
    let pipeline: TaskPipeline
    let bearerToken: BearerToken
    let logSettings: LogSettings?
    let httpLimits: LiveHTTPLimits
    let logger: Logger

    /// What a reload swaps in, built and checked in full first.
    private struct Parts {
        var keys: [String: Ed25519.PublicKey]
        var guardian: Guardian
        var bearerToken: [UInt8]?
    }

    func reload() async {
        // The digest names the bytes an auditor can compare with a copy of the file; read just
        // before the loader reads it, so only an edit racing the reload could make them differ.
        let digest = configSource.flatMap { FileManager.default.contents(atPath: $0) }.map { Hex.encode(SHA256.hash(Array($0))) }
        let base: [JSONValue.Member] = [
            .init("config", configSource.map { .string($0) } ?? .null), .init("sha256", digest.map { .string($0) } ?? .null),
        ]
        let configuration: BeekeeperConfiguration
        let parts: Parts
        do {
            configuration = try load()
            parts = Parts(
                keys: try Sidecar.publicKeys(configuration.auth),
                guardian: try Guardian(configuration: configuration.guardian, knownFuncnames: knownFuncnames),
                bearerToken: try BearerToken.load(file: configuration.metrics.bearerTokenFile))
        } catch {
            let message = "\(error)"
            logger.error("configuration reload failed; keeping the running configuration", metadata: ["config": "\(configSource ?? "-")", "error": "\(message)"])
            await audit(AuditRecord(type: "config.reload_failed", fields: base + [.init("error", .string(message))]))
            return
        }
        verifier.replace(keys: parts.keys, clockSkew: configuration.auth.clockSkew)
        pipeline.replace(guardian: parts.guardian)
        bearerToken.replace(parts.bearerToken)
        logSettings?.apply(configuration.log)
        let httpChanges = httpLimits.apply(http: configuration.http, rateLimit: configuration.auth.rateLimit)
        if !httpChanges.isEmpty {
            logger.notice("configuration reload: http limits applied", metadata: ["keys": "\(httpChanges.joined(separator: ","))"])
        }

        let restartOnly = started.restartOnlyChanges(to: configuration)
        if restartOnly.contains("listen") {
            // The listener is bound once: a new address is a new socket, which only a restart opens.
            logger.warning(
                "configuration reload: listen changed; the sidecar keeps its bound address until restarted",
                metadata: ["listening": "\(started.listen)", "configured": "\(configuration.listen)"])
        }
        if !restartOnly.isEmpty {
            logger.warning(
                "configuration reload: changes that need a restart were left as they were",
                metadata: ["keys": "\(restartOnly.joined(separator: ","))"])
        }
        logger.notice("configuration reloaded", metadata: ["config": "\(configSource ?? "-")", "sha256": "\(digest ?? "-")"])
        await audit(AuditRecord(type: "config.reloaded", fields: base + [.init("restart_required", .array(restartOnly.map { .string($0) }))]))
    }

    private func audit(_ record: AuditRecord) async {
        do {
            try await pipeline.record([record])
        } catch {
            logger.error("could not audit a configuration reload", metadata: ["type": "\(record.type)", "error": "\(error)"])
        }
    }
}
