import BeekeeperConfig
import Foundation

/// What `serve` prints on stdout once it listens with the built-in defaults: the exact commands
/// to try, runnable as printed from the same directory and environment.
struct FirstRunWelcome: Sendable {
    /// The Guardian's default patterns block this as `pattern:sql_injection` (a tautology).
    static let blockedQuery = "SELECT * FROM users WHERE id = 1 OR 1=1"

    let dataDir: String
    let keyTrusted: Bool
    /// Where clients reading the configuration look for the sidecar.
    let configuredListen: ListenAddress

    /// Nil unless `configuration` serves the demo bee.
    init?(configuration: BeekeeperConfiguration?, configuredListen: ListenAddress) {
        guard let configuration else { return nil }
        dataDir = configuration.dataDir
        keyTrusted = configuration.auth.keys[FirstRun.keyName] != nil
        self.configuredListen = configuredListen
    }

    /// The lines to paste, `beekeeper` spelt as this shell reaches this binary; `server` is added
    /// to the commands that talk to the sidecar when clients would not find it by themselves.
    static func commands(invocation: String, server: String?) -> [String] {
        let flag = server.map { " --server " + $0 } ?? ""
        return [
            #"\#(invocation) submit echo --args '["hello"]'\#(flag)"#,
            #"\#(invocation) submit run_query --args '["\#(blockedQuery)"]'\#(flag)"#,
            "\(invocation) stats\(flag)",
            "\(invocation) audit query",
        ]
    }

    func print(listening address: ListenAddress) {
        let environment = ProcessInfo.processInfo.environment
        let found = address == configuredListen || (environment["BEEKEEPER_URL"].map { !$0.isEmpty } ?? false)
        let host = address.host == "0.0.0.0" ? "127.0.0.1" : address.host == "::" ? "::1" : address.host
        let server = found ? nil : "http://" + ListenAddress(host: host, port: address.port).description
        let commands = Self.commands(invocation: SelfExecutable.invocation(environment: environment), server: server)
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
