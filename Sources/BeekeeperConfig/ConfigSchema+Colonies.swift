import Yams

// The `colonies` section: Beekeeper as a ColonyOS executor (SPEC section 11).
extension ConfigSchema {
    /// The keys a `colonies` section must give; the validator checks them (see `optionalSection`).
    static var requiredColoniesKeys: [(name: String, value: KeyPath<ColoniesConfig, String>)] {
        [
            ("server", \.server), ("colony", \.colony), ("executor_name", \.executorName),
            ("executor_type", \.executorType), ("executor_key_file", \.executorKeyFile),
        ]
    }

    /// What a section starts from when the file or a variable turns it on: required keys empty,
    /// which no decoder accepts as a value, so "empty" means "never given".
    static let blankColonies = ColoniesConfig(server: "", colony: "", executorName: "", executorType: "", executorKeyFile: "")

    static var colonies: [ConfigField<ColoniesConfig>] {
        [
            .value("server", \.server, environment: .text) { (d, n, p) throws(ConfigError) in try coloniesServer(d, n, p) },
            .value("colony", \.colony, environment: .text) { (d, n, p) throws(ConfigError) in try d.text(n, p) },
            .value("executor_name", \.executorName, environment: .text) { (d, n, p) throws(ConfigError) in try d.text(n, p) },
            .value("executor_type", \.executorType, environment: .text) { (d, n, p) throws(ConfigError) in try d.text(n, p) },
            .value("executor_key_file", \.executorKeyFile, environment: .text) { (d, n, p) throws(ConfigError) in try d.text(n, p) },
            .value("colony_key_file", \.colonyKeyFile, environment: .optionalText) { (d, n, p) throws(ConfigError) in try d.optionalText(n, p) },
            .value("assign_timeout", \.assignTimeout) { (d, n, p) throws(ConfigError) in try assignTimeout(d, n, p) },
            .value("concurrency", \.concurrency) { (d, n, p) throws(ConfigError) in try d.integer(n, p, in: 1...1024) },
            .value("keepalive_interval", \.keepaliveInterval) { (d, n, p) throws(ConfigError) in try pollInterval(d, n, p) },
        ]
    }

    /// The server's base URL: `http://` or `https://`, a host, optionally a port and a path. No
    /// user info (Colonies authenticates each RPC by its signature, and a password here would end
    /// up in logs), no query or fragment (`/api` is appended to the URL).
    static func coloniesServer(_ decoder: ConfigDecoder, _ node: Node, _ path: String) throws(ConfigError) -> String {
        let server = try decoder.text(node, path)
        let usage = "(use http://host:port or https://host:port, e.g. http://127.0.0.1:50080)"
        let shown = ConfigDecoder.quote(URLRedaction.redact(server, hideLoneUser: true))
        guard let scheme = ["http://", "https://"].first(where: { server.lowercased().hasPrefix($0) }) else {
            throw decoder.error(path, at: node, "expected an http:// or https:// URL, found \(shown) \(usage)")
        }
        if let character = unsafeURLCharacter(in: server) {
            throw decoder.error(path, at: node, "the server URL contains \(character)")
        }
        guard !server.contains("?"), !server.contains("#") else {
            throw decoder.error(path, at: node, "the server URL cannot have a query or fragment: RPCs go to <server>/api \(usage)")
        }
        let authority = server.dropFirst(scheme.count).prefix(while: { $0 != "/" })
        guard !authority.contains("@") else {
            throw decoder.error(path, at: node, "the server URL cannot carry user info: Colonies authenticates by signature \(usage)")
        }
        try checkHTTPAuthority(authority, "the server URL", usage: usage, decoder, node, path)
        return server
    }

    /// The assign call's `timeout` is an integer number of seconds, and 0 is refused by the server.
    static func assignTimeout(_ decoder: ConfigDecoder, _ node: Node, _ path: String) throws(ConfigError) -> Duration {
        let timeout = try pollInterval(decoder, node, path)
        guard timeout.components.attoseconds == 0 else {
            throw decoder.error(path, at: node, "must be whole seconds (the server counts the long poll in seconds), found \(DurationParser.format(timeout))")
        }
        return timeout
    }

    /// 1 s to `ColoniesConfig.maximumPollInterval`. Each assign call is the executor's only sign
    /// of life to the server, so neither a long poll nor the gap between keepalives may come near
    /// its stale duration; below a second is surely a typo (`60ms` for `60s`) and would send calls
    /// for nothing.
    static func pollInterval(_ decoder: ConfigDecoder, _ node: Node, _ path: String) throws(ConfigError) -> Duration {
        let interval = try decoder.duration(node, path)
        guard interval >= .seconds(1) else {
            throw decoder.error(path, at: node, "must be at least 1s, found \(DurationParser.format(interval))")
        }
        let maximum = ColoniesConfig.maximumPollInterval
        guard interval <= maximum else {
            throw decoder.error(
                path, at: node,
                "must be at most \(DurationParser.format(maximum)), found \(DurationParser.format(interval)): the server drops an executor it has not heard from for 10m (its default stale duration)")
        }
        return interval
    }
}
