import BeekeeperConfig
import BeekeeperMetrics
import NIOCore
import Synchronization

/// What every connection of the listener shares: the `http` limits, the count of open connections
/// (for `http.max_connections`) and the counter of connections the edge closed, by reason.
///
/// The limits can be replaced while connections are open (a reload, SIGHUP): every deadline and
/// cap is read when it is armed or checked, so the new values govern each phase that starts after
/// the swap. A phase already armed keeps the deadline it was given; `max_header_bytes` is the
/// decoder's and applies to connections opened after the swap.
final class EdgeLimits: Sendable {
    /// Why the edge closed a connection: the `reason` label of `beekeeper_http_connections_closed_total`.
    enum CloseReason: String, CaseIterable {
        case idleTimeout = "idle_timeout"
        case headerTimeout = "header_timeout"
        case bodyTimeout = "body_timeout"
        case shutdownGrace = "shutdown_grace"
        case lingerBytes = "linger_bytes"
        case lingerTimeout = "linger_timeout"
        case overCapacity = "over_capacity"
    }

    private let current: Mutex<HTTPConfig>
    private let open = Atomic<Int>(0)
    private let closes: CounterFamily

    init(configuration: HTTPConfig, registry: MetricsRegistry) {
        current = Mutex(configuration)
        closes = registry.counter(
            "beekeeper_http_connections_closed_total", help: "Connections the HTTP edge closed on its own, by reason.", labelNames: ["reason"])
        for reason in CloseReason.allCases { closes.labels(reason.rawValue).increment(by: 0) }
        registry.collector("beekeeper_http_connections_open", help: "HTTP connections open now.", type: .gauge, labelNames: []) { [self] in
            [CollectedSample(labelValues: [], Double(self.openConnections))]
        }
    }

    /// The limits in force now.
    var configuration: HTTPConfig { current.withLock { $0 } }

    /// Applies `configuration` from the next phase of every connection on (a reload).
    func replace(_ configuration: HTTPConfig) {
        current.withLock { $0 = configuration }
    }

    var openConnections: Int { open.load(ordering: .relaxed) }

    /// Counts a new connection in; false when it is one too many (it is still counted until it closes).
    func admit() -> Bool {
        let cap = configuration.maxConnections
        return open.wrappingAdd(1, ordering: .relaxed).newValue <= cap
    }

    func leave() { open.wrappingSubtract(1, ordering: .relaxed) }

    func count(_ reason: CloseReason) { closes.labels(reason.rawValue).increment() }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
