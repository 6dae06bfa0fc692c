/// Server-rendered plots: plain SVG with presentation attributes (no inline style, which the
/// Content-Security-Policy forbids), every label escaped.
enum SVGPlot {
    struct Bar {
        var label: String
        var values: [Double]
    }

    /// Grouped bars over time: one group per bucket, one colour per series, a legend.
    static func bars(_ bars: [Bar], series: [(name: String, colour: String)], title: String, width: Int = 900, height: Int = 220) -> String {
        let left = 48.0, right = 12.0, top = 28.0, bottom = 34.0
        let plotWidth = Double(width) - left - right, plotHeight = Double(height) - top - bottom
        let maximum = max(1, bars.flatMap(\.values).max() ?? 1)
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        out += "<title>\(HTML.escape(title))</title>"
        // Axis and three gridlines with their values.
        for step in 0...3 {
            let y = top + plotHeight - plotHeight * Double(step) / 3
            out += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y))\" stroke=\"#e4e7eb\"/>"
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" font-size=\"11\" text-anchor=\"end\" fill=\"#616e7c\">\(number(maximum * Double(step) / 3))</text>"
        }
        let slot = plotWidth / Double(max(bars.count, 1))
        // Bars stay slim when there are few buckets: a single wide block reads as a frame, not data.
        let barWidth = min(28, max(1, slot * 0.8 / Double(max(series.count, 1))))
        for (index, bar) in bars.enumerated() {
            let x0 = left + slot * Double(index) + (slot - barWidth * Double(series.count)) / 2
            for (s, value) in bar.values.enumerated() where s < series.count {
                let h = plotHeight * value / maximum
                out += "<rect x=\"\(f(x0 + barWidth * Double(s)))\" y=\"\(f(top + plotHeight - h))\" width=\"\(f(barWidth))\" height=\"\(f(h))\" fill=\"\(series[s].colour)\"><title>\(HTML.escape(bar.label)): \(number(value)) \(HTML.escape(series[s].name))</title></rect>"
            }
        }
        // First and last bucket labels; the buckets between are evenly spaced.
        if let first = bars.first {
            out += "<text x=\"\(f(left))\" y=\"\(f(Double(height) - 10))\" font-size=\"11\" fill=\"#616e7c\">\(HTML.escape(first.label))</text>"
        }
        if bars.count > 1, let last = bars.last {
            out += "<text x=\"\(f(left + plotWidth))\" y=\"\(f(Double(height) - 10))\" font-size=\"11\" text-anchor=\"end\" fill=\"#616e7c\">\(HTML.escape(last.label))</text>"
        }
        var legendX = left
        for entry in series {
            out += "<rect x=\"\(f(legendX))\" y=\"8\" width=\"10\" height=\"10\" fill=\"\(entry.colour)\"/>"
            out += "<text x=\"\(f(legendX + 14))\" y=\"17\" font-size=\"12\" fill=\"#1f2933\">\(HTML.escape(entry.name))</text>"
            legendX += 24 + Double(entry.name.count) * 7
        }
        return out + "</svg>"
    }

    struct Span {
        var label: String
        /// Milliseconds from the start of the task.
        var start: Double
        var duration: Double
        var colour: String
    }

    /// A timeline: one row per span, a bar from its start for its duration (a point when zero).
    static func timeline(_ spans: [Span], title: String, width: Int = 900) -> String {
        let left = 170.0, right = 70.0, top = 24.0, row = 24.0
        let height = Int(top + row * Double(spans.count) + 28)
        let plotWidth = Double(width) - left - right
        let end = max(1, spans.map { $0.start + $0.duration }.max() ?? 1)
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        out += "<title>\(HTML.escape(title))</title>"
        out += "<text x=\"\(f(left))\" y=\"16\" font-size=\"11\" fill=\"#616e7c\">0 ms</text>"
        out += "<text x=\"\(f(left + plotWidth))\" y=\"16\" font-size=\"11\" text-anchor=\"end\" fill=\"#616e7c\">\(number(end)) ms</text>"
        for (index, span) in spans.enumerated() {
            let y = top + row * Double(index)
            let x = left + plotWidth * span.start / end
            let w = max(3, plotWidth * span.duration / end)
            out += "<text x=\"\(f(left - 8))\" y=\"\(f(y + 15))\" font-size=\"12\" text-anchor=\"end\" fill=\"#1f2933\">\(HTML.escape(span.label))</text>"
            out += "<line x1=\"\(f(left))\" y1=\"\(f(y + row - 2))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y + row - 2))\" stroke=\"#eef0f2\"/>"
            out += "<rect x=\"\(f(x))\" y=\"\(f(y + 5))\" width=\"\(f(w))\" height=\"13\" rx=\"2\" fill=\"\(span.colour)\"><title>\(HTML.escape(span.label)): \(number(span.duration)) ms</title></rect>"
            if span.duration > 0 {
                out += "<text x=\"\(f(min(x + w + 6, left + plotWidth + 4)))\" y=\"\(f(y + 15))\" font-size=\"11\" fill=\"#616e7c\">\(number(span.duration)) ms</text>"
            }
        }
        return out + "</svg>"
    }

    static func f(_ value: Double) -> String { trimmed(value) }

    private static func trimmed(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    static func number(_ value: Double) -> String {
        if value >= 100 || value == value.rounded() { return String(Int(value.rounded())) }
        return String((value * 10).rounded() / 10)
    }
}
