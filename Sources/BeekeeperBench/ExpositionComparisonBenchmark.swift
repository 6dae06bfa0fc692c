import BeekeeperMetrics
import NIOCore
import Prometheus

/// `exposition-vs-swift-prometheus`: the same 10,000 counter series (10 families × 50 bees × 20
/// funcnames, same names, labels and values) rendered as Prometheus text 0.0.4 by Beekeeper's
/// `MetricsRegistry.render` and by swift-prometheus 2.4.1 (`PrometheusCollectorRegistry`), in the
/// same run. Before timing, both outputs are parsed back into samples and compared, so both sides
/// render the same thing.
struct ExpositionComparisonBenchmark {
    static let name = "exposition-vs-swift-prometheus"
    static let families = 10
    static let bees = 50
    static let funcnames = 20
    let context: BenchContext

    func run() -> [ResultRow] {
        let ours = MetricsRegistry()
        let theirs = PrometheusCollectorRegistry()
        var random = RandomSource(seed: 10)
        for family in 0..<Self.families {
            let name = "beekeeper_bench_family\(family)_total"
            let help = "Bench counter family \(family), by bee and funcname."
            let counters = ours.counter(name, help: help, labelNames: ["bee", "funcname"])
            for bee in 0..<Self.bees {
                for funcname in 0..<Self.funcnames {
                    let labels = ("bee-\(bee)", "func_\(funcname)")
                    let value = Int(random.next() % 10_000_000)
                    counters.labels(labels.0, labels.1).increment(by: value)
                    theirs.makeCounter(name: name, labels: [("bee", labels.0), ("funcname", labels.1)], help: help)
                        .increment(by: Int64(value))
                }
            }
        }
        let series = Self.families * Self.bees * Self.funcnames

        let oursText = ours.render(.prometheusText)
        let theirsText = theirs.emitToString()
        let oursSamples = Self.samples(of: oursText)
        let theirsSamples = Self.samples(of: theirsText)
        precondition(oursSamples.count == series, "exposition: ours rendered \(oursSamples.count) samples, expected \(series)")
        guard oursSamples == theirsSamples else {
            let first = zip(oursSamples, theirsSamples).first { $0 != $1 }
            fatalError("exposition: the two renders differ (\(oursSamples.count) vs \(theirsSamples.count) samples; first difference: \(String(describing: first)))")
        }
        print("checked: both renders parse to the same \(Format.grouped(series)) samples")

        var rows: [ResultRow] = []
        func measure(_ label: String, bytes: Int, _ body: () -> Void) -> Summary {
            let result = context.micro(body)
            let micro = Summary(result.nanosecondsPerOp.sorted.map { $0 / 1e6 })
            let row = ResultRow(
                Self.name, label, ops: result.operationsPerBatch, summary: micro, unit: "ms/render",
                extra: "\(Format.bytes(Double(bytes))) (\(Format.grouped(bytes)) bytes); \(Format.number(micro.median * 1e6 / Double(series))) ns/series")
            row.print()
            rows.append(row)
            return micro
        }
        let oursTime = measure("ours: MetricsRegistry.render(.prometheusText) -> String, 10,000 counters", bytes: oursText.utf8.count) {
            blackHole(ours.render(.prometheusText))
        }
        // What /metrics sends: the bytes, appended to an array kept between renders (emptied,
        // capacity kept), the same terms as swift-prometheus' emit(into:) below.
        var oursBuffer: [UInt8] = []
        ours.render(.prometheusText, into: &oursBuffer)
        precondition(oursBuffer.elementsEqual(oursText.utf8), "exposition: render(into:) differs from render()")
        let oursBytes = measure("ours: MetricsRegistry.render(.prometheusText, into:) a reused [UInt8], same series", bytes: oursBuffer.count) {
            oursBuffer.removeAll(keepingCapacity: true)
            ours.render(.prometheusText, into: &oursBuffer)
            blackHole(oursBuffer.count)
        }
        // Exactly what the /metrics route does per scrape: a fresh array, then one copy into the
        // response's ByteBuffer (HTTPRoutes.metricsPage).
        let oursRoute = measure("ours as /metrics builds its body: render(into:) a fresh [UInt8], then ByteBuffer(bytes:)", bytes: oursBuffer.count) {
            var exposition: [UInt8] = []
            ours.render(.prometheusText, into: &exposition)
            blackHole(ByteBuffer(bytes: exposition).readableBytes)
        }
        let theirsString = measure("swift-prometheus 2.4.1: emitToString(), same series", bytes: theirsText.utf8.count) {
            blackHole(theirs.emitToString())
        }
        // The library's fastest path: appending into a caller-owned buffer kept between renders.
        var buffer: [UInt8] = []
        buffer.reserveCapacity(theirsText.utf8.count)
        let theirsBuffer = measure("swift-prometheus 2.4.1: emit(into:) a reused [UInt8], same series", bytes: theirsText.utf8.count) {
            buffer.removeAll(keepingCapacity: true)
            theirs.emit(into: &buffer)
            blackHole(buffer.count)
        }
        let ratioString = theirsString.median / oursTime.median
        let ratioBuffer = theirsBuffer.median / oursBytes.median
        let ratioRoute = theirsString.median / oursRoute.median
        for (label, ratio, extra) in [
            ("ratio: swift-prometheus emitToString() / ours render() -> String (medians)", ratioString,
             "ours to String vs emitToString(): \(Self.speed(ratioString))"),
            ("ratio: swift-prometheus emit(into:) / ours render(into:), both a reused [UInt8] (medians)", ratioBuffer,
             "ours to bytes vs emit(into:): \(Self.speed(ratioBuffer))"),
            ("ratio: swift-prometheus emitToString() / ours as /metrics builds its body (medians)", ratioRoute,
             "the route's body vs emitToString(): \(Self.speed(ratioRoute))"),
        ] {
            let row = ResultRow(Self.name, label, ops: series, median: ratio, min: ratio, max: ratio, unit: "×", extra: extra)
            row.print()
            rows.append(row)
        }
        return rows
    }

    /// "2.5× faster" or "3.1× slower", from (their time / our time).
    static func speed(_ ratio: Double) -> String {
        ratio >= 1 ? "\(Format.number(ratio))× faster" : "\(Format.number(1 / ratio))× slower"
    }

    /// The sample lines of a text exposition, normalised so two renderers can be compared: label
    /// pairs sorted by name, the value as a Double (so `5` and `5.0` agree), the whole list sorted.
    static func samples(of text: String) -> [String] {
        var samples: [String] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                fatalError("exposition: unparsable sample line \"\(line)\"")
            }
            let series = line[..<space]
            var name = Substring(series)
            var labels: [Substring] = []
            if let brace = series.firstIndex(of: "{"), series.last == "}" {
                name = series[..<brace]
                // The bench's label values carry no quotes or commas, so splitting on "," is exact.
                labels = series[series.index(after: brace)..<series.index(before: series.endIndex)]
                    .split(separator: ",").sorted()
            }
            samples.append("\(name){\(labels.joined(separator: ","))} \(value)")
        }
        return samples.sorted()
    }
}
