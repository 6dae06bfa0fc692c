import BeekeeperConfig
import Testing

@Suite("BEEKEEPER_COLONIES_* environment overrides")
struct ColoniesEnvironmentTests {
    static let requiredVariables = [
        "BEEKEEPER_COLONIES_SERVER": "https://colonies.example:50080",
        "BEEKEEPER_COLONIES_COLONY": "prod",
        "BEEKEEPER_COLONIES_EXECUTOR_NAME": "beekeeper-2",
        "BEEKEEPER_COLONIES_EXECUTOR_TYPE": "bk",
        "BEEKEEPER_COLONIES_EXECUTOR_KEY_FILE": "/run/secrets/executor.key",
    ]

    @Test("every key has a variable, and it wins over the file")
    func everyKey() throws {
        let file = try TemporaryFile(ColoniesConfigTests.section("colony_key_file", "/etc/colony.key"))
        let environment = Self.requiredVariables.merging([
            "BEEKEEPER_COLONIES_COLONY_KEY_FILE": "relative/colony.key",
            "BEEKEEPER_COLONIES_ASSIGN_TIMEOUT": "20s",
            "BEEKEEPER_COLONIES_CONCURRENCY": "8",
            "BEEKEEPER_COLONIES_KEEPALIVE_INTERVAL": "30s",
        ]) { $1 }
        let colonies = try #require(try ConfigurationLoader.load(path: file.path, environment: environment).colonies)
        let expected = ColoniesConfig(
            server: "https://colonies.example:50080", colony: "prod", executorName: "beekeeper-2",
            executorType: "bk", executorKeyFile: "/run/secrets/executor.key"
        ).with(colonyKeyFile: "relative/colony.key", assignTimeout: .seconds(20), concurrency: 8, keepaliveInterval: .seconds(30))
        #expect(colonies == expected)
    }

    @Test("the five required variables turn executor mode on with no section in the file")
    func enableFromEnvironment() throws {
        let colonies = try #require(try ConfigurationLoader.load(path: nil, environment: Self.requiredVariables).colonies)
        #expect(colonies.server == "https://colonies.example:50080")
        #expect(colonies.executorKeyFile == "/run/secrets/executor.key")
        #expect(colonies.concurrency == 4)
        #expect(colonies.assignTimeout == .seconds(10))

        let flow = try ConfigurationLoader.load(path: nil, environment: [
            "BEEKEEPER_COLONIES": "{server: http://h:1, colony: c, executor_name: n, executor_type: t, executor_key_file: k, concurrency: 2}",
            "BEEKEEPER_COLONIES_CONCURRENCY": "3",
        ])
        #expect(flow.colonies?.server == "http://h:1")
        #expect(flow.colonies?.concurrency == 3, "a key's own variable wins over the section's")
    }

    @Test("one variable on a file without the section is an error naming the first missing key")
    func partialFromEnvironment() {
        let error = loadError(path: nil, environment: ["BEEKEEPER_COLONIES_SERVER": "http://127.0.0.1:50080"])
        #expect(error?.key == "BEEKEEPER_COLONIES_SERVER")
        #expect(error?.file == nil)
        #expect(error?.line == nil)
        #expect(error?.message == "colonies.colony: required key is missing (give it in the file or as BEEKEEPER_COLONIES_COLONY)")
        #expect(error?.description == "environment BEEKEEPER_COLONIES_SERVER: colonies.colony: required key is missing (give it in the file or as BEEKEEPER_COLONIES_COLONY)")

        let optionalOnly = loadError(path: nil, environment: ["BEEKEEPER_COLONIES_CONCURRENCY": "8"])
        #expect(optionalOnly?.key == "BEEKEEPER_COLONIES_CONCURRENCY")
        #expect(optionalOnly?.message.hasPrefix("colonies.server: required key is missing") == true)
    }

    @Test("a variable can supply what the file's section leaves out; without it the file is blamed")
    func completeTheFile() throws {
        let file = try TemporaryFile(ColoniesConfigTests.section("executor_key_file", nil))
        let completed = try ConfigurationLoader.load(path: file.path, environment: ["BEEKEEPER_COLONIES_EXECUTOR_KEY_FILE": "k.key"])
        #expect(completed.colonies?.executorKeyFile == "k.key")
        #expect(completed.colonies?.colony == "dev")

        let error = loadError(path: file.path, environment: ["BEEKEEPER_COLONIES_CONCURRENCY": "2"])
        #expect(error?.file == file.path)
        #expect(error?.line == 2)
        #expect(error?.key == "colonies.executor_key_file")
    }

    @Test("null or an empty value turns executor mode off; an empty colony_key_file clears it")
    func turnOff() throws {
        let file = try TemporaryFile(ColoniesConfigTests.section("colony_key_file", "/etc/colony.key"))
        for value in ["null", "", "~"] {
            #expect(try ConfigurationLoader.load(path: file.path, environment: ["BEEKEEPER_COLONIES": value]).colonies == nil)
        }
        let cleared = try ConfigurationLoader.load(path: file.path, environment: ["BEEKEEPER_COLONIES_COLONY_KEY_FILE": ""])
        #expect(cleared.colonies?.colonyKeyFile == nil)
        #expect(cleared.colonies?.colony == "dev")
    }

    @Test("a bad value names the variable", arguments: [
        ("BEEKEEPER_COLONIES_ASSIGN_TIMEOUT", "1500ms", "must be whole seconds"),
        ("BEEKEEPER_COLONIES_KEEPALIVE_INTERVAL", "1h", "must be at most 5m"),
        ("BEEKEEPER_COLONIES_CONCURRENCY", "0", "must be at least 1"),
        ("BEEKEEPER_COLONIES_SERVER", "ftp://h", "expected an http:// or https:// URL"),
        ("BEEKEEPER_COLONIES_SERVER", "", "must not be empty"),
        ("BEEKEEPER_COLONIES_COLONY", "", "must not be empty"),
        ("BEEKEEPER_COLONIES", "{server: http://h:1, region: eu}", "colonies.region: unknown key"),
        ("BEEKEEPER_COLONIES", "[a]", "expected a mapping"),
    ])
    func badValue(variable: String, value: String, message: String) throws {
        let file = try TemporaryFile(ColoniesConfigTests.section())
        let error = loadError(path: file.path, environment: [variable: value])
        #expect(error?.key == variable)
        #expect(error?.file == nil)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "no error")")
    }

    @Test("a misspelt variable gets a suggestion")
    func misspelt() {
        let error = loadError(path: nil, environment: ["BEEKEEPER_COLONIES_EXECUTOR_KEYFILE": "/k"])
        #expect(error?.message == "unknown configuration variable (did you mean BEEKEEPER_COLONIES_EXECUTOR_KEY_FILE?)")
    }
}
