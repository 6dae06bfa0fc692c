import Synchronization

/// One gauge series: a handle from `GaugeFamily.labels(...)`.
public final class Gauge: Sendable {
    private let bits = Atomic<UInt64>(0.0.bitPattern)

    init() {}

    public func set(_ value: Double) {
        bits.store(value.bitPattern, ordering: .relaxed)
    }

    public func increment(by amount: Double = 1) {
        AtomicDouble.add(amount, to: bits)
    }

    public func decrement(by amount: Double = 1) {
        AtomicDouble.add(-amount, to: bits)
    }

    public var value: Double {
        Double(bitPattern: bits.load(ordering: .relaxed))
    }
}
