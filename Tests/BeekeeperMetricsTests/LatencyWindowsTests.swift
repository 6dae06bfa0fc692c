import BeekeeperMetrics
import Foundation
import Testing

@Suite struct LatencyWindowsTests {
    static let quantiles = [0.5, 0.9, 0.95, 0.99, 0.999, 0.01, 0.25]

    enum Distribution: String, CaseIterable, CustomTestStringConvertible {
        case uniform, exponential, bimodal, logUniformMicrosecondToHour
        var testDescription: String { rawValue }

        func sample(_ generator: inout SplitMix64) -> Double {
            func unit() -> Double { Double(generator.next() >> 11 + 1) * 0x1p-53 }  // (0, 1]
            func normal(_ mean: Double, _ deviation: Double) -> Double {
                mean + deviation * (-2 * log(unit())).squareRoot() * cos(2 * .pi * unit())
            }
            switch self {
            case .uniform: return 0.001 + unit() * 1.999
            case .exponential: return -log(unit()) * 0.05
            case .bimodal: return unit() < 0.7 ? max(normal(0.005, 0.001), 0.0001) : max(normal(0.8, 0.1), 0.0001)
            case .logUniformMicrosecondToHour: return exp(log(1e-6) + unit() * (log(3600) - log(1e-6)))
            }
        }
    }

    /// Nearest rank: the smallest sample with at least ceil(q × n) samples at or below it.
    static func exactQuantile(_ sorted: [Double], _ q: Double) -> Double {
        let rank = min(max(Int((q * Double(sorted.count)).rounded(.up)), 1), sorted.count)
        return sorted[rank - 1]
    }

    @Test(arguments: Distribution.allCases)
    func quantilesWithinOnePercent(of distribution: Distribution) throws {
        let clock = ManualClock()
        let windows = LatencyWindows(window: .seconds(60), quantiles: Self.quantiles, clock: clock)
        var generator = SplitMix64(seed: 42)
        var samples: [Double] = []
        var failures = 0
        for index in 0..<100_000 {
            let value = distribution.sample(&generator)
            samples.append(value)
            let success = index % 10 != 0
            if !success { failures += 1 }
            windows.record(bee: "bee", funcname: "f", seconds: value, success: success)
            clock.advance(by: .microseconds(500))  // 50 s in all: the samples spread over 11 slices
        }
        let snapshot = try #require(windows.snapshot().first)
        samples.sort()
        #expect(snapshot.count == samples.count)
        #expect(abs(snapshot.sum - samples.reduce(0, +)) <= 1e-9 * snapshot.sum)
        #expect(snapshot.errorRatio == Double(failures) / Double(samples.count))
        #expect(snapshot.quantiles.map(\.quantile) == Self.quantiles)
        for (quantile, estimate) in snapshot.quantiles {
            let exact = Self.exactQuantile(samples, quantile)
            let error = abs(estimate - exact) / exact
            #expect(error <= 0.01, "q=\(quantile): estimate \(estimate), exact \(exact), error \(error)")
        }
    }

    @Test func extremesAreExactAndOutOfRangeValuesAreClamped() throws {
        let windows = LatencyWindows(window: .seconds(10), quantiles: [0, 0.5, 1], clock: ManualClock())
        for value in [2e-7, 0.3, 0.31, 0.32, 7200] {
            windows.record(bee: "b", funcname: "f", seconds: value, success: true)
        }
        let snapshot = try #require(windows.snapshot().first)
        #expect(snapshot.quantiles[0].value == 2e-7)
        #expect(abs(snapshot.quantiles[1].value - 0.31) / 0.31 <= 0.01)
        #expect(snapshot.quantiles[2].value == 7200)
    }

    @Test func samplesLeaveTheWindow() throws {
        let clock = ManualClock()
        let windows = LatencyWindows(window: .seconds(60), quantiles: [0.5, 0.99], clock: clock)
        // 20 tasks at 1 s, two of them failed, in the first slice [0 s, 5 s).
        for index in 0..<20 {
            windows.record(bee: "b", funcname: "f", seconds: 1, success: index >= 2)
            clock.advance(by: .milliseconds(200))
        }
        clock.advance(by: .seconds(26))  // now 30 s
        for _ in 0..<40 {
            windows.record(bee: "b", funcname: "f", seconds: 0.010, success: true)
        }
        var snapshot = try #require(windows.snapshot().first)
        #expect(snapshot.count == 60)
        #expect(snapshot.errors == 2)
        #expect(snapshot.errorRatio == 2.0 / 60)
        #expect(snapshot.throughputPerSecond == 60.0 / 30)  // only 30 s have passed since the start
        #expect(abs(snapshot.quantiles[0].value - 0.010) <= 0.0001)
        #expect(snapshot.quantiles[1].value == 1)

        clock.advance(by: .seconds(29))  // 59 s: the first slice is still inside the window
        snapshot = try #require(windows.snapshot().first)
        #expect(snapshot.count == 60)

        clock.advance(by: .seconds(1))  // 60 s: the first slice has left it
        snapshot = try #require(windows.snapshot().first)
        #expect(snapshot.count == 40)
        #expect(snapshot.errors == 0)
        #expect(snapshot.errorRatio == 0)
        #expect(abs(snapshot.sum - 0.4) < 1e-12)
        #expect(snapshot.throughputPerSecond == 40.0 / 55)  // 11 whole slices and 0 s of the current one
        #expect(abs(snapshot.quantiles[1].value - 0.010) <= 0.0001)
        #expect(snapshot.totalCount == 60)
        #expect(abs(snapshot.totalSum - 20.4) < 1e-9)

        clock.advance(by: .seconds(120))
        snapshot = try #require(windows.snapshot().first)
        #expect(snapshot.count == 0)
        #expect(snapshot.quantiles.allSatisfy { $0.value.isNaN })
        #expect(snapshot.throughputPerSecond == 0)
        #expect(snapshot.errorRatio == 0)
        #expect(snapshot.sum == 0)
        #expect(snapshot.totalCount == 60)

        // The ring is reused after expiry.
        windows.record(bee: "b", funcname: "f", seconds: 2, success: false)
        snapshot = try #require(windows.snapshot().first)
        #expect(snapshot.count == 1)
        #expect(snapshot.errorRatio == 1)
        #expect(snapshot.quantiles.allSatisfy { $0.value == 2 })
    }

    @Test func throughputRightAfterStartUsesAtLeastOneSlice() throws {
        let clock = ManualClock()
        let windows = LatencyWindows(window: .seconds(60), quantiles: [0.5], clock: clock)
        clock.advance(by: .seconds(1))
        for _ in 0..<10 { windows.record(bee: "b", funcname: "f", seconds: 0.1, success: true) }
        #expect(try #require(windows.snapshot().first).throughputPerSecond == 10.0 / 5)
        clock.advance(by: .seconds(19))
        #expect(try #require(windows.snapshot().first).throughputPerSecond == 10.0 / 20)
    }

    @Test func snapshotsAreSortedPerSeries() {
        let windows = LatencyWindows(window: .seconds(60), quantiles: [0.5], clock: ManualClock())
        for (bee, funcname) in [("b", "z"), ("a", "y"), ("b", "a"), ("B", "q")] {
            windows.record(bee: bee, funcname: funcname, seconds: 0.1, success: true)
        }
        let keys = windows.snapshot().map { "\($0.bee)/\($0.funcname)" }
        #expect(keys == ["B/q", "a/y", "b/a", "b/z"])
    }

    @Test func registeredFamilies() {
        let clock = ManualClock()
        let registry = MetricsRegistry()
        let windows = LatencyWindows(window: .seconds(60), quantiles: [0.5, 0.99], clock: clock)
        windows.register(in: registry)
        clock.advance(by: .seconds(10))
        windows.record(bee: "echo", funcname: "say", seconds: 0.25, success: true)
        windows.record(bee: "echo", funcname: "say", seconds: 0.25, success: false)
        windows.record(bee: "idle", funcname: "nap", seconds: 4, success: true)
        clock.advance(by: .seconds(5))
        windows.record(bee: "echo", funcname: "say", seconds: 0.25, success: true)
        clock.advance(by: .seconds(58))  // idle/nap and the first echo/say tasks leave the window
        windows.record(bee: "echo", funcname: "say", seconds: 0.5, success: true)
        let lines = registry.render(.prometheusText).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines == [
            #"beekeeper_task_error_ratio{bee="echo",funcname="say"} 0"#,
            #"beekeeper_task_error_ratio{bee="idle",funcname="nap"} 0"#,
            #"beekeeper_task_latency_seconds{bee="echo",funcname="say",quantile="0.5"} 0.25"#,
            #"beekeeper_task_latency_seconds{bee="echo",funcname="say",quantile="0.99"} 0.5"#,
            #"beekeeper_task_latency_seconds_sum{bee="echo",funcname="say"} 1.25"#,
            #"beekeeper_task_latency_seconds_count{bee="echo",funcname="say"} 4"#,
            #"beekeeper_task_latency_seconds{bee="idle",funcname="nap",quantile="0.5"} NaN"#,
            #"beekeeper_task_latency_seconds{bee="idle",funcname="nap",quantile="0.99"} NaN"#,
            #"beekeeper_task_latency_seconds_sum{bee="idle",funcname="nap"} 4"#,
            #"beekeeper_task_latency_seconds_count{bee="idle",funcname="nap"} 1"#,
            // 2 tasks over 55 s + 3 s of the current slice.
            "beekeeper_task_throughput_per_second{bee=\"echo\",funcname=\"say\"} \(2.0 / 58)",
            #"beekeeper_task_throughput_per_second{bee="idle",funcname="nap"} 0"#,
        ])
        let help = registry.render(.prometheusText).split(separator: "\n").filter { $0.hasPrefix("# TYPE") }
        #expect(help == [
            "# TYPE beekeeper_task_error_ratio gauge",
            "# TYPE beekeeper_task_latency_seconds summary",
            "# TYPE beekeeper_task_throughput_per_second gauge",
        ])
    }
}
