import BeekeeperConfig
import Testing

@Suite("BEEKEEPER_* environment overrides")
struct EnvironmentOverrideTests {
    @Test("overrides win over the file")
    func overridesWin() throws {
        let file = try TemporaryFile("""
        data_dir: /from/file
        audit:
          fsync: batch
          rotate_age: 2h
        metrics:
          window: 90s
        shipper:
          target: file:///from/file/
        backup:
          keep: {last: 2, days: 3}
        """)
        let environment = [
            "BEEKEEPER_DATA_DIR": "/from/env",
            "BEEKEEPER_LISTEN": "[::1]:9000",
            "BEEKEEPER_AUDIT_FSYNC": "always",
            "BEEKEEPER_METRICS_WINDOW": "30s",
            "BEEKEEPER_METRICS_QUANTILES": "[0.5,0.99]",
            "BEEKEEPER_SHIPPER_TARGET": "s3://audit-bucket/beekeeper/",
            "BEEKEEPER_BACKUP_SCHEDULE": "*/5 * * * *",
            "BEEKEEPER_GUARDIAN_MAX_PAYLOAD_BYTES": "2MiB",
            "BEEKEEPER_AUTH_CLOCK_SKEW": "1m",
            "BEEKEEPER_AUTH_KEYS": "{ops: \(String(repeating: "0f", count: 32))}",
            "BEEKEEPER_AUDIT_FAIL_CLOSED": "false",
            "BEEKEEPER_BACKUP_KEEP_LAST": "9",
            "BEEKEEPER_BEES": #"[{"name": "b", "funcnames": ["f"], "command": ["./b"], "kind": "worker"}]"#,
            "BEEKEEPER_TEST_SOMETHING": "ignored",
            "HOME": "/root",
        ]
        let c = try ConfigurationLoader.load(path: file.path, environment: environment)
        #expect(c.dataDir == "/from/env")
        #expect(c.listen == ListenAddress(host: "::1", port: 9000))
        #expect(c.audit.fsync == .always)
        #expect(c.audit.rotateAge == .seconds(7200), "keys without a variable keep the file's value")
        #expect(c.metrics.window == .seconds(30))
        #expect(c.metrics.quantiles == [0.5, 0.99])
        #expect(c.shipper.target == "s3://audit-bucket/beekeeper/")
        #expect(c.backup.schedule == "*/5 * * * *")
        #expect(c.guardian.maxPayloadBytes == 2 << 20)
        #expect(c.auth.clockSkew == .seconds(60))
        #expect(c.auth.keys == ["ops": String(repeating: "0f", count: 32)])
        #expect(c.audit.failClosed == false)
        #expect(c.backup.keep.last == 9)
        #expect(c.backup.keep.days == 3)
        #expect(c.bees == [BeeConfig(name: "b", funcnames: ["f"], kind: .worker, command: ["./b"])])
    }

    @Test("overrides apply to the defaults when there is no file")
    func overridesWithoutFile() throws {
        let c = try ConfigurationLoader.load(path: nil, environment: ["BEEKEEPER_BACKUP_SCHEDULE": "@daily", "BEEKEEPER_SHIPPER_GZIP_LEVEL": "1"])
        var expected = BeekeeperConfiguration()
        expected.backup.schedule = "@daily"
        expected.shipper.gzipLevel = 1
        #expect(c == expected)
    }

    @Test("a section variable changes only the keys it names; a key's own variable wins over it")
    func sectionOverride() throws {
        let c = try ConfigurationLoader.load(path: nil, environment: [
            "BEEKEEPER_BACKUP_KEEP": "{last: 5, weeks: 1}",
            "BEEKEEPER_BACKUP_KEEP_WEEKS": "2",
            "BEEKEEPER_AUDIT": #"{"fsync": "none"}"#,
        ])
        #expect(c.backup.keep.last == 5)
        #expect(c.backup.keep.weeks == 2)
        #expect(c.backup.keep.days == 7)
        #expect(c.audit.fsync == .none)
        #expect(c.audit.rotateBytes == AuditConfig().rotateBytes)
    }

    @Test("an empty value or null clears a nullable key")
    func nullableOverride() throws {
        let file = try TemporaryFile("shipper:\n  target: file:///x/\naudit:\n  signing_key: /k\n")
        let c = try ConfigurationLoader.load(path: file.path, environment: ["BEEKEEPER_SHIPPER_TARGET": "", "BEEKEEPER_AUDIT_SIGNING_KEY": "null"])
        #expect(c.shipper.target == nil)
        #expect(c.audit.signingKey == nil)
    }

    @Test("a bad value names the variable", arguments: [
        ("BEEKEEPER_AUDIT_FSYNC", "sometimes", "invalid value \"sometimes\" (use always, batch, interval, none)"),
        ("BEEKEEPER_METRICS_WINDOW", "5x", "invalid duration \"5x\""),
        ("BEEKEEPER_GUARDIAN_MAX_PAYLOAD_BYTES", "lots", "invalid size \"lots\""),
        ("BEEKEEPER_BEES_CONCURRENCY", "4", "unknown configuration variable"),
        ("BEEKEEPER_METRICS_QUANTILES", "[0.5, 2]", "metrics.quantiles[1]: a quantile must be between 0 and 1"),
        ("BEEKEEPER_BEES", "[{name: a, funcnames: [f], command: [x], colour: red}]", "bees[0].colour: unknown key"),
        ("BEEKEEPER_BACKUP_SCHEDULE", "@fortnightly", "unknown macro"),
        ("BEEKEEPER_LISTEN", "nowhere", "no port"),
        ("BEEKEEPER_DATA_DIR", "", "must not be empty"),
        ("BEEKEEPER_METRICS_BUCKETS", "[1, 2", "invalid value: invalid YAML"),
    ])
    func badValue(variable: String, value: String, message: String) {
        let error = loadError(path: nil, environment: [variable: value])
        #expect(error?.key == variable)
        #expect(error?.file == nil)
        #expect(error?.line == nil)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "no error")")
        #expect(error?.description.hasPrefix("environment \(variable): ") == true)
    }

    @Test("an unknown BEEKEEPER_ variable is an error, with a hint when it is close")
    func unknownVariable() {
        let error = loadError(path: nil, environment: ["BEEKEEPER_AUDIT_FSINC": "always"])
        #expect(error?.key == "BEEKEEPER_AUDIT_FSINC")
        #expect(error?.message == "unknown configuration variable (did you mean BEEKEEPER_AUDIT_FSYNC?)")
    }

    @Test("variables outside every section's namespace belong to clients and are left alone")
    func clientVariables() throws {
        let environment = [
            "BEEKEEPER_URL": "http://127.0.0.1:9477", "BEEKEEPER_KEY_NAME": "executor",
            "BEEKEEPER_KEY_FILE": "/etc/beekeeper-client/executor.key", "BEEKEEPER_UID": "10001",
            "BEEKEEPER_AUDIT_FSYNC": "always",
        ]
        let configuration = try ConfigurationLoader.load(path: nil, environment: environment)
        #expect(configuration.audit.fsync == .always)
        #expect(loadError(path: nil, environment: environment.merging(["BEEKEEPER_LOG_COLOUR": "red"]) { $1 })?.key == "BEEKEEPER_LOG_COLOUR")
        #expect(loadError(path: nil, environment: ["BEEKEEPER_DATA_DIR_X": "x"])?.key == "BEEKEEPER_DATA_DIR_X")
    }

    @Test("a check across keys blames the variable that set the offending key")
    func crossKeyBlame() throws {
        let file = try TemporaryFile("shipper:\n  initial_backoff: 10m\n")
        let error = loadError(path: file.path, environment: ["BEEKEEPER_SHIPPER_MAX_BACKOFF": "5s"])
        #expect(error?.key == "BEEKEEPER_SHIPPER_MAX_BACKOFF")
        #expect(error?.message.contains("shorter than initial_backoff (10m)") == true)

        let fileBlamed = loadError(path: file.path, environment: ["BEEKEEPER_SHIPPER_TIMEOUT": "5s"])
        #expect(fileBlamed?.key == "shipper.initial_backoff")
        #expect(fileBlamed?.file == file.path)
        #expect(fileBlamed?.line == 2)
    }
}
