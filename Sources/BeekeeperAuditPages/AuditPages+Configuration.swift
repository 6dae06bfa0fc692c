package import BeekeeperConfig
import BeekeeperCore
import Foundation
import Sodium

/// Why the pages cannot be set up: an unreadable or empty `review.token_file`.
package struct AuditPagesSetupError: Error, CustomStringConvertible {
    package var description: String
}

extension AuditPages {
    /// The pages over a configuration's audit directory (the sidecar's, and `audit serve`
    /// without `--dir`), or over `directory`: the token from `review.token_file`, the HMAC key
    /// and checkpoint key from `state/`, the task index under `state/audit-index/`.
    package static func forDataDirectory(configuration: BeekeeperConfiguration, stateDirectory: String, directory: String? = nil) throws(AuditPagesSetupError) -> AuditPages {
        let token = try loadToken(configuration.review.tokenFile)
        let hmacKey = FileManager.default.contents(atPath: stateDirectory + "/audit-hmac.key")
            .flatMap { Hex.decode(String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) }
        let auditDirectory = directory ?? configuration.auditDirectory
        // The data directory's own log is checked against its key; another directory against
        // the key each checkpoint names (as `audit verify` does).
        var publicKey: Ed25519.PublicKey? = nil
        if directory == nil {
            let pub = configuration.signingKeyPath.replacingOccurrences(of: ".key", with: ".pub")
            publicKey = FileManager.default.contents(atPath: pub)
                .flatMap { try? Ed25519.PublicKey(hex: String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        // Each directory gets its own index: a collector's copy and the live log share names.
        let indexName = directory.map { "dir-" + Hex.encode(SHA256.hash(Array(Self.absolute($0).utf8))).prefix(16) } ?? "data"
        return AuditPages(
            directory: auditDirectory, source: Self.absolute(auditDirectory), hmacKey: hmacKey,
            indexDirectory: stateDirectory + "/audit-index/" + indexName, publicKey: publicKey, access: AuditPageAccess(token: token))
    }

    /// The token in `file` (surrounding whitespace dropped), nil without a file. An unreadable or
    /// empty file is an error: an operator who set a token never wants the pages left open.
    static func loadToken(_ file: String?) throws(AuditPagesSetupError) -> [UInt8]? {
        guard let file else { return nil }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw AuditPagesSetupError(description: "review.token_file: cannot read \(file)")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw AuditPagesSetupError(description: "review.token_file: \(file) is empty") }
        return Array(token.utf8)
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
