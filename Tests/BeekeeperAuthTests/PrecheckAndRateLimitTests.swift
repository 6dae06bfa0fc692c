import BeekeeperAuth
import Sodium
import Synchronization
import Testing

@Suite struct PrecheckAndRateLimitTests {
    let pair = Ed25519.KeyPair.generate()

    func headers(_ list: [(name: String, value: String)]) -> (String) -> String? {
        { name in list.first { $0.name.lowercased() == name.lowercased() }?.value }
    }

    @Test func precheckJudgesTheHeadersWithoutTheBodyAndRemembersNothing() throws {
        let verifier = RequestVerifier(keys: ["ops": pair.publicKey], clockSkew: .seconds(300), now: { 1_800_000_000 })
        let body = Array(#"{"funcname":"echo"}"#.utf8)
        let signed = SignedRequest.headers(method: "POST", path: "/v1/tasks", body: body, keyName: "ops", keyPair: pair, timestamp: 1_800_000_000)
        #expect(try verifier.precheck(header: headers(signed)) == "ops")
        // A precheck does not use the nonce up: the full check after the body still passes once.
        #expect(try verifier.verify(method: "POST", path: "/v1/tasks", bodySHA256Hex: Hex.encode(SHA256.hash(body)), header: headers(signed)) == "ops")
        #expect(throws: AuthFailure.replayedNonce) { try verifier.precheck(header: headers(signed)) }

        let stranger = SignedRequest.headers(method: "POST", path: "/v1/tasks", body: body, keyName: "mallory", keyPair: pair, timestamp: 1_800_000_000)
        #expect(throws: AuthFailure.unknownKey("mallory")) { try verifier.precheck(header: headers(stranger)) }
        let stale = SignedRequest.headers(method: "POST", path: "/v1/tasks", body: body, keyName: "ops", keyPair: pair, timestamp: 1_800_000_000 - 3600)
        #expect(throws: AuthFailure.staleTimestamp(skewSeconds: 3600)) { try verifier.precheck(header: headers(stale)) }
        let shortNonce = SignedRequest.headers(
            method: "POST", path: "/v1/tasks", body: body, keyName: "ops", keyPair: pair, timestamp: 1_800_000_000, nonce: "short")
        #expect(throws: AuthFailure.malformedNonce) { try verifier.precheck(header: headers(shortNonce)) }
        #expect(throws: AuthFailure.missingHeader(SignedRequest.keyHeader)) { try verifier.precheck(header: { _ in nil }) }
    }

    @Test func aBucketPerKeyRefillsAtItsRate() {
        let limiter = KeyRateLimiter(rate: 2, burst: 3)
        let start = ContinuousClock.now
        for _ in 0..<3 { #expect(limiter.take("busy", now: start) == nil) }
        #expect(limiter.take("busy", now: start) == 1)
        // Another key has its own bucket, whatever the busy one did.
        #expect(limiter.take("calm", now: start) == nil)
        // Half a second at 2/s brings one token back, and only one.
        #expect(limiter.take("busy", now: start + .milliseconds(500)) == nil)
        #expect(limiter.take("busy", now: start + .milliseconds(500)) == 1)
        // A slow rate says how long to wait.
        let slow = KeyRateLimiter(rate: 0.1, burst: 1)
        #expect(slow.take("k", now: start) == nil)
        #expect(slow.take("k", now: start) == 10)
    }

    /// A reload replaces the limit in place: buckets keep what they hold (cut to the new burst),
    /// refill at the new rate; nil lifts the limit, and a limit set again starts full.
    @Test func aReplacedLimitAppliesFromTheNextRequest() {
        let limiter = KeyRateLimiter(limit: nil)
        let start = ContinuousClock.now
        for _ in 0..<100 { #expect(limiter.take("k", now: start) == nil) }
        limiter.replace(.init(rate: 1, burst: 5))
        for _ in 0..<5 { #expect(limiter.take("k", now: start) == nil) }
        #expect(limiter.take("k", now: start) == 1)
        // A smaller burst cuts what a bucket holds; a slower rate says so in the wait.
        limiter.replace(.init(rate: 10, burst: 3))
        #expect(limiter.take("full", now: start) == nil)
        limiter.replace(.init(rate: 0.25, burst: 1))
        // Two tokens left, cut to the new burst of one.
        #expect(limiter.take("full", now: start) == nil)
        #expect(limiter.take("full", now: start) == 4)
        #expect(limiter.take("k", now: start) == 4)
        limiter.replace(nil)
        #expect(limiter.limit == nil)
        #expect(limiter.take("k", now: start) == nil)
    }
}
