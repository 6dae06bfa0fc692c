import Testing

@testable import BeekeeperAuth

/// The replay cache as it is kept: hashed nonces per key, expired in arrival order.
@Suite("NonceCache")
struct NonceCacheTests {
    @Test("a nonce is refused again within retention, per key, and forgotten after it")
    func replayWithinRetention() {
        var cache = NonceCache()
        let ops = NonceCache.key(keyName: "ops", nonce: "0123456789abcdef")
        let first = cache.insert(ops, now: 100, retention: 20)
        let again = cache.insert(ops, now: 110, retention: 20)
        let stillSeen = cache.contains(ops, now: 120, retention: 20)
        // The same nonce under another key is another nonce.
        let otherKey = cache.insert(NonceCache.key(keyName: "ci", nonce: "0123456789abcdef"), now: 120, retention: 20)
        // Past retention it is forgotten (the timestamp check refuses such a request anyway).
        let seenAfter = cache.contains(ops, now: 121, retention: 20)
        let afterExpiry = cache.insert(ops, now: 121, retention: 20)
        #expect(first && !again && stillSeen && otherKey)
        #expect(!seenAfter && afterExpiry)
        #expect(cache.count == 2)
    }

    @Test("key and nonce are kept apart: moving bytes between them makes another entry")
    func boundaryBetweenKeyAndNonce() {
        #expect(NonceCache.key(keyName: "ab", nonce: "c0123456789abcdef") != NonceCache.key(keyName: "abc", nonce: "0123456789abcdef"))
        #expect(NonceCache.key(keyName: "ops", nonce: "n-1") == NonceCache.key(keyName: "ops", nonce: "n-1"))
    }

    @Test("100,000 distinct nonces are all kept and none collides; expiry empties the cache")
    func manyNonces() {
        var cache = NonceCache()
        var fresh = 0
        for index in 0..<100_000 where cache.insert(NonceCache.key(keyName: "bench", nonce: "nonce-\(index)"), now: 1_000 + Int64(index / 1_000), retention: 600) {
            fresh += 1
        }
        #expect(fresh == 100_000)
        #expect(cache.count == 100_000)
        let seen = cache.contains(NonceCache.key(keyName: "bench", nonce: "nonce-0"), now: 2_000, retention: 600)
        #expect(!seen)
        #expect(cache.count == 0)
    }
}
