internal import CSodium

/// HMAC-SHA-256 (RFC 2104) with a key of any length.
public enum HMACSHA256 {
    public static let byteCount = 32

    public static func authenticate(_ message: some ContiguousBytes, key: [UInt8]) -> [UInt8] {
        _ = Sodium.ready
        var state = crypto_auth_hmacsha256_state()
        var mac = [UInt8](repeating: 0, count: byteCount)
        Sodium.withMessagePointer(key) { pointer, count in _ = crypto_auth_hmacsha256_init(&state, pointer, count) }
        message.withUnsafeBytes { bytes in
            if let base = bytes.baseAddress, bytes.count > 0 {
                crypto_auth_hmacsha256_update(&state, base.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
            }
        }
        mac.withUnsafeMutableBufferPointer { _ = crypto_auth_hmacsha256_final(&state, $0.baseAddress!) }
        return mac
    }

    public static func authenticate(_ text: String, key: [UInt8]) -> [UInt8] {
        authenticate(Array(text.utf8), key: key)
    }
}
