public import BeekeeperCore
public import Foundation

/// How one database's backup ended.
public struct DatabaseBackupResult: Sendable {
    public enum Outcome: Sendable {
        /// Dumped, verified, linked and pruned. `path` is the dump in `last/`.
        case succeeded(manifest: BackupManifest, path: String)
        case failed(BackupError)
    }

    public var database: String
    public var trigger: BackupTrigger
    public var actor: String?
    public var startedAt: Date
    public var duration: Duration
    /// The verification that ran (`integrity` or `restore`).
    public var verify: String
    public var outcome: Outcome

    public var succeeded: Bool {
        if case .succeeded = outcome { return true }
        return false
    }

    public var error: BackupError? {
        if case .failed(let error) = outcome { return error }
        return nil
    }

    public var manifest: BackupManifest? {
        if case .succeeded(let manifest, _) = outcome { return manifest }
        return nil
    }

    /// `{"database","outcome","file","size_bytes","sha256","duration_ms","verify","error"}`;
    /// `file` is relative to the backup directory (`last/<name>.sql.gz`).
    public var json: JSONValue {
        var members: [JSONValue.Member] = [
            .init("database", .string(database)),
            .init("outcome", .string(succeeded ? "succeeded" : "failed")),
        ]
        switch outcome {
        case .succeeded(let manifest, _):
            members.append(.init("file", .string("last/" + manifest.file)))
            members.append(.init("size_bytes", .number(String(manifest.sizeBytes))))
            members.append(.init("sha256", .string(manifest.sha256)))
            members.append(.init("tables", .number(manifest.tables.count)))
            members.append(.init("rows", .number(String(manifest.tables.reduce(Int64(0)) { $0 + $1.rows }))))
        case .failed(let error):
            members.append(.init("error", .string(error.message)))
            members.append(.init("error_kind", .string(error.kind.rawValue)))
        }
        members.append(.init("verify", .string(verify)))
        members.append(.init("duration_ms", .number((duration.seconds * 1000).rounded())))
        members.append(.init("trigger", .string(trigger.rawValue)))
        return .object(members)
    }
}
