import ArgumentParser
import BeekeeperAuth
import BeekeeperConfig
import BeekeeperServer
import Foundation
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the sidecar until SIGTERM/SIGINT, then drain, flush and exit 0; SIGHUP reloads the configuration.",
        discussion: "With no configuration file it serves the demonstration bee (echo, run_query) and trusts the local client key under data_dir, created on first start; it prints the submit lines to try.")

    @OptionGroup var options: ConfigOption

    @Option(help: "Listen on this address instead of the configuration's listen: host:port, [ipv6]:port, or :port for every interface.")
    var listen: String?

    @Flag(
        help: "Start even when the audit log holds fewer records than state/audit-position.json remembers; the new chain begins with an audit.gap record naming the missing seq range, which audit verify reports.")
    var acceptAuditGap = false

    func run() async throws {
        // Until the reload service traps it, SIGHUP's default action would kill a starting sidecar.
        signal(SIGHUP, SIG_IGN)
        let firstRun = options.firstRun
        if firstRun != nil { try Self.createLocalKey() }
        var configuration = try options.load()
        // What clients that read the same configuration will try; the welcome names the server
        // when the sidecar listens anywhere else (--listen, or port 0).
        let configuredListen = configuration.listen
        if let listen {
            do {
                configuration.listen = try ListenAddress(parsing: listen)
            } catch {
                throw UsageError(description: "--listen: \(error)")
            }
        }
        try options.checkShipper(configuration)
        // `log` (format and level) is shared by every logger, so a reload changes them all.
        let logSettings = LogSettings(configuration.log)
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, settings: logSettings) }
        let logger = Logger(label: "beekeeper")
        let welcome = firstRun.flatMap {
            FirstRunWelcome(configuration: $0.bee == configuration.bees.first ? configuration : nil, configuredListen: configuredListen)
        }
        do {
            try await Sidecar.run(
                configuration: configuration, configSource: options.source, logger: logger, logSettings: logSettings, acceptAuditGap: acceptAuditGap,
                firstRun: firstRun, onListening: { address in welcome?.print(listening: address) })
        } catch let error as SidecarStartupError {
            throw OperationFailed(description: error.description)
        } catch let error as ListenUnavailable {
            // The address is configuration: exit status 2, naming the key and the address.
            throw ConfigError(file: options.source, line: nil, key: "listen", message: error.description)
        }
    }

    /// The local client key of a first run, created before the configuration is loaded so that the
    /// defaults trust it from the first start. Not when the environment names keys of its own.
    private static func createLocalKey() throws {
        let defaults = try ConfigurationLoader.load(path: nil, environment: ProcessInfo.processInfo.environment)
        guard defaults.auth.keys.isEmpty else { return }
        let path = FirstRun.localKeyPath(dataDir: defaults.dataDir)
        do {
            _ = try KeyFile.loadOrCreate(at: path)
        } catch {
            throw OperationFailed(description: "cannot create the local client key: \(error)")
        }
    }
}
