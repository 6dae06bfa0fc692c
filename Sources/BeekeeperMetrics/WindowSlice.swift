/// One sub-window of a series: what was recorded during one slice of `window / sliceCount`.
struct WindowSlice {
    /// Which slice of time (elapsed / slice length) this holds; `.min` when it never held one.
    var epoch: Int64 = .min
    var count = 0
    var errors = 0
    var sum = 0.0
    var minimum = Double.infinity
    var maximum = -Double.infinity
    var histogram = LogLinearHistogram()

    mutating func record(seconds: Double, bucket: Int, success: Bool) {
        count += 1
        if !success { errors += 1 }
        sum += seconds
        minimum = min(minimum, seconds)
        maximum = max(maximum, seconds)
        histogram.add(bucket: bucket)
    }

    /// Starts over for another epoch; a reused slice keeps its storage, an expired one lets it go.
    mutating func reset(epoch: Int64, keepingCapacity: Bool) {
        self.epoch = epoch
        count = 0
        errors = 0
        sum = 0
        minimum = .infinity
        maximum = -.infinity
        histogram.removeAll(keepingCapacity: keepingCapacity)
    }
}
