internal import CSodium

/// Entry point to libsodium. `sodium_init` runs exactly once, before any other call, because
/// every public function here goes through `Sodium.ready`.
public enum Sodium {
    static let ready: Void = {
        // sodium_init returns 0 on success and 1 if it was already initialised; -1 is fatal:
        // without a working CSPRNG no key or nonce this process makes can be trusted.
        guard sodium_init() >= 0 else { fatalError("libsodium could not be initialised") }
    }()

    /// Cryptographically secure random bytes.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        _ = ready
        var bytes = [UInt8](repeating: 0, count: count)
        if count > 0 { bytes.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, $0.count) } }
        return bytes
    }

    /// Lends a non-null pointer even for empty input: libsodium's prototypes take non-null
    /// pointers, and an empty message is legitimate (RFC 8032 TEST 1 signs one).
    static func withMessagePointer<R>(_ message: some ContiguousBytes, _ body: (UnsafePointer<UInt8>, Int) -> R) -> R {
        message.withUnsafeBytes { raw in
            if let base = raw.baseAddress, raw.count > 0 {
                return body(base.assumingMemoryBound(to: UInt8.self), raw.count)
            }
            var empty: UInt8 = 0
            return withUnsafePointer(to: &empty) { body($0, 0) }
        }
    }

    /// Compares two byte strings in time independent of where they differ.
    public static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        _ = ready
        guard lhs.count == rhs.count else { return false }
        if lhs.isEmpty { return true }
        return lhs.withUnsafeBytes { left in
            rhs.withUnsafeBytes { right in sodium_memcmp(left.baseAddress, right.baseAddress, left.count) == 0 }
        }
    }
}
