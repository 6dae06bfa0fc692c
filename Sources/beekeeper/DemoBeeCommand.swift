import ArgumentParser
import BeekeeperCore
import Foundation

/// The demonstration bee of a first run: a worker-kind bee (SPEC section 5) built into the binary,
/// so `beekeeper serve` with no configuration needs no Python. One JSON task a line on stdin, one
/// reply a line on stdout.
struct DemoBeeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-bee",
        abstract: "The built-in demonstration bee (worker protocol on stdin/stdout): echo and run_query.",
        shouldDisplay: false)

    func run() throws {
        while let line = readLine(strippingNewline: true) {
            if line.allSatisfy(\.isWhitespace) { continue }
            let reply = Self.reply(to: line)
            FileHandle.standardOutput.write(Data((reply.serialized() + "\n").utf8))
        }
    }

    /// The reply to one task line: `echo` answers with its arguments; `run_query` shows the query
    /// it was given (it touches no database: the point is that the Guardian stops a dangerous one
    /// before it gets here).
    static func reply(to line: String) -> JSONValue {
        guard let task = try? JSONValue.parse(Array(line.utf8)), let id = task["id"] else {
            // Not a task: a line without an id cannot be answered, so say so and let the sidecar
            // restart the worker, as it does for any line that is not a reply.
            return ["error": "not a task line"]
        }
        let args = task["args"] ?? .array([])
        switch task["funcname"]?.stringValue {
        case "echo":
            return .object([.init("id", id), .init("ok", true), .init("result", args)])
        case "run_query":
            guard let query = args[0]?.stringValue else {
                return failure(id, "run_query takes the query as its first argument, a string")
            }
            let result: JSONValue = ["query": .string(query), "rows": [], "note": "demo bee: no database behind it"]
            return .object([.init("id", id), .init("ok", true), .init("result", result)])
        case let other:
            return failure(id, "the demo bee has no function \(other ?? "(none)")")
        }
    }

    private static func failure(_ id: JSONValue, _ message: String) -> JSONValue {
        .object([.init("id", id), .init("ok", false), .init("error", .string(message)), .init("transient", false)])
    }
}
