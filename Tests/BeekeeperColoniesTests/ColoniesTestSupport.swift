import BeekeeperColonies
import BeekeeperCore
import Sodium

/// A reply body exactly as the Colonies server writes it.
func envelopeBody(payloadtype: String, payload: JSONValue, error: Bool) -> [UInt8] {
    let envelope: JSONValue = ["payloadtype": .string(payloadtype), "payload": .string(Base64.encode(payload.bytes)), "error": .bool(error)]
    return envelope.bytes
}

/// The server's error reply for `status` and `message`.
func errorBody(status: Int, message: String) -> [UInt8] {
    envelopeBody(payloadtype: "error", payload: ["status": .number(status), "message": .string(message)], error: true)
}

/// What a request body carries, decoded as the server decodes it.
struct SentRequest {
    let payloadtype: String
    let payloadText: String
    let message: JSONValue
    let signature: String

    init(body: [UInt8]) throws {
        let envelope = try JSONValue.parse(body)
        payloadtype = envelope["payloadtype"]?.stringValue ?? ""
        payloadText = envelope["payload"]?.stringValue ?? ""
        signature = envelope["signature"]?.stringValue ?? ""
        message = try JSONValue.parse(Base64.decode(payloadText) ?? [])
    }

    var signerID: String? { ColoniesIdentity.signerID(payload: payloadText, signature: signature) }
}
