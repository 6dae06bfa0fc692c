/// The Prometheus metric types this module exposes.
public enum MetricType: String, Sendable, Hashable {
    case counter
    case gauge
    case histogram
    case summary
}
