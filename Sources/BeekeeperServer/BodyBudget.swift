import Synchronization

/// `http.max_body_bytes_in_flight`: request body bytes being read at once, across every
/// connection. A request reserves its declared length (or the body limit, when chunked) before
/// its first body byte is read and gives it back once the body is read and its signature checked,
/// so stalled uploads cannot pin more memory than this, whoever sends them.
final class BodyBudget: Sendable {
    let limit: Int
    private let reserved = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    var inFlight: Int { reserved.load(ordering: .relaxed) }

    /// False when `bytes` more would exceed the budget (nothing is reserved then).
    func reserve(_ bytes: Int) -> Bool {
        var current = reserved.load(ordering: .relaxed)
        while true {
            guard current + bytes <= limit else { return false }
            let (exchanged, original) = reserved.compareExchange(
                expected: current, desired: current + bytes, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    func release(_ bytes: Int) {
        reserved.wrappingSubtract(bytes, ordering: .relaxed)
    }
}
