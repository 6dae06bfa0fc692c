import BeekeeperConfig
import Foundation

/// What `serve` prints on stdout once it listens with the built-in defaults: the exact commands
/// to try, runnable as printed from the same directory and environment.
struct FirstRunWelcome: Sendable {
    /// The Guardian's default patterns block this as `pattern:sql_injection` (a tautology).
    static let blockedQuery = "SELECT * FROM users WHERE id = 1 OR 1=1"

    let dataDir: String
    let keyTrusted: Bool

    /// Nil unless `configuration` serves the demo bee.
    init?(configuration: BeekeeperConfiguration?) {
        guard let configuration else { return nil }
        dataDir = configuration.dataDir
        keyTrusted = configuration.auth.keys[FirstRun.keyName] != nil
    }

    /// The lines to paste, `beekeeper` spelt as this shell reaches this binary.
    static func commands(invocation: String) -> [String] {
        [
            #"\#(invocation) submit echo --args '["hello"]'"#,
            #"\#(invocation) submit run_query --args '["\#(blockedQuery)"]'"#,
            "\(invocation) stats",
            "\(invocation) audit query",
        ]
    }

    func print(listening address: ListenAddress) {
        let environment = ProcessInfo.processInfo.environment
        let commands = Self.commands(invocation: SelfExecutable.invocation(environment: environment))
        var lines = [
            "",
            "Beekeeper is serving on \(address) with its built-in defaults (no configuration file):",
            "the demo bee runs echo and run_query, and the local key \(FirstRun.localKeyPath(dataDir: dataDir)) may submit.",
        ]
        if !keyTrusted {
            lines.append("(BEEKEEPER_AUTH_KEYS is set, so the local key is not trusted: submit with your own key.)")
        }
        lines.append(dataDir.hasPrefix("/") ? "Try, in another terminal:" : "Try, in another terminal in this directory:")
        lines.append("")
        lines += commands.map { "    " + $0 }
        lines += [
            "",
            "The first succeeds; the Guardian blocks the second (pattern:sql_injection).",
            "A configuration file (--config, BEEKEEPER_CONFIG) replaces the demo; `beekeeper config check` prints these defaults.",
            "",
        ]
        FileHandle.standardOutput.write(Data(lines.joined(separator: "\n").utf8))
    }
}
