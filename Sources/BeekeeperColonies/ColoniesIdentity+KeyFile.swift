internal import BeekeeperCore

extension ColoniesIdentity {
    /// Loads a key file: 64 hex digits, surrounding whitespace and newlines ignored (what
    /// `echo KEY > file` writes). Errors name the file and never repeat its contents.
    public init(keyFile path: String) throws(ColoniesError) {
        let contents: [UInt8]?
        do {
            contents = try DurableFile.readFile(path)
        } catch {
            throw .invalidKey(file: path, reason: error.message)
        }
        guard let contents else { throw .invalidKey(file: path, reason: "no such file") }
        let isSpace: (UInt8) -> Bool = { [0x20, 0x09, 0x0A, 0x0D].contains($0) }
        let text = String(decoding: contents.drop(while: isSpace).reversed().drop(while: isSpace).reversed(), as: UTF8.self)
        guard text.utf8.count == 64 else {
            throw .invalidKey(file: path, reason: "expected 64 hex characters (a secp256k1 private key), found \(text.utf8.count)")
        }
        do {
            try self.init(privateKeyHex: text)
        } catch {
            guard case .invalidKey(_, let reason) = error else { throw error }
            throw .invalidKey(file: path, reason: reason)
        }
    }
}
