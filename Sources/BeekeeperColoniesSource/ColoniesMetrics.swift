import BeekeeperMetrics
import BeekeeperPipeline

/// The ColonyOS source's families of SPEC section 11. Registered only when a `colonies` section
/// exists, so a sidecar without one exports none of them (and no alert can fire for it).
struct ColoniesMetrics: Sendable {
    let up: GaugeFamily
    let assigned: CounterFamily
    let reports: CounterFamily
    let rpcDuration: HistogramFamily

    static let reportResults = ["acknowledged", "lost"]
    static let msgtypes = ["assignprocessmsg", "closesuccessfulmsg", "closefailedmsg", "getprocessesmsg"]

    init(registry: MetricsRegistry) {
        up = registry.gauge("beekeeper_colonies_up", help: "1 while the last call to the Colonies server succeeded.")
        assigned = registry.counter("beekeeper_colonies_assigned_total", help: "ColonyOS processes assigned to this executor.")
        reports = registry.counter(
            "beekeeper_colonies_reports_total", help: "Close and fail reports answered by the Colonies server, by result.", labelNames: ["result"])
        rpcDuration = registry.histogram(
            "beekeeper_colonies_rpc_duration_seconds", help: "Duration of calls to the Colonies server, long polls included, by message type.",
            labelNames: ["msgtype"], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60])
        // Every series starts at 0, so rate() sees the first lost report.
        up.labels().set(0)
        assigned.labels().increment(by: 0)
        for result in Self.reportResults { reports.labels(result).increment(by: 0) }
        for msgtype in Self.msgtypes { _ = rpcDuration.labels(msgtype) }
    }
}
