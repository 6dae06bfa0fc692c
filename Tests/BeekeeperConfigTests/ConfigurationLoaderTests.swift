import BeekeeperConfig
import Foundation
import Testing

@Suite("Loading configuration files")
struct ConfigurationLoaderTests {
    @Test("no file, an empty file and a comments-only file all mean the defaults")
    func defaults() throws {
        #expect(try ConfigurationLoader.load(path: nil, environment: [:]) == BeekeeperConfiguration())
        #expect(try ConfigurationLoader.parse(yaml: "", file: nil) == BeekeeperConfiguration())
        #expect(try ConfigurationLoader.parse(yaml: "# nothing here\n\n   # still nothing\n", file: nil) == BeekeeperConfiguration())
        #expect(try ConfigurationLoader.parse(yaml: "---\n", file: nil) == BeekeeperConfiguration())
        // A section whose keys are all commented out keeps its defaults.
        #expect(try ConfigurationLoader.parse(yaml: "audit:\n  # fsync: always\n", file: nil) == BeekeeperConfiguration())
        let empty = try TemporaryFile("# only comments\n")
        #expect(try ConfigurationLoader.load(path: empty.path, environment: [:]) == BeekeeperConfiguration())
    }

    @Test("the example file loads with every value as written")
    func exampleFile() throws {
        let loaded = try ConfigurationLoader.load(path: exampleConfigPath, environment: [:])

        var expected = BeekeeperConfiguration()
        expected.dataDir = "./beekeeper-data"
        expected.listen = ListenAddress(host: "127.0.0.1", port: 9477)
        expected.auth.keys = ["ops": "ed25901ec5bb061552721c59275ce9d49a8046a4a054ac45ed042badade362e7"]
        expected.auth.clockSkew = .seconds(300)
        expected.metrics.window = .seconds(60)
        expected.metrics.quantiles = [0.5, 0.9, 0.95, 0.99]
        expected.metrics.buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
        expected.metrics.bearerTokenFile = nil
        var finance = BeeConfig(name: "finance", funcnames: ["validate_revenue"], kind: .worker,
                                command: ["python3", "deploy/examples/bees/finance_bee.py"])
        finance.concurrency = 4
        finance.timeout = .seconds(30)
        finance.retries.max = 3
        finance.retries.initialBackoff = .seconds(1)
        finance.retries.maxBackoff = .seconds(30)
        finance.maxQueue = 1000
        expected.bees = [finance]
        expected.guardian.maxPayloadBytes = 1_048_576
        expected.guardian.maxArgBytes = 102_400
        expected.guardian.maxDepth = 32
        expected.guardian.patterns = .builtIn
        expected.guardian.rules = [
            "validate_revenue": [
                .init(field: "args.0.data.object.metadata.userId", check: .uuid),
                .init(field: "args.0.data.object.metadata.tier", check: .oneOf(["bronze", "silver", "gold"])),
            ]
        ]
        expected.guardian.persistInterval = .seconds(1)
        expected.audit.fsync = .batch
        expected.audit.rotateBytes = 67_108_864
        expected.audit.rotateAge = .seconds(3600)
        expected.audit.checkpointInterval = .seconds(10)
        expected.audit.commitDelay = .microseconds(300)
        expected.audit.signingKey = nil
        expected.audit.hmacFields = []
        expected.audit.failClosed = true
        expected.audit.keepShipped = .seconds(7 * 86_400)
        expected.shipper.target = nil
        expected.shipper.gzipLevel = 6
        expected.shipper.timeout = .seconds(60)
        expected.shipper.initialBackoff = .seconds(1)
        expected.shipper.maxBackoff = .seconds(300)
        expected.backup.schedule = nil
        expected.backup.timezone = "UTC"
        expected.backup.dir = nil
        expected.backup.databases = [.init(name: "colonies", url: "postgresql://colonies@127.0.0.1:5432/colonies")]
        expected.backup.keep.last = 3
        expected.backup.keep.days = 7
        expected.backup.keep.weeks = 4
        expected.backup.keep.months = 6
        expected.backup.verify = .integrity
        expected.backup.runOnStart = false

        #expect(loaded == expected)
        // The bee differs from the defaults, so the file was really read.
        #expect(loaded != BeekeeperConfiguration())
    }

    @Test("every key takes a non-default value")
    func everyKey() throws {
        let yaml = """
        data_dir: /var/lib/beekeeper
        listen: "[::1]:9000"
        auth:
          keys:
            ops: \(String(repeating: "ab", count: 32))
            ci.deploy-1: \(String(repeating: "CD", count: 32))
          clock_skew: 2m
        metrics:
          window: 30s
          quantiles: [0.25, 0.75]
          buckets: [0.1, 1, 10]
          bearer_token_file: /etc/beekeeper/token
        bees:
          - name: resize
            funcnames: [resize_image, crop_image]
            command: [/usr/bin/resize, --fast, ""]
            concurrency: 2
            timeout: 1500ms
            retries: {max: 0, initial_backoff: 250ms, max_backoff: 2s}
            max_queue: 0
        guardian:
          max_payload_bytes: 2MiB
          max_arg_bytes: 512KiB
          max_depth: 8
          patterns:
            - {id: no-drop, regex: "(?i)drop\\\\s+table"}
            - id: no-etc
              regex: /etc/passwd
          rules:
            resize_image:
              - {field: kwargs.width, check: max_length, max: 5}
              - {field: kwargs.format, check: regex, pattern: "^(png|jpeg)$"}
              - {field: kwargs.owner, check: regex, regex: "^[a-z]+$"}
              - {field: args.0, check: required}
        audit:
          fsync: always
          rotate_bytes: 1GiB
          rotate_age: 1d
          checkpoint_interval: 500ms
          commit_delay: 2ms
          signing_key: /etc/beekeeper/audit.key
          hmac_fields: [kwargs.card, args.0.email]
          fail_closed: false
          keep_shipped: 0s
        shipper:
          target: https://collector.example:8443/audit/
          gzip_level: 9
          timeout: 10s
          initial_backoff: 2s
          max_backoff: 1h
        backup:
          schedule: "30 2 * * 1-5"
          timezone: Europe/Stockholm
          dir: /backups
          databases:
            - {name: colonies, url: "postgresql://u:p@db:5432/colonies"}
            - {name: billing, url: "postgres://db/billing"}
          keep: {last: 1, days: 0, weeks: 2, months: 12}
          verify: restore
          run_on_start: true
        """
        let c = try ConfigurationLoader.parse(yaml: yaml, file: "every.yaml")
        #expect(c.dataDir == "/var/lib/beekeeper")
        #expect(c.listen == ListenAddress(host: "::1", port: 9000))
        #expect(c.auth.keys == ["ops": String(repeating: "ab", count: 32), "ci.deploy-1": String(repeating: "CD", count: 32)])
        #expect(c.auth.clockSkew == .seconds(120))
        #expect(c.metrics.window == .seconds(30))
        #expect(c.metrics.quantiles == [0.25, 0.75])
        #expect(c.metrics.buckets == [0.1, 1, 10])
        #expect(c.metrics.bearerTokenFile == "/etc/beekeeper/token")
        let bee = try #require(c.bees.first)
        #expect(bee.name == "resize")
        #expect(bee.funcnames == ["resize_image", "crop_image"])
        #expect(bee.kind == .process)
        #expect(bee.command == ["/usr/bin/resize", "--fast", ""])
        #expect(bee.concurrency == 2)
        #expect(bee.timeout == .milliseconds(1500))
        #expect(bee.retries.max == 0)
        #expect(bee.retries.initialBackoff == .milliseconds(250))
        #expect(bee.retries.maxBackoff == .seconds(2))
        #expect(bee.maxQueue == 0)
        #expect(c.guardian.maxPayloadBytes == 2 << 20)
        #expect(c.guardian.maxArgBytes == 512 << 10)
        #expect(c.guardian.maxDepth == 8)
        #expect(c.guardian.patterns == .custom([.init(id: "no-drop", regex: "(?i)drop\\s+table"), .init(id: "no-etc", regex: "/etc/passwd")]))
        #expect(c.guardian.rules["resize_image"] == [
            .init(field: "kwargs.width", check: .maxLength(5)),
            .init(field: "kwargs.format", check: .regex("^(png|jpeg)$")),
            .init(field: "kwargs.owner", check: .regex("^[a-z]+$")),
            .init(field: "args.0", check: .required),
        ])
        #expect(c.audit.fsync == .always)
        #expect(c.audit.rotateBytes == 1 << 30)
        #expect(c.audit.rotateAge == .seconds(86_400))
        #expect(c.audit.checkpointInterval == .milliseconds(500))
        #expect(c.audit.commitDelay == .milliseconds(2))
        #expect(c.audit.signingKey == "/etc/beekeeper/audit.key")
        #expect(c.audit.hmacFields == ["kwargs.card", "args.0.email"])
        #expect(c.audit.failClosed == false)
        #expect(c.audit.keepShipped == .zero)
        #expect(c.shipper.target == "https://collector.example:8443/audit/")
        #expect(c.shipper.gzipLevel == 9)
        #expect(c.shipper.timeout == .seconds(10))
        #expect(c.shipper.initialBackoff == .seconds(2))
        #expect(c.shipper.maxBackoff == .seconds(3600))
        #expect(c.backup.schedule == "30 2 * * 1-5")
        #expect(c.backup.timezone == "Europe/Stockholm")
        #expect(c.backup.dir == "/backups")
        #expect(c.backup.databases == [.init(name: "colonies", url: "postgresql://u:p@db:5432/colonies"), .init(name: "billing", url: "postgres://db/billing")])
        #expect(c.backup.keep.last == 1 && c.backup.keep.days == 0 && c.backup.keep.weeks == 2 && c.backup.keep.months == 12)
        #expect(c.backup.verify == .restore)
        #expect(c.backup.runOnStart == true)
        #expect(c.backupDirectory == "/backups")
        #expect(c.signingKeyPath == "/etc/beekeeper/audit.key")
        #expect(c.auditDirectory == "/var/lib/beekeeper/audit")
    }

    @Test("audit.commit_delay: 0s turns it off, over 100ms or a bad duration names file, line and key")
    func commitDelayBounds() throws {
        #expect(try ConfigurationLoader.parse(yaml: "audit:\n  commit_delay: 0s\n", file: "t.yaml").audit.commitDelay == .zero)
        #expect(try ConfigurationLoader.parse(yaml: "audit:\n  commit_delay: 100ms\n", file: "t.yaml").audit.commitDelay == .milliseconds(100))
        for (value, message) in [("101ms", "must be at most 100ms"), ("1s", "must be at most 100ms"), ("soon", "invalid duration \"soon\"")] {
            let error = parseError("audit:\n  fsync: batch\n  commit_delay: \(value)\n")
            #expect(error?.file == "test.yaml")
            #expect(error?.line == 3)
            #expect(error?.key == "audit.commit_delay")
            #expect(error?.message.contains(message) == true, "\(value): \(String(describing: error))")
        }
    }

    @Test("anchors and merge keys let bees share settings")
    func mergeKeys() throws {
        let yaml = """
        bees:
          - &base
            name: a
            funcnames: [f]
            command: [./bee]
            concurrency: 2
          - <<: *base
            name: b
            funcnames: [g]
        """
        let c = try ConfigurationLoader.parse(yaml: yaml, file: nil)
        #expect(c.bees.map(\.name) == ["a", "b"])
        #expect(c.bees.map(\.funcnames) == [["f"], ["g"]])
        #expect(c.bees.map(\.command) == [["./bee"], ["./bee"]])
        #expect(c.bees.map(\.concurrency) == [2, 2])
        #expect(parseError("audit:\n  <<: 5\n")?.key == "audit")
    }

    @Test("BEEKEEPER_CONFIG names the file when no path is given; a path wins over it")
    func configVariable() throws {
        let file = try TemporaryFile("audit:\n  fsync: none\n")
        let viaVariable = try ConfigurationLoader.load(path: nil, environment: ["BEEKEEPER_CONFIG": file.path])
        #expect(viaVariable.audit.fsync == .none)
        let viaPath = try ConfigurationLoader.load(path: exampleConfigPath, environment: ["BEEKEEPER_CONFIG": file.path])
        #expect(viaPath.audit.fsync == .batch)
    }

    @Test("a missing file is an error naming it")
    func missingFile() {
        let path = "/nonexistent/beekeeper-\(UUID().uuidString).yaml"
        let error = loadError(path: path, environment: [:])
        #expect(error?.file == path)
        #expect(error?.line == nil)
        #expect(error?.message.contains("No such file") == true)
        #expect(error?.description.hasPrefix("\(path): ") == true)

        let viaVariable = loadError(path: nil, environment: ["BEEKEEPER_CONFIG": path])
        #expect(viaVariable?.file == path)
        #expect(viaVariable?.key == "BEEKEEPER_CONFIG")
    }

    @Test("derived paths live under data_dir unless set")
    func paths() {
        var c = BeekeeperConfiguration()
        #expect(c.auditDirectory == "./beekeeper-data/audit")
        #expect(c.stateDirectory == "./beekeeper-data/state")
        #expect(c.backupDirectory == "./beekeeper-data/backups")
        #expect(c.signingKeyPath == "./beekeeper-data/state/audit-signing.key")
        c.dataDir = "/srv/bk/"
        #expect(c.auditDirectory == "/srv/bk/audit")
        #expect(c.signingKeyPath == "/srv/bk/state/audit-signing.key")
    }
}
