import Yams

// The sections made of plain values: log, http, auth, metrics, audit and shipper.
extension ConfigSchema {
    static var log: [ConfigField<LogConfig>] {
        [
            .value("format", \.format) { (d, n, p) throws(ConfigError) in try d.choice(n, p) },
            .value("level", \.level) { (d, n, p) throws(ConfigError) in try d.choice(n, p) },
        ]
    }

    static var auth: [ConfigField<AuthConfig>] {
        [
            .value("keys", \.keys) { (d, n, p) throws(ConfigError) in try publicKeys(d, n, p) },
            .value("clock_skew", \.clockSkew) { (d, n, p) throws(ConfigError) in try d.duration(n, p) },
            .optionalSection("rate_limit", \.rateLimit, blank: AuthConfig.RateLimit(rate: 0, burst: 0), rateLimit),
        ]
    }

    static var rateLimit: [ConfigField<AuthConfig.RateLimit>] {
        [
            .value("rate", \.rate) { (d, n, p) throws(ConfigError) in
                let rate = try d.number(n, p)
                guard rate > 0, rate.isFinite else { throw d.error(p, at: n, "the rate must be a positive number of requests per second") }
                return rate
            },
            .value("burst", \.burst) { (d, n, p) throws(ConfigError) in try d.integer(n, p, in: 1...1_000_000_000) },
        ]
    }

    static var http: [ConfigField<HTTPConfig>] {
        [
            .value("max_header_bytes", \.maxHeaderBytes) { (d, n, p) throws(ConfigError) in try d.byteSize(n, p, in: 1024...(1 << 24)) },
            .value("header_timeout", \.headerTimeout) { (d, n, p) throws(ConfigError) in try d.duration(n, p) },
            .value("body_timeout", \.bodyTimeout) { (d, n, p) throws(ConfigError) in try d.duration(n, p) },
            .value("body_min_rate", \.bodyMinRate) { (d, n, p) throws(ConfigError) in try d.byteSize(n, p, in: 0...Int.max) },
            .value("idle_timeout", \.idleTimeout) { (d, n, p) throws(ConfigError) in try d.duration(n, p) },
            .value("max_connections", \.maxConnections) { (d, n, p) throws(ConfigError) in try d.integer(n, p, in: 1...1_000_000) },
            .value("max_body_bytes_in_flight", \.maxBodyBytesInFlight) { (d, n, p) throws(ConfigError) in try d.byteSize(n, p) },
            .value("linger", \.linger) { (d, n, p) throws(ConfigError) in try d.duration(n, p, allowZero: true) },
            .value("linger_bytes", \.lingerBytes) { (d, n, p) throws(ConfigError) in try d.byteSize(n, p, in: 0...Int.max) },
            .value("shutdown_grace", \.shutdownGrace) { (d, n, p) throws(ConfigError) in try d.duration(n, p, allowZero: true) },
            .value("denied_audit_interval", \.deniedAuditInterval) { (d, n, p) throws(ConfigError) in try d.duration(n, p, allowZero: true) },
        ]
    }

    static var metrics: [ConfigField<MetricsConfig>] {
        [
            .value("window", \.window) { (d, n, p) throws(ConfigError) in try d.duration(n, p) },
            .value("quantiles", \.quantiles) { (d, n, p) throws(ConfigError) in try quantiles(d, n, p) },
            .value("buckets", \.buckets) { (d, n, p) throws(ConfigError) in try buckets(d, n, p) },
            .value("bearer_token_file", \.bearerTokenFile, environment: .optionalText) { (d, n, p) throws(ConfigError) in
                try d.optionalText(n, p)
            },
        ]
    }

    static var review: [ConfigField<ReviewConfig>] {
        [
            .value("token_file", \.tokenFile, environment: .optionalText) { (d, n, p) throws(ConfigError) in try d.optionalText(n, p) }
        ]
    }

    static var audit: [ConfigField<AuditConfig>] {
        [
            .value("fsync", \.fsync) { (d, n, p) throws(ConfigError) in try d.choice(n, p) },
            .value("rotate_bytes", \.rotateBytes) { (d, n, p) throws(ConfigError) in try d.byteSize(n, p) },
            .value("rotate_age", \.rotateAge) { (d, n, p) throws(ConfigError) in try d.duration(n, p) },
            .value("checkpoint_interval", \.checkpointInterval) { (d, n, p) throws(ConfigError) in try d.duration(n, p) },
            .value("commit_delay", \.commitDelay) { (d, n, p) throws(ConfigError) in try commitDelay(d, n, p) },
            .value("signing_key", \.signingKey, environment: .optionalText) { (d, n, p) throws(ConfigError) in try d.optionalText(n, p) },
            .value("hmac_fields", \.hmacFields) { (d, n, p) throws(ConfigError) in try d.textList(n, p) },
            .value("fail_closed", \.failClosed) { (d, n, p) throws(ConfigError) in try d.boolean(n, p) },
            .value("keep_shipped", \.keepShipped) { (d, n, p) throws(ConfigError) in try d.duration(n, p, allowZero: true) },
        ]
    }

    static var shipper: [ConfigField<ShipperConfig>] {
        [
            .value("target", \.target, environment: .optionalText) { (d, n, p) throws(ConfigError) in try shipperTarget(d, n, p) },
            .value("gzip_level", \.gzipLevel) { (d, n, p) throws(ConfigError) in try d.integer(n, p, in: 0...9) },
            .value("timeout", \.timeout) { (d, n, p) throws(ConfigError) in try d.duration(n, p) },
            .value("initial_backoff", \.initialBackoff) { (d, n, p) throws(ConfigError) in try d.duration(n, p) },
            .value("max_backoff", \.maxBackoff) { (d, n, p) throws(ConfigError) in try d.duration(n, p) },
        ]
    }

    // MARK: Values

    /// Key name → Ed25519 public key, 64 hex characters.
    static func publicKeys(_ decoder: ConfigDecoder, _ node: Node, _ path: String) throws(ConfigError) -> [String: String] {
        var keys: [String: String] = [:]
        for (key, keyNode, value) in try decoder.map(node, path) {
            let keyPath = ConfigDecoder.join(path, key)
            _ = try name(decoder, keyNode, keyPath)
            let hex = try decoder.text(value, keyPath)
            guard hex.utf8.count == 64, hex.unicodeScalars.allSatisfy(\.properties.isASCIIHexDigit) else {
                throw decoder.error(keyPath, at: value, "invalid public key: expected 64 hex characters (an Ed25519 public key), found \(hex.count) characters")
            }
            keys[key] = hex
        }
        return keys
    }

    static func quantiles(_ decoder: ConfigDecoder, _ node: Node, _ path: String) throws(ConfigError) -> [Double] {
        var result: [Double] = []
        for (index, item) in try decoder.items(node, path, what: "a list of numbers").enumerated() {
            let itemPath = "\(path)[\(index)]"
            let q = try decoder.number(item, itemPath)
            guard q > 0, q < 1 else {
                throw decoder.error(itemPath, at: item, "a quantile must be between 0 and 1 (exclusive), found \(q)")
            }
            guard !result.contains(q) else {
                throw decoder.error(itemPath, at: item, "quantile \(q) is listed twice")
            }
            result.append(q)
        }
        return result
    }

    static func buckets(_ decoder: ConfigDecoder, _ node: Node, _ path: String) throws(ConfigError) -> [Double] {
        var result: [Double] = []
        for (index, item) in try decoder.items(node, path, what: "a list of numbers").enumerated() {
            let itemPath = "\(path)[\(index)]"
            let bound = try decoder.number(item, itemPath)
            guard bound.isFinite else {
                throw decoder.error(itemPath, at: item, "bucket bounds must be finite (+Inf is always added)")
            }
            if let last = result.last, bound <= last {
                throw decoder.error(itemPath, at: item, "bucket bounds must increase strictly, found \(bound) after \(last)")
            }
            result.append(bound)
        }
        return result
    }

    /// At most 100ms: the wait is added to a durable append under load, and beyond that it
    /// would cost more latency than any fdatasync it saves.
    static func commitDelay(_ decoder: ConfigDecoder, _ node: Node, _ path: String) throws(ConfigError) -> Duration {
        let delay = try decoder.duration(node, path, allowZero: true)
        guard delay <= .milliseconds(100) else {
            throw decoder.error(path, at: node, "must be at most 100ms (it is added to a durable append under load)")
        }
        return delay
    }

    /// Where sealed segments go: `file:///dir/`, `http(s)://host/path/` or `s3://bucket/prefix/`.
    /// Segment names are appended to it, hence the closing slash.
    static func shipperTarget(_ decoder: ConfigDecoder, _ node: Node, _ path: String) throws(ConfigError) -> String? {
        guard let target = try decoder.optionalText(node, path) else { return nil }
        let usage = "(use file:///dir/, http(s)://host/path/ or s3://bucket/prefix/)"
        let lowered = target.lowercased()
        guard let scheme = ["file://", "http://", "https://", "s3://"].first(where: { lowered.hasPrefix($0) }) else {
            throw decoder.error(path, at: node, "unsupported target \(ConfigDecoder.quote(URLRedaction.redact(target, hideLoneUser: true))) \(usage)")
        }
        // Segment names are appended to the target as they are: no spaces or control characters
        // (percent-encode them, as in file:///var/lib/my%20audit/).
        if let shown = unsafeURLCharacter(in: target) {
            throw decoder.error(path, at: node, "the target contains \(shown); percent-encode it (%20 for a space)")
        }
        let rest = target.dropFirst(scheme.count)
        let authority = rest.prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" })
        switch scheme {
        case "file://":
            guard authority.isEmpty || authority == "localhost", rest.dropFirst(authority.count).hasPrefix("/") else {
                throw decoder.error(path, at: node, "a file target needs an absolute path, as in file:///var/lib/audit/")
            }
        case "s3://":
            let bucket = authority
            guard (3...63).contains(bucket.count),
                  bucket.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "-" })
            else {
                throw decoder.error(path, at: node, "invalid S3 bucket name \(ConfigDecoder.quote(String(bucket))) \(usage)")
            }
        default:
            let hostAndPort = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? ""
            try checkHTTPAuthority(hostAndPort, "the target", usage: usage, decoder, node, path)
        }
        guard !target.contains("?"), !target.contains("#") else {
            throw decoder.error(path, at: node, "the target cannot have a query or fragment: segment file names are appended to it \(usage)")
        }
        guard target.hasSuffix("/"), target.count > scheme.count + authority.count else {
            throw decoder.error(path, at: node, "the target must end with \"/\": segment file names are appended to it \(usage)")
        }
        return target
    }
}
