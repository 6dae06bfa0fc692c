// Where things live under `data_dir`. Relative paths stay relative: like `data_dir` itself and
// every other path in the configuration, they are taken from the working directory.
extension BeekeeperConfiguration {
    /// `<data_dir>/audit`: the live and sealed audit segments.
    public var auditDirectory: String { Self.join(dataDir, "audit") }

    /// `<data_dir>/state`: Guardian stats, the signing key and other small state files.
    public var stateDirectory: String { Self.join(dataDir, "state") }

    /// `backup.dir`, else `<data_dir>/backups`.
    public var backupDirectory: String { backup.dir ?? Self.join(dataDir, "backups") }

    /// `audit.signing_key`, else `<data_dir>/state/audit-signing.key`.
    public var signingKeyPath: String { audit.signingKey ?? Self.join(stateDirectory, "audit-signing.key") }

    private static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
