public import BeekeeperCore

/// A ColonyOS process, as assign, getprocessmsg and getprocessesmsg return it (COLONYOS.md
/// section 5). Only what an executor needs is lifted out; `raw` keeps the rest. Unknown members
/// are ignored so that a newer server does not break parsing.
public struct ColoniesProcess: Sendable, Equatable {
    /// 64 hex characters; Beekeeper's task id.
    public var processID: String
    public var initiatorID: String
    /// The submitting user's name.
    public var initiatorName: String
    public var assignedExecutorID: String
    public var state: State
    /// `spec.funcname`. It plays no part in assignment: an executor receives every process of
    /// its type and must fail those it cannot serve.
    public var funcname: String
    /// `spec.args`: always a JSON array (`[]` when the spec has null).
    public var args: JSONValue
    /// `spec.kwargs`: always a JSON object (`{}` when the spec has null).
    public var kwargs: JSONValue
    /// `spec.maxexectime` in seconds. Positive: the server takes the process back (or fails it)
    /// that long after assignment, and a later close answers 403. -1 (and any negative): no
    /// limit. 0 is a trap: the deadline is year 1, so the server takes the process away about a
    /// second after assignment. A spec without it reads as -1.
    public var maxExecTime: Int
    /// `spec.maxretries`: how often the server re-queues the process after a missed deadline
    /// (-1: without limit).
    public var maxRetries: Int
    /// How often the process has been re-queued so far.
    public var retries: Int
    public var label: String
    /// `spec.conditions.colonyname`.
    public var colonyName: String
    /// `spec.conditions.executortype`.
    public var executorType: String
    /// The whole process as received.
    public var raw: JSONValue

    /// - Throws: `.malformedReply` when `json` is not an object with a `processid` string and a
    ///   `spec` object, or when args/kwargs have the wrong shape.
    public init(json: JSONValue) throws(ColoniesError) {
        guard let processID = json["processid"]?.stringValue, !processID.isEmpty else {
            throw .malformedReply("a process without processid: \(ColoniesError.excerpt(json.bytes))")
        }
        guard let spec = json["spec"], spec.objectValue != nil else {
            throw .malformedReply("process \(processID) has no spec object")
        }
        self.processID = processID
        self.initiatorID = json["initiatorid"]?.stringValue ?? ""
        self.initiatorName = json["initiatorname"]?.stringValue ?? ""
        self.assignedExecutorID = json["assignedexecutorid"]?.stringValue ?? ""
        self.state = State(code: json["state"]?.intValue ?? -1)
        self.retries = json["retries"]?.intValue ?? 0
        self.funcname = spec["funcname"]?.stringValue ?? ""
        switch spec["args"] ?? .null {
        case .null: self.args = []
        case .array(let items): self.args = .array(items)
        default: throw .malformedReply("process \(processID): spec.args is not an array")
        }
        switch spec["kwargs"] ?? .null {
        case .null: self.kwargs = [:]
        case .object(let members): self.kwargs = .object(members)
        default: throw .malformedReply("process \(processID): spec.kwargs is not an object")
        }
        self.maxExecTime = spec["maxexectime"]?.intValue ?? -1
        self.maxRetries = spec["maxretries"]?.intValue ?? 0
        self.label = spec["label"]?.stringValue ?? ""
        self.colonyName = spec["conditions"]?["colonyname"]?.stringValue ?? ""
        self.executorType = spec["conditions"]?["executortype"]?.stringValue ?? ""
        self.raw = json
    }
}
