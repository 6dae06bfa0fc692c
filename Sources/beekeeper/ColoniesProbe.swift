import BeekeeperColonies
import BeekeeperColoniesSource
import BeekeeperConfig
import Foundation

/// `config check --online` for the `colonies` section: the server answers, and it knows this
/// executor (registered, approved, in this colony). The check is an assign that cannot match
/// (the keepalive of COLONYOS.md section 5): it takes no work and stamps us as alive.
enum ColoniesProbe {
    static func check(_ colonies: ColoniesConfig) async throws {
        let client: ColoniesClient
        do {
            let identity = try ColoniesIdentity(configuredKeyFile: colonies.executorKeyFile, key: "colonies.executor_key_file")
            client = try ColoniesClient(server: colonies.server, colony: colonies.colony, identity: identity, callTimeout: .seconds(10))
        } catch {
            throw ConfigError(file: nil, line: nil, key: "colonies", message: "\(error)")
        }
        do {
            try await client.keepalive()
        } catch {
            var hint = ""
            if case .server(403, _) = error {
                hint = " (is executor \(colonies.executorName) with id \(client.identity.id) registered and approved in colony \(colonies.colony)?)"
            }
            throw OperationFailed(description: "colonies.server: \(colonies.server): \(error.description)\(hint)")
        }
        FileHandle.standardError.write(Data("beekeeper: colonies: \(colonies.server) knows executor \(colonies.executorName) (\(client.identity.id))\n".utf8))
    }
}
