/// What to do after a close (`closesuccessfulmsg`) or fail (`closefailedmsg`) call, by COLONYOS.md
/// section 6 "Rule of thumb". Reports are owed until acknowledged, so the only question is
/// whether another attempt can change the answer.
public enum ReportVerdict: Sendable, Equatable {
    /// The server holds the reported outcome (now, or from an earlier attempt).
    case acknowledged
    /// The process reached another end without us (cancelled by a user, failed by the server's
    /// deadline): audit it as lost, never retry.
    case endedElsewhere(String)
    /// The server refuses the report for good (the process was taken back, is unknown, or the
    /// request itself is refused): audit and count it, never retry.
    case lost(String)
    /// No verdict yet (server error, outage, cancelled call): the report is still owed.
    case retry(String)

    /// - Parameters:
    ///   - outcome: the close or fail call's result.
    ///   - reported: the state the call reported, `.successful` for close, `.failed` for fail.
    public static func classify(_ outcome: Result<Void, ColoniesError>, reported: ColoniesProcess.State) -> ReportVerdict {
        guard case .failure(let error) = outcome else { return .acknowledged }
        switch error {
        case .server(400, let message):
            // "Tried to set failed process as failed": an earlier attempt got through. Closing a
            // successful process again answers 200, so only fail needs this, but both are covered.
            guard let current = triedToSetState(message) else { return .lost(message) }
            return current == reported.description ? .acknowledged : .endedElsewhere(message)
        case .server(403, let message):
            return .lost(message)
        case .server(408, let message), .server(429, let message):
            return .retry(message)
        case .server(let status, let message) where status >= 500:
            // "Failed to close process as successful, process is nil": the id is unknown there.
            return message.contains("process is nil") ? .lost(message) : .retry(message)
        case .server(_, let message):
            // Any other refusal (a malformed request, an unknown route) repeats on every attempt.
            return .lost(message)
        case .transport, .cancelled, .unexpectedReply, .malformedReply:
            // The server never judged the report (or its judgement could not be read).
            return .retry(error.description)
        case .invalidKey, .invalidServerURL:
            return .lost(error.description)
        }
    }

    /// "<X>" of "Tried to set <X> process as <Y>", the state the process is already in.
    static func triedToSetState(_ message: String) -> String? {
        guard let start = message.firstRange(of: "Tried to set ")?.upperBound,
            let end = message[start...].firstRange(of: " process")?.lowerBound
        else { return nil }
        return String(message[start..<end])
    }
}
