#if canImport(Glibc)
import Glibc
#endif
import BeekeeperConfig
import Foundation
import Testing

@Suite("Checking the colonies key files")
struct ColoniesPrivateKeyTests {
    /// A key well inside secp256k1's range (the one COLONYOS.md's signing vectors use does as well).
    static let key = "fcc828bd8e9bb4ed1eb0e4a30ff32b2e0cf8d9a1e4a1d3a6dec04f7d4e56d6f0"

    /// A directory for key files, removed when the test's scope ends.
    final class KeyDirectory {
        let path = NSTemporaryDirectory() + "beekeeper-keys-" + UUID().uuidString.prefix(8).lowercased()

        init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        /// Writes `contents` to `name` with `mode`; returns its path.
        func file(_ name: String, _ contents: String, mode: Int = 0o600) throws -> String {
            let file = path + "/" + name
            try contents.write(toFile: file, atomically: false, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file)
            return file
        }
    }

    static func colonies(executorKeyFile: String, colonyKeyFile: String? = nil) -> ColoniesConfig {
        var colonies = ColoniesConfig(server: "http://127.0.0.1:50080", colony: "dev", executorName: "b", executorType: "b", executorKeyFile: executorKeyFile)
        colonies.colonyKeyFile = colonyKeyFile
        return colonies
    }

    /// The error for a key file holding `contents`.
    static func error(for contents: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> (path: String, error: ConfigError?) {
        let directory = try KeyDirectory()
        let path = try directory.file("executor.key", contents)
        do {
            _ = try colonies(executorKeyFile: path).validateKeyFiles()
            Issue.record("expected an error for \(contents.debugDescription)", sourceLocation: sourceLocation)
            return (path, nil)
        } catch {
            return (path, error)
        }
    }

    @Test("a good key reads as lower-case hex, whitespace around it ignored, with no warning")
    func goodKey() throws {
        let directory = try KeyDirectory()
        let path = try directory.file("executor.key", "  \n\(Self.key.uppercased())\r\n\n")
        let key = try ColoniesPrivateKey.read(path: path, key: "colonies.executor_key_file")
        #expect(key.hex == Self.key)
        #expect(key.warning == nil)
        #expect(!key.description.contains(Self.key.prefix(8)), "the description shows the key")
        #expect(try Self.colonies(executorKeyFile: path).validateKeyFiles() == [])
    }

    @Test("a key file others may read is a warning, not an error", arguments: [0o644, 0o640, 0o604, 0o660])
    func modeWarning(mode: Int) throws {
        let directory = try KeyDirectory()
        let path = try directory.file("executor.key", Self.key + "\n", mode: mode)
        let warnings = try Self.colonies(executorKeyFile: path).validateKeyFiles()
        let octal = "0" + String(mode, radix: 8)
        #expect(warnings == ["colonies.executor_key_file: \(path): mode \(octal) lets group or others read a private key (chmod 600 it)"])
        #expect(try Self.colonies(executorKeyFile: try directory.file("owner-only.key", Self.key, mode: 0o400)).validateKeyFiles() == [])
        // Only reading matters: a key others could merely overwrite would stop working, not leak.
        #expect(try Self.colonies(executorKeyFile: try directory.file("writable.key", Self.key, mode: 0o622)).validateKeyFiles() == [])
    }

    @Test("bad key files are errors naming the key and the path", arguments: [
        ("", "the file is empty; expected 64 hex characters (a secp256k1 private key)"),
        (" \n\t\n", "the file is empty"),
        (String(key.dropLast()), "expected 64 hex characters (a secp256k1 private key), found 63"),
        (key + "0", "expected 64 hex characters (a secp256k1 private key), found 65"),
        (String(key.dropLast()) + "g", "not a hex key: expected 64 hex characters (a secp256k1 private key), found other characters"),
        ("0x" + String(key.dropFirst(2)), "not a hex key"),
        (String(key.prefix(32)) + " " + String(key.suffix(32)), "not a hex key"),
        ("-----BEGIN EC PRIVATE KEY-----\nMHQCAQEE\n-----END EC PRIVATE KEY-----\n", "not a hex key"),
        (String(repeating: "0", count: 64), "the key is all zeros, which is no secp256k1 private key"),
        (String(repeating: "f", count: 64), "the key is not below the secp256k1 group order"),
        ("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", "the key is not below the secp256k1 group order"),
    ] as [(String, String)])
    func badContents(contents: String, message: String) throws {
        let (path, error) = try Self.error(for: contents)
        #expect(error?.key == "colonies.executor_key_file")
        #expect(error?.file == nil && error?.line == nil)
        #expect(error?.message.hasPrefix("\(path): \(message)") == true, "\(error?.message ?? "no error")")
        #expect(error?.description.hasPrefix("colonies.executor_key_file: \(path): ") == true)
        #expect(error?.description.contains(Self.key.prefix(16)) == false, "an error shows the key")
    }

    @Test("the largest key below the group order is accepted")
    func justBelowTheOrder() throws {
        let directory = try KeyDirectory()
        let path = try directory.file("k", "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140")
        #expect(try ColoniesPrivateKey.read(path: path, key: "k").hex.hasSuffix("4140"))
    }

    @Test("a missing file, a directory and an oversized file are errors")
    func notAKeyFile() throws {
        let directory = try KeyDirectory()
        let missing = directory.path + "/nope.key"
        #expect(throws: ConfigError(file: nil, line: nil, key: "colonies.executor_key_file", message: "\(missing): no such file")) {
            try Self.colonies(executorKeyFile: missing).validateKeyFiles()
        }
        #expect(throws: ConfigError(file: nil, line: nil, key: "colonies.executor_key_file", message: "\(directory.path): not a regular file")) {
            try Self.colonies(executorKeyFile: directory.path).validateKeyFiles()
        }
        let big = try directory.file("big.key", String(repeating: "a", count: 5000))
        #expect(throws: ConfigError(file: nil, line: nil, key: "colonies.executor_key_file", message: "\(big): too large for a key file (5000 bytes; expected 64 hex characters)")) {
            try Self.colonies(executorKeyFile: big).validateKeyFiles()
        }
        let inMissingDirectory = directory.path + "/no/such/dir/k"
        #expect(throws: ConfigError(file: nil, line: nil, key: "colonies.executor_key_file", message: "\(inMissingDirectory): no such file")) {
            try Self.colonies(executorKeyFile: inMissingDirectory).validateKeyFiles()
        }
    }

    @Test("a relative path is taken from the working directory")
    func relativePath() throws {
        let directory = try KeyDirectory()
        _ = try directory.file("relative.key", Self.key)
        let saved = FileManager.default.currentDirectoryPath
        defer { _ = FileManager.default.changeCurrentDirectoryPath(saved) }
        #expect(FileManager.default.changeCurrentDirectoryPath(directory.path))
        #expect(try ColoniesPrivateKey.read(path: "relative.key", key: "k").hex == Self.key)
    }

    @Test("the colony key is checked too, named by its own key, and must differ from the executor's")
    func colonyKey() throws {
        let directory = try KeyDirectory()
        let executor = try directory.file("executor.key", Self.key)
        let other = String(Self.key.reversed())
        let colony = try directory.file("colony.key", other + "\n", mode: 0o640)
        #expect(try Self.colonies(executorKeyFile: executor, colonyKeyFile: colony).validateKeyFiles() == [
            "colonies.colony_key_file: \(colony): mode 0640 lets group or others read a private key (chmod 600 it)",
        ])

        let missing = directory.path + "/colony-missing.key"
        #expect(throws: ConfigError(file: nil, line: nil, key: "colonies.colony_key_file", message: "\(missing): no such file")) {
            try Self.colonies(executorKeyFile: executor, colonyKeyFile: missing).validateKeyFiles()
        }
        let same = try directory.file("same.key", Self.key.uppercased())
        let error = try? #require(throws: ConfigError.self) {
            try Self.colonies(executorKeyFile: executor, colonyKeyFile: same).validateKeyFiles()
        }
        #expect(error?.key == "colonies.colony_key_file")
        #expect(error?.message == "\(same): holds the same key as executor_key_file; the executor needs a key of its own")
        // The executor's key is checked first.
        let badExecutor = try directory.file("bad.key", "abc")
        let first = try? #require(throws: ConfigError.self) {
            try Self.colonies(executorKeyFile: badExecutor, colonyKeyFile: missing).validateKeyFiles()
        }
        #expect(first?.key == "colonies.executor_key_file")
    }
}
