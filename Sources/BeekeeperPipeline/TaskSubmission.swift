public import BeekeeperCore

/// One task as a source hands it to ``TaskPipeline/run(_:)``: what to run and who asks, with
/// nothing of the transport it came by. `POST /v1/tasks` and the ColonyOS source both build these.
public struct TaskSubmission: Sendable {
    /// The idempotency key; nil lets the pipeline pick a fresh id (it can then never repeat).
    public var id: String?
    public var funcname: String
    /// A JSON array (a source normalises a missing value to `[]`).
    public var args: JSONValue
    /// A JSON object (a source normalises a missing value to `{}`).
    public var kwargs: JSONValue
    /// Per-attempt bee timeout; nil means the bee's configured `timeout`.
    public var timeout: Duration?
    /// When the whole task, retries included, must be over (ColonyOS `maxexectime`): no attempt
    /// runs past it and no retry starts that could not finish before it.
    public var deadline: ContinuousClock.Instant?
    /// Who asked: the signing key's name, or the ColonyOS initiator's name.
    public var actor: String
    /// Size and digest of what the client sent, for the Guardian's size check and `task.received`.
    public var payloadBytes: Int
    public var payloadSHA256: String
    /// Fields every task record of this submission carries beside the standard ones (`colony`).
    public var sourceFields: [JSONValue.Member]

    public init(
        id: String?, funcname: String, args: JSONValue = [], kwargs: JSONValue = [:], timeout: Duration? = nil,
        deadline: ContinuousClock.Instant? = nil, actor: String, payloadBytes: Int, payloadSHA256: String,
        sourceFields: [JSONValue.Member] = []
    ) {
        self.id = id
        self.funcname = funcname
        self.args = args
        self.kwargs = kwargs
        self.timeout = timeout
        self.deadline = deadline
        self.actor = actor
        self.payloadBytes = payloadBytes
        self.payloadSHA256 = payloadSHA256
        self.sourceFields = sourceFields
    }
}
