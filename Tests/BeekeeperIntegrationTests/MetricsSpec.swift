/// The metric families of SPEC section 8 with their types, and checks every exposition must pass.
enum MetricsSpec {
    /// Sample-line name → TYPE (the 0.0.4 family name; OpenMetrics drops `_total` from counters).
    static let families: [(name: String, type: String)] = [
        ("beekeeper_build_info", "gauge"),
        ("beekeeper_tasks_total", "counter"),
        ("beekeeper_task_duration_seconds", "histogram"),
        ("beekeeper_task_latency_seconds", "summary"),
        ("beekeeper_task_throughput_per_second", "gauge"),
        ("beekeeper_task_error_ratio", "gauge"),
        ("beekeeper_tasks_in_flight", "gauge"),
        ("beekeeper_bee_up", "gauge"),
        ("beekeeper_bee_restarts_total", "counter"),
        ("beekeeper_guardian_decisions_total", "counter"),
        ("beekeeper_audit_records_total", "counter"),
        ("beekeeper_audit_fsync_duration_seconds", "histogram"),
        ("beekeeper_audit_write_errors_total", "counter"),
        ("beekeeper_audit_last_seq", "gauge"),
        ("beekeeper_shipper_segments_total", "counter"),
        ("beekeeper_shipper_backlog_bytes", "gauge"),
        ("beekeeper_shipper_backlog_segments", "gauge"),
        ("beekeeper_shipper_last_success_timestamp_seconds", "gauge"),
        ("beekeeper_backup_runs_total", "counter"),
        ("beekeeper_backup_last_success_timestamp_seconds", "gauge"),
        ("beekeeper_backup_last_duration_seconds", "gauge"),
        ("beekeeper_backup_last_size_bytes", "gauge"),
        ("beekeeper_http_requests_total", "counter"),
        // Beside SPEC: what replay protection holds in memory (README "Metrics").
        ("beekeeper_idempotency_ids", "gauge"),
        ("beekeeper_idempotency_journal_bytes", "gauge"),
        ("beekeeper_auth_nonces", "gauge"),
        // SPEC section 11: only with a `colonies` section.
        ("beekeeper_colonies_up", "gauge"),
        ("beekeeper_colonies_assigned_total", "counter"),
        ("beekeeper_colonies_reports_total", "counter"),
        ("beekeeper_colonies_rpc_duration_seconds", "histogram"),
        ("process_cpu_seconds_total", "counter"),
        ("process_resident_memory_bytes", "gauge"),
        ("process_open_fds", "gauge"),
        ("process_start_time_seconds", "gauge"),
    ]

    /// Families a sidecar without shipper or backups configured exports once it has run tasks.
    static let alwaysExported: Set<String> = [
        "beekeeper_build_info", "beekeeper_tasks_total", "beekeeper_task_duration_seconds", "beekeeper_task_latency_seconds",
        "beekeeper_task_throughput_per_second", "beekeeper_task_error_ratio", "beekeeper_tasks_in_flight", "beekeeper_bee_up",
        "beekeeper_bee_restarts_total", "beekeeper_guardian_decisions_total", "beekeeper_audit_records_total",
        "beekeeper_audit_fsync_duration_seconds", "beekeeper_audit_last_seq", "beekeeper_http_requests_total",
        "beekeeper_idempotency_ids", "beekeeper_idempotency_journal_bytes", "beekeeper_auth_nonces",
        "process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds", "process_start_time_seconds",
    ]

    /// The name prometheus_client gives the family (counters lose `_total`).
    static func parsedFamilyName(_ name: String, type: String) -> String {
        type == "counter" && name.hasSuffix("_total") ? String(name.dropLast(6)) : name
    }

    /// Problems with HELP and TYPE: every parsed family has both; every SPEC family present has its
    /// SPEC type and, in the raw text, its `# HELP` and `# TYPE` lines; the always-exported ones are there.
    static func problems(raw: String, parsed: ParsedExposition, openMetrics: Bool) -> [String] {
        var problems: [String] = []
        let format = openMetrics ? "OpenMetrics" : "text"
        for family in parsed.families {
            if family.type == "unknown" { problems.append("\(format): family \(family.name) has no TYPE") }
            if family.help.isEmpty { problems.append("\(format): family \(family.name) has no HELP") }
        }
        let parsedTypes = Dictionary(parsed.families.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
        for (name, type) in families {
            let familyName = parsedFamilyName(name, type: type)
            guard let parsedType = parsedTypes[familyName] else {
                if alwaysExported.contains(name) { problems.append("\(format): family \(name) is missing") }
                continue
            }
            if parsedType != type { problems.append("\(format): \(name) has TYPE \(parsedType), SPEC says \(type)") }
            let typeName = openMetrics ? familyName : name
            if !raw.contains("# TYPE \(typeName) \(type)\n") { problems.append("\(format): no `# TYPE \(typeName) \(type)` line") }
            if !raw.contains("# HELP \(typeName) ") { problems.append("\(format): no `# HELP \(typeName)` line") }
        }
        return problems
    }

    /// Histogram series whose buckets are not cumulative or whose +Inf bucket differs from `_count`.
    static func histogramProblems(_ parsed: ParsedExposition, family: String) -> [String] {
        var problems: [String] = []
        var series: [[String: String]: [(le: Double, count: Double)]] = [:]
        for sample in parsed.samples(family + "_bucket") {
            var labels = sample.labels
            guard let le = labels.removeValue(forKey: "le"), let bound = le == "+Inf" ? Double.infinity : Double(le) else {
                problems.append("\(family): bucket without a numeric le: \(sample.labels)")
                continue
            }
            series[labels, default: []].append((bound, sample.value))
        }
        for (labels, buckets) in series {
            let sorted = buckets.sorted { $0.le < $1.le }
            for (lower, upper) in zip(sorted, sorted.dropFirst()) where upper.count < lower.count {
                problems.append("\(family)\(labels): bucket le=\(upper.le) (\(upper.count)) below le=\(lower.le) (\(lower.count))")
            }
            let infinity = sorted.last { $0.le == .infinity }?.count
            let count = parsed.value(family + "_count", labels)
            if infinity == nil || infinity != count {
                problems.append("\(family)\(labels): +Inf bucket \(String(describing: infinity)) != _count \(String(describing: count))")
            }
        }
        return problems
    }
}
