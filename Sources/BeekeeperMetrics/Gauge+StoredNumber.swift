extension Gauge: StoredNumber {
    func writeSampleValue(at cursor: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        NumberFormatting.writeSampleValue(value, at: cursor)
    }
}
