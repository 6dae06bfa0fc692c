#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import BeekeeperCore

/// A secp256k1 private key read from a `colonies` key file and checked: 64 hex characters
/// (whitespace around them ignored, so `echo` and editors may add a newline), neither zero nor
/// beyond the curve's order, since no signature can be made with those.
public struct ColoniesPrivateKey: Sendable, Equatable, CustomStringConvertible {
    /// The key as 64 lower-case hex characters. A secret: `description` never shows it.
    public let hex: String
    /// Set when the file's mode lets group or others read it: worth fixing, but the key works, so
    /// it is no reason to refuse to start.
    public let warning: String?

    public var description: String { "ColoniesPrivateKey(***)" }

    /// secp256k1's group order n; a private key is 1 ... n-1. Equal-length lower-case hex strings
    /// compare as their numbers do.
    static let groupOrder = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"

    /// Anything longer is not a key file, and is not read into memory to find that out.
    static let maximumFileSize = 4096

    /// Reads and checks the key in `path`. Errors and the warning name `key`, the configuration
    /// key that gave the path (`colonies.executor_key_file: /etc/beekeeper/colonies.key: ...`),
    /// and never show the file's contents. Relative paths are taken from the working directory.
    public static func read(path: String, key: String) throws(ConfigError) -> ColoniesPrivateKey {
        func failure(_ message: String) -> ConfigError {
            ConfigError(file: nil, line: nil, key: key, message: "\(path): \(message)")
        }
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw failure(errno == ENOENT ? "no such file" : "cannot stat: \(String(cString: strerror(errno)))")
        }
        guard status.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG) else { throw failure("not a regular file") }
        guard status.st_size <= maximumFileSize else {
            throw failure("too large for a key file (\(status.st_size) bytes; expected 64 hex characters)")
        }
        let contents: [UInt8]?
        do {
            contents = try DurableFile.readFile(path)
        } catch {
            throw failure(error.message)
        }
        guard let bytes = contents else { throw failure("no such file") }
        let hex = try parse(bytes, failure)
        let mode = UInt32(status.st_mode) & 0o777
        let warning = mode & 0o044 == 0 ? nil : "\(key): \(path): mode \(octal(mode)) lets group or others read a private key (chmod 600 it)"
        return ColoniesPrivateKey(hex: hex, warning: warning)
    }

    private static func parse(_ bytes: [UInt8], _ failure: (String) -> ConfigError) throws(ConfigError) -> String {
        let isSpace: (UInt8) -> Bool = { [0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C].contains($0) }
        var trimmed = bytes[...]
        while let first = trimmed.first, isSpace(first) { trimmed = trimmed.dropFirst() }
        while let last = trimmed.last, isSpace(last) { trimmed = trimmed.dropLast() }
        let usage = "expected 64 hex characters (a secp256k1 private key)"
        guard !trimmed.isEmpty else { throw failure("the file is empty; \(usage)") }
        guard trimmed.allSatisfy({ Unicode.Scalar($0).properties.isASCIIHexDigit }) else {
            throw failure("not a hex key: \(usage), found other characters")
        }
        guard trimmed.count == 64 else { throw failure("\(usage), found \(trimmed.count)") }
        let hex = String(decoding: trimmed, as: UTF8.self).lowercased()
        guard hex.contains(where: { $0 != "0" }) else { throw failure("the key is all zeros, which is no secp256k1 private key") }
        guard hex < groupOrder else { throw failure("the key is not below the secp256k1 group order, so it is no private key") }
        return hex
    }

    private static func octal(_ mode: UInt32) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

extension ColoniesConfig {
    /// For `beekeeper config check` (and executor mode at start): the executor's key file, and the
    /// colony's if set, exist, are readable and hold usable, distinct keys. Returns the warnings
    /// (a key file others may read), one line each.
    public func validateKeyFiles() throws(ConfigError) -> [String] {
        let executorKey = try ColoniesPrivateKey.read(path: executorKeyFile, key: "colonies.executor_key_file")
        var warnings = executorKey.warning.map { [$0] } ?? []
        if let colonyKeyFile {
            let colonyKey = try ColoniesPrivateKey.read(path: colonyKeyFile, key: "colonies.colony_key_file")
            // The server refuses assign calls signed by the colony owner: the executor needs its own key.
            guard colonyKey.hex != executorKey.hex else {
                throw ConfigError(file: nil, line: nil, key: "colonies.colony_key_file",
                                  message: "\(colonyKeyFile): holds the same key as executor_key_file; the executor needs a key of its own")
            }
            warnings += colonyKey.warning.map { [$0] } ?? []
        }
        return warnings
    }
}
