/// Exponential backoff with "equal jitter": the n-th delay (n ≥ 1) is drawn uniformly from
/// [d/2, d] where d = min(initial · 2^(n-1), maximum). Half the delay is fixed, so a retry never
/// comes back at once; the random half keeps many tasks that failed together from retrying in
/// lockstep.
struct Backoff: Sendable {
    var initial: Duration
    var maximum: Duration

    func delay(forRetry retry: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(forRetry: retry, using: &generator)
    }

    func delay(forRetry retry: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let initialSeconds = max(0, initial.seconds)
        let maximumSeconds = max(0, maximum.seconds)
        // 2^62 overflows nothing in Double and is past any sane maximum.
        let exponent = min(max(retry, 1) - 1, 62)
        let ceiling = min(initialSeconds * Double(sign: .plus, exponent: exponent, significand: 1), maximumSeconds)
        guard ceiling > 0 else { return .zero }
        let seconds = ceiling / 2 + Double.random(in: 0...(ceiling / 2), using: &generator)
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }
}
