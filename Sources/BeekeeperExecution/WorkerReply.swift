import BeekeeperCore

/// A worker's answer line: `{"id","ok":true,"result"}` or
/// `{"id","ok":false,"error","transient":bool}`.
enum WorkerReply {
    /// Parses `line` as the reply to the task `expectedID`; an error says why it is not one.
    static func parse(_ line: [UInt8], expectedID: String) -> Result<AttemptResult, InvalidReply> {
        let value: JSONValue
        do {
            value = try JSONValue.parse(line)
        } catch {
            return .failure(InvalidReply(reason: "not JSON (\(error))", line: line))
        }
        guard case .object = value else {
            return .failure(InvalidReply(reason: "not a JSON object", line: line))
        }
        guard let id = value["id"]?.stringValue else {
            return .failure(InvalidReply(reason: "no string \"id\"", line: line))
        }
        guard id == expectedID else {
            return .failure(InvalidReply(reason: "id \(quoted(id)) is not the current task's \(quoted(expectedID))", line: line))
        }
        guard let ok = value["ok"]?.boolValue else {
            return .failure(InvalidReply(reason: "no boolean \"ok\"", line: line))
        }
        if ok {
            return .success(.succeeded(value["result"] ?? .null))
        }
        let transient: Bool
        switch value["transient"] {
        case nil, .null?: transient = false
        case .bool(let flag)?: transient = flag
        default: return .failure(InvalidReply(reason: "\"transient\" is not a boolean", line: line))
        }
        let error: String
        switch value["error"] {
        case .string(let text)?: error = text
        case nil, .null?: error = "the worker reported a failure without an error message"
        case let other?: error = other.serialized()
        }
        return .success(.failed(error: error, transient: transient))
    }

    struct InvalidReply: Error, CustomStringConvertible {
        var reason: String
        var line: [UInt8]

        /// The reason and the start of the offending line, for the task's error and the log.
        var description: String {
            let excerpt = String(decoding: line.prefix(200), as: UTF8.self)
            return "\(reason): \(quoted(excerpt))\(line.count > 200 ? "…" : "")"
        }
    }
}

private func quoted(_ text: String) -> String {
    var output = ""
    JSONValue.writeString(text, to: &output)
    return output
}
