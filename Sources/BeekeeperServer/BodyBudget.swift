import Synchronization

/// `http.max_body_bytes_in_flight`: request body bytes being read at once, across every
/// connection. A request reserves its body's bytes as they arrive and gives them back once the
/// body is read and its signature checked, so stalled uploads cannot pin more memory than this,
/// whoever sends them.
///
/// The limit can change under load (a reload): lowered below what is in flight, it refuses new
/// bytes until enough is given back; nothing already reserved is taken away.
final class BodyBudget: Sendable {
    private let reserved = Atomic<Int>(0)
    private let currentLimit: Atomic<Int>

    init(limit: Int) {
        currentLimit = Atomic(limit)
    }

    var limit: Int { currentLimit.load(ordering: .relaxed) }

    func replace(limit: Int) { currentLimit.store(limit, ordering: .relaxed) }

    var inFlight: Int { reserved.load(ordering: .relaxed) }

    /// False when `bytes` more would exceed the budget (nothing is reserved then).
    func reserve(_ bytes: Int) -> Bool {
        let limit = self.limit
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
