import ArgumentParser
import BeekeeperConfig
import BeekeeperGuardian
import BeekeeperShipper
import Foundation
import Logging

struct Beekeeper: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "beekeeper",
        abstract: "A sidecar that makes ColonyOS bees observable and accountable.",
        version: "0.1.0",
        subcommands: [
            ServeCommand.self, SubmitCommand.self, AuditCommand.self, StatsCommand.self, BackupCommand.self, KeysCommand.self,
            ConfigCommand.self, DemoBeeCommand.self, ManCommand.self,
        ])
}

/// An operation that ran and failed: exit status 1 (SPEC section 2).
struct OperationFailed: Error, CustomStringConvertible {
    var description: String
}

@main
enum Main {
    static func main() async {
        do {
            var command = try Beekeeper.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data("beekeeper: \(error)\n".utf8))
            exit(2)
        } catch let errors as ConfigErrors {
            // `FILE:LINE: key: message`, one a line, as compilers print them (editors jump to each).
            FileHandle.standardError.write(Data((errors.description + "\n").utf8))
            if errors.errors.count > 1 {
                FileHandle.standardError.write(Data("beekeeper: \(errors.errors.count) configuration errors\n".utf8))
            }
            exit(2)
        } catch let error as OperationFailed {
            FileHandle.standardError.write(Data("beekeeper: \(error)\n".utf8))
            exit(1)
        } catch let error as UsageError {
            FileHandle.standardError.write(Data("beekeeper: \(error)\n".utf8))
            exit(2)
        } catch {
            let code = Beekeeper.exitCode(for: error)
            if code == .success {
                Beekeeper.exit(withError: error)
            }
            let message = Beekeeper.fullMessage(for: error)
            if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            // ArgumentParser's usage errors are EX_USAGE (64); the contract says 2.
            exit(code == .validationFailure ? 2 : 1)
        }
    }
}

/// A usage problem found after parsing (e.g. `--args` is not JSON): exit status 2.
struct UsageError: Error, CustomStringConvertible {
    var description: String
}

struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: $BEEKEEPER_CONFIG, else built-in defaults).")
    var config: String?

    /// The configuration; with no file, the built-in defaults with the demo bee and the local key.
    func load() throws -> BeekeeperConfiguration {
        try ConfigurationLoader.load(path: config, environment: ProcessInfo.processInfo.environment, firstRun: firstRun)
    }

    /// What the built-in defaults add when no file is given (nil when one is).
    var firstRun: FirstRun? {
        FirstRun.applies(path: config, environment: ProcessInfo.processInfo.environment) ? FirstRun(executable: SelfExecutable.path) : nil
    }

    /// What only the environment can tell about `shipper.target` (an s3:// target's credentials and
    /// endpoint), checked by `serve` and `config check`: a configuration error, exit status 2.
    func checkShipper(_ configuration: BeekeeperConfiguration) throws {
        guard let url = configuration.shipper.target else { return }
        do {
            _ = try ShipmentTargets.make(
                url: url, timeout: configuration.shipper.timeout, environment: ProcessInfo.processInfo.environment,
                logger: Logger(label: "beekeeper"))
        } catch {
            // An environment variable is blamed by name; a configuration key in the file it came from.
            let file = error.key.hasPrefix("AWS_") ? nil : source
            throw ConfigError(file: file, line: nil, key: error.key, message: error.message)
        }
    }

    /// Builds the Guardian `serve` would build (patterns compiled, rules checked against the bees'
    /// funcnames), so `config check` refuses what `serve` would: a configuration error, exit status 2.
    func checkGuardian(_ configuration: BeekeeperConfiguration) throws {
        var funcnames = Set<String>()
        for bee in configuration.bees { funcnames.formUnion(bee.funcnames) }
        do {
            _ = try Guardian(configuration: configuration.guardian, knownFuncnames: funcnames)
        } catch {
            throw ConfigError(file: source, line: nil, key: error.key, message: error.message)
        }
    }

    /// Which file the configuration came from, for messages and the `sidecar.started` record.
    var source: String? { config ?? ProcessInfo.processInfo.environment["BEEKEEPER_CONFIG"] }
}
