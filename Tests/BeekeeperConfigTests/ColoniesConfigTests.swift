import BeekeeperConfig
import Testing

@Suite("The colonies section")
struct ColoniesConfigTests {
    /// The required keys, one a line: `server` is on line 2, `executor_key_file` on line 6.
    static let required: [(String, String)] = [
        ("server", "http://127.0.0.1:50080"), ("colony", "dev"), ("executor_name", "beekeeper-1"),
        ("executor_type", "beekeeper"), ("executor_key_file", "/etc/beekeeper/colonies.key"),
    ]

    /// A `colonies` section of the required keys with `key` set to `value` (appended on line 7 if
    /// it is not one of them), or without `key` when `value` is nil.
    static func section(_ key: String = "", _ value: String? = nil) -> String {
        var pairs = required
        if let index = pairs.firstIndex(where: { $0.0 == key }) {
            if let value { pairs[index].1 = value } else { pairs.remove(at: index) }
        } else if let value {
            pairs.append((key, value))
        }
        return "colonies:\n" + pairs.map { "  \($0.0): \($0.1)" }.joined(separator: "\n") + "\n"
    }

    @Test("a full section reads every key")
    func fullSection() throws {
        let yaml = """
        colonies:
          server: https://colonies.example:8443/base/
          colony: prod
          executor_name: beekeeper-7
          executor_type: finance-beekeeper
          executor_key_file: keys/executor.key
          colony_key_file: /run/secrets/colony.key
          assign_timeout: 30s
          concurrency: 16
          keepalive_interval: 2m
        """
        let colonies = try #require(try ConfigurationLoader.parse(yaml: yaml, file: "test.yaml").colonies)
        let expected = ColoniesConfig(
            server: "https://colonies.example:8443/base/", colony: "prod", executorName: "beekeeper-7",
            executorType: "finance-beekeeper", executorKeyFile: "keys/executor.key"
        ).with(colonyKeyFile: "/run/secrets/colony.key", assignTimeout: .seconds(30), concurrency: 16, keepaliveInterval: .seconds(120))
        #expect(colonies == expected)
        #expect(colonies.rpcURL == "https://colonies.example:8443/base/api")
    }

    @Test("keys left out take their defaults")
    func defaults() throws {
        let colonies = try #require(try ConfigurationLoader.parse(yaml: Self.section(), file: "test.yaml").colonies)
        #expect(colonies == ColoniesConfig(
            server: "http://127.0.0.1:50080", colony: "dev", executorName: "beekeeper-1",
            executorType: "beekeeper", executorKeyFile: "/etc/beekeeper/colonies.key"))
        #expect(colonies.colonyKeyFile == nil)
        #expect(colonies.assignTimeout == .seconds(10))
        #expect(colonies.concurrency == 4)
        #expect(colonies.keepaliveInterval == .seconds(60))
        #expect(colonies.rpcURL == "http://127.0.0.1:50080/api")
    }

    @Test("absent, null or only comments: executor mode off", arguments: [
        "", "colonies:", "colonies: null", "colonies: ~", "colonies:\n  # server: http://127.0.0.1:50080\n",
    ])
    func off(yaml: String) throws {
        #expect(try ConfigurationLoader.parse(yaml: yaml, file: "test.yaml").colonies == nil)
        #expect(BeekeeperConfiguration().colonies == nil)
    }

    @Test("a missing required key names the section's line and the key", arguments: required.map(\.0))
    func missingRequired(key: String) {
        let error = parseError(Self.section(key, nil))
        #expect(error?.file == "test.yaml")
        #expect(error?.line == 2)
        #expect(error?.key == "colonies.\(key)")
        #expect(error?.message == "required key is missing (give it in the file or as BEEKEEPER_COLONIES_\(key.uppercased()))")
        #expect(error?.description.hasPrefix("test.yaml:2: colonies.\(key): required key is missing") == true)
    }

    @Test("an empty section is missing its server")
    func emptySection() {
        let error = parseError("colonies: {}")
        #expect(error?.line == 1)
        #expect(error?.key == "colonies.server")
    }

    @Test("bad keys and values name the line, the key and what is accepted", arguments: [
        // unknown keys
        ("region", "eu", 7, "colonies.region", "unknown key (expected one of: server, colony, executor_name"),
        ("executor_nam", "x", 7, "colonies.executor_nam", "unknown key (did you mean \"executor_name\"?)"),
        // wrong types
        ("server", "[a, b]", 2, "colonies.server", "expected a string, found a list"),
        ("colony", "null", 3, "colonies.colony", "expected a string, found null"),
        ("executor_name", "\"\"", 4, "colonies.executor_name", "must not be empty"),
        ("executor_type", "{a: b}", 5, "colonies.executor_type", "expected a string, found a mapping"),
        ("executor_key_file", "~", 6, "colonies.executor_key_file", "expected a string, found null"),
        ("colony_key_file", "[x]", 7, "colonies.colony_key_file", "expected a string, found a list"),
        ("concurrency", "lots", 7, "colonies.concurrency", "expected an integer, found \"lots\""),
        ("concurrency", "\"4\"", 7, "colonies.concurrency", "expected an integer"),
        ("concurrency", "0", 7, "colonies.concurrency", "must be at least 1, found 0"),
        ("concurrency", "-3", 7, "colonies.concurrency", "must be at least 1, found -3"),
        ("concurrency", "1025", 7, "colonies.concurrency", "must be at most 1024, found 1025"),
        // durations
        ("assign_timeout", "1500ms", 7, "colonies.assign_timeout", "must be whole seconds (the server counts the long poll in seconds), found 1500ms"),
        ("assign_timeout", "500ms", 7, "colonies.assign_timeout", "must be at least 1s, found 500ms"),
        ("assign_timeout", "0s", 7, "colonies.assign_timeout", "must be longer than 0s"),
        ("assign_timeout", "10", 7, "colonies.assign_timeout", "invalid duration \"10\""),
        ("assign_timeout", "301s", 7, "colonies.assign_timeout", "must be at most 5m, found 301s"),
        ("keepalive_interval", "0s", 7, "colonies.keepalive_interval", "must be longer than 0s"),
        ("keepalive_interval", "60ms", 7, "colonies.keepalive_interval", "must be at least 1s, found 60ms"),
        ("keepalive_interval", "10m", 7, "colonies.keepalive_interval", "must be at most 5m, found 10m"),
        ("keepalive_interval", "soon", 7, "colonies.keepalive_interval", "invalid duration \"soon\""),
        // the server URL
        ("server", "127.0.0.1:50080", 2, "colonies.server", "expected an http:// or https:// URL, found \"127.0.0.1:50080\""),
        ("server", "grpc://h:50080", 2, "colonies.server", "expected an http:// or https:// URL"),
        ("server", "\"http://h:50080/?colony=dev\"", 2, "colonies.server", "cannot have a query or fragment"),
        ("server", "\"http://h:50080/#api\"", 2, "colonies.server", "cannot have a query or fragment"),
        ("server", "http://admin:s3cret@h:50080", 2, "colonies.server", "cannot carry user info"),
        ("server", "http://token@h:50080", 2, "colonies.server", "cannot carry user info"),
        ("server", "http://", 2, "colonies.server", "needs a host"),
        ("server", "http://:50080", 2, "colonies.server", "needs a host"),
        ("server", "https:///api", 2, "colonies.server", "needs a host"),
        ("server", "http://h:0", 2, "colonies.server", "invalid port \"0\" in the server URL (1 to 65535)"),
        ("server", "http://h:65536", 2, "colonies.server", "invalid port \"65536\""),
        ("server", "http://h:+80", 2, "colonies.server", "invalid port \"+80\""),
        ("server", "\"http://colonies host:50080\"", 2, "colonies.server", "the server URL contains a space"),
        ("server", "\"http://h:50080/\\tx\"", 2, "colonies.server", "contains U+9"),
    ] as [(String, String, Int, String, String)])
    func badValues(key: String, value: String, line: Int, errorKey: String, message: String) {
        let yaml = Self.section(key, value)
        let error = parseError(yaml)
        #expect(error?.file == "test.yaml", "\(yaml)")
        #expect(error?.line == line, "\(yaml)")
        #expect(error?.key == errorKey, "\(yaml)")
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "no error")")
    }

    @Test("the section must be a mapping")
    func notAMapping() {
        let error = parseError("colonies: true")
        #expect(error?.line == 1)
        #expect(error?.key == "colonies")
        #expect(error?.message == "expected a mapping, found \"true\"")
    }

    @Test("a password in a refused server URL is not repeated")
    func passwordNotShown() {
        let error = parseError(Self.section("server", "ftp://admin:s3cret@h:50080"))
        #expect(error?.message.contains("s3cret") == false)
        #expect(error?.message.contains("ftp://admin:***@h:50080") == true)
    }

    @Test("servers that are fine", arguments: [
        "http://127.0.0.1:50080", "https://colonies.example", "HTTPS://colonies.example:443/", "http://[::1]:50080",
        "https://colonies.example/prefix/path",
    ])
    func goodServers(server: String) throws {
        let colonies = try ConfigurationLoader.parse(yaml: Self.section("server", "\"\(server)\""), file: "test.yaml").colonies
        #expect(colonies?.server == server)
        #expect(colonies?.rpcURL.hasSuffix("/api") == true)
        #expect(colonies?.rpcURL.contains("//api") == false)
    }

    @Test("the bounds themselves are accepted")
    func bounds() throws {
        let low = try ConfigurationLoader.parse(yaml: Self.section("assign_timeout", "1s") + "  concurrency: 1\n  keepalive_interval: 1s\n", file: nil)
        #expect(low.colonies?.assignTimeout == .seconds(1))
        #expect(low.colonies?.concurrency == 1)
        #expect(low.colonies?.keepaliveInterval == .seconds(1))
        let high = try ConfigurationLoader.parse(yaml: Self.section("assign_timeout", "5m") + "  concurrency: 1024\n  keepalive_interval: 300s\n", file: nil)
        #expect(high.colonies?.assignTimeout == ColoniesConfig.maximumPollInterval)
        #expect(high.colonies?.concurrency == 1024)
        #expect(high.colonies?.keepaliveInterval == ColoniesConfig.maximumPollInterval)
        // Whole seconds however they are spelt.
        let spelt = try ConfigurationLoader.parse(yaml: Self.section("assign_timeout", "2000ms"), file: nil)
        #expect(spelt.colonies?.assignTimeout == .seconds(2))
    }
}
