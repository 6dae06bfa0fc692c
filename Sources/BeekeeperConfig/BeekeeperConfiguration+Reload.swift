extension BeekeeperConfiguration {
    /// The keys that differ between `self` (the configuration the sidecar started with) and `new`
    /// but that only a restart applies: what a reload (SIGHUP) must name and leave as it was.
    ///
    /// A reload applies `log`, `auth` (rate limit included), `http` (the edge's limits are read per
    /// connection phase), the Guardian's checks (patterns, rules, sizes other than the HTTP body
    /// limit) and `metrics.bearer_token_file`. Everything else shapes what was opened, bound or
    /// started: the listener, the data directory and its audit log, the bees' processes, the
    /// shipper, the backup schedule, the ColonyOS executor, the metric families.
    public func restartOnlyChanges(to new: BeekeeperConfiguration) -> [String] {
        var changed: [String] = []
        func compare<Value: Equatable>(_ key: String, _ value: (BeekeeperConfiguration) -> Value) {
            if value(self) != value(new) { changed.append(key) }
        }
        compare("data_dir") { $0.dataDir }
        compare("listen") { $0.listen }
        compare("metrics.window") { $0.metrics.window }
        compare("metrics.quantiles") { $0.metrics.quantiles }
        compare("metrics.buckets") { $0.metrics.buckets }
        compare("bees") { $0.bees }
        // The HTTP layer reads the body up to this limit before the Guardian sees it.
        compare("guardian.max_payload_bytes") { $0.guardian.maxPayloadBytes }
        compare("guardian.persist_interval") { $0.guardian.persistInterval }
        compare("audit") { $0.audit }
        compare("shipper") { $0.shipper }
        compare("backup") { $0.backup }
        compare("colonies") { $0.colonies }
        return changed
    }
}
