internal import BeekeeperCore

extension ColoniesClient {
    /// One process by id, any state. 404 "process not found" comes back as `.server`.
    public func getProcess(id processID: String) async throws(ColoniesError) -> ColoniesProcess {
        let message: JSONValue = ["msgtype": "getprocessmsg", "processid": .string(processID)]
        return try await self.rpc(message, signedBy: self.identity) { reply throws(ColoniesError) in
            try ColoniesProcess(json: reply.get())
        }
    }

    /// Processes of this colony in `state`, at most `count` (the server allows up to 100), for
    /// example the running ones of our type, to find those assigned to us at start.
    public func getProcesses(state: ColoniesProcess.State, count: Int, executorType: String) async throws(ColoniesError) -> [ColoniesProcess] {
        let message: JSONValue = [
            "msgtype": "getprocessesmsg", "colonyname": .string(self.colony), "count": .number(count),
            "state": .number(state.code), "executortype": .string(executorType), "label": "", "initiator": "",
        ]
        return try await self.rpc(message, signedBy: self.identity) { reply throws(ColoniesError) in
            // Go encodes an empty list as null.
            switch try reply.get() {
            case .null: return []
            case .array(let items):
                var processes: [ColoniesProcess] = []
                for item in items { processes.append(try ColoniesProcess(json: item)) }
                return processes
            case let other: throw .malformedReply("getprocessesmsg returned \(ColoniesError.excerpt(other.bytes))")
            }
        }
    }

    /// The server's build version (empty for some builds). Unsigned: this works before the
    /// executor is registered, which makes it a plain reachability check.
    public func version() async throws(ColoniesError) -> String {
        try await self.rpc(["msgtype": "versionmsg"], signedBy: nil) { reply throws(ColoniesError) in
            let payload = try reply.get()
            guard let version = payload["buildversion"]?.stringValue else {
                throw .malformedReply("versionmsg reply without buildversion: \(ColoniesError.excerpt(payload.bytes))")
            }
            return version
        }
    }
}
