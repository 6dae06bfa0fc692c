import BeekeeperCore
import Foundation
public import Sodium

/// Key files: `NAME.key` holds the 64-byte Ed25519 secret key as hex (mode 0600), `NAME.pub`
/// the 32-byte public key as hex, the form `auth.keys` takes in the config.
public enum KeyFile {
    public struct Error: Swift.Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    public static func loadKeyPair(at path: String) throws(Error) -> Ed25519.KeyPair {
        let text = try read(path)
        guard let bytes = Hex.decode(text) else { throw Error(path: path, reason: "not a hex-encoded Ed25519 secret key") }
        do {
            return try Ed25519.KeyPair(secretKey: bytes)
        } catch {
            throw Error(path: path, reason: "not an Ed25519 secret key (\(error))")
        }
    }

    public static func loadPublicKey(at path: String) throws(Error) -> Ed25519.PublicKey {
        let text = try read(path)
        do {
            return try Ed25519.PublicKey(hex: text)
        } catch {
            throw Error(path: path, reason: "not an Ed25519 public key: \(error)")
        }
    }

    /// Writes `<directory>/<name>.key` (0600, created exclusively so an existing key is never
    /// overwritten) and `<directory>/<name>.pub`.
    @discardableResult
    public static func write(_ pair: Ed25519.KeyPair, directory: String, name: String) throws(Error) -> (secret: String, public: String) {
        let secretPath = directory + "/" + name + ".key"
        let publicPath = directory + "/" + name + ".pub"
        do {
            try DurableFile.makeDirectories(directory)
        } catch {
            throw Error(path: directory, reason: error.message)
        }
        do {
            try DurableFile.createExclusively(secretPath, with: Array((Hex.encode(pair.secretKeyBytes) + "\n").utf8), mode: 0o600)
            try DurableFile.createExclusively(publicPath, with: Array((pair.publicKey.hex + "\n").utf8), mode: 0o644)
        } catch {
            throw Error(path: error.path, reason: error.message)
        }
        return (secretPath, publicPath)
    }

    /// Loads the key pair at `path`, or creates it (and its `.pub` beside it) on first use.
    public static func loadOrCreate(at path: String) throws(Error) -> Ed25519.KeyPair {
        if FileManager.default.fileExists(atPath: path) { return try loadKeyPair(at: path) }
        let url = URL(fileURLWithPath: path)
        let name = url.deletingPathExtension().lastPathComponent
        let pair = Ed25519.KeyPair.generate()
        try write(pair, directory: url.deletingLastPathComponent().path, name: name)
        return pair
    }

    private static func read(_ path: String) throws(Error) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw Error(path: path, reason: "cannot read file") }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
