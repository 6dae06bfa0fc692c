import BeekeeperColonies
import BeekeeperCore
import Curl
import Synchronization
import Testing

@Suite struct ColoniesClientTests {
    static let process: JSONValue = ["processid": "p1", "state": 1, "spec": ["funcname": "echo", "args": ["hi"], "kwargs": nil]]

    @Test func assignSendsASignedLongPollAndParsesTheProcess() async throws {
        let server = FakeColoniesServer { _ in FakeColoniesServer.ok(Self.process) }
        let identity = ColoniesIdentity.generate()
        let process = try await server.client(identity: identity).assign(timeoutSeconds: 10)
        #expect(process?.processID == "p1")
        #expect(process?.args == ["hi"])
        let request = try #require(server.sent.last)
        #expect(request.method == "POST")
        #expect(request.url == "http://colonies.test:50080/api")
        // The HTTP limit outlasts the long poll by the call timeout.
        #expect(request.timeout == .seconds(17))
        let sent = try server.lastMessage()
        #expect(sent.payloadtype == "assignprocessmsg")
        #expect(sent.message == ["msgtype": "assignprocessmsg", "colonyname": "dev", "timeout": 10])
        #expect(sent.signerID == identity.id)
    }

    @Test func assignOffersResourcesWhenAsked() async throws {
        let server = FakeColoniesServer { _ in FakeColoniesServer.ok(Self.process) }
        _ = try await server.client().assign(timeoutSeconds: 3, availableCPU: "2000m", availableMemory: "4Gi")
        #expect(try server.lastMessage().message == ["msgtype": "assignprocessmsg", "colonyname": "dev", "timeout": 3, "availablecpu": "2000m", "availablemem": "4Gi"])
    }

    @Test func assignWithNothingToDoIsNil() async throws {
        let server = FakeColoniesServer { _ in FakeColoniesServer.error(404, "No process available for assignment") }
        #expect(try await server.client().assign(timeoutSeconds: 1) == nil)
    }

    @Test func assignErrorsAreThrown() async throws {
        let server = FakeColoniesServer { _ in FakeColoniesServer.error(403, "Access denied, not a member of Colony with name <dev>") }
        await #expect(throws: ColoniesError.server(status: 403, message: "Access denied, not a member of Colony with name <dev>")) {
            try await server.client().assign(timeoutSeconds: 1)
        }
        let proxy = FakeColoniesServer { _ in .reply(status: 404, body: Array("404 page not found".utf8)) }
        await #expect(throws: ColoniesError.unexpectedReply(status: 404, excerpt: "404 page not found")) {
            try await proxy.client().assign(timeoutSeconds: 1)
        }
    }

    @Test func keepaliveIsAnAssignThatCannotMatch() async throws {
        let server = FakeColoniesServer { _ in FakeColoniesServer.error(404, "No process available for assignment") }
        try await server.client().keepalive()
        #expect(try server.lastMessage().message == ["msgtype": "assignprocessmsg", "colonyname": "dev", "timeout": -1, "availablecpu": "-1m"])
        #expect(server.sent.last?.timeout == .seconds(7))
    }

    @Test func keepaliveFailsOnAnythingButItsNotFound() async throws {
        let handedOut = FakeColoniesServer { _ in FakeColoniesServer.ok(Self.process) }
        await #expect(throws: ColoniesError.malformedReply("keepalive assign handed out process p1 instead of answering 404")) {
            try await handedOut.client().keepalive()
        }
        let stale = FakeColoniesServer { _ in FakeColoniesServer.error(403, "Access denied, not a member of Colony with name <dev>") }
        await #expect(throws: ColoniesError.server(status: 403, message: "Access denied, not a member of Colony with name <dev>")) {
            try await stale.client().keepalive()
        }
    }

    @Test func closeAndFailSendTheirOutcome() async throws {
        let server = FakeColoniesServer { _ in FakeColoniesServer.ok([:]) }
        let client = try server.client()
        try await client.closeSuccessful(processID: "p1", out: ColoniesOutput.out(for: ["sum": 3]))
        #expect(try server.lastMessage().message == ["msgtype": "closesuccessfulmsg", "processid": "p1", "out": [["sum": 3]]])
        try await client.closeFailed(processID: "p2", errors: ["blocked by Beekeeper Guardian: pattern:sql_injection"])
        #expect(try server.lastMessage().message == ["msgtype": "closefailedmsg", "processid": "p2", "errors": ["blocked by Beekeeper Guardian: pattern:sql_injection"]])
    }

    @Test func closeFailuresClassify() async throws {
        let server = FakeColoniesServer { _ in FakeColoniesServer.error(400, "Tried to set failed process as failed") }
        let client = try server.client()
        let outcome: Result<Void, ColoniesError>
        do {
            try await client.closeFailed(processID: "p", errors: ["x"])
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        #expect(ReportVerdict.classify(outcome, reported: .failed) == .acknowledged)
    }

    @Test func getProcessAndProcesses() async throws {
        let server = FakeColoniesServer { sent in
            sent.payloadtype == "getprocessmsg" ? FakeColoniesServer.ok(Self.process) : FakeColoniesServer.ok([Self.process, Self.process])
        }
        let client = try server.client()
        #expect(try await client.getProcess(id: "p1").funcname == "echo")
        #expect(try server.lastMessage().message == ["msgtype": "getprocessmsg", "processid": "p1"])
        #expect(try await client.getProcesses(state: .running, count: 100, executorType: "beekeeper").count == 2)
        #expect(try server.lastMessage().message == [
            "msgtype": "getprocessesmsg", "colonyname": "dev", "count": 100, "state": 1, "executortype": "beekeeper", "label": "", "initiator": "",
        ])
        let none = FakeColoniesServer { _ in FakeColoniesServer.ok(nil) }
        #expect(try await none.client().getProcesses(state: .running, count: 10, executorType: "beekeeper").isEmpty)
        let notFound = FakeColoniesServer { _ in FakeColoniesServer.error(404, "Failed to get process, process not found") }
        await #expect(throws: ColoniesError.server(status: 404, message: "Failed to get process, process not found")) {
            try await notFound.client().getProcess(id: "nope")
        }
    }

    @Test func registrationIsSignedByTheColonyOwner() async throws {
        let server = FakeColoniesServer { sent in
            sent.payloadtype == "addexecutormsg" ? FakeColoniesServer.ok(["executorname": "beekeeper-1", "state": 0]) : FakeColoniesServer.ok([:])
        }
        let executor = ColoniesIdentity.generate()
        let owner = ColoniesIdentity.generate()
        let client = try server.client(identity: executor)
        let stored = try await client.addExecutor(name: "beekeeper-1", type: "beekeeper", id: executor.id, colonyOwner: owner)
        #expect(stored["state"] == 0)
        let added = try server.lastMessage()
        #expect(added.signerID == owner.id)
        #expect(added.message == [
            "msgtype": "addexecutormsg",
            "executor": ["executorid": .string(executor.id), "executortype": "beekeeper", "executorname": "beekeeper-1", "colonyname": "dev"],
        ])
        try await client.approveExecutor(name: "beekeeper-1", colonyOwner: owner)
        let approved = try server.lastMessage()
        #expect(approved.signerID == owner.id)
        #expect(approved.message == ["msgtype": "approveexecutormsg", "colonyname": "dev", "executorname": "beekeeper-1"])
    }

    @Test func versionIsUnsigned() async throws {
        let server = FakeColoniesServer { _ in FakeColoniesServer.ok(["buildversion": "v1.9.12", "buildtime": "", "msgtype": "versionmsg"]) }
        #expect(try await server.client().version() == "v1.9.12")
        #expect(try server.lastMessage().signature == "")
    }

    @Test func transportFailuresAreTransportErrors() async throws {
        let refused = CurlError(code: 7, message: "Couldn't connect to server")
        let server = FakeColoniesServer { _ in .fail(refused) }
        await #expect(throws: ColoniesError.transport(refused.description)) { try await server.client().keepalive() }
        let cancelled = FakeColoniesServer { _ in .fail(CurlError(code: 42, message: "request cancelled")) }
        await #expect(throws: ColoniesError.cancelled) { try await cancelled.client().assign(timeoutSeconds: 5) }
    }

    @Test func observerSeesEveryCall() async throws {
        let calls = Mutex<[(String, Bool)]>([])
        let server = FakeColoniesServer { sent in
            sent.payloadtype == "closefailedmsg" ? FakeColoniesServer.error(500, "boom") : FakeColoniesServer.error(404, "No process available for assignment")
        }
        let client = try server.client { msgtype, duration, ok in
            #expect(duration >= .zero)
            calls.withLock { $0.append((msgtype, ok)) }
        }
        _ = try await client.assign(timeoutSeconds: 1)
        try await client.keepalive()
        _ = try? await client.closeFailed(processID: "p", errors: [])
        let seen = calls.withLock { $0 }
        #expect(seen.map(\.0) == ["assignprocessmsg", "assignprocessmsg", "closefailedmsg"])
        #expect(seen.map(\.1) == [true, true, false])
    }

    @Test func refusedConnectionIsATransportError() async throws {
        // Port 9 (discard) is closed on test machines; nothing listens there.
        let client = try ColoniesClient(server: "http://127.0.0.1:9", colony: "dev", identity: .generate(), callTimeout: .seconds(2))
        await #expect {
            try await client.keepalive()
        } throws: { error in
            guard case ColoniesError.transport(let message) = error else { return false }
            return message.contains("curl error 7")
        }
    }

    @Test func serverMustBeHTTP() throws {
        for server in ["ftp://colonies:50080", "colonies:50080", "http://", "https:///", "", "http://a b"] {
            #expect(throws: ColoniesError.invalidServerURL(server)) {
                try ColoniesClient(server: server, colony: "dev", identity: .generate())
            }
        }
        #expect(try ColoniesClient(server: "HTTPS://colonies.example//", colony: "dev", identity: .generate()).server == "HTTPS://colonies.example")
    }
}
