extension BeekeeperConfiguration {
    /// The resolved configuration as YAML: every key, defaults filled in, in the order of SPEC
    /// section 3, then `colonies` (section 11). It reads back to an equal configuration, unless
    /// secrets were redacted: database URL passwords (`postgresql://user:***@host/db`), user info
    /// in the shipper target, and secret-looking query parameters. For `beekeeper config check`.
    public func renderedYAML(redactingSecrets: Bool = true) -> String {
        typealias W = YAMLWriter
        func url(_ text: String, hideLoneUser: Bool) -> String {
            redactingSecrets ? URLRedaction.redact(text, hideLoneUser: hideLoneUser) : text
        }
        var w = YAMLWriter()
        w.line(0, "data_dir: \(W.string(dataDir))")
        w.line(0, "listen: \(W.string(listen.description))")
        w.line(0, "log:")
        w.line(1, "format: \(log.format.rawValue)")
        w.line(1, "level: \(log.level.rawValue)")
        w.line(0, "http:")
        w.line(1, "max_header_bytes: \(ByteSizeParser.format(http.maxHeaderBytes))")
        w.line(1, "header_timeout: \(DurationParser.format(http.headerTimeout))")
        w.line(1, "body_timeout: \(DurationParser.format(http.bodyTimeout))")
        w.line(1, "body_min_rate: \(ByteSizeParser.format(http.bodyMinRate))")
        w.line(1, "idle_timeout: \(DurationParser.format(http.idleTimeout))")
        w.line(1, "max_connections: \(http.maxConnections)")
        w.line(1, "max_body_bytes_in_flight: \(ByteSizeParser.format(http.maxBodyBytesInFlight))")
        w.line(1, "linger: \(DurationParser.format(http.linger))")
        w.line(1, "linger_bytes: \(ByteSizeParser.format(http.lingerBytes))")
        w.line(1, "shutdown_grace: \(DurationParser.format(http.shutdownGrace))")
        w.line(1, "denied_audit_interval: \(DurationParser.format(http.deniedAuditInterval))")

        w.line(0, "auth:")
        if auth.keys.isEmpty {
            w.line(1, "keys: {}")
        } else {
            w.line(1, "keys:")
            for (name, key) in auth.keys.sorted(by: { $0.key < $1.key }) {
                w.line(2, "\(W.string(name)): \(W.string(key))")
            }
        }
        w.line(1, "clock_skew: \(DurationParser.format(auth.clockSkew))")
        if let limit = auth.rateLimit {
            w.line(1, "rate_limit: " + W.flow([("rate", W.number(limit.rate)), ("burst", "\(limit.burst)")]))
        } else {
            w.line(1, "rate_limit: null")
        }

        w.line(0, "metrics:")
        w.line(1, "window: \(DurationParser.format(metrics.window))")
        w.line(1, "quantiles: \(W.flow(metrics.quantiles.map(W.number)))")
        w.line(1, "buckets: \(W.flow(metrics.buckets.map(W.number)))")
        w.line(1, "bearer_token_file: \(W.string(metrics.bearerTokenFile))")

        if bees.isEmpty {
            w.line(0, "bees: []")
        } else {
            w.line(0, "bees:")
            for bee in bees {
                w.line(1, "- name: \(W.string(bee.name))")
                w.line(2, "funcnames: \(W.flow(bee.funcnames.map { W.string($0, inFlow: true) }))")
                w.line(2, "kind: \(bee.kind.rawValue)")
                w.line(2, "command: \(W.flow(bee.command.map { W.string($0, inFlow: true) }))")
                w.line(2, "concurrency: \(bee.concurrency)")
                w.line(2, "timeout: \(DurationParser.format(bee.timeout))")
                w.line(2, "retries: " + W.flow([
                    ("max", "\(bee.retries.max)"),
                    ("initial_backoff", DurationParser.format(bee.retries.initialBackoff)),
                    ("max_backoff", DurationParser.format(bee.retries.maxBackoff)),
                ]))
                w.line(2, "max_queue: \(bee.maxQueue)")
            }
        }

        w.line(0, "guardian:")
        w.line(1, "max_payload_bytes: \(ByteSizeParser.format(guardian.maxPayloadBytes))")
        w.line(1, "max_arg_bytes: \(ByteSizeParser.format(guardian.maxArgBytes))")
        w.line(1, "max_depth: \(guardian.maxDepth)")
        switch guardian.patterns {
        case .builtIn:
            w.line(1, "patterns: default")
        case .custom(let patterns) where patterns.isEmpty:
            w.line(1, "patterns: []")
        case .custom(let patterns):
            w.line(1, "patterns:")
            for pattern in patterns {
                w.line(2, "- " + W.flow([("id", W.string(pattern.id, inFlow: true)), ("regex", W.string(pattern.regex, inFlow: true))]))
            }
        }
        if guardian.rules.isEmpty {
            w.line(1, "rules: {}")
        } else {
            w.line(1, "rules:")
            for (funcname, rules) in guardian.rules.sorted(by: { $0.key < $1.key }) {
                if rules.isEmpty {
                    w.line(2, "\(W.string(funcname)): []")
                    continue
                }
                w.line(2, "\(W.string(funcname)):")
                for rule in rules {
                    var pairs = [("field", W.string(rule.field, inFlow: true)), ("check", rule.check.name)]
                    switch rule.check {
                    case .uuid, .required: break
                    case .oneOf(let values): pairs.append(("values", W.flow(values.map { W.string($0, inFlow: true) })))
                    case .regex(let pattern): pairs.append(("pattern", W.string(pattern, inFlow: true)))
                    case .maxLength(let max): pairs.append(("max", "\(max)"))
                    }
                    w.line(3, "- " + W.flow(pairs))
                }
            }
        }
        w.line(1, "persist_interval: \(DurationParser.format(guardian.persistInterval))")

        w.line(0, "audit:")
        w.line(1, "fsync: \(audit.fsync.rawValue)")
        w.line(1, "rotate_bytes: \(ByteSizeParser.format(audit.rotateBytes))")
        w.line(1, "rotate_age: \(DurationParser.format(audit.rotateAge))")
        w.line(1, "checkpoint_interval: \(DurationParser.format(audit.checkpointInterval))")
        w.line(1, "commit_delay: \(DurationParser.format(audit.commitDelay))")
        w.line(1, "signing_key: \(W.string(audit.signingKey))")
        w.line(1, "hmac_fields: \(W.flow(audit.hmacFields.map { W.string($0, inFlow: true) }))")
        w.line(1, "fail_closed: \(audit.failClosed)")
        w.line(1, "keep_shipped: \(DurationParser.format(audit.keepShipped))")

        w.line(0, "shipper:")
        w.line(1, "target: \(W.string(shipper.target.map { url($0, hideLoneUser: true) }))")
        w.line(1, "gzip_level: \(shipper.gzipLevel)")
        w.line(1, "timeout: \(DurationParser.format(shipper.timeout))")
        w.line(1, "initial_backoff: \(DurationParser.format(shipper.initialBackoff))")
        w.line(1, "max_backoff: \(DurationParser.format(shipper.maxBackoff))")

        w.line(0, "review:")
        w.line(1, "token_file: \(W.string(review.tokenFile))")

        w.line(0, "backup:")
        w.line(1, "schedule: \(W.string(backup.schedule))")
        w.line(1, "timezone: \(W.string(backup.timezone))")
        w.line(1, "dir: \(W.string(backup.dir))")
        if backup.databases.isEmpty {
            w.line(1, "databases: []")
        } else {
            w.line(1, "databases:")
            for database in backup.databases {
                w.line(2, "- " + W.flow([
                    ("name", W.string(database.name, inFlow: true)),
                    ("url", W.string(url(database.url, hideLoneUser: false), inFlow: true)),
                ]))
            }
        }
        w.line(1, "keep: " + W.flow([
            ("last", "\(backup.keep.last)"), ("days", "\(backup.keep.days)"),
            ("weeks", "\(backup.keep.weeks)"), ("months", "\(backup.keep.months)"),
        ]))
        w.line(1, "verify: \(backup.verify.rawValue)")
        w.line(1, "run_on_start: \(backup.runOnStart)")

        // Key file paths are shown: they name secrets but are none. The server URL carries no
        // user info or query (the schema refuses both), so there is nothing in it to redact.
        if let colonies {
            w.line(0, "colonies:")
            w.line(1, "server: \(W.string(colonies.server))")
            w.line(1, "colony: \(W.string(colonies.colony))")
            w.line(1, "executor_name: \(W.string(colonies.executorName))")
            w.line(1, "executor_type: \(W.string(colonies.executorType))")
            w.line(1, "executor_key_file: \(W.string(colonies.executorKeyFile))")
            w.line(1, "colony_key_file: \(W.string(colonies.colonyKeyFile))")
            w.line(1, "assign_timeout: \(DurationParser.format(colonies.assignTimeout))")
            w.line(1, "concurrency: \(colonies.concurrency)")
            w.line(1, "keepalive_interval: \(DurationParser.format(colonies.keepaliveInterval))")
        } else {
            w.line(0, "colonies: null")
        }
        return w.text
    }
}
