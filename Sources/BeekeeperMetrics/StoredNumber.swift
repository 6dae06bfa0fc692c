/// A counter or gauge series as the exposition reads it: its current value written as the sample
/// value's bytes, straight into the output.
protocol StoredNumber: AnyObject, Sendable {
    /// Writes the value as `NumberFormatting.sampleValue` spells it, at most
    /// `NumberFormatting.maxSampleValueBytes` bytes, and returns the position after it.
    func writeSampleValue(at cursor: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8>
}
