import BeekeeperMetrics
import Testing

/// Stored counters and gauges render through their own path (whole `name{labels} ` prefixes kept per
/// series, values written straight into the output); collectors go through the general one. These
/// tests hold the two to the same bytes, and the kept prefixes to the series they belong to.
@Suite struct StoredExpositionTests {
    /// Label values that need escaping or are not ASCII, beside plain ones.
    static let labelValues = ["plain", "q\"uote", "back\\slash", "new\nline", "brace} eq= comma, 🐝", "ü é 日本", ""]

    /// The sample lines of `family` in `text`, with the family's name cut off the front.
    static func lines(of family: String, in text: String) -> [Substring] {
        text.split(separator: "\n").filter { $0.hasPrefix(family + "{") || $0.hasPrefix(family + " ") }
            .map { $0.dropFirst(family.count) }
    }

    @Test(arguments: [ExpositionFormat.prometheusText, .openMetrics])
    func storedFamiliesRenderAsTheGeneralPathDoes(format: ExpositionFormat) {
        var random = SplitMix64(seed: 9)
        let registry = MetricsRegistry()
        let counters = registry.counter("stored_total", help: "Stored.", labelNames: ["bee", "n"])
        let gauges = registry.gauge("stored_gauge", help: "Stored.", labelNames: ["bee", "n"])
        var counterSamples: [CollectedSample] = []
        var gaugeSamples: [CollectedSample] = []
        // More series than one block of the writer (256), so block boundaries are crossed.
        for index in 0..<700 {
            let labels = [Self.labelValues[index % Self.labelValues.count], String(index)]
            let counter = counters.labels(labels)
            switch index % 5 {
            case 0: counter.increment(by: Int(random.next() % 10_000_000))
            case 1: counter.increment(by: UInt64(1) << 53 &+ random.next() % 1000)  // past 2^53: spelled as a Double
            case 2: counter.increment(by: Double(random.next() % 1000) + 0.5)  // a fraction
            case 3: counter.increment(by: UInt64.max / 2 &+ random.next() % 1000)
            default: break  // zero
            }
            counterSamples.append(CollectedSample(labelValues: labels, counter.value))
            let gaugeValue: Double
            switch index % 8 {
            case 0: gaugeValue = Double(Int64(bitPattern: random.next()) % 1_000_000_000)
            case 1: gaugeValue = Double(bitPattern: random.next())  // any bits: NaN, infinities, subnormals too
            case 2: gaugeValue = -0.0
            case 3: gaugeValue = [Double.nan, .infinity, -.infinity][index % 3]
            case 4: gaugeValue = -0x1p53 + 1
            case 5: gaugeValue = Double(random.next() % 1000) / 7
            default: gaugeValue = 0x1p53
            }
            gauges.labels(labels).set(gaugeValue)
            gaugeSamples.append(CollectedSample(labelValues: labels, gaugeValue))
        }
        let collectedCounters = counterSamples
        let collectedGauges = gaugeSamples
        registry.collector("collected_total", help: "Collected.", type: .counter, labelNames: ["bee", "n"]) { collectedCounters }
        registry.collector("collected_gauge", help: "Collected.", type: .gauge, labelNames: ["bee", "n"]) { collectedGauges }

        let text = registry.render(format)
        let storedCounters = Self.lines(of: "stored_total", in: text)
        #expect(storedCounters.count == 700)
        #expect(storedCounters == Self.lines(of: "collected_total", in: text))
        let storedGauges = Self.lines(of: "stored_gauge", in: text)
        #expect(storedGauges.count == 700)
        #expect(storedGauges == Self.lines(of: "collected_gauge", in: text))
        // Spot checks that do not lean on the general path.
        #expect(text.contains(#"stored_total{bee="q\"uote",n="1"} 9.0071992547"#))  // 2^53 + up to 999, as a Double
        #expect(text.contains(#"stored_gauge{bee="new\nline",n="3"} NaN"#))
        #expect(text.contains("stored_gauge{bee=\"\",n=\"6\"} 9.007199254740992e+15\n"))
    }

    @Test func seriesCreatedBetweenRendersGetTheirOwnPrefixInOrder() {
        let registry = MetricsRegistry()
        let family = registry.counter("late_total", help: "L.", labelNames: ["k", "l"])
        family.labels("m", "1").increment()
        #expect(Self.lines(of: "late_total", in: registry.render(.prometheusText)) == [#"{k="m",l="1"} 1"#])
        // Created after the order (and its prefixes) were kept: before, between and after the old one.
        family.labels("z\"", "2").increment(by: 2)
        family.labels("a\n", "3").increment(by: 3)
        family.labels("m", "0").increment(by: 4)
        family.labels("m", "1").increment(by: 10)
        let expected: [Substring] = [#"{k="a\n",l="3"} 3"#, #"{k="m",l="0"} 4"#, #"{k="m",l="1"} 11"#, #"{k="z\"",l="2"} 2"#]
        #expect(Self.lines(of: "late_total", in: registry.render(.prometheusText)) == expected)
        #expect(Self.lines(of: "late_total", in: registry.render(.openMetrics)) == expected)
        // A label set asked for again is the same series: no new line, no stale order.
        family.labels("a\n", "3").increment()
        #expect(Self.lines(of: "late_total", in: registry.render(.prometheusText)).first == #"{k="a\n",l="3"} 4"#)
    }

    @Test func aFamilyWithoutLabelsHasABarePrefix() {
        let registry = MetricsRegistry()
        registry.counter("bare_total", help: "B.").labels().increment(by: 12_345_678_901)
        registry.gauge("bare_gauge", help: "B.").labels().set(-42)
        let text = registry.render(.prometheusText)
        #expect(text.contains("\nbare_total 12345678901\n"))
        #expect(text.contains("\nbare_gauge -42\n"))
    }

    @Test(arguments: [ExpositionFormat.prometheusText, .openMetrics])
    func renderIntoAppendsTheSameBytesAsRender(format: ExpositionFormat) {
        let registry = ExpositionTests.sampleRegistry()
        let family = registry.counter("many_total", help: "M.", labelNames: ["n"])
        for index in 0..<600 { family.labels(String(index)).increment(by: index * 1_000_003) }
        let expected = Array(registry.render(format).utf8)
        var bytes = Array("kept ahead\n".utf8)
        registry.render(format, into: &bytes)
        #expect(bytes == Array("kept ahead\n".utf8) + expected)
        // Reused as /metrics or a bench would: emptied, capacity kept.
        for _ in 0..<3 {
            bytes.removeAll(keepingCapacity: true)
            registry.render(format, into: &bytes)
            #expect(bytes == expected)
        }
        family.labels("600").increment()
        bytes.removeAll(keepingCapacity: true)
        registry.render(format, into: &bytes)
        #expect(bytes == Array(registry.render(format).utf8))
        #expect(bytes.count > expected.count)
    }

    /// Scrapes while other tasks create series and increment them: every scrape sees each series
    /// at most once, in order, with totals that never go down; the last one sees the exact totals.
    @Test func scrapesWhileSeriesAreCreatedAndIncremented() async {
        let registry = MetricsRegistry()
        let family = registry.counter("busy_total", help: "B.", labelNames: ["worker", "n"])
        let workers = 4
        let seriesPerWorker = 300
        let rounds = 20
        let scrapes = await withTaskGroup(of: [[Substring: Int]].self) { group in
            for worker in 0..<workers {
                group.addTask {
                    for round in 0..<rounds {
                        for series in 0..<seriesPerWorker where series <= round * 20 {
                            family.labels(String(worker), String(series)).increment()
                        }
                        await Task.yield()
                    }
                    return []
                }
            }
            group.addTask {
                var seen: [[Substring: Int]] = []
                var bytes: [UInt8] = []
                for _ in 0..<30 {
                    bytes.removeAll(keepingCapacity: true)
                    registry.render(.prometheusText, into: &bytes)
                    let lines = Self.lines(of: "busy_total", in: String(decoding: bytes, as: UTF8.self))
                    var totals: [Substring: Int] = [:]
                    for line in lines {
                        let parts = line.split(separator: " ")
                        totals[parts[0]] = Int(parts[1])
                    }
                    #expect(totals.count == lines.count, "a series written twice in one scrape")
                    #expect(zip(lines, lines.dropFirst()).allSatisfy { $0.utf8.lexicographicallyPrecedes($1.utf8) })
                    seen.append(totals)
                    await Task.yield()
                }
                return seen
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(scrapes.count == 30)
        for (earlier, later) in zip(scrapes, scrapes.dropFirst()) {
            for (series, total) in earlier {
                #expect((later[series] ?? -1) >= total, "\(series) went from \(total) to \(later[series] ?? -1)")
            }
        }
        let final = Self.lines(of: "busy_total", in: registry.render(.prometheusText))
        #expect(final.count == workers * seriesPerWorker)
        // Series n was incremented in every round from round n/20 (rounded up) on.
        #expect(final.contains(#"{worker="0",n="0"} 20"#))
        #expect(final.contains(#"{worker="3",n="299"} 5"#))
        #expect(final.contains(#"{worker="2",n="20"} 19"#))
    }
}
