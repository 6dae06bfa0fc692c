/// The whole configuration of SPEC section 3. Every property has the documented default, so
/// `BeekeeperConfiguration()` is the configuration of a sidecar started with no file at all.
public struct BeekeeperConfiguration: Sendable, Equatable {
    public var dataDir: String = "./beekeeper-data"
    public var listen: ListenAddress = ListenAddress(host: "127.0.0.1", port: 9477)
    public var log = LogConfig()
    public var http = HTTPConfig()
    public var auth = AuthConfig()
    public var metrics = MetricsConfig()
    public var bees: [BeeConfig] = []
    public var guardian = GuardianConfig()
    public var audit = AuditConfig()
    public var shipper = ShipperConfig()
    public var backup = BackupConfig()
    public var review = ReviewConfig()
    /// nil: executor mode off (no `colonies` section, or `colonies: null`).
    public var colonies: ColoniesConfig? = nil

    public init() {}
}

public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

public struct AuthConfig: Sendable, Equatable {
    /// Key name → Ed25519 public key as 64 hex characters (validated when loaded).
    public var keys: [String: String] = [:]
    public var clockSkew: Duration = .seconds(300)
    /// A token bucket per key (SPEC section 4); nil: no limit.
    public var rateLimit: RateLimit? = nil
    public init() {}

    /// `auth.rate_limit`: `rate` requests per second refill a bucket of `burst`.
    public struct RateLimit: Sendable, Equatable {
        public var rate: Double
        public var burst: Int
        public init(rate: Double, burst: Int) {
            self.rate = rate
            self.burst = burst
        }
    }
}

public struct MetricsConfig: Sendable, Equatable {
    public var window: Duration = .seconds(60)
    public var quantiles: [Double] = [0.5, 0.9, 0.95, 0.99]
    public var buckets: [Double] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
    public var bearerTokenFile: String? = nil
    public init() {}
}

public struct BeeConfig: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case process
        case worker
    }

    public struct Retries: Sendable, Equatable {
        public var max: Int = 3
        public var initialBackoff: Duration = .seconds(1)
        public var maxBackoff: Duration = .seconds(30)
        public init() {}
    }

    public var name: String
    public var funcnames: [String]
    public var kind: Kind = .process
    public var command: [String]
    public var concurrency: Int = 4
    public var timeout: Duration = .seconds(30)
    public var retries = Retries()
    public var maxQueue: Int = 1000

    public init(name: String, funcnames: [String], kind: Kind = .process, command: [String]) {
        self.name = name
        self.funcnames = funcnames
        self.kind = kind
        self.command = command
    }
}

public struct GuardianConfig: Sendable, Equatable {
    public struct Pattern: Sendable, Equatable {
        public var id: String
        public var regex: String
        public init(id: String, regex: String) {
            self.id = id
            self.regex = regex
        }
    }

    public enum Patterns: Sendable, Equatable {
        /// The built-in set (destructive shell and SQL, SQL injection, command injection, path
        /// traversal, code execution, XXE).
        case builtIn
        case custom([Pattern])
    }

    public enum Check: Sendable, Equatable {
        case uuid
        case oneOf([String])
        case regex(String)
        case maxLength(Int)
        case required

        /// The name used in config and in block reasons (`rule:<field>:<check>`).
        public var name: String {
            switch self {
            case .uuid: return "uuid"
            case .oneOf: return "one_of"
            case .regex: return "regex"
            case .maxLength: return "max_length"
            case .required: return "required"
            }
        }
    }

    public struct FieldRule: Sendable, Equatable {
        public var field: String
        public var check: Check
        public init(field: String, check: Check) {
            self.field = field
            self.check = check
        }
    }

    public var maxPayloadBytes: Int = 1 << 20
    public var maxArgBytes: Int = 100 << 10
    public var maxDepth: Int = 32
    public var patterns: Patterns = .builtIn
    /// Funcname → its field rules, checked in order.
    public var rules: [String: [FieldRule]] = [:]
    public var persistInterval: Duration = .seconds(1)
    public init() {}
}

public struct AuditConfig: Sendable, Equatable {
    public enum FsyncMode: String, Sendable, Equatable, CaseIterable {
        case always
        case batch
        case interval
        case none
    }

    public var fsync: FsyncMode = .batch
    public var rotateBytes: Int = 64 << 20
    public var rotateAge: Duration = .seconds(3600)
    public var checkpointInterval: Duration = .seconds(10)
    /// `fsync: batch`: how long a group may wait for more appenders before its fdatasync, when
    /// the last group had company (see `AuditLogOptions.commitDelay`); 0 turns it off.
    public var commitDelay: Duration = .microseconds(300)
    /// Path of the Ed25519 signing key; nil means `<data_dir>/state/audit-signing.key`.
    public var signingKey: String? = nil
    public var hmacFields: [String] = []
    public var failClosed: Bool = true
    public var keepShipped: Duration = .seconds(7 * 86400)
    public init() {}
}

/// The audit review pages (SPEC section 12).
public struct ReviewConfig: Sendable, Equatable {
    /// The token every page asks for; nil: pages answer loopback clients only.
    public var tokenFile: String? = nil
    public init() {}
}

public struct ShipperConfig: Sendable, Equatable {
    public var target: String? = nil
    public var gzipLevel: Int = 6
    public var timeout: Duration = .seconds(60)
    public var initialBackoff: Duration = .seconds(1)
    public var maxBackoff: Duration = .seconds(300)
    public init() {}
}

public struct BackupConfig: Sendable, Equatable {
    public enum Verify: String, Sendable, Equatable, CaseIterable {
        case integrity
        case restore
    }

    public struct Database: Sendable, Equatable {
        public var name: String
        public var url: String
        public init(name: String, url: String) {
            self.name = name
            self.url = url
        }
    }

    public struct Keep: Sendable, Equatable {
        public var last: Int = 3
        public var days: Int = 7
        public var weeks: Int = 4
        public var months: Int = 6
        public init() {}
    }

    public var schedule: String? = nil
    public var timezone: String = "UTC"
    /// nil means `<data_dir>/backups`.
    public var dir: String? = nil
    /// None by default: backups are off until a database is configured.
    public var databases: [Database] = []
    public var keep = Keep()
    public var verify: Verify = .integrity
    public var runOnStart: Bool = false
    public init() {}
}
