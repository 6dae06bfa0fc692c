import Synchronization

extension Counter: StoredNumber {
    func writeSampleValue(at cursor: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        let total = whole.load(ordering: .relaxed)
        let fraction = fractional.load(ordering: .relaxed)
        // The usual counter has only whole increments: its digits come from the integer itself.
        // Below 2^53 that is exactly what `value` (Double(whole) + 0.0) would spell.
        if fraction == 0, total < 1 << 53 {
            return NumberFormatting.writeDecimal(total, at: cursor)
        }
        return NumberFormatting.writeSampleValue(Double(total) + Double(bitPattern: fraction), at: cursor)
    }
}
