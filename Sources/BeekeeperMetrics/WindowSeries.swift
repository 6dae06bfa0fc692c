import Synchronization

/// The ring of slices of one (bee, funcname) series, with its own lock so series never contend.
final class WindowSeries: Sendable {
    struct State {
        var slices: [WindowSlice]
        /// Since the series began, for the summary's cumulative `_count` and `_sum`.
        var totalCount = 0
        var totalSum = 0.0

        mutating func record(epoch: Int64, seconds: Double, bucket: Int, success: Bool) {
            totalCount += 1
            totalSum += seconds
            let slot = Int(epoch % Int64(slices.count))
            // A recorder that read the clock a whole window ago must not wipe the newer slice in its slot.
            guard slices[slot].epoch <= epoch else { return }
            if slices[slot].epoch != epoch {
                slices[slot].reset(epoch: epoch, keepingCapacity: true)
            }
            slices[slot].record(seconds: seconds, bucket: bucket, success: success)
        }

        /// The slices of the window ending in `epoch`, copied (copy-on-write, so the lock is held only for
        /// retains); expired slices are emptied here so an idle series gives its memory back.
        mutating func liveSlices(at epoch: Int64) -> [WindowSlice] {
            var live: [WindowSlice] = []
            let oldest = epoch - Int64(slices.count) + 1
            for slot in slices.indices {
                let sliceEpoch = slices[slot].epoch
                if sliceEpoch >= oldest, sliceEpoch <= epoch {
                    if slices[slot].count > 0 { live.append(slices[slot]) }
                } else if sliceEpoch < oldest, sliceEpoch != .min {
                    slices[slot].reset(epoch: .min, keepingCapacity: false)
                }
            }
            return live
        }
    }

    let state: Mutex<State>

    init(sliceCount: Int) {
        state = Mutex(State(slices: Array(repeating: WindowSlice(), count: sliceCount)))
    }
}
