import BeekeeperConfig
import Testing

@Suite("Configuration errors name the file, line and key")
struct ConfigErrorTests {
    @Test("an unknown nested key names its line and path")
    func unknownNestedKey() {
        let yaml = """
        bees:
          - name: a
            funcnames: [f]
            command: [./a]
            retries:
              max: 2
              backof: 1s
        """
        let error = parseError(yaml)
        #expect(error?.file == "test.yaml")
        #expect(error?.line == 7)
        #expect(error?.key == "bees[0].retries.backof")
        #expect(error?.message.hasPrefix("unknown key") == true)
        #expect(error?.description.hasPrefix("test.yaml:7: bees[0].retries.backof: unknown key") == true)
    }

    @Test("unknown keys are errors at every level", arguments: [
        ("colour: blue", 1, "colour"),
        ("audit:\n  fsynk: always", 2, "audit.fsynk"),
        ("backup:\n  keep: {last: 1, years: 2}", 2, "backup.keep.years"),
        ("backup:\n  databases:\n    - name: x\n      url: postgresql://h/x\n      port: 5432", 5, "backup.databases[0].port"),
        ("guardian:\n  patterns:\n    - {id: a, regex: b, flags: i}", 3, "guardian.patterns[0].flags"),
        ("guardian:\n  rules:\n    f:\n      - {field: a, check: uuid, strict: true}", 4, "guardian.rules.f[0].strict"),
        ("guardian:\n  rules:\n    f:\n      - {field: a, check: uuid, values: [x]}", 4, "guardian.rules.f[0].values"),
        (oneBee + "\n    colour: red", 5, "bees[0].colour"),
    ])
    func unknownKeys(yaml: String, line: Int, key: String) {
        let error = parseError(yaml)
        #expect(error?.line == line)
        #expect(error?.key == key)
    }

    @Test("a misspelt key gets a suggestion")
    func suggestion() {
        #expect(parseError("audit:\n  fsynk: always")?.message == "unknown key (did you mean \"fsync\"?)")
    }

    @Test("bad values name the line, the key and what is accepted", arguments: [
        // bad duration
        ("metrics:\n  window: 5x", 2, "metrics.window", "invalid duration \"5x\" (use 500ms, 10s, 5m, 24h, 7d)"),
        ("auth:\n  clock_skew: 300", 2, "auth.clock_skew", "invalid duration \"300\""),
        ("shipper:\n  timeout: 0s", 2, "shipper.timeout", "must be longer than 0s"),
        // bad size
        ("audit:\n  rotate_bytes: 64 mega", 2, "audit.rotate_bytes", "invalid size \"64 mega\""),
        ("guardian:\n  max_payload_bytes: 0B", 2, "guardian.max_payload_bytes", "must be at least"),
        // bad enum
        ("audit:\n  fsync: sometimes", 2, "audit.fsync", "invalid value \"sometimes\" (use always, batch, interval, none)"),
        ("backup:\n  verify: checksum", 2, "backup.verify", "use integrity, restore"),
        (oneBee + "\n    kind: daemon", 5, "bees[0].kind", "use process, worker"),
        // wrong type
        (oneBee + "\n    concurrency: lots", 5, "bees[0].concurrency", "expected an integer, found \"lots\""),
        (oneBee + "\n    concurrency: \"4\"", 5, "bees[0].concurrency", "expected an integer"),
        (oneBee + "\n    concurrency: 0", 5, "bees[0].concurrency", "must be at least 1, found 0"),
        ("audit:\n  fail_closed: maybe", 2, "audit.fail_closed", "expected true or false"),
        ("audit: always", 1, "audit", "expected a mapping, found \"always\""),
        ("metrics:\n  quantiles: 0.5", 2, "metrics.quantiles", "expected a list of numbers"),
        ("metrics:\n  quantiles: [0.5, 1]", 2, "metrics.quantiles[1]", "between 0 and 1"),
        ("metrics:\n  buckets: [1, 0.5]", 2, "metrics.buckets[1]", "increase strictly"),
        ("metrics:\n  buckets: [1, .inf]", 2, "metrics.buckets[1]", "finite"),
        ("data_dir: null", 1, "data_dir", "expected a string, found null"),
        ("data_dir: [a]", 1, "data_dir", "expected a string, found a list"),
        ("shipper:\n  gzip_level: 10", 2, "shipper.gzip_level", "at most 9"),
        ("guardian:\n  max_depth: 0", 2, "guardian.max_depth", "at least 1"),
        ("backup:\n  keep: {last: -1}", 2, "backup.keep.last", "at least 0"),
        ("bees:\n  - name: a\n    funcnames: []\n    command: [x]", 3, "bees[0].funcnames", "at least one"),
        ("bees:\n  - name: a\n    funcnames: [f]\n    command: x", 4, "bees[0].command", "expected a list of strings"),
        ("bees:\n  - name: a\n    funcnames: [f]\n    command: []", 4, "bees[0].command", "the program"),
        ("bees:\n  - name: \"\"\n    funcnames: [f]\n    command: [x]", 2, "bees[0].name", "must not be empty"),
        // listen
        ("listen: 9477", 1, "listen", "no port"),
        ("listen: \"::1:9477\"", 1, "listen", "brackets"),
        ("listen: localhost:99999", 1, "listen", "0 to 65535"),
        // bad hex key
        ("auth:\n  keys:\n    ops: abc123", 3, "auth.keys.ops", "64 hex characters"),
        ("auth:\n  keys:\n    ops: \(String(repeating: "g", count: 64))", 3, "auth.keys.ops", "64 hex characters"),
        ("auth:\n  keys: [a]", 2, "auth.keys", "expected a mapping"),
        // bad regex
        ("guardian:\n  patterns:\n    - id: p\n      regex: \"(unclosed\"", 4, "guardian.patterns[0].regex", "invalid regular expression"),
        ("guardian:\n  rules:\n    f:\n      - {field: a, check: uuid}\n      - {field: b, check: regex, pattern: \"[z-a]\"}", 5, "guardian.rules.f[1].pattern", "invalid regular expression"),
        ("guardian:\n  patterns: strict", 2, "guardian.patterns", "expected \"default\""),
        ("guardian:\n  rules:\n    f:\n      - {field: a, check: luhn}", 4, "guardian.rules.f[0].check", "invalid check \"luhn\""),
        ("guardian:\n  rules:\n    f:\n      - {field: a, check: one_of}", 4, "guardian.rules.f[0].values", "needs a list of values"),
        // bad cron and time zone
        ("backup:\n  schedule: \"61 * * * *\"", 2, "backup.schedule", "minute field"),
        ("backup:\n  schedule: \"0 3 * *\"", 2, "backup.schedule", "expected 5 fields"),
        ("backup:\n  schedule: \"@fortnightly\"", 2, "backup.schedule", "unknown macro"),
        ("backup:\n  schedule: \"0 3 * foo *\"", 2, "backup.schedule", "month field"),
        ("backup:\n  timezone: Mars/Olympus", 2, "backup.timezone", "unknown time zone"),
        // shipper and database URLs
        ("shipper:\n  target: ftp://host/dir/", 2, "shipper.target", "unsupported target"),
        ("shipper:\n  target: file:///var/audit", 2, "shipper.target", "must end with \"/\""),
        ("shipper:\n  target: file://relative/dir/", 2, "shipper.target", "absolute path"),
        ("shipper:\n  target: s3://B/prefix/", 2, "shipper.target", "bucket"),
        ("shipper:\n  target: \"file:///var/my audit/\"", 2, "shipper.target", "contains a space; percent-encode it"),
        ("shipper:\n  target: \"http://collector\\taudit/\"", 2, "shipper.target", "contains U+9"),
        ("shipper:\n  target: http://collector:99999/audit/", 2, "shipper.target", "invalid port \"99999\""),
        ("shipper:\n  target: http://collector:x/audit/", 2, "shipper.target", "invalid port \"x\""),
        ("shipper:\n  target: http://user:pw@:8080/audit/", 2, "shipper.target", "needs a host"),
        ("shipper:\n  target: https:///audit/", 2, "shipper.target", "needs a host"),
        ("backup:\n  databases: [{name: x, url: \"mysql://h/x\"}]", 2, "backup.databases[0].url", "postgresql://"),
    ])
    func badValues(yaml: String, line: Int, key: String, message: String) {
        let error = parseError(yaml)
        #expect(error?.line == line, "\(yaml)")
        #expect(error?.key == key, "\(yaml)")
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "no error")")
    }

    @Test("shipper targets that are fine", arguments: [
        "http://[::1]:8080/audit/", "https://user:pw@collector.example:443/a/b/", "http://collector/", "file:///srv/my%20audit/",
        "file://localhost/srv/audit/", "s3://audit-bucket/", "s3://audit.bucket-1/prefix/",
    ])
    func goodShipperTargets(target: String) throws {
        let configuration = try ConfigurationLoader.parse(yaml: "shipper:\n  target: \"\(target)\"", file: "test.yaml")
        #expect(configuration.shipper.target == target)
    }

    @Test("required keys of a bee, pattern and database are checked")
    func requiredKeys() {
        let bee = parseError("bees:\n  - name: a\n    command: [x]")
        #expect(bee?.key == "bees[0].funcnames")
        #expect(bee?.line == 2)
        #expect(bee?.message == "required key is missing")
        #expect(parseError("guardian:\n  patterns: [{id: a}]")?.key == "guardian.patterns[0].regex")
        #expect(parseError("backup:\n  databases: [{name: a}]")?.key == "backup.databases[0].url")
        #expect(parseError("guardian:\n  rules:\n    f: [{check: uuid}]")?.key == "guardian.rules.f[0].field")
    }

    @Test("a funcname served by two bees names the second")
    func duplicateFuncname() {
        let yaml = """
        bees:
          - name: a
            funcnames: [f, g]
            command: [./a]
          - name: b
            funcnames:
              - h
              - g
            command: [./b]
        """
        let error = parseError(yaml)
        #expect(error?.line == 8)
        #expect(error?.key == "bees[1].funcnames[1]")
        #expect(error?.message == "funcname \"g\" is already served by bee \"a\"")
    }

    @Test("bee names are unique and funcnames not repeated within a bee")
    func duplicateNames() {
        let twice = parseError("bees:\n  - {name: a, funcnames: [f], command: [x]}\n  - {name: a, funcnames: [g], command: [x]}")
        #expect(twice?.key == "bees[1].name")
        #expect(twice?.line == 3)
        let repeated = parseError("bees:\n  - name: a\n    funcnames: [f, f]\n    command: [x]")
        #expect(repeated?.key == "bees[0].funcnames[1]")
        #expect(parseError("guardian:\n  patterns: [{id: a, regex: x}, {id: a, regex: y}]")?.key == "guardian.patterns[1].id")
        #expect(parseError("backup:\n  databases: [{name: a, url: \"postgres://h/a\"}, {name: a, url: \"postgres://h/b\"}]")?.key == "backup.databases[1].name")
    }

    @Test("backoff limits must not be shorter than the initial backoff")
    func backoffOrder() {
        let bee = parseError(oneBee + "\n    retries: {initial_backoff: 10s, max_backoff: 5s}")
        #expect(bee?.key == "bees[0].retries.max_backoff")
        #expect(bee?.line == 5)
        let shipper = parseError("shipper:\n  timeout: 1s\n  max_backoff: 500ms")
        #expect(shipper?.key == "shipper.max_backoff")
        #expect(shipper?.line == 3)
        #expect(shipper?.message.contains("shorter than initial_backoff (1s)") == true)
        // Only the initial backoff was set: it is the one to blame.
        let initial = parseError("shipper:\n  initial_backoff: 10m")
        #expect(initial?.key == "shipper.initial_backoff")
        #expect(initial?.line == 2)
    }

    @Test("a duplicate key names the repeat's line and path")
    func duplicateKey() {
        let yaml = """
        audit:
          fsync: batch
          rotate_age: 1h
          fsync: none
        """
        let error = parseError(yaml)
        #expect(error?.line == 4)
        #expect(error?.key == "audit.fsync")
        #expect(error?.message == "duplicate key (first given at line 2)")

        let nested = parseError(oneBee + "\n    retries: {max: 1, \"max\": 2}")
        #expect(nested?.line == 5)
        #expect(nested?.key == "bees[0].retries.max")
    }

    @Test("YAML that does not parse names the line Yams reports")
    func invalidYAML() {
        let error = parseError("audit:\n  fsync: batch\n  rotate_age: [1h\nshipper: {}\n")
        #expect(error?.file == "test.yaml")
        #expect(error?.line != nil)
        #expect(error?.message.hasPrefix("invalid YAML") == true)
        let tab = parseError("audit:\n\tfsync: batch\n")
        #expect(tab?.line == 2)
        #expect(parseError("- a\n- b\n")?.message.contains("top level") == true)
    }

    @Test("descriptions have the FILE:LINE: KEY: MESSAGE shape")
    func descriptions() {
        #expect(ConfigError(file: "c.yaml", line: 3, key: "audit.fsync", message: "bad").description == "c.yaml:3: audit.fsync: bad")
        #expect(ConfigError(file: nil, line: nil, key: "BEEKEEPER_AUDIT_FSYNC", message: "bad").description == "environment BEEKEEPER_AUDIT_FSYNC: bad")
        #expect(ConfigError(file: "c.yaml", line: nil, key: "", message: "missing").description == "c.yaml: missing")
        #expect(ConfigError(file: nil, line: 4, key: "listen", message: "bad").description == "line 4: listen: bad")
    }
}
