extension AuditTimestamp {
    /// The last timestamp formatted, for the writer: consecutive groups nearly always fall in
    /// the same second, so only the six microsecond digits are rewritten and the calendar
    /// arithmetic (days to year, month, day) runs once a second, not once per group.
    struct Cache {
        /// The text of the last timestamp set (27 bytes for years 0000–9999).
        private(set) var bytes: [UInt8] = []
        /// The whole second `bytes` shows; `.min` until the first `set`.
        private var second = Int64.min

        init() {
            bytes.reserveCapacity(32)
        }

        /// Makes `bytes` the text of `microseconds`: byte for byte what
        /// ``AuditTimestamp/append(microseconds:to:)`` writes.
        mutating func set(microseconds: Int64) {
            let second = AuditTimestamp.floorDivide(microseconds, 1_000_000)
            guard second == self.second else {
                bytes.removeAll(keepingCapacity: true)
                AuditTimestamp.append(microseconds: microseconds, to: &bytes)
                self.second = second
                return
            }
            // Same second: the fraction is the six digits before the closing `Z`, whatever the
            // width of the year before it.
            var fraction = microseconds - second * 1_000_000
            bytes.withUnsafeMutableBufferPointer { text in
                var index = text.count - 2
                for _ in 0..<6 {
                    text[index] = 0x30 + UInt8(truncatingIfNeeded: fraction % 10)
                    fraction /= 10
                    index -= 1
                }
            }
        }
    }
}
