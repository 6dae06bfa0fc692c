public import BeekeeperColonies
import BeekeeperConfig

extension ColoniesIdentity {
    /// The identity in a configured key file, read and checked exactly as `config check` does
    /// (``ColoniesPrivateKey/read(path:key:)``): one reader for `serve`, `config check --online`
    /// and the check itself. `key` names the configuration key in errors.
    public init(configuredKeyFile path: String, key: String) throws(ColoniesStartupError) {
        do {
            self = try ColoniesIdentity(privateKeyHex: ColoniesPrivateKey.read(path: path, key: key).hex)
        } catch {
            throw ColoniesStartupError(description: "\(error)")
        }
    }
}
