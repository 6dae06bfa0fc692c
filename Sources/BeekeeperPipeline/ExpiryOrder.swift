/// Keys in the order they were added, with their times, for expiring a map without scanning
/// it: the idempotency store's index (by hash) and its ids kept whole (by name).
struct ExpiryOrder<Key> {
    private var entries: [(key: Key, at: Double)] = []
    private var head = 0

    mutating func append(_ key: Key, at: Double) {
        entries.append((key, at))
    }

    /// Passes on, oldest first, and drops every entry `retention` seconds or more before `now`;
    /// `body` decides whether its map still holds what the entry added.
    mutating func expire(now: Double, retention: Double, _ body: (Key, Double) -> Void) {
        while head < entries.count, now - entries[head].at >= retention {
            body(entries[head].key, entries[head].at)
            head += 1
        }
        // Compact occasionally so the array does not grow without bound.
        if head > 1024, head * 2 > entries.count {
            entries.removeFirst(head)
            head = 0
        }
    }
}
