public import BeekeeperCore

extension ColoniesClient {
    /// Long-polls for a process of this executor's type: returns as soon as one is submitted, or
    /// nil after `timeoutSeconds` with nothing to do (the server's 404). Every assign is also
    /// the executor's heartbeat.
    /// - Parameters:
    ///   - timeoutSeconds: the long poll, whole seconds; the server refuses 0 (400) and answers
    ///     a negative value at once. The HTTP limit is this plus `callTimeout`.
    ///   - availableCPU, availableMemory: what this call offers, e.g. "1000m", "2Gi"; nil: no limit.
    public func assign(timeoutSeconds: Int, availableCPU: String? = nil, availableMemory: String? = nil) async throws(ColoniesError) -> ColoniesProcess? {
        var message: JSONValue = [
            "msgtype": "assignprocessmsg", "colonyname": .string(self.colony), "timeout": .number(timeoutSeconds),
        ]
        if let availableCPU { message = message.setting("availablecpu", to: .string(availableCPU)) }
        if let availableMemory { message = message.setting("availablemem", to: .string(availableMemory)) }
        return try await self.rpc(message, signedBy: self.identity, timeout: .seconds(max(0, timeoutSeconds)) + self.callTimeout) { reply throws(ColoniesError) in
            switch reply {
            case .success(let json): return try ColoniesProcess(json: json)
            case .failure(.server(status: 404, _)): return nil
            case .failure(let error): throw error
            }
        }
    }

    /// A heartbeat while every slot is busy: an assign that offers "-1m" of CPU and returns at
    /// once, so it stamps this executor as alive without taking work. Success means the server
    /// heard us (its 404); anything else is an error. Should the server hand out a process
    /// anyway, this throws `.malformedReply` naming it: the process then stays assigned to us
    /// until the start-up orphan check or the server's deadline takes care of it.
    public func keepalive() async throws(ColoniesError) {
        let message: JSONValue = [
            "msgtype": "assignprocessmsg", "colonyname": .string(self.colony), "timeout": -1, "availablecpu": "-1m",
        ]
        try await self.rpc(message, signedBy: self.identity) { reply throws(ColoniesError) in
            switch reply {
            case .failure(.server(status: 404, _)): return
            case .failure(let error): throw error
            case .success(let json):
                let id = json["processid"]?.stringValue ?? "?"
                throw .malformedReply("keepalive assign handed out process \(id) instead of answering 404")
            }
        }
    }

    /// Closes an assigned process as successful with `out` (see `ColoniesOutput.out(for:)`).
    /// Classify failures with `ReportVerdict.classify(_:reported: .successful)`.
    public func closeSuccessful(processID: String, out: [JSONValue]) async throws(ColoniesError) {
        let message: JSONValue = ["msgtype": "closesuccessfulmsg", "processid": .string(processID), "out": .array(out)]
        try await self.rpc(message, signedBy: self.identity, interpret: Self.expectSuccess)
    }

    /// Closes an assigned process as failed with `errors`.
    /// Classify failures with `ReportVerdict.classify(_:reported: .failed)`.
    public func closeFailed(processID: String, errors: [String]) async throws(ColoniesError) {
        let message: JSONValue = ["msgtype": "closefailedmsg", "processid": .string(processID), "errors": .array(errors.map { .string($0) })]
        try await self.rpc(message, signedBy: self.identity, interpret: Self.expectSuccess)
    }

    static func expectSuccess(_ reply: Result<JSONValue, ColoniesError>) throws(ColoniesError) {
        _ = try reply.get()
    }
}
