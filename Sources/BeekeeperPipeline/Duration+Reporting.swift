public import BeekeeperCore

extension Duration {
    package var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// Milliseconds with microsecond precision, as written in audit records and responses.
    package var millisecondsJSON: JSONValue {
        let micros = Int64((seconds * 1_000_000).rounded())
        let whole = micros / 1000
        let fraction = micros % 1000
        if fraction == 0 { return .number(String(whole)) }
        var text = String(fraction)
        text = String(repeating: "0", count: 3 - text.count) + text
        while text.hasSuffix("0") { text.removeLast() }
        return .number("\(whole).\(text)")
    }

    /// Whole seconds, rounded up, at least 1: the value of a Retry-After header.
    package var retryAfterSeconds: Int { max(1, Int(seconds.rounded(.up))) }
}
