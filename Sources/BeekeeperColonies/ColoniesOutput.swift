public import BeekeeperCore

/// How a task's result becomes a process's `out` (SPEC.md section 11).
public enum ColoniesOutput {
    /// An array is the output list itself, null is no output, anything else is one output.
    public static func out(for result: JSONValue) -> [JSONValue] {
        switch result {
        case .array(let items): items
        case .null: []
        default: [result]
        }
    }
}
