/// The two text formats `/metrics` can answer with.
public enum ExpositionFormat: Sendable, Hashable {
    /// Prometheus text format 0.0.4, the default.
    case prometheusText
    /// OpenMetrics 1.0.0 text: counter families drop `_total`, and the body ends with `# EOF`.
    case openMetrics

    public var contentType: String {
        switch self {
        case .prometheusText: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// OpenMetrics only when `Accept` asks for `application/openmetrics-text` (version 1.0.0, 0.0.1 or
    /// none) with a q-value above zero and at least as high as any range that also covers plain text
    /// (`text/plain`, `text/*`, `*/*`); everything else, a missing header included, gets 0.0.4.
    public static func negotiate(accept: String?) -> ExpositionFormat {
        guard let accept else { return .prometheusText }
        var openMetricsQuality = 0.0
        var textQuality = 0.0
        for range in accept.split(separator: ",") {
            var parameters = range.split(separator: ";").map { $0.trimmingASCIIWhitespace() }
            guard !parameters.isEmpty else { continue }
            let mediaType = parameters.removeFirst().lowercased()
            var quality = 1.0
            var version: String?
            for parameter in parameters {
                guard let equals = parameter.firstIndex(of: "=") else { continue }
                let key = parameter[..<equals].trimmingASCIIWhitespace().lowercased()
                var value = parameter[parameter.index(after: equals)...].trimmingASCIIWhitespace()
                if value.count >= 2, value.first == "\"", value.last == "\"" {
                    value = String(value.dropFirst().dropLast())
                }
                switch key {
                case "q": quality = Double(value).map { min(max($0, 0), 1) } ?? 1
                case "version": version = value
                default: break
                }
            }
            switch mediaType {
            case "application/openmetrics-text":
                if version == nil || version == "1.0.0" || version == "0.0.1" {
                    openMetricsQuality = max(openMetricsQuality, quality)
                }
            case "text/plain", "text/*", "*/*":
                textQuality = max(textQuality, quality)
            default:
                break
            }
        }
        return openMetricsQuality > 0 && openMetricsQuality >= textQuality ? .openMetrics : .prometheusText
    }
}

extension StringProtocol {
    fileprivate func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
