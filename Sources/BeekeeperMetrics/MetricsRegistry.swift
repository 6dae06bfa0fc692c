import Synchronization

/// A set of metric families and their Prometheus / OpenMetrics text exposition.
///
/// Families render sorted by name (byte order), so the output order never depends on when a family was
/// registered; series within a family are sorted by their label values, compared in `labelNames` order.
///
/// Registration mistakes are programmer errors and stop the process with a message: an invalid metric or
/// label name, an empty help text, a name registered again with another type, other labels or other
/// buckets, or a name that would clash with another family's samples (`x_count` beside a histogram `x`).
/// Registering the same counter, gauge or histogram again returns the family already registered (its
/// first help text stays). A stored family without labels exposes its single series, at zero, at once.
public final class MetricsRegistry: Sendable {
    private struct State {
        var families: [String: RegisteredFamily] = [:]
        /// Sample and family names already in use, with the family that uses them.
        var claimedNames: [String: String] = [:]
    }

    private let state = Mutex(State())
    /// Bytes of the last render, the next one's starting capacity.
    private let lastRenderBytes = Atomic<Int>(0)

    public init() {}

    /// A counter family. The sample name always ends in `_total`: `tasks` and `tasks_total` name the same
    /// family, whose 0.0.4 TYPE line says `tasks_total` and whose OpenMetrics family name is `tasks`.
    public func counter(_ name: String, help: String, labelNames: [String] = []) -> CounterFamily {
        let fullName = name.hasSuffix("_total") ? name : name + "_total"
        let family = register(name: fullName, help: help, type: .counter, labelNames: labelNames) {
            .counter(CounterFamily(name: fullName, labelNames: labelNames))
        }
        guard case .counter(let counter) = family.storage else { preconditionFailure("\(fullName) is not a stored counter") }
        if labelNames.isEmpty { _ = counter.labels() }  // a family without labels shows its one series from the start
        return counter
    }

    public func gauge(_ name: String, help: String, labelNames: [String] = []) -> GaugeFamily {
        let family = register(name: name, help: help, type: .gauge, labelNames: labelNames) {
            .gauge(GaugeFamily(name: name, labelNames: labelNames))
        }
        guard case .gauge(let gauge) = family.storage else { preconditionFailure("\(name) is not a stored gauge") }
        if labelNames.isEmpty { _ = gauge.labels() }
        return gauge
    }

    /// A histogram family with these finite bucket upper bounds (ascending; a trailing `+Inf` may be given
    /// and is always exposed).
    public func histogram(_ name: String, help: String, labelNames: [String] = [], buckets: [Double]) -> HistogramFamily {
        var bounds = buckets
        if bounds.last == .infinity { bounds.removeLast() }
        precondition(bounds.allSatisfy(\.isFinite), "histogram \(name): bucket bounds must be finite numbers, got \(buckets)")
        precondition(
            zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 },
            "histogram \(name): bucket bounds must be strictly ascending, got \(buckets)")
        precondition(!labelNames.contains("le"), "histogram \(name): the label name \"le\" is reserved for buckets")
        let family = register(name: name, help: help, type: .histogram, labelNames: labelNames, buckets: bounds) {
            .histogram(HistogramFamily(name: name, labelNames: labelNames, upperBounds: bounds))
        }
        guard case .histogram(let histogram) = family.storage else { preconditionFailure("\(name) is not a stored histogram") }
        if labelNames.isEmpty { _ = histogram.labels() }
        return histogram
    }

    /// A family whose series are computed at each scrape: `collect` runs on the scraping task, outside the
    /// registry's lock, and returns one sample per series (each label set once, values in `labelNames`
    /// order, a value kind that fits `type`; a mismatch stops the process as a programmer error). A counter's
    /// `name` follows the same `_total` rule as `counter(_:help:labelNames:)`. A name can hold one collector.
    public func collector(
        _ name: String, help: String, type: MetricType, labelNames: [String],
        _ collect: @escaping @Sendable () -> [CollectedSample]
    ) {
        let fullName = type == .counter && !name.hasSuffix("_total") ? name + "_total" : name
        if type == .summary {
            precondition(!labelNames.contains("quantile"), "summary \(name): the label name \"quantile\" is reserved")
        }
        if type == .histogram {
            precondition(!labelNames.contains("le"), "histogram \(name): the label name \"le\" is reserved for buckets")
        }
        var created = false
        _ = register(name: fullName, help: help, type: type, labelNames: labelNames) {
            created = true
            return .collector(collect)
        }
        precondition(created, "a family named \(fullName) is already registered; a collector cannot share it")
    }

    /// The whole registry in `format`, from a fresh read of every family and collector.
    public func render(_ format: ExpositionFormat) -> String {
        var bytes: [UInt8] = []
        render(format, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `render(_:)` appended to `bytes` as UTF-8, without the String: what `/metrics` sends. A caller
    /// that keeps `bytes` between scrapes (emptied, capacity kept) writes into memory already mapped.
    public func render(_ format: ExpositionFormat, into bytes: inout [UInt8]) {
        let families = state.withLock { Array($0.families.values) }
            .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        var writer = ExpositionWriter(format: format)
        // The caller's array becomes the writer's (a swap, so it stays uniquely referenced and
        // is appended to in place), and comes back with the exposition after it.
        swap(&writer.bytes, &bytes)
        defer { swap(&writer.bytes, &bytes) }
        let start = writer.bytes.count
        // The last render's size plus some slack, so a render of the same registry does not regrow.
        writer.bytes.reserveCapacity(start + lastRenderBytes.load(ordering: .relaxed) + 16 * 1024)
        for family in families {
            switch family.storage {
            case .counter(let counters):
                writer.write(family, series: counters.table.ordered())
            case .gauge(let gauges):
                writer.write(family, series: gauges.table.ordered())
            case .histogram, .collector:
                writer.write(family, samples: family.collect())
            }
        }
        writer.finish()
        lastRenderBytes.store(writer.bytes.count - start, ordering: .relaxed)
    }

    private func register(
        name: String, help: String, type: MetricType, labelNames: [String], buckets: [Double] = [],
        make: () -> RegisteredFamily.Storage
    ) -> RegisteredFamily {
        precondition(MetricNames.isValidMetricName(name), "invalid metric name \"\(name)\"")
        precondition(!help.isEmpty, "metric \(name) needs a help text")
        for label in labelNames {
            precondition(MetricNames.isValidLabelName(label), "metric \(name): invalid label name \"\(label)\"")
        }
        precondition(Set(labelNames).count == labelNames.count, "metric \(name): duplicate label names in \(labelNames)")
        return state.withLock { state in
            if let existing = state.families[name] {
                precondition(
                    existing.type == type && existing.labelNames == labelNames && existing.buckets == buckets,
                    """
                    metric \(name) is already registered as a \(existing.type.rawValue) with labels \
                    \(existing.labelNames)\(existing.buckets.isEmpty ? "" : " and buckets \(existing.buckets)"); \
                    it cannot be registered again as a \(type.rawValue) with labels \(labelNames)\
                    \(buckets.isEmpty ? "" : " and buckets \(buckets)")
                    """)
                return existing
            }
            let family = RegisteredFamily(
                name: name, help: help, type: type, labelNames: labelNames, buckets: buckets, storage: make())
            for claimed in family.claimedNames {
                if let owner = state.claimedNames[claimed] {
                    preconditionFailure("metric \(name) clashes with the already registered family \(owner) over the name \(claimed)")
                }
            }
            for claimed in family.claimedNames {
                state.claimedNames[claimed] = name
            }
            state.families[name] = family
            return family
        }
    }
}
