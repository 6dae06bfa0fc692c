public import Sodium
import Synchronization

/// Verifies signed requests (SPEC section 4) and remembers nonces for 2 × clock_skew, so a
/// captured request cannot be replayed while its timestamp is still acceptable.
///
/// The keys and the clock skew can be replaced while requests are verified (a configuration
/// reload): each request reads them once, so it is judged wholly by the old set or the new one.
public final class RequestVerifier: Sendable {
    private struct Credentials {
        var keys: [String: Ed25519.PublicKey]
        var clockSkewSeconds: Int64
    }

    private let credentials: Mutex<Credentials>
    private let now: @Sendable () -> Int64
    private let nonces: Mutex<NonceCache>

    public init(keys: [String: Ed25519.PublicKey], clockSkew: Duration, now: @escaping @Sendable () -> Int64) {
        self.credentials = Mutex(Credentials(keys: keys, clockSkewSeconds: max(1, clockSkew.components.seconds)))
        self.now = now
        self.nonces = Mutex(NonceCache())
    }

    /// How many nonces are remembered now (a gauge of what replay protection holds in memory).
    public var rememberedNonces: Int { nonces.withLock { $0.count } }

    /// Accepts `keys` from the next request on. Nonces already seen stay remembered.
    public func replace(keys: [String: Ed25519.PublicKey], clockSkew: Duration) {
        credentials.withLock { $0 = Credentials(keys: keys, clockSkewSeconds: max(1, clockSkew.components.seconds)) }
    }

    /// What can be judged from the headers alone, before any body byte is read: the four headers
    /// present, the key known, the timestamp within `clock_skew`, the nonce well formed and not
    /// seen, the signature well formed. Returns the key name; a stranger is refused here, so it
    /// never gets to send (and the sidecar never buffers) a body.
    public func precheck(header: (String) -> String?) throws(AuthFailure) -> String {
        let checked = try headerChecks(header: header)
        let nonce = NonceCache.key(keyName: checked.keyName, nonce: checked.nonce)
        let seen = nonces.withLock { $0.contains(nonce, now: checked.now, retention: 2 * checked.clockSkewSeconds) }
        guard !seen else { throw .replayedNonce }
        return checked.keyName
    }

    /// Returns the key name (the actor) when the request is authentic and fresh.
    /// - Parameter header: looks a header up by name, case-insensitively.
    public func verify(
        method: String,
        path: String,
        bodySHA256Hex: String,
        header: (String) -> String?
    ) throws(AuthFailure) -> String {
        let checked = try headerChecks(header: header)
        let message = SignedRequest.canonicalString(
            method: method, path: path, timestamp: checked.timestamp, nonce: checked.nonce, bodySHA256Hex: bodySHA256Hex)
        guard checked.key.isValidSignature(checked.signature, for: Array(message.utf8)) else { throw .badSignature }
        // Only authentic requests reach the cache, so strangers cannot fill it.
        let nonce = NonceCache.key(keyName: checked.keyName, nonce: checked.nonce)
        let fresh = nonces.withLock { $0.insert(nonce, now: checked.now, retention: 2 * checked.clockSkewSeconds) }
        guard fresh else { throw .replayedNonce }
        return checked.keyName
    }

    private struct HeaderChecks {
        var keyName: String
        var key: Ed25519.PublicKey
        var timestamp: Int64
        var nonce: String
        var signature: [UInt8]
        var now: Int64
        var clockSkewSeconds: Int64
    }

    private func headerChecks(header: (String) -> String?) throws(AuthFailure) -> HeaderChecks {
        guard let keyName = header(SignedRequest.keyHeader) else { throw .missingHeader(SignedRequest.keyHeader) }
        guard let timestampText = header(SignedRequest.timestampHeader) else { throw .missingHeader(SignedRequest.timestampHeader) }
        guard let nonce = header(SignedRequest.nonceHeader) else { throw .missingHeader(SignedRequest.nonceHeader) }
        guard let signatureText = header(SignedRequest.signatureHeader) else { throw .missingHeader(SignedRequest.signatureHeader) }
        let (key, clockSkewSeconds) = credentials.withLock { ($0.keys[keyName], $0.clockSkewSeconds) }
        guard let key else { throw .unknownKey(keyName) }
        guard let timestamp = Int64(timestampText) else { throw .malformedTimestamp }
        let current = now()
        let skew = timestamp > current ? timestamp - current : current - timestamp
        guard skew <= clockSkewSeconds else { throw .staleTimestamp(skewSeconds: skew) }
        guard SignedRequest.nonceLengths.contains(nonce.utf8.count),
            nonce.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { throw .malformedNonce }
        guard let signature = Base64.decode(signatureText), signature.count == Ed25519.signatureByteCount else {
            throw .malformedSignature
        }
        return HeaderChecks(
            keyName: keyName, key: key, timestamp: timestamp, nonce: nonce, signature: signature, now: current,
            clockSkewSeconds: clockSkewSeconds)
    }
}

/// Nonces seen recently, expired in insertion order (timestamps are monotone enough: entries
/// are stamped with the server clock on arrival, not the client's).
///
/// A nonce is kept as 64 bits of a hash of it and its key's name, seeded at random once per
/// process, not as a String: at a busy sidecar's rate 2 × clock_skew of nonces are millions
/// (3,000,000 at 5,000 requests/s and the default 300 s), about 40 bytes each this way against
/// about 190 as Strings (BENCHMARKS.md sections 27 and 29). Two different nonces share a hash with a
/// chance of 2^-64 per pair (with 3,000,000 kept, about one request in 6 · 10^12), and the cost of
/// one is a genuine request refused as replayed, which its client retries with a new nonce;
/// nobody can aim for one without the seed.
struct NonceCache {
    /// A set, not a map to the time: a nonce is only ever inserted when absent and only removed by
    /// its own entry in `order`, so each member has exactly one entry there, which has its time.
    private var seen: Set<UInt64> = []
    private var order: [(nonce: UInt64, at: Int64)] = []
    private var head = 0

    /// The nonce `nonce` of key `keyName` as the cache keeps it (a nonce is unique per key).
    static func key(keyName: String, nonce: String) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(keyName)
        hasher.combine(nonce)
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    /// False if `nonce` was seen within `retention` seconds.
    mutating func insert(_ nonce: UInt64, now: Int64, retention: Int64) -> Bool {
        expire(now: now, retention: retention)
        guard seen.insert(nonce).inserted else { return false }
        order.append((nonce, now))
        return true
    }

    /// True if `nonce` was seen within `retention` seconds; remembers nothing.
    mutating func contains(_ nonce: UInt64, now: Int64, retention: Int64) -> Bool {
        expire(now: now, retention: retention)
        return seen.contains(nonce)
    }

    private mutating func expire(now: Int64, retention: Int64) {
        while head < order.count, now - order[head].at > retention {
            seen.remove(order[head].nonce)
            head += 1
        }
        // Compact occasionally so the array does not grow without bound.
        if head > 4096, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    var count: Int { seen.count }
}
