import Foundation
import Testing

/// `beekeeper config check` on a configuration with a `colonies` section: the key files are read
/// (a bad one is exit status 2 naming the key), a loose mode is a warning, and the section is printed.
@Suite(.timeLimit(.minutes(1)))
struct ConfigCheckColoniesTests {
    static let key = "fcc828bd8e9bb4ed1eb0e4a30ff32b2e0cf8d9a1e4a1d3a6dec04f7d4e56d6f0"

    /// Runs `config check` in a scratch directory holding `files` (name → contents, mode) and a
    /// configuration whose colonies section names `keyFile`, relative to that directory.
    static func check(keyFile: String, files: [String: (String, Int)]) throws -> (directory: String, result: Program.Result) {
        let directory = NSTemporaryDirectory() + "beekeeper-colonies-check-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, (contents, mode)) in files {
            try contents.write(toFile: directory + "/" + name, atomically: false, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: directory + "/" + name)
        }
        let config = """
        data_dir: ./data
        colonies:
          server: http://127.0.0.1:50080
          colony: dev
          executor_name: beekeeper-1
          executor_type: beekeeper
          executor_key_file: \(keyFile)

        """
        try config.write(toFile: directory + "/beekeeper.yaml", atomically: false, encoding: .utf8)
        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BEEKEEPER_") }
        let result = try Program.run(SidecarProcess.binary, ["config", "check", "--config", "beekeeper.yaml"], directory: directory, environment: environment)
        return (directory, result)
    }

    @Test("a good key file passes, relative to the working directory, and the section is printed")
    func goodKey() throws {
        let (directory, result) = try Self.check(keyFile: "colonies.key", files: ["colonies.key": (Self.key + "\n", 0o600)])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(result.status == 0, "\(result.output)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        #expect(result.stdout.contains("\ncolonies:\n  server: http://127.0.0.1:50080\n"), "\(result.stdout)")
        #expect(result.stdout.contains("\n  executor_key_file: colonies.key\n"))
        #expect(!result.output.contains(Self.key), "config check printed the key")
    }

    @Test("a key file others may read passes with a warning")
    func looseMode() throws {
        let (directory, result) = try Self.check(keyFile: "colonies.key", files: ["colonies.key": (Self.key, 0o644)])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(result.status == 0, "\(result.output)")
        #expect(result.stderr == "beekeeper: warning: colonies.executor_key_file: colonies.key: mode 0644 lets group or others read a private key (chmod 600 it)\n")
    }

    @Test("a missing or malformed key file is exit status 2 naming the key", arguments: [
        ("missing.key", [:], "beekeeper: colonies.executor_key_file: missing.key: no such file"),
        ("short.key", ["short.key": ("abc", 0o600)], "beekeeper: colonies.executor_key_file: short.key: expected 64 hex characters (a secp256k1 private key), found 3"),
    ] as [(String, [String: (String, Int)], String)])
    func badKey(keyFile: String, files: [String: (String, Int)], message: String) throws {
        let (directory, result) = try Self.check(keyFile: keyFile, files: files)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(result.status == 2, "\(result.output)")
        #expect(result.stderr == message + "\n", "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }
}
