public import BeekeeperConfig
public import BeekeeperMetrics

/// The metric families of SPEC section 8 that the sidecar updates as it works. Families whose
/// values live elsewhere (bee status, audit position, Guardian stats) are collectors read at scrape time.
public final class SidecarMetrics: Sendable {
    package static let version = "0.1.0"

    package let registry = MetricsRegistry()
    package let tasks: CounterFamily
    package let taskDuration: HistogramFamily
    package let tasksInFlight: GaugeFamily
    package let auditRecords: CounterFamily
    package let auditWriteErrors: CounterFamily
    package let auditFsyncDuration: HistogramFamily
    package let httpRequests: CounterFamily
    package let windows: LatencyWindows
    package let shipperSegments: CounterFamily
    package let shipperLastSuccess: GaugeFamily
    package let backupRuns: CounterFamily
    package let backupLastSuccess: GaugeFamily
    package let backupLastDuration: GaugeFamily
    package let backupLastSize: GaugeFamily

    public init(configuration: MetricsConfig) {
        registry.gauge("beekeeper_build_info", help: "Build information; the value is always 1.", labelNames: ["version"])
            .labels(SidecarMetrics.version).set(1)
        tasks = registry.counter(
            "beekeeper_tasks_total", help: "Tasks finished, by bee, funcname and outcome.",
            labelNames: ["bee", "funcname", "outcome"])
        taskDuration = registry.histogram(
            "beekeeper_task_duration_seconds", help: "Wall time of executed tasks, all attempts included.",
            labelNames: ["bee", "funcname"], buckets: configuration.buckets)
        tasksInFlight = registry.gauge("beekeeper_tasks_in_flight", help: "Tasks executing or queued for a bee.", labelNames: ["bee"])
        auditRecords = registry.counter("beekeeper_audit_records_total", help: "Audit records made durable, by type.", labelNames: ["type"])
        auditWriteErrors = registry.counter("beekeeper_audit_write_errors_total", help: "Audit appends that failed to write or sync.")
        auditFsyncDuration = registry.histogram(
            "beekeeper_audit_fsync_duration_seconds", help: "Duration of each fdatasync of the live audit segment.",
            buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1])
        httpRequests = registry.counter(
            "beekeeper_http_requests_total", help: "HTTP requests answered, by handler and status code.", labelNames: ["handler", "code"])
        shipperSegments = registry.counter(
            "beekeeper_shipper_segments_total", help: "Sealed audit segments offered to the collector, by result.", labelNames: ["result"])
        for result in ["shipped", "failed"] { shipperSegments.labels(result).increment(by: 0) }
        shipperLastSuccess = registry.gauge(
            "beekeeper_shipper_last_success_timestamp_seconds", help: "Unix time of the last acknowledged shipment (0: never).")
        backupRuns = registry.counter(
            "beekeeper_backup_runs_total", help: "Backup runs, by database and result.", labelNames: ["database", "result"])
        backupLastSuccess = registry.gauge(
            "beekeeper_backup_last_success_timestamp_seconds", help: "Unix time of the last verified backup.", labelNames: ["database"])
        backupLastDuration = registry.gauge(
            "beekeeper_backup_last_duration_seconds", help: "Duration of the last backup run.", labelNames: ["database"])
        backupLastSize = registry.gauge(
            "beekeeper_backup_last_size_bytes", help: "Compressed size of the last backup.", labelNames: ["database"])
        windows = LatencyWindows(window: configuration.window, quantiles: configuration.quantiles)
        windows.register(in: registry)
        ProcessMetrics.register(in: registry)
    }

    package static let taskOutcomes = ["succeeded", "failed", "timed_out", "blocked", "rejected"]

    /// Every configured bee/funcname starts at zero in every outcome and in the histogram: a
    /// series that first appears holding 1 is invisible to `rate()` and `increase()`, so the
    /// first failure of a funcname would never reach an alert.
    package func initializeTaskSeries(bees: [(name: String, funcnames: [String])]) {
        for (bee, funcnames) in bees {
            for funcname in funcnames {
                for outcome in Self.taskOutcomes { tasks.labels(bee, funcname, outcome).increment(by: 0) }
                _ = taskDuration.labels(bee, funcname)
            }
        }
    }

    /// Series label for a funcname no bee serves: a bounded value, so callers cannot mint series.
    package static let unknownFuncname = "(unknown)"
    package static let noBee = "(none)"
}
