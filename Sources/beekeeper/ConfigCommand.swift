import ArgumentParser
import BeekeeperColonies
import BeekeeperConfig
import BeekeeperGuardian
import Foundation

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Inspect the configuration.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the configuration (every error, one a line; each bee's command must be executable) and print it resolved, secrets redacted.")

        @OptionGroup var options: ConfigOption

        @Flag(help: "Also reach the servers the configuration names: the Colonies server, with the executor's own key.")
        var online = false

        func run() async throws {
            // Every error the file and the environment hold, one a line; then, on a configuration
            // that reads, what only building the parts can tell (one error each).
            let configuration = try ConfigurationLoader.loadReportingAll(
                path: options.config, environment: ProcessInfo.processInfo.environment, checkingBeeCommands: true, firstRun: options.firstRun)
            try options.checkShipper(configuration)
            try options.checkGuardian(configuration)
            // The keys executor mode signs with: a missing or malformed file is a configuration
            // error (exit status 2); one that others may read is only a warning, the key works.
            for warning in try configuration.colonies?.validateKeyFiles() ?? [] {
                FileHandle.standardError.write(Data("beekeeper: warning: \(warning)\n".utf8))
            }
            if online, let colonies = configuration.colonies {
                try await ColoniesProbe.check(colonies)
            }
            print("# configuration is valid (source: \(options.source ?? "built-in defaults"))")
            print(configuration.renderedYAML(redactingSecrets: true), terminator: "")
        }
    }
}
