import BeekeeperColonies
import BeekeeperCore
import Synchronization
import Testing

/// The client against the Colonies stand-in, when the stand-in's branch is in the tree (the
/// unit tests above need no server). It checks the calls as an executor makes them, in order.
@Suite(.enabled(if: Pycolonies.isCI || Pycolonies.isInstalled, "pycolonies is not installed"), .serialized)
struct ColoniesStandinTests {
    static func outcome(_ call: () async throws(ColoniesError) -> Void) async -> Result<Void, ColoniesError> {
        do {
            try await call()
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    @Test func executorLifecycle() async throws {
        let standin = try await Standin()
        let executor = ColoniesIdentity.generate()
        let calls = Mutex<[String]>([])
        let client = try ColoniesClient(server: standin.url, colony: "dev", identity: executor, callTimeout: .seconds(5)) { msgtype, _, _ in
            calls.withLock { $0.append(msgtype) }
        }
        #expect(try await client.version() == "")

        // Not registered yet: not a member. An executor cannot register itself.
        await #expect(throws: ColoniesError.server(status: 403, message: "Access denied, not a member of Colony with name <dev>")) {
            try await client.keepalive()
        }
        await #expect(throws: ColoniesError.server(status: 403, message: "Access denied, not colony owner")) {
            _ = try await client.addExecutor(name: "beekeeper-1", type: "beekeeper", id: executor.id, colonyOwner: executor)
        }
        let stored = try await client.addExecutor(name: "beekeeper-1", type: "beekeeper", id: executor.id, colonyOwner: standin.colonyOwner)
        #expect(stored["executorid"]?.stringValue == executor.id)
        try await client.approveExecutor(name: "beekeeper-1", colonyOwner: standin.colonyOwner)

        try await client.keepalive()
        #expect(try await client.assign(timeoutSeconds: 1) == nil)

        // Success, and success again.
        let first = try await standin.submit("echo", args: ["hi", ["b": 2, "a": 1]], kwargs: ["k": "v"])
        let process = try #require(try await client.assign(timeoutSeconds: 5))
        #expect(process.processID == first)
        #expect(process.funcname == "echo")
        #expect(process.initiatorName == "alice")
        #expect(process.assignedExecutorID == executor.id)
        #expect(process.state == .running)
        #expect(process.args == ["hi", ["a": 1, "b": 2]])
        #expect(process.kwargs == ["k": "v"])
        #expect(process.maxExecTime == -1)
        try await client.closeSuccessful(processID: first, out: ColoniesOutput.out(for: ["sum": 3]))
        #expect(try await client.getProcess(id: first).state == .successful)
        #expect(try await client.getProcess(id: first).raw["out"] == [["sum": 3]])
        let again = await Self.outcome { () async throws(ColoniesError) in try await client.closeSuccessful(processID: first, out: []) }
        #expect(ReportVerdict.classify(again, reported: .successful) == .acknowledged)

        // Failure, failure again (acknowledged), then success (ended elsewhere).
        let second = try await standin.submit("nosuchfunc")
        #expect(try await client.assign(timeoutSeconds: 5)?.processID == second)
        try await client.closeFailed(processID: second, errors: ["blocked by Beekeeper Guardian: unknown_funcname"])
        let failAgain = await Self.outcome { () async throws(ColoniesError) in try await client.closeFailed(processID: second, errors: ["x"]) }
        #expect(ReportVerdict.classify(failAgain, reported: .failed) == .acknowledged)
        let closeAfterFail = await Self.outcome { () async throws(ColoniesError) in try await client.closeSuccessful(processID: second, out: []) }
        #expect(ReportVerdict.classify(closeAfterFail, reported: .successful) == .endedElsewhere("Tried to set failed process as successful"))

        // Cancelled by its user while we hold it.
        let third = try await standin.submit("echo")
        #expect(try await client.assign(timeoutSeconds: 5)?.processID == third)
        _ = try await standin.call(["msgtype": "cancelprocessmsg", "processid": .string(third)], signedBy: standin.user)
        let closeCancelled = await Self.outcome { () async throws(ColoniesError) in try await client.closeSuccessful(processID: third, out: []) }
        #expect(ReportVerdict.classify(closeCancelled, reported: .successful) == .endedElsewhere("Tried to set cancelled process as successful"))

        // A process the server does not know.
        let unknown = await Self.outcome { () async throws(ColoniesError) in
            try await client.closeSuccessful(processID: String(repeating: "ab", count: 32), out: [])
        }
        #expect(ReportVerdict.classify(unknown, reported: .successful) == .lost("Failed to close process as successful, process is nil"))

        let successful = try await client.getProcesses(state: .successful, count: 10, executorType: "beekeeper")
        #expect(successful.map(\.processID) == [first])
        #expect(try await client.getProcesses(state: .running, count: 10, executorType: "beekeeper").isEmpty)
        #expect(calls.withLock { $0.first } == "versionmsg")
        #expect(calls.withLock { $0.contains("closefailedmsg") })
    }

    @Test func longPollReturnsOnSubmissionAndStopsOnCancel() async throws {
        let standin = try await Standin()
        let executor = ColoniesIdentity.generate()
        let client = try ColoniesClient(server: standin.url, colony: "dev", identity: executor, callTimeout: .seconds(5))
        _ = try await client.addExecutor(name: "beekeeper-2", type: "beekeeper", id: executor.id, colonyOwner: standin.colonyOwner)
        try await client.approveExecutor(name: "beekeeper-2", colonyOwner: standin.colonyOwner)

        let clock = ContinuousClock()
        let start = clock.now
        let poll = Task { try await client.assign(timeoutSeconds: 20) }
        try await Task.sleep(for: .milliseconds(300))
        let submitted = try await standin.submit("echo")
        #expect(try await poll.value?.processID == submitted)
        #expect(start.duration(to: clock.now) < .seconds(10))

        let cancelled = Task { try await client.assign(timeoutSeconds: 20) }
        try await Task.sleep(for: .milliseconds(300))
        let cancelStart = clock.now
        cancelled.cancel()
        await #expect(throws: ColoniesError.cancelled) { try await cancelled.value }
        #expect(cancelStart.duration(to: clock.now) < .seconds(5))
    }
}
