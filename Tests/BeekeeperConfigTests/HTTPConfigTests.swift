import BeekeeperConfig
import Testing

@Suite struct HTTPConfigTests {
    @Test func httpLimitsAndTheRateLimitParseRenderAndOverride() throws {
        let yaml = """
            http:
              max_header_bytes: 8KiB
              header_timeout: 3s
              body_min_rate: 2KiB
              idle_timeout: 30s
              max_connections: 200
              max_body_bytes_in_flight: 8MiB
              denied_audit_interval: 0s
            auth:
              rate_limit: {rate: 2.5, burst: 10}
            """
        let configuration = try ConfigurationLoader.parse(yaml: yaml, file: "test.yaml")
        #expect(configuration.http.maxHeaderBytes == 8 * 1024)
        #expect(configuration.http.headerTimeout == .seconds(3))
        #expect(configuration.http.bodyMinRate == 2048)
        #expect(configuration.http.idleTimeout == .seconds(30))
        #expect(configuration.http.maxConnections == 200)
        #expect(configuration.http.maxBodyBytesInFlight == 8 << 20)
        #expect(configuration.http.deniedAuditInterval == .zero)
        #expect(configuration.http.bodyTimeout == HTTPConfig().bodyTimeout)
        #expect(configuration.auth.rateLimit == AuthConfig.RateLimit(rate: 2.5, burst: 10))
        // What `config check` prints reads back to the same configuration.
        #expect(try ConfigurationLoader.parse(yaml: configuration.renderedYAML(), file: "rendered.yaml") == configuration)
        #expect(BeekeeperConfiguration().auth.rateLimit == nil)

        let overridden = try ConfigurationLoader.load(path: nil, environment: [
            "BEEKEEPER_HTTP_IDLE_TIMEOUT": "5s", "BEEKEEPER_AUTH_RATE_LIMIT": "{rate: 1, burst: 1}",
        ])
        #expect(overridden.http.idleTimeout == .seconds(5))
        #expect(overridden.auth.rateLimit == AuthConfig.RateLimit(rate: 1, burst: 1))
    }

    @Test func badLimitsNameTheirKey() {
        #expect(parseError("http: {max_connections: 0}\n")?.description.contains("http.max_connections") == true)
        #expect(parseError("auth: {rate_limit: {rate: -1, burst: 5}}\n")?.description.contains("auth.rate_limit.rate") == true)
        #expect(parseError("http: {idle_timeot: 5s}\n")?.description.contains("idle_timeout") == true)
    }
}
