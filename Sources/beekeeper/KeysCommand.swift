import ArgumentParser
import BeekeeperAuth
import Sodium

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage Ed25519 keys.", subcommands: [Generate.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write an Ed25519 key pair: NAME.key (mode 0600) and NAME.pub (hex, for auth.keys).")

        @Option(help: "Directory to write the key pair into.") var out: String
        @Option(help: "Key name: the files' base name and the name to list under auth.keys.") var name = "ops"

        func run() throws {
            do {
                let paths = try KeyFile.write(Ed25519.KeyPair.generate(), directory: out, name: name)
                let publicKey = try KeyFile.loadPublicKey(at: paths.public)
                print("wrote \(paths.secret) and \(paths.public)")
                print("add to the sidecar's config:\n  auth:\n    keys: {\(name): \(publicKey.hex)}")
            } catch {
                throw OperationFailed(description: "\(error)")
            }
        }
    }
}
