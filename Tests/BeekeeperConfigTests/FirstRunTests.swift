import BeekeeperConfig
import Foundation
import Testing

@Suite("First run: the built-in defaults add the demo bee and the local key")
struct FirstRunTests {
    let firstRun = FirstRun(executable: "/bin/sh")

    /// A fresh data directory, removed when the test ends.
    final class DataDirectory {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("beekeeper-firstrun-\(UUID().uuidString)").path
        deinit { try? FileManager.default.removeItem(atPath: path) }

        func writeLocalKey(_ text: String) throws {
            let keyPath = FirstRun.localKeyPath(dataDir: path)
            try FileManager.default.createDirectory(atPath: (keyPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: keyPath, atomically: true, encoding: .utf8)
        }
    }

    @Test("with no file: the demo bee, and no key until the local key file exists")
    func demoWithoutKey() throws {
        let data = DataDirectory()
        let c = try ConfigurationLoader.load(path: nil, environment: ["BEEKEEPER_DATA_DIR": data.path], firstRun: firstRun)
        #expect(c.bees == [firstRun.bee])
        #expect(c.bees.first?.command == ["/bin/sh", "demo-bee"])
        #expect(c.bees.first?.funcnames == ["echo", "run_query"])
        #expect(c.bees.first?.kind == .worker)
        #expect(c.auth.keys.isEmpty)
        #expect(FirstRun.localKeyPath(dataDir: data.path) == data.path + "/keys/local.key")
    }

    @Test("the local key file's public half is trusted as auth.keys.local")
    func localKeyTrusted() throws {
        let data = DataDirectory()
        let seed = String(repeating: "ab", count: 32)
        let publicKey = String(repeating: "CD", count: 32)
        try data.writeLocalKey(seed + publicKey + "\n")
        let c = try ConfigurationLoader.load(path: nil, environment: ["BEEKEEPER_DATA_DIR": data.path], firstRun: firstRun)
        #expect(c.auth.keys == ["local": publicKey.lowercased()])
    }

    @Test("a local key file that is not a key is an error naming it")
    func malformedLocalKey() throws {
        let data = DataDirectory()
        try data.writeLocalKey("not a key")
        #expect {
            _ = try ConfigurationLoader.load(path: nil, environment: ["BEEKEEPER_DATA_DIR": data.path], firstRun: firstRun)
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.file == FirstRun.localKeyPath(dataDir: data.path) && error.message.contains("128 hex")
        }
    }

    @Test("a configuration file, named by flag or by BEEKEEPER_CONFIG, replaces the demo and the local key")
    func fileReplacesDemo() throws {
        let data = DataDirectory()
        try data.writeLocalKey(String(repeating: "ab", count: 64))
        let file = try TemporaryFile("data_dir: \(data.path)\n")
        let byFlag = try ConfigurationLoader.load(path: file.path, environment: [:], firstRun: firstRun)
        #expect(byFlag.bees.isEmpty && byFlag.auth.keys.isEmpty)
        let byVariable = try ConfigurationLoader.load(path: nil, environment: ["BEEKEEPER_CONFIG": file.path], firstRun: firstRun)
        #expect(byVariable.bees.isEmpty && byVariable.auth.keys.isEmpty)
    }

    @Test("bees or keys from the environment are kept, not joined by the demo's")
    func environmentWins() throws {
        let data = DataDirectory()
        try data.writeLocalKey(String(repeating: "ab", count: 64))
        let environment = [
            "BEEKEEPER_DATA_DIR": data.path, "BEEKEEPER_BEES": "[{name: a, funcnames: [f], command: [/bin/true]}]",
            "BEEKEEPER_AUTH_KEYS": "{ops: \(String(repeating: "11", count: 32))}",
        ]
        let c = try ConfigurationLoader.load(path: nil, environment: environment, firstRun: firstRun)
        #expect(c.bees.map(\.name) == ["a"])
        #expect(Array(c.auth.keys.keys) == ["ops"])
    }

    @Test("the defaults, rendered as YAML, read back as a file to the same configuration")
    func renderedDefaultsReadBack() throws {
        let data = DataDirectory()
        try data.writeLocalKey(String(repeating: "ab", count: 64))
        let c = try ConfigurationLoader.load(path: nil, environment: ["BEEKEEPER_DATA_DIR": data.path], firstRun: firstRun)
        let file = try TemporaryFile(c.renderedYAML(redactingSecrets: true))
        #expect(try ConfigurationLoader.load(path: file.path, environment: [:], firstRun: firstRun) == c)
    }

    @Test("backups are off by default: no database is invented")
    func noDefaultDatabase() throws {
        #expect(BeekeeperConfiguration().backup.databases.isEmpty)
        #expect(BeekeeperConfiguration().backup.schedule == nil)
    }

    @Test("listen \":9477\" is every IPv4 interface, in the file, the environment and a flag's parser")
    func listenAllInterfaces() throws {
        let file = try TemporaryFile("listen: \":9477\"\n")
        #expect(try ConfigurationLoader.load(path: file.path, environment: [:]).listen == ListenAddress(host: "0.0.0.0", port: 9477))
        #expect(try ConfigurationLoader.load(path: nil, environment: ["BEEKEEPER_LISTEN": ":9000"]).listen == ListenAddress(host: "0.0.0.0", port: 9000))
        #expect(try ListenAddress(parsing: ":0") == ListenAddress(host: "0.0.0.0", port: 0))
        #expect(try ListenAddress(parsing: "[::1]:80") == ListenAddress(host: "::1", port: 80))
        #expect(throws: ListenAddress.ParseError.self) { try ListenAddress(parsing: ":") }
        #expect(throws: ListenAddress.ParseError.self) { try ListenAddress(parsing: "9477") }
    }
}
