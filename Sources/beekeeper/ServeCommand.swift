import ArgumentParser
import BeekeeperConfig
import BeekeeperServer
import Foundation
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the sidecar until SIGTERM/SIGINT, then drain, flush and exit 0; SIGHUP reloads the configuration.")

    @OptionGroup var options: ConfigOption

    @Flag(
        help: "Start even when the audit log holds fewer records than state/audit-position.json remembers; the new chain begins with an audit.gap record naming the missing seq range, which audit verify reports.")
    var acceptAuditGap = false

    func run() async throws {
        // Until the reload service traps it, SIGHUP's default action would kill a starting sidecar.
        signal(SIGHUP, SIG_IGN)
        let configuration = try options.load()
        try options.checkShipper(configuration)
        // `log` (format and level) is shared by every logger, so a reload changes them all.
        let logSettings = LogSettings(configuration.log)
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, settings: logSettings) }
        let logger = Logger(label: "beekeeper")
        do {
            try await Sidecar.run(configuration: configuration, configSource: options.source, logger: logger, logSettings: logSettings, acceptAuditGap: acceptAuditGap)
        } catch let error as SidecarStartupError {
            throw OperationFailed(description: error.description)
        } catch let error as ListenUnavailable {
            // The address is configuration: exit status 2, naming the key and the address.
            throw ConfigError(file: options.source, line: nil, key: "listen", message: error.description)
        }
    }
}
