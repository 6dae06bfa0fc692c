public import BeekeeperCore

/// One unit of work for a bee: what the server hands to ``Bee/run(_:observer:)``.
public struct BeeTask: Sendable {
    /// The task's id; a worker bee must echo it in its reply.
    public var id: String
    public var funcname: String
    public var args: JSONValue
    public var kwargs: JSONValue
    /// Per-attempt limit; overrides the bee's configured `timeout` when set.
    public var timeout: Duration?
    /// When the whole task must be over: no attempt runs past it and no retry starts after it.
    public var deadline: ContinuousClock.Instant?

    public init(
        id: String, funcname: String, args: JSONValue = [], kwargs: JSONValue = [:], timeout: Duration? = nil,
        deadline: ContinuousClock.Instant? = nil
    ) {
        self.id = id
        self.funcname = funcname
        self.args = args
        self.kwargs = kwargs
        self.timeout = timeout
        self.deadline = deadline
    }
}
