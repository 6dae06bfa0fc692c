import Synchronization

/// One counter series: a handle from `CounterFamily.labels(...)`, cheap to keep and to increment.
public final class Counter: Sendable {
    // Whole increments go to an integer so totals stay exact under contention; fractional ones
    // go to a Double kept as bits and updated by compare-and-swap.
    // Read directly by the exposition (`Counter+StoredNumber.swift`), which writes a whole total's
    // digits without going through a Double.
    let whole = Atomic<UInt64>(0)
    let fractional = Atomic<UInt64>(0)

    init() {}

    public func increment() {
        whole.wrappingAdd(1, ordering: .relaxed)
    }

    public func increment(by amount: Int) {
        precondition(amount >= 0, "a counter cannot decrease (increment by \(amount))")
        whole.wrappingAdd(UInt64(amount), ordering: .relaxed)
    }

    public func increment(by amount: UInt64) {
        whole.wrappingAdd(amount, ordering: .relaxed)
    }

    public func increment(by amount: Double) {
        precondition(amount >= 0, "a counter cannot decrease or be NaN (increment by \(amount))")
        if amount == amount.rounded(.towardZero), amount < 0x1p63 {
            whole.wrappingAdd(UInt64(amount), ordering: .relaxed)
        } else {
            AtomicDouble.add(amount, to: fractional)
        }
    }

    /// The current total.
    public var value: Double {
        Double(whole.load(ordering: .relaxed)) + Double(bitPattern: fractional.load(ordering: .relaxed))
    }
}

/// Double arithmetic on an `Atomic<UInt64>` holding the bit pattern.
enum AtomicDouble {
    static func add(_ amount: Double, to atomic: borrowing Atomic<UInt64>) {
        var current = atomic.load(ordering: .relaxed)
        while true {
            let next = (Double(bitPattern: current) + amount).bitPattern
            let (exchanged, original) = atomic.weakCompareExchange(
                expected: current, desired: next, successOrdering: .relaxed, failureOrdering: .relaxed)
            if exchanged { return }
            current = original
        }
    }
}
