import BeekeeperMetrics
import Testing

@Suite struct ExpositionFormatTests {
    @Test func contentTypes() {
        #expect(ExpositionFormat.prometheusText.contentType == "text/plain; version=0.0.4; charset=utf-8")
        #expect(ExpositionFormat.openMetrics.contentType == "application/openmetrics-text; version=1.0.0; charset=utf-8")
    }

    @Test(arguments: [
        // What Prometheus 2.x sends by default.
        ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", true),
        ("application/openmetrics-text; version=1.0.0; charset=utf-8", true),
        ("application/openmetrics-text", true),
        ("Application/OpenMetrics-Text;version=\"1.0.0\"", true),
        ("text/plain;version=0.0.4;q=0.5, application/openmetrics-text;version=0.0.1;q=0.75", true),
        ("text/plain;q=0.9, application/openmetrics-text;q=0.5", false),
        ("application/openmetrics-text;q=0", false),
        ("application/openmetrics-text;version=2.0.0", false),
        ("application/openmetrics-text;q=0.3, */*;q=0.5", false),
        ("text/plain", false),
        ("*/*", false),
        ("application/json", false),
        ("", false),
        ("garbage;;;,,,", false),
    ])
    func negotiation(accept: String, wantsOpenMetrics: Bool) {
        #expect(ExpositionFormat.negotiate(accept: accept) == (wantsOpenMetrics ? .openMetrics : .prometheusText))
    }

    @Test func missingAcceptIsPrometheusText() {
        #expect(ExpositionFormat.negotiate(accept: nil) == .prometheusText)
    }
}
