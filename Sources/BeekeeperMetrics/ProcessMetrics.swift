/// The standard process families, read from `/proc/self` at each scrape (Linux only; elsewhere, and if
/// `/proc` cannot be read, the families are present with no samples).
public enum ProcessMetrics {
    public static func register(in registry: MetricsRegistry) {
        registry.collector(
            "process_cpu_seconds_total", help: "Total user and system CPU time spent in seconds.",
            type: .counter, labelNames: []
        ) {
            guard let stat = ProcessStat.current() else { return [] }
            return [CollectedSample(stat.cpuSeconds)]
        }
        registry.collector(
            "process_resident_memory_bytes", help: "Resident memory size in bytes.", type: .gauge, labelNames: []
        ) {
            guard let stat = ProcessStat.current() else { return [] }
            return [CollectedSample(stat.residentBytes)]
        }
        registry.collector(
            "process_open_fds", help: "Number of open file descriptors.", type: .gauge, labelNames: []
        ) {
            guard let count = ProcessStat.openFileDescriptors() else { return [] }
            return [CollectedSample(Double(count))]
        }
        // The start time never changes: read it once.
        let startTime = ProcessStat.current().flatMap { stat in ProcessStat.bootTime().map { $0 + stat.startTicks / ProcessStat.ticksPerSecond } }
        registry.collector(
            "process_start_time_seconds", help: "Start time of the process since unix epoch in seconds.",
            type: .gauge, labelNames: []
        ) {
            startTime.map { [CollectedSample($0)] } ?? []
        }
    }
}
