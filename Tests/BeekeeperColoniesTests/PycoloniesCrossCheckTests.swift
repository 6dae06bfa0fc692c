import BeekeeperColonies
import BeekeeperCore
import Sodium
import Testing

/// Our signatures checked by an independent implementation: pycolonies' pure-Python secp256k1
/// (Tools/pycolonies_crosscheck.py). Outside CI the suite skips without pycolonies; with
/// CI=true it runs and fails (scripts/install-deps.sh installs pycolonies).
@Suite(.enabled(if: Pycolonies.isCI || Pycolonies.isInstalled, "pycolonies is not installed"))
struct PycoloniesCrossCheckTests {
    struct Case {
        let identity: ColoniesIdentity
        let payload: String
        let signature: String
    }

    /// What pycolonies says about each case: its id for the key, its own signature of the
    /// payload, and the id it recovers from ours.
    static func pycolonies(_ cases: [Case]) throws -> [JSONValue] {
        let input: JSONValue = .array(cases.map {
            ["prvkey": .string($0.identity.privateKeyHex), "payload": .string($0.payload), "signature": .string($0.signature)]
        })
        let (status, output) = try Pycolonies.python([Pycolonies.crossCheckScript, input.serialized()])
        #expect(status == 0, "pycolonies_crosscheck.py failed")
        return try #require(JSONValue.parse(output).arrayValue)
    }

    @Test func pycoloniesRecoversOurIDAndSignsTheSameBytes() throws {
        var cases = [Case]()
        for vector in ColoniesVector.all {
            let identity = try ColoniesIdentity(privateKeyHex: vector.privateKey)
            cases.append(Case(identity: identity, payload: vector.message, signature: identity.sign(vector.message)))
        }
        for index in 0..<8 {
            let identity = ColoniesIdentity.generate()
            let message: JSONValue = ["msgtype": "closesuccessfulmsg", "processid": .string(Hex.encode(Sodium.randomBytes(32))), "out": [.number(index), "ü ✓"]]
            let payload = Base64.encode(message.bytes)
            cases.append(Case(identity: identity, payload: payload, signature: identity.sign(payload)))
        }
        let answers = try Self.pycolonies(cases)
        try #require(answers.count == cases.count)
        for (ours, theirs) in zip(cases, answers) {
            #expect(theirs["id"]?.stringValue == ours.identity.id)
            #expect(theirs["recovered_id"]?.stringValue == ours.identity.id)
            #expect(theirs["signature"]?.stringValue == ours.signature)
        }
    }

    @Test func aSignatureByAnotherKeyRecoversAnotherID() throws {
        let identity = ColoniesIdentity.generate()
        let payload = Base64.encode(Array(#"{"msgtype":"assignprocessmsg","colonyname":"dev","timeout":10}"#.utf8))
        let answers = try Self.pycolonies([Case(identity: identity, payload: payload, signature: ColoniesIdentity.generate().sign(payload))])
        #expect(answers.first?["recovered_id"]?.stringValue != identity.id)
        #expect(answers.first?["recovered_id"]?.stringValue?.count == 64)
    }
}
