import BeekeeperColonies
import Testing

/// Every answer of COLONYOS.md section 6 a close or fail can get, with its exact message.
@Suite struct ReportVerdictTests {
    static func server(_ status: Int, _ message: String) -> Result<Void, ColoniesError> {
        .failure(.server(status: status, message: message))
    }

    @Test func successIsAcknowledged() {
        #expect(ReportVerdict.classify(.success(()), reported: .successful) == .acknowledged)
        #expect(ReportVerdict.classify(.success(()), reported: .failed) == .acknowledged)
    }

    @Test func theSameStateAgainIsAcknowledged() {
        #expect(ReportVerdict.classify(Self.server(400, "Tried to set failed process as failed"), reported: .failed) == .acknowledged)
        // The server answers 200 to closing a successful process again, but a 400 would mean the same.
        #expect(ReportVerdict.classify(Self.server(400, "Tried to set successful process as successful"), reported: .successful) == .acknowledged)
    }

    @Test func anotherEndIsEndedElsewhere() {
        let cases: [(String, ColoniesProcess.State)] = [
            ("Tried to set failed process as successful", .successful),  // the server's deadline failed it
            ("Tried to set successful process as failed", .failed),
            ("Tried to set cancelled process as successful", .successful),  // a user cancelled it
            ("Tried to set cancelled process as failed", .failed),
        ]
        for (message, reported) in cases {
            #expect(ReportVerdict.classify(Self.server(400, message), reported: reported) == .endedElsewhere(message))
        }
    }

    @Test func forbiddenIsLost() {
        for message in [
            "Access denied, not allowed to close process as successful",
            "Failed to close process as successful, process is not assigned",
            "Access denied, not a member of Colony with name <dev>",
            "Colony with name <dev> does not exists",
            "Invalid signature length",
        ] {
            #expect(ReportVerdict.classify(Self.server(403, message), reported: .successful) == .lost(message))
            #expect(ReportVerdict.classify(Self.server(403, message), reported: .failed) == .lost(message))
        }
    }

    @Test func unknownProcessIsLost() {
        for (message, reported) in [
            ("Failed to close process as successful, process is nil", ColoniesProcess.State.successful),
            ("Failed to close process as failed, process is nil", .failed),
        ] {
            #expect(ReportVerdict.classify(Self.server(500, message), reported: reported) == .lost(message))
        }
    }

    @Test func otherServerErrorsAreRetried() {
        #expect(ReportVerdict.classify(Self.server(500, "pq: connection refused"), reported: .successful) == .retry("pq: connection refused"))
        #expect(ReportVerdict.classify(Self.server(503, "unavailable"), reported: .failed) == .retry("unavailable"))
        #expect(ReportVerdict.classify(Self.server(429, "slow down"), reported: .failed) == .retry("slow down"))
    }

    @Test func otherRefusalsAreLost() {
        // A request the server will refuse every time: retrying cannot help.
        for (status, message) in [
            (400, "Failed to close process as successful, invalid JSON"),
            (400, "Failed to close process as successful, msg.MsgType does not match payloadType"),
            (404, "Failed to get process, process not found"),
        ] {
            #expect(ReportVerdict.classify(Self.server(status, message), reported: .successful) == .lost(message))
        }
    }

    @Test func noAnswerIsRetried() {
        let failures: [ColoniesError] = [
            .transport("curl error 7: Couldn't connect to server"),
            .transport("curl error 28: Timeout was reached"),
            .cancelled,
            .unexpectedReply(status: 502, excerpt: "<html>Bad Gateway</html>"),
            .malformedReply("payload is not JSON"),
        ]
        for failure in failures {
            #expect(ReportVerdict.classify(.failure(failure), reported: .successful) == .retry(failure.description))
        }
    }
}
