public import BeekeeperCore

extension ColoniesClient {
    /// Registers an executor in this colony. An executor cannot register itself (403 "not colony
    /// owner"): `colonyOwner` is the colony's key. The new executor is pending until approved.
    /// - Returns: the executor as the server stored it.
    public func addExecutor(name: String, type: String, id: String, colonyOwner: ColoniesIdentity) async throws(ColoniesError) -> JSONValue {
        let executor: JSONValue = [
            "executorid": .string(id), "executortype": .string(type), "executorname": .string(name), "colonyname": .string(self.colony),
        ]
        return try await self.rpc(["msgtype": "addexecutormsg", "executor": executor], signedBy: colonyOwner) { reply throws(ColoniesError) in
            try reply.get()
        }
    }

    /// Approves a registered executor, signed by the colony's key.
    public func approveExecutor(name: String, colonyOwner: ColoniesIdentity) async throws(ColoniesError) {
        let message: JSONValue = ["msgtype": "approveexecutormsg", "colonyname": .string(self.colony), "executorname": .string(name)]
        try await self.rpc(message, signedBy: colonyOwner, interpret: Self.expectSuccess)
    }
}
