import Foundation

extension TimeZone {
    /// The first instant at which a wall clock in this zone shows `local`.
    ///
    /// - A time shown twice (the repeated hour when clocks go back) gives the earlier instant.
    /// - A time never shown (skipped when clocks go forward) gives the instant the gap ends,
    ///   the first moment the clock shows a later time (02:30 on a spring-forward day in
    ///   Europe/Berlin gives 03:00 CEST).
    func firstInstant(showing local: LocalDateTime) -> Date {
        let naive = local.naiveSeconds
        // At most one offset change lies within a day of any wall time in practice.
        let before = Int64(secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(naive - 86400))))
        let after = Int64(secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(naive + 86400))))
        for candidate in Set([naive - before, naive - after]).sorted() where candidate + offset(at: candidate) == naive {
            return Date(timeIntervalSince1970: TimeInterval(candidate))
        }
        // In a gap: the wall clock jumps over `local`. Find the jump, the first second whose
        // wall time is at or past `local`.
        var low = min(naive - before, naive - after)
        var high = max(naive - before, naive - after)
        if low + offset(at: low) >= naive { return Date(timeIntervalSince1970: TimeInterval(low)) }
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if middle + offset(at: middle) >= naive { high = middle } else { low = middle }
        }
        return Date(timeIntervalSince1970: TimeInterval(high))
    }

    private func offset(at seconds: Int64) -> Int64 {
        Int64(secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds))))
    }
}
