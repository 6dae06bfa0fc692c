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

@Suite struct ColoniesKeyFileTests {
    final class Directory {
        let path = NSTemporaryDirectory() + "colonies-keys-" + UUID().uuidString
        init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        func write(_ name: String, _ contents: String) throws -> String {
            let file = path + "/" + name
            try contents.write(toFile: file, atomically: true, encoding: .utf8)
            return file
        }
    }

    @Test func keyWithSurroundingWhitespaceLoads() throws {
        let directory = try Directory()
        let vector = ColoniesVector.assign
        let file = try directory.write("colonies.key", "  \(vector.privateKey)\n\n")
        #expect(try ColoniesIdentity(keyFile: file).id == vector.id)
        let upper = try directory.write("upper.key", vector.privateKey.uppercased())
        #expect(try ColoniesIdentity(keyFile: upper).id == vector.id)
    }

    @Test func errorsNameTheFileAndNeverTheKey() throws {
        let directory = try Directory()
        let missing = directory.path + "/missing.key"
        #expect(throws: ColoniesError.invalidKey(file: missing, reason: "no such file")) { try ColoniesIdentity(keyFile: missing) }

        let short = try directory.write("short.key", String(ColoniesVector.assign.privateKey.dropLast()) + "\n")
        #expect(throws: ColoniesError.invalidKey(file: short, reason: "expected 64 hex characters (a secp256k1 private key), found 63")) {
            try ColoniesIdentity(keyFile: short)
        }

        let notHex = try directory.write("nothex.key", String(repeating: "q", count: 64))
        #expect(throws: ColoniesError.invalidKey(file: notHex, reason: "private key is not hex")) { try ColoniesIdentity(keyFile: notHex) }

        let order = try directory.write("order.key", "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")
        do {
            _ = try ColoniesIdentity(keyFile: order)
            Issue.record("the group order is not a private key")
        } catch {
            #expect(error.description.contains(order))
            #expect(!error.description.contains("baaedce6af48a03b"))
        }

        #expect(throws: ColoniesError.self) { try ColoniesIdentity(keyFile: directory.path) }
    }
}
