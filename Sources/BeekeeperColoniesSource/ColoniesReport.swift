import BeekeeperColonies
public import BeekeeperCore
public import BeekeeperPipeline
import Foundation

/// What Beekeeper owes the Colonies server for one process: a close with `out`, or a fail with
/// errors (SPEC section 11). Built from the pipeline's final outcome; stored in the owed journal
/// until the server acknowledges it.
public enum ColoniesReport: Sendable, Equatable {
    case close(out: [JSONValue])
    case fail(errors: [String])

    /// The report for a final outcome; nil for outcomes that are not final.
    public init?(_ outcome: TaskOutcome.Kind) {
        switch outcome {
        case .succeeded(let result, _, _):
            self = .close(out: ColoniesOutput.out(for: result))
        case .failed(let error, _, _):
            self = .fail(errors: [error.isEmpty ? "the bee failed without an error message" : error])
        case .timedOut(_, let duration):
            self = .fail(errors: ["timed out: the bee did not finish within \(String(format: "%.1f", duration.seconds)) s"])
        case .blocked(let reason):
            self = .fail(errors: ["blocked by Beekeeper Guardian: \(reason)"])
        case .rejected, .inProgress, .idReused, .unrecorded:
            return nil
        }
    }

    /// The process was held by an earlier run of Beekeeper that left no outcome.
    static let restarted = ColoniesReport.fail(errors: ["beekeeper restarted before the process finished; it was not completed"])

    /// `closed` or `failed`, as audited.
    var kind: String {
        switch self {
        case .close: "closed"
        case .fail: "failed"
        }
    }

    /// The state the report puts the process in, for ``ReportVerdict/classify(_:reported:)``.
    var reportedState: ColoniesProcess.State {
        switch self {
        case .close: .successful
        case .fail: .failed
        }
    }

    var json: JSONValue {
        switch self {
        case .close(let out): ["close": .array(out)]
        case .fail(let errors): ["fail": .array(errors.map { .string($0) })]
        }
    }

    init?(json: JSONValue) {
        if let out = json["close"]?.arrayValue {
            self = .close(out: out)
        } else if let errors = json["fail"]?.arrayValue {
            self = .fail(errors: errors.compactMap(\.stringValue))
        } else {
            return nil
        }
    }
}
