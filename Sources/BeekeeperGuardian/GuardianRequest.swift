public import BeekeeperCore

/// The parts of a task the Guardian judges.
public struct GuardianRequest: Sendable {
    public var funcname: String
    /// The positional arguments, a JSON array. `null` counts as no arguments; any other non-array
    /// value is judged as a single argument (the HTTP layer is expected to refuse such bodies).
    public var args: JSONValue
    /// The keyword arguments, a JSON object. `null` counts as none; any other non-object value
    /// is judged as a single argument.
    public var kwargs: JSONValue
    /// Size of the whole request body as received, in bytes.
    public var payloadBytes: Int

    public init(funcname: String, args: JSONValue = .array([]), kwargs: JSONValue = .object([]), payloadBytes: Int) {
        self.funcname = funcname
        self.args = args
        self.kwargs = kwargs
        self.payloadBytes = payloadBytes
    }
}
