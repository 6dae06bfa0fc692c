import BeekeeperColonies
import Foundation
import Secp256k1
import Testing

@Suite struct ColoniesIdentityTests {
    @Test(arguments: ColoniesVector.all) func idAndSignatureMatchGoAndPycolonies(_ vector: ColoniesVector) throws {
        let identity = try ColoniesIdentity(privateKeyHex: vector.privateKey)
        #expect(identity.id == vector.id)
        #expect(identity.sign(vector.message) == vector.signature)
        #expect(ColoniesIdentity.signerID(payload: vector.message, signature: vector.signature) == vector.id)
    }

    @Test func publicKeyIsTheUncompressedHex() throws {
        let identity = try ColoniesIdentity(privateKeyHex: ColoniesVector.all[0].privateKey)
        #expect(identity.publicKeyHex == "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8")
    }

    @Test func alteredPayloadOrSignatureNamesSomeoneElse() throws {
        let vector = ColoniesVector.assign
        #expect(ColoniesIdentity.signerID(payload: vector.message + "x", signature: vector.signature) != vector.id)
        let flippedV = String(vector.signature.dropLast(2)) + "00"
        #expect(ColoniesIdentity.signerID(payload: vector.message, signature: flippedV) != vector.id)
        #expect(ColoniesIdentity.signerID(payload: vector.message, signature: "zz") == nil)
        #expect(ColoniesIdentity.signerID(payload: vector.message, signature: String(vector.signature.dropLast(2))) == nil)
    }

    @Test func generatedIdentitiesSignForThemselves() throws {
        let identity = ColoniesIdentity.generate()
        #expect(identity.id.count == 64)
        #expect(identity.id == identity.id.lowercased())
        let signature = identity.sign("payload")
        #expect(signature.count == 130)
        #expect(ColoniesIdentity.signerID(payload: "payload", signature: signature) == identity.id)
        #expect(try ColoniesIdentity(privateKeyHex: identity.privateKeyHex).id == identity.id)
    }

    @Test func descriptionNeverShowsTheKey() throws {
        let identity = ColoniesIdentity.generate()
        #expect(!"\(identity)".contains(identity.privateKeyHex))
        #expect(!String(reflecting: identity).contains(identity.privateKeyHex))
        #expect("\(identity)".contains(identity.id))
    }

    @Test func invalidKeysAreRefused() {
        #expect(throws: ColoniesError.invalidKey(file: nil, reason: "private key is zero or not below the secp256k1 group order")) {
            try ColoniesIdentity(privateKeyHex: String(repeating: "0", count: 64))
        }
        #expect(throws: ColoniesError.invalidKey(file: nil, reason: "private key is not hex")) {
            try ColoniesIdentity(privateKeyHex: String(repeating: "x", count: 64))
        }
    }
}
