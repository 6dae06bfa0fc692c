import BeekeeperAuth
import Sodium
import Synchronization
import Testing

@Suite struct RequestVerifierTests {
    let pair = Ed25519.KeyPair.generate()
    let body = Array(#"{"funcname":"validate_revenue","args":[]}"#.utf8)

    final class FakeClock: Sendable {
        let value = Mutex<Int64>(1_800_000_000)
        func now() -> Int64 { value.withLock { $0 } }
        func advance(_ seconds: Int64) { value.withLock { $0 += seconds } }
    }

    func verifier(_ clock: FakeClock, skew: Duration = .seconds(300)) -> RequestVerifier {
        RequestVerifier(keys: ["ops": pair.publicKey], clockSkew: skew, now: { clock.now() })
    }

    func headers(_ list: [(name: String, value: String)]) -> (String) -> String? {
        { name in list.first { $0.name.lowercased() == name.lowercased() }?.value }
    }

    func verify(_ verifier: RequestVerifier, _ list: [(name: String, value: String)], body: [UInt8]? = nil, path: String = "/v1/tasks") throws(AuthFailure) -> String {
        try verifier.verify(method: "POST", path: path, bodySHA256Hex: Hex.encode(SHA256.hash(body ?? self.body)), header: headers(list))
    }

    @Test func canonicalStringMatchesSpec() {
        let text = SignedRequest.canonicalString(method: "post", path: "/v1/tasks", timestamp: 42, nonce: "n", bodySHA256Hex: "ab")
        #expect(text == "beekeeper-request v1\nPOST\n/v1/tasks\n42\nn\nab")
    }

    @Test func validRequestNamesTheActor() throws {
        let clock = FakeClock()
        let list = SignedRequest.headers(method: "POST", path: "/v1/tasks", body: body, keyName: "ops", keyPair: pair, timestamp: clock.now())
        #expect(try verify(verifier(clock), list) == "ops")
    }

    @Test func replayedNonceIsRefusedUntilItExpires() throws {
        let clock = FakeClock()
        let verifier = verifier(clock, skew: .seconds(10))
        let list = SignedRequest.headers(method: "POST", path: "/v1/tasks", body: body, keyName: "ops", keyPair: pair, timestamp: clock.now())
        _ = try verify(verifier, list)
        #expect(throws: AuthFailure.replayedNonce) { try verify(verifier, list) }
        // Past 2 × skew the nonce is forgotten, but then the timestamp is stale anyway.
        clock.advance(21)
        #expect(throws: AuthFailure.staleTimestamp(skewSeconds: 21)) { try verify(verifier, list) }
    }

    @Test func tamperingIsDetected() throws {
        let clock = FakeClock()
        let verifier = verifier(clock)
        var list = SignedRequest.headers(method: "POST", path: "/v1/tasks", body: body, keyName: "ops", keyPair: pair, timestamp: clock.now())
        #expect(throws: AuthFailure.badSignature) { try verify(verifier, list, body: body + [0x20]) }
        #expect(throws: AuthFailure.badSignature) { try verify(verifier, list, path: "/v1/events") }
        list[0].value = "intruder"
        #expect(throws: AuthFailure.unknownKey("intruder")) { try verify(verifier, list) }
    }

    @Test func otherKeyIsRejected() {
        let clock = FakeClock()
        let other = Ed25519.KeyPair.generate()
        let list = SignedRequest.headers(method: "POST", path: "/v1/tasks", body: body, keyName: "ops", keyPair: other, timestamp: clock.now())
        #expect(throws: AuthFailure.badSignature) { try verify(verifier(clock), list) }
    }

    @Test func staleAndFutureTimestampsAreRejected() {
        let clock = FakeClock()
        let verifier = verifier(clock)
        let old = SignedRequest.headers(method: "POST", path: "/v1/tasks", body: body, keyName: "ops", keyPair: pair, timestamp: clock.now() - 301)
        #expect(throws: AuthFailure.staleTimestamp(skewSeconds: 301)) { try verify(verifier, old) }
        let future = SignedRequest.headers(method: "POST", path: "/v1/tasks", body: body, keyName: "ops", keyPair: pair, timestamp: clock.now() + 400)
        #expect(throws: AuthFailure.staleTimestamp(skewSeconds: 400)) { try verify(verifier, future) }
    }

    @Test func malformedHeadersAreNamed() {
        let clock = FakeClock()
        let verifier = verifier(clock)
        let good = SignedRequest.headers(method: "POST", path: "/v1/tasks", body: body, keyName: "ops", keyPair: pair, timestamp: clock.now())
        #expect(throws: AuthFailure.missingHeader(SignedRequest.signatureHeader)) { try verify(verifier, Array(good.prefix(3))) }
        let shortNonce = SignedRequest.headers(method: "POST", path: "/v1/tasks", body: body, keyName: "ops", keyPair: pair, timestamp: clock.now(), nonce: "short")
        #expect(throws: AuthFailure.malformedNonce) { try verify(verifier, shortNonce) }
        var badBase64 = good
        badBase64[3].value = "!!!"
        #expect(throws: AuthFailure.malformedSignature) { try verify(verifier, badBase64) }
        var badTimestamp = good
        badTimestamp[1].value = "yesterday"
        #expect(throws: AuthFailure.malformedTimestamp) { try verify(verifier, badTimestamp) }
    }
}
