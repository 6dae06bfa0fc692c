import BeekeeperAudit
import BeekeeperCore
import BeekeeperMetrics
import Foundation
import Synchronization

/// Keeps `auth.denied` audited but bounded (SPEC sections 4 and 7): within each interval the
/// first denial for a reason and source is recorded at once, with what it claimed; the ones after
/// it are only counted, and at the end of the interval one more `auth.denied` record carries
/// their count. An unauthenticated flood thus writes at most two records per reason and source
/// per interval, whatever its rate, and every denial is counted in
/// `beekeeper_auth_denied_total{reason}`. `http.denied_audit_interval: 0s` records every denial.
final class DenialLedger: Sendable {
    private struct Origin: Hashable {
        var reason: String
        var source: String
    }

    private struct Repeats {
        var count = 0
        var firstAt: Date?
        var lastAt: Date?
        var key = ""
        var path = ""
    }

    /// Sources beyond this many in one interval share the source "(other)", so a flood from many
    /// addresses cannot grow the table (or the records) without bound.
    static let maxOrigins = 1024
    static let otherSource = "(other)"

    private let currentInterval: Mutex<Duration>
    private let denied: CounterFamily
    private let table = Mutex<[Origin: Repeats]>([:])

    init(interval: Duration, registry: MetricsRegistry) {
        currentInterval = Mutex(interval)
        denied = registry.counter(
            "beekeeper_auth_denied_total", help: "Signed requests refused (bad or missing signature, rate limit), by reason.",
            labelNames: ["reason"])
    }

    /// `http.denied_audit_interval` now; a reload can change it (the interval under way ends at
    /// its old length, the next ones take the new).
    var interval: Duration { currentInterval.withLock { $0 } }

    func replace(interval: Duration) { currentInterval.withLock { $0 = interval } }

    /// Counts one denial. True: it is the first for its reason and source in this interval, and
    /// the caller records it now; false: it is counted into the interval's aggregate record.
    func note(reason: String, source: String, key: String, path: String, at now: Date = Date()) -> Bool {
        denied.labels(reason).increment()
        // An interval of 0s turns aggregation off: every denial is its own record.
        guard self.interval > .zero else { return true }
        return table.withLock { table in
            var origin = Origin(reason: reason, source: source)
            if table[origin] == nil, table.count >= Self.maxOrigins { origin.source = Self.otherSource }
            guard var repeats = table[origin] else {
                table[origin] = Repeats()
                return true
            }
            repeats.count += 1
            if repeats.firstAt == nil {
                repeats.firstAt = now
                repeats.key = String(key.prefix(128))
                repeats.path = String(path.prefix(256))
            }
            repeats.lastAt = now
            table[origin] = repeats
            return false
        }
    }

    /// Ends the interval: one aggregate record per reason and source that repeated, and a fresh table.
    func drain() -> [AuditRecord] {
        let interval = self.interval
        let ended = table.withLock { table in
            defer { table.removeAll(keepingCapacity: true) }
            return table
        }
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        return ended.filter { $0.value.count > 0 }
            .sorted { ($0.key.reason, $0.key.source) < ($1.key.reason, $1.key.source) }
            .map { origin, repeats in
                AuditRecord(type: "auth.denied", fields: [
                    .init("reason", .string(origin.reason)), .init("source", .string(origin.source)),
                    .init("count", .number(repeats.count)), .init("aggregated", .bool(true)),
                    .init("interval_seconds", .number(seconds)),
                    .init("first_at", .string(repeats.firstAt.map { $0.formatted(.iso8601) } ?? "")),
                    .init("last_at", .string(repeats.lastAt.map { $0.formatted(.iso8601) } ?? "")),
                    .init("key", .string(repeats.key)), .init("path", .string(repeats.path)),
                ])
            }
    }
}
