import Yams

/// Every key of SPEC section 3, with how it is read and checked. Checks that involve one key, or
/// one list (unique bee names), happen here where the offending node is at hand; checks across
/// keys that can be overridden separately live in `ConfigValidator`.
enum ConfigSchema {
    static var root: [ConfigField<BeekeeperConfiguration>] {
        [
            .value("data_dir", \.dataDir, environment: .text) { (d, n, p) throws(ConfigError) in try d.text(n, p) },
            .value("listen", \.listen, environment: .text) { (d, n, p) throws(ConfigError) in try listenAddress(d, n, p) },
            .section("log", \.log, log),
            .section("http", \.http, http),
            .section("auth", \.auth, auth),
            .section("metrics", \.metrics, metrics),
            .value("bees", \.bees) { (d, n, p) throws(ConfigError) in try bees(d, n, p) },
            .section("guardian", \.guardian, guardian),
            .section("audit", \.audit, audit),
            .section("shipper", \.shipper, shipper),
            .section("backup", \.backup, backup),
            .section("review", \.review, review),
            .optionalSection("colonies", \.colonies, blank: blankColonies, colonies),
        ]
    }

    /// Reads a whole document into `configuration`; an empty document (or only comments) changes nothing.
    static func decodeDocument(_ root: Node?, into configuration: inout BeekeeperConfiguration, _ decoder: ConfigDecoder) throws(ConfigError) {
        guard let root, !ConfigDecoder.isNull(root) else { return }
        guard case .mapping = root else {
            throw decoder.error("", at: root, "expected a mapping of configuration keys at the top level, found \(ConfigDecoder.describe(root))")
        }
        try decoder.decode(root, "", fields: Self.root, into: &configuration)
    }

    // MARK: Shared value checks

    /// Names that end up in file names, headers and metric labels: `[A-Za-z0-9_.-]+`.
    static func name(_ decoder: ConfigDecoder, _ node: Node, _ path: String) throws(ConfigError) -> String {
        let value = try decoder.text(node, path)
        guard value.unicodeScalars.allSatisfy({ isNameCharacter($0) }) else {
            throw decoder.error(path, at: node, "invalid name \(ConfigDecoder.quote(value)) (use letters, digits, \"_\", \".\" and \"-\")")
        }
        return value
    }

    /// Names that only label things (bees): any non-empty text. Metrics and logs escape them,
    /// so operators may call a bee whatever their organisation calls it.
    static func labelName(_ decoder: ConfigDecoder, _ node: Node, _ path: String) throws(ConfigError) -> String {
        let value = try decoder.text(node, path)
        guard !value.isEmpty else { throw decoder.error(path, at: node, "a bee name must not be empty") }
        return value
    }

    private static func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "_", ".", "-": return true
        default: return false
        }
    }

    /// See `ListenAddress(parsing:)`: `host:port`, `[ipv6]:port` or `:port`.
    static func listenAddress(_ decoder: ConfigDecoder, _ node: Node, _ path: String) throws(ConfigError) -> ListenAddress {
        let text = try decoder.text(node, path)
        do {
            return try ListenAddress(parsing: text)
        } catch {
            throw decoder.error(path, at: node, error.description)
        }
    }

    /// Checks the `host`, `host:port`, `[v6]` or `[v6]:port` of an http(s) URL (user info already
    /// cut off): a host, and when a port is given, 1 to 65535. `what` names the URL in messages.
    static func checkHTTPAuthority(
        _ hostAndPort: Substring, _ what: String, usage: String, _ decoder: ConfigDecoder, _ node: Node, _ path: String
    ) throws(ConfigError) {
        let portStart = hostAndPort.hasPrefix("[") ? hostAndPort.firstIndex(of: "]").map { hostAndPort.index(after: $0) } : hostAndPort.firstIndex(of: ":")
        let host = portStart.map { hostAndPort[..<$0] } ?? hostAndPort
        guard !host.isEmpty, host != "[]" else {
            throw decoder.error(path, at: node, "\(what) needs a host \(usage)")
        }
        if let portStart, portStart < hostAndPort.endIndex {
            let port = hostAndPort[portStart...].dropFirst()
            guard hostAndPort[portStart] == ":", port.allSatisfy(\.isASCIIDigit), let number = Int(port), (1...65535).contains(number) else {
                throw decoder.error(path, at: node, "invalid port \(ConfigDecoder.quote(String(port))) in \(what) (1 to 65535)")
            }
        }
    }

    /// The first character a URL must not hold as it is (whitespace, control characters), named
    /// for a message: "a space" or "U+9".
    static func unsafeURLCharacter(in url: String) -> String? {
        guard let bad = url.unicodeScalars.first(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) else { return nil }
        return bad == " " ? "a space" : "U+" + String(bad.value, radix: 16, uppercase: true)
    }
}
