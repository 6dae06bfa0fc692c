public import BeekeeperCore
internal import Sodium

/// The one wire format of the Colonies API (COLONYOS.md section 2): every RPC is a POST of
/// `{"payloadtype": T, "payload": base64(message JSON), "signature": S}` and every answer,
/// error or not, is `{"payloadtype": ..., "payload": base64(JSON), "error": bool}`.
public enum ColoniesEnvelope {
    /// The request body for `message`, a JSON object whose string member `msgtype` also becomes
    /// the `payloadtype`. `signer` nil sends an empty signature, which only `versionmsg` accepts.
    public static func request(_ message: JSONValue, signedBy signer: ColoniesIdentity?) -> [UInt8] {
        guard let msgtype = message["msgtype"]?.stringValue else {
            preconditionFailure("a Colonies message is a JSON object with a string msgtype")
        }
        let payload = Base64.encode(message.bytes)
        let envelope: JSONValue = [
            "payloadtype": .string(msgtype),
            "payload": .string(payload),
            "signature": .string(signer?.sign(payload) ?? ""),
        ]
        return envelope.bytes
    }

    /// The payload of a success reply (`{}` when the call returns nothing).
    /// - Throws: `.server` for the server's error replies; `.unexpectedReply` for anything that
    ///   is not an envelope; `.malformedReply` for an envelope whose payload is not base64 JSON.
    public static func reply(status: Int, body: [UInt8]) throws(ColoniesError) -> JSONValue {
        guard let envelope = try? JSONValue.parse(body),
            let payloadText = envelope["payload"]?.stringValue,
            let isError = envelope["error"]?.boolValue
        else { throw .unexpectedReply(status: status, excerpt: ColoniesError.excerpt(body)) }
        guard let payloadBytes = Base64.decode(payloadText) else {
            throw .malformedReply("HTTP \(status): payload is not base64: \(ColoniesError.excerpt(Array(payloadText.utf8)))")
        }
        let payload: JSONValue
        do {
            payload = try JSONValue.parse(payloadBytes)
        } catch {
            throw .malformedReply("HTTP \(status): payload is not JSON (\(error)): \(ColoniesError.excerpt(payloadBytes))")
        }
        if isError {
            // The payload repeats the HTTP status; the HTTP one stands in if it is missing.
            let message = payload["message"]?.stringValue ?? payload.serialized()
            throw .server(status: payload["status"]?.intValue ?? status, message: message)
        }
        guard (200..<300).contains(status) else {
            throw .server(status: status, message: "error: false in a reply with HTTP status \(status): \(ColoniesError.excerpt(payload.bytes))")
        }
        return payload
    }
}
