import ArgumentParser
import BeekeeperConfig

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Inspect the configuration.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the configuration and print it resolved, secrets redacted.")

        @OptionGroup var options: ConfigOption

        func run() throws {
            let configuration = try options.load()
            try options.checkShipper(configuration)
            print("# configuration is valid (source: \(options.source ?? "built-in defaults"))")
            print(configuration.renderedYAML(redactingSecrets: true), terminator: "")
        }
    }
}
