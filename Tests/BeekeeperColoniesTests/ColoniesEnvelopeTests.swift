import BeekeeperColonies
import BeekeeperCore
import Testing

@Suite struct ColoniesEnvelopeTests {
    @Test func requestRoundTrips() throws {
        let identity = ColoniesIdentity.generate()
        let message: JSONValue = ["msgtype": "closesuccessfulmsg", "processid": "abc", "out": [1, "two", ["three": 3], nil]]
        let sent = try SentRequest(body: ColoniesEnvelope.request(message, signedBy: identity))
        #expect(sent.payloadtype == "closesuccessfulmsg")
        #expect(sent.message == message)
        #expect(sent.signature.count == 130)
        #expect(sent.signerID == identity.id)
    }

    @Test func requestBodyHasExactlyTheThreeFields() throws {
        let body = try JSONValue.parse(ColoniesEnvelope.request(["msgtype": "versionmsg"], signedBy: nil))
        #expect(body.objectValue?.map(\.key) == ["payloadtype", "payload", "signature"])
        #expect(body["payload"]?.stringValue == "eyJtc2d0eXBlIjoidmVyc2lvbm1zZyJ9")
        #expect(body["signature"]?.stringValue == "")
    }

    /// Vector 3 is the payload pycolonies sent for a real assign: our signature over its text
    /// is the one Go and pycolonies make.
    @Test func assignVectorSignsToTheKnownSignature() throws {
        let identity = try ColoniesIdentity(privateKeyHex: ColoniesVector.assign.privateKey)
        #expect(identity.sign(ColoniesVector.assign.message) == ColoniesVector.assign.signature)
        let decoded = try SentRequest(body: Array(#"{"payloadtype":"assignprocessmsg","payload":"\#(ColoniesVector.assign.message)","signature":""}"#.utf8))
        #expect(decoded.message == ["msgtype": "assignprocessmsg", "timeout": 10, "colonyname": "dev"])
    }

    @Test func successReplyGivesThePayload() throws {
        let process: JSONValue = ["processid": "p1", "spec": ["funcname": "echo"]]
        let payload = try ColoniesEnvelope.reply(status: 200, body: envelopeBody(payloadtype: "assignprocessmsg", payload: process, error: false))
        #expect(payload == process)
        #expect(try ColoniesEnvelope.reply(status: 200, body: envelopeBody(payloadtype: "closefailedmsg", payload: [:], error: false)) == [:])
    }

    @Test func errorReplyGivesStatusAndMessage() {
        #expect(throws: ColoniesError.server(status: 404, message: "No process available for assignment")) {
            try ColoniesEnvelope.reply(status: 404, body: errorBody(status: 404, message: "No process available for assignment"))
        }
        #expect(throws: ColoniesError.server(status: 403, message: "Access denied, not a member of Colony with name <dev>")) {
            try ColoniesEnvelope.reply(status: 403, body: errorBody(status: 403, message: "Access denied, not a member of Colony with name <dev>"))
        }
        // A payload without status falls back to the HTTP status.
        #expect(throws: ColoniesError.server(status: 500, message: "boom")) {
            try ColoniesEnvelope.reply(status: 500, body: envelopeBody(payloadtype: "error", payload: ["message": "boom"], error: true))
        }
    }

    @Test func nonEnvelopeRepliesCarryStatusAndExcerpt() {
        #expect(throws: ColoniesError.unexpectedReply(status: 502, excerpt: "<html> <h1>Bad Gateway</h1></html>")) {
            try ColoniesEnvelope.reply(status: 502, body: Array("<html>\n<h1>Bad Gateway</h1></html>".utf8))
        }
        #expect(throws: ColoniesError.unexpectedReply(status: 200, excerpt: "")) { try ColoniesEnvelope.reply(status: 200, body: []) }
        #expect(throws: ColoniesError.unexpectedReply(status: 404, excerpt: #"{"detail":"not found"}"#)) {
            try ColoniesEnvelope.reply(status: 404, body: Array(#"{"detail":"not found"}"#.utf8))
        }
        let long = [UInt8](repeating: UInt8(ascii: "x"), count: 5000)
        do {
            _ = try ColoniesEnvelope.reply(status: 500, body: long)
            Issue.record("not an envelope")
        } catch {
            guard case .unexpectedReply(500, let excerpt) = error else { Issue.record("\(error)"); return }
            #expect(excerpt == String(repeating: "x", count: 200) + "…")
        }
    }

    @Test func envelopeWithBadPayloadIsMalformed() {
        #expect(throws: ColoniesError.self) {
            try ColoniesEnvelope.reply(status: 200, body: Array(#"{"payloadtype":"x","payload":"!!!","error":false}"#.utf8))
        }
        do {
            // "bm90IGpzb24=" is base64 of "not json".
            _ = try ColoniesEnvelope.reply(status: 200, body: Array(#"{"payloadtype":"x","payload":"bm90IGpzb24=","error":false}"#.utf8))
            Issue.record("payload is not JSON")
        } catch {
            guard case .malformedReply(let message) = error else { Issue.record("\(error)"); return }
            #expect(message.contains("not JSON"))
        }
    }

    @Test func errorFalseWithAFailureStatusIsStillAnError() {
        #expect(throws: ColoniesError.self) {
            try ColoniesEnvelope.reply(status: 500, body: envelopeBody(payloadtype: "x", payload: [:], error: false))
        }
    }
}
