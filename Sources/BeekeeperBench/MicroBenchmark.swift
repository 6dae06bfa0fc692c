/// Repeated batches of a fast operation: each batch's mean cost per op is one sample, so the
/// median and spread of the batches show noise from the rest of the machine. Batches are sized
/// from a calibration run to last about `batchSeconds` each, so slow and fast cases take the same time.
enum MicroBenchmark {
    struct Result {
        /// Nanoseconds per operation, one value per batch.
        var nanosecondsPerOp: Summary
        var operationsPerBatch: Int
    }

    static func measure(batches: Int, batchSeconds: Double, _ body: () -> Void) -> Result {
        // Calibrate (and warm caches and lazy state): run until 20 ms have passed.
        var calibration = 0
        let start = Nanoseconds.now()
        while Nanoseconds.now() - start < 20_000_000 || calibration < 3 {
            body()
            calibration += 1
        }
        let perOp = Double(Nanoseconds.now() - start) / Double(calibration)
        let operations = max(1, Int(batchSeconds * 1e9 / perOp))
        let timings = (0..<batches).map { _ in
            Double(Nanoseconds.measure { for _ in 0..<operations { body() } }) / Double(operations)
        }
        return Result(nanosecondsPerOp: Summary(timings), operationsPerBatch: operations)
    }
}

extension BenchContext {
    /// Batches of a micro-benchmark: 9 of about 0.1 s, or 3 of 0.03 s with `--quick`.
    func micro(_ body: () -> Void) -> MicroBenchmark.Result {
        MicroBenchmark.measure(batches: quick ? 3 : 9, batchSeconds: quick ? 0.03 : 0.1, body)
    }
}
