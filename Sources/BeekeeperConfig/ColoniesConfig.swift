/// The `colonies` section (SPEC section 11): Beekeeper as a ColonyOS executor. The section is
/// optional as a whole (`BeekeeperConfiguration.colonies` is nil when it is absent or null: executor
/// mode off); once present, the server, colony, executor and its key file must all be given.
public struct ColoniesConfig: Sendable, Equatable {
    /// The Colonies server's base URL, `http://` or `https://` (TLS), host and optional port and
    /// path; RPCs go to `rpcURL`.
    public var server: String
    public var colony: String
    /// Registered and approved by the colony owner (or by Beekeeper itself with `colonyKeyFile`).
    public var executorName: String
    /// Processes whose `conditions.executortype` equals this are assigned to Beekeeper.
    public var executorType: String
    /// The executor's secp256k1 private key, 64 hex characters. Relative paths are taken from the
    /// working directory, like every path in the configuration.
    public var executorKeyFile: String
    /// The colony owner's private key: with it Beekeeper registers and approves itself.
    public var colonyKeyFile: String? = nil
    /// How long each assign call long-polls; the protocol counts whole seconds.
    public var assignTimeout: Duration = .seconds(10)
    /// Processes held at once.
    public var concurrency: Int = 4
    /// While every slot is busy, how often a non-matching assign tells the server Beekeeper is alive.
    public var keepaliveInterval: Duration = .seconds(60)

    public init(server: String, colony: String, executorName: String, executorType: String, executorKeyFile: String) {
        self.server = server
        self.colony = colony
        self.executorName = executorName
        self.executorType = executorType
        self.executorKeyFile = executorKeyFile
    }

    /// `<server>/api`, where every RPC is posted; a trailing `/` of `server` is not doubled.
    public var rpcURL: String {
        (server.hasSuffix("/") ? String(server.dropLast()) : server) + "/api"
    }

    /// The longest `assign_timeout` and `keepalive_interval` accepted. The server forgets an
    /// executor silent for longer than its stale duration (COLONIES_STALE_EXECUTOR_DURATION, 600 s
    /// by default) and hands its running processes to someone else; only an assign call counts as
    /// a sign of life, stamped when it starts. Half the default leaves room for a failed call and
    /// the server's cleanup interval (60 s). No one needs a slower heartbeat: it is one small call.
    public static let maximumPollInterval: Duration = .seconds(300)
}
