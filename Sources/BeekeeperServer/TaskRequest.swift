import BeekeeperCore

/// A task body of SPEC section 4: `{"id"?, "funcname", "args"?, "kwargs"?, "timeout"?}`.
struct TaskRequest: Sendable {
    var id: String?
    var funcname: String
    var args: JSONValue
    var kwargs: JSONValue
    var timeout: Duration?

    struct Invalid: Error {
        var message: String
        /// Nested deeper than the parser goes: a Guardian `too_deep` block (422), not a 400.
        var tooDeep = false
    }

    /// Parses a request body: malformed JSON and a wrong shape both come back as `Invalid`.
    init(body: [UInt8]) throws(Invalid) {
        let value: JSONValue
        do {
            value = try JSONValue.parse(body)
        } catch {
            if case .tooDeep = error.reason { throw Invalid(message: "nesting deeper than guardian.max_depth", tooDeep: true) }
            throw Invalid(message: "malformed JSON: \(error)")
        }
        // Parsers disagree on which of two equal keys wins: the Guardian would judge one member
        // and a bee's parser could act on the other, so such a body is refused outright.
        if let path = value.firstDuplicateKey() {
            throw Invalid(message: "duplicate key \(path) in the task body")
        }
        try self.init(value)
    }

    init(_ body: JSONValue) throws(Invalid) {
        guard case .object(let members) = body else { throw Invalid(message: "task body must be a JSON object") }
        for member in members where !["id", "funcname", "args", "kwargs", "timeout"].contains(member.key) {
            throw Invalid(message: "unknown task field \"\(member.key)\"")
        }
        switch body["id"] {
        case nil, .null?: id = nil
        case .string(let value)?:
            // Characters (Unicode scalars), the unit of JSON Schema's maxLength in docs/openapi.yaml.
            guard (1...200).contains(value.unicodeScalars.count) else { throw Invalid(message: "id must be 1 to 200 characters") }
            id = value
        default: throw Invalid(message: "id must be a string")
        }
        guard case .string(let name)? = body["funcname"], !name.isEmpty else {
            throw Invalid(message: "funcname must be a non-empty string")
        }
        funcname = name
        switch body["args"] {
        case nil, .null?: args = .array([])
        case .array(let items)?: args = .array(items)
        default: throw Invalid(message: "args must be an array")
        }
        switch body["kwargs"] {
        case nil, .null?: kwargs = .object([])
        case .object(let members)?: kwargs = .object(members)
        default: throw Invalid(message: "kwargs must be an object")
        }
        switch body["timeout"] {
        case nil, .null?: timeout = nil
        case .number(let text)?:
            guard let seconds = Double(text), seconds > 0, seconds <= 86_400 else {
                throw Invalid(message: "timeout must be a number of seconds between 0 and 86400")
            }
            timeout = .milliseconds(Int64((seconds * 1000).rounded(.up)))
        default: throw Invalid(message: "timeout must be a number of seconds")
        }
    }
}
