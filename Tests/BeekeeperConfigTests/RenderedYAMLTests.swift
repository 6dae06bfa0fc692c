import BeekeeperConfig
import Testing

@Suite("Rendering the resolved configuration")
struct RenderedYAMLTests {
    /// A configuration that exercises every kind of value, including strings that need quotes.
    static var rich: BeekeeperConfiguration {
        var c = BeekeeperConfiguration()
        c.dataDir = "/var/lib/bee keeper"
        c.listen = ListenAddress(host: "::1", port: 0)
        c.auth.keys = ["ops": String(repeating: "ab", count: 32), "ci": String(repeating: "01", count: 32)]
        c.auth.clockSkew = .milliseconds(1500)
        c.metrics.quantiles = [0.5, 0.999]
        c.metrics.buckets = [0.00001, 0.5, 1, 1e6]
        c.metrics.bearerTokenFile = "/run/secrets/token"
        var bee = BeeConfig(name: "yes", funcnames: ["null", "f: x", "1"], kind: .worker, command: ["python3", "-c", "print('a, b')", ""])
        bee.timeout = .seconds(90)
        bee.retries.max = 0
        bee.maxQueue = 7
        c.bees = [bee, BeeConfig(name: "second", funcnames: ["g"], command: ["#not-a-comment"])]
        c.guardian.patterns = .custom([.init(id: "quote", regex: #"["'\\]{2,}"#), .init(id: "tab", regex: "\t")])
        c.guardian.rules = [
            "f: x": [
                .init(field: "args.0", check: .uuid),
                .init(field: "kwargs.tier", check: .oneOf(["true", "gold", "~"])),
                .init(field: "kwargs.id", check: .regex("^[0-9]{3}$")),
                .init(field: "kwargs.name", check: .maxLength(12)),
                .init(field: "kwargs.x", check: .required),
            ],
            "g": [],
        ]
        c.audit.fsync = .interval
        c.audit.rotateBytes = 1000
        c.audit.signingKey = "state/key"
        c.audit.hmacFields = ["kwargs.card", "args.0.e-mail"]
        c.audit.keepShipped = .zero
        c.shipper.target = "https://user:pa55@collector.example/audit/"
        c.shipper.maxBackoff = .seconds(86_400 * 2)
        c.backup.schedule = "*/15 2-4 * jan-mar mon,fri"
        c.backup.timezone = "America/New_York"
        c.backup.dir = "/backups"
        c.backup.databases = [.init(name: "colonies", url: "postgresql://colonies:s3cr%40t@db:5432/colonies?sslmode=require&password=other")]
        c.backup.keep.months = 0
        c.backup.verify = .restore
        c.backup.runOnStart = true
        // Names that read as null, a bool or a mapping unless quoted.
        c.colonies = ColoniesConfig(
            server: "https://colonies.example:8443/base/", colony: "null", executorName: "beekeeper: 1",
            executorType: "true", executorKeyFile: "keys/executor key"
        ).with(colonyKeyFile: "/run/secrets/colony.key", assignTimeout: .seconds(120), concurrency: 1024, keepaliveInterval: .seconds(45))
        return c
    }

    @Test("the rendered YAML reads back to an equal configuration")
    func roundTrip() throws {
        for original in [BeekeeperConfiguration(), Self.rich, try ConfigurationLoader.load(path: exampleConfigPath, environment: [:])] {
            let yaml = original.renderedYAML(redactingSecrets: false)
            let reparsed = try ConfigurationLoader.parse(yaml: yaml, file: "rendered.yaml")
            #expect(reparsed == original, "\(yaml)")
        }
    }

    @Test("every key is written, defaults included")
    func everyKey() {
        let yaml = BeekeeperConfiguration().renderedYAML()
        for key in [
            "data_dir:", "listen:", "auth:", "keys:", "clock_skew:", "metrics:", "window:", "quantiles:", "buckets:",
            "bearer_token_file:", "bees:", "guardian:", "max_payload_bytes:", "max_arg_bytes:", "max_depth:", "patterns:",
            "rules:", "persist_interval:", "audit:", "fsync:", "rotate_bytes:", "rotate_age:", "checkpoint_interval:",
            "commit_delay:", "signing_key:", "hmac_fields:", "fail_closed:", "keep_shipped:", "shipper:", "target:", "gzip_level:",
            "timeout:", "initial_backoff:", "max_backoff:", "backup:", "schedule:", "timezone:", "dir:", "databases:",
            "keep:", "verify:", "run_on_start:", "colonies:",
        ] {
            #expect(yaml.contains(key), "\(key) missing")
        }
        #expect(yaml.contains("listen: 127.0.0.1:9477\n"))
        #expect(yaml.contains("  clock_skew: 5m\n"))
        #expect(yaml.contains("  max_payload_bytes: 1MiB\n"))
        #expect(yaml.contains("  commit_delay: 300us\n"))
        #expect(yaml.contains("  keep: {last: 3, days: 7, weeks: 4, months: 6}\n"))
    }

    @Test("the colonies section: null when off, every key when on, key file paths shown")
    func colonies() throws {
        #expect(BeekeeperConfiguration().renderedYAML().hasSuffix("\ncolonies: null\n"))
        var c = BeekeeperConfiguration()
        c.colonies = ColoniesConfig(
            server: "http://127.0.0.1:50080", colony: "dev", executorName: "beekeeper-1",
            executorType: "beekeeper", executorKeyFile: "/etc/beekeeper/colonies.key")
        #expect(c.renderedYAML().hasSuffix("""

            colonies:
              server: http://127.0.0.1:50080
              colony: dev
              executor_name: beekeeper-1
              executor_type: beekeeper
              executor_key_file: /etc/beekeeper/colonies.key
              colony_key_file: null
              assign_timeout: 10s
              concurrency: 4
              keepalive_interval: 1m

            """))
        #expect(try ConfigurationLoader.parse(yaml: c.renderedYAML(), file: nil) == c)
    }

    @Test("secrets are redacted")
    func redaction() throws {
        let yaml = Self.rich.renderedYAML()
        #expect(yaml.contains("postgresql://colonies:***@db:5432/colonies?sslmode=require&password=***"))
        #expect(yaml.contains("https://user:***@collector.example/audit/"))
        #expect(!yaml.contains("s3cr"))
        #expect(!yaml.contains("pa55"))
        #expect(!yaml.contains("other"))
        // Redacted output is still valid configuration.
        let reparsed = try ConfigurationLoader.parse(yaml: yaml, file: nil)
        #expect(reparsed.backup.databases.first?.url == "postgresql://colonies:***@db:5432/colonies?sslmode=require&password=***")
        // Without a password there is nothing to hide in a database URL.
        var plain = BeekeeperConfiguration()
        plain.backup.databases = [.init(name: "colonies", url: "postgresql://colonies@127.0.0.1:5432/colonies")]
        #expect(plain.renderedYAML().contains("postgresql://colonies@127.0.0.1:5432/colonies"))
    }
}
