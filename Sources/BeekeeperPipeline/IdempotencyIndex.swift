/// Finished ids whose outcome is a journal line, 24 bytes each in the table: a seeded 64-bit hash
/// of the id as the key, and the line's place and time packed beside it. Neither the id (a
/// generated UUID is 36 characters on the heap) nor its payload digest is kept: both are in the
/// line, which a replay reads back anyway and checks names the id. Two ids that share a hash cost
/// that read and nothing else: the second one finds another id's line, is claimed as new, and is
/// kept by ``IdempotencyStore`` whole when it finishes (``insert(_:_:)`` refuses a taken key).
///
/// At 100,000 ids this table is about 6 MiB where a `[String: Entry]` of the same ids took about
/// 21 MiB, before the ids' own Strings (BENCHMARKS.md section 29).
struct IdempotencyIndex {
    /// Where a finished id's journal line is, and when it finished.
    struct Slot: Equatable {
        /// The offset in the high 39 bits (512 GiB of journal file), the length in the next 24
        /// (16 MiB), the file's parity bit last.
        private let packed: UInt64
        let at: Double

        static let lengthBits = 24
        static let offsetShift = lengthBits + 1

        /// Nil for a line beyond what the packing holds: the store keeps that id whole instead.
        init?(_ location: IdempotencyJournalLocation, at: Double) {
            guard location.offset >= 0, location.offset < 1 << (64 - Self.offsetShift),
                location.length >= 0, location.length < 1 << Self.lengthBits, location.file < 2
            else { return nil }
            packed = UInt64(location.offset) << Self.offsetShift | UInt64(location.length) << 1 | UInt64(location.file)
            self.at = at
        }

        var location: IdempotencyJournalLocation {
            IdempotencyJournalLocation(
                offset: Int64(packed >> Self.offsetShift),
                length: Int32(truncatingIfNeeded: packed >> 1 & (1 << Self.lengthBits - 1)),
                file: UInt8(packed & 1))
        }
    }

    private var slots: [UInt64: Slot] = [:]
    private var order = ExpiryOrder<UInt64>()

    /// The key of `id`: `Hasher` is seeded at random once per process, and the table is rebuilt
    /// from the journal at every start, so no key outlives the process that made it.
    static func key(_ id: String) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(id)
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    var count: Int { slots.count }

    subscript(key: UInt64) -> Slot? { slots[key] }

    /// Adds a finished id; false (nothing changed) when its key holds another id's line.
    mutating func insert(_ key: UInt64, _ slot: Slot) -> Bool {
        guard slots[key] == nil else { return false }
        slots[key] = slot
        order.append(key, at: slot.at)
        return true
    }

    /// Replaces the line of the id at `key` (a later journal line of the same id, at a start).
    mutating func replace(_ key: UInt64, with slot: Slot) {
        slots[key] = slot
        order.append(key, at: slot.at)
    }

    mutating func remove(_ key: UInt64) {
        slots[key] = nil
    }

    /// Forgets the ids that finished `retention` seconds or more before `now`.
    mutating func expire(now: Double, retention: Double) {
        order.expire(now: now, retention: retention) { key, at in
            // Only the line this entry added: a later line of the key has its own entry.
            if slots[key]?.at == at { slots[key] = nil }
        }
    }
}
