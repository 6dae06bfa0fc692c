/// How the audit log writes, rotates and signs. The defaults are SPEC section 3's.
public struct AuditLogOptions: Sendable {
    /// When a record counts as written, and so when `append` returns.
    /// The raw values are the config file's (`audit.fsync`).
    public enum FsyncMode: String, Sendable, Equatable, CaseIterable {
        /// Every `append` call gets its own write and fdatasync before it returns. Nothing
        /// acknowledged is lost on a crash or power cut; the cost is one disk flush per call,
        /// which caps throughput at the device's flush rate.
        case always
        /// Group commit: concurrent appends are gathered and made durable by one write and one
        /// fdatasync, and each call returns after the flush that holds its records. The same
        /// guarantee as `always` at a fraction of the flushes; a lone append waits one flush.
        case batch
        /// Each append is written (to the page cache) and acknowledged at once; a background
        /// fdatasync runs every `fsyncInterval`. A process crash loses nothing, but a power cut
        /// or kernel crash can lose up to `fsyncInterval` of acknowledged records, and an fsync
        /// error is only noticed after the acknowledgement (it turns `health` to failing).
        case interval
        /// Written to the page cache and acknowledged; the live segment is only flushed when a
        /// segment is sealed or the log closes. A power cut or kernel crash can lose everything
        /// since the last seal. Only for tests and throwaway environments.
        case none
    }

    public var fsync: FsyncMode
    /// Seal the live segment once it has grown past this many bytes.
    public var rotateBytes: Int
    /// Seal the live segment once its first record is this old.
    public var rotateAge: Duration
    /// A signed checkpoint is written this often while records are being added.
    public var checkpointInterval: Duration
    /// The background flush period of `.interval`.
    public var fsyncInterval: Duration
    /// `batch` only: how long a group with waiting appenders may wait for company before its
    /// fdatasync, when the last group showed there is company to wait for. It waits only while it
    /// holds fewer waiting appends than the last synced group did, and never when that group had
    /// one (a lone caller), so a quiet log never pays it. Under load it makes groups larger and
    /// fdatasyncs fewer: each costs tens of µs of kernel CPU on a virtual disk, which is what
    /// bounds the task path there. Zero turns it off.
    public var commitDelay: Duration
    /// gzip level (1...9) for sealed segments.
    public var gzipLevel: Int
    /// true: an append that cannot be made durable throws, and the caller refuses the work.
    /// false: the failure is logged and counted, the records are dropped and `append`
    /// returns no sequence numbers, so work goes on unaudited until the disk recovers.
    public var failClosed: Bool
    /// Payload fields (dotted paths) recorded as `hmac-sha256:<hex>`, never in clear.
    public var hmacFields: [String]
    /// While failing, how often the log probes whether the disk takes writes again.
    public var probeInterval: Duration
    /// Called with the duration of every fdatasync of the live segment (for the histogram).
    public var fsyncObserver: (@Sendable (Duration) -> Void)?
    /// Called with each group of records right after it became durable (per `fsync`), in seq
    /// order and before any appender of the group is answered. Keep it cheap: it runs on the
    /// log's actor. Counters derived from the log (Guardian stats) stay exact through it.
    public var commitObserver: (@Sendable (_ committed: [(seq: UInt64, record: AuditRecord)]) -> Void)?
    /// Called with the path of each sealed segment's `.jsonl.gz` once it is complete and durable,
    /// so that a shipper can send it at once instead of at its next scan.
    public var compressionObserver: (@Sendable (_ compressedPath: String) -> Void)?
    /// Where the last durable seq and chain are remembered (`state/audit-position.json`, see
    /// `AuditPosition`); nil keeps none and checks nothing at start.
    public var positionFile: String?
    /// Start even when the log holds fewer records than `positionFile` remembers, beginning
    /// with an `audit.gap` record that names the missing range (`serve --accept-audit-gap`).
    public var acceptGap = false

    public init(
        fsync: FsyncMode = .batch,
        rotateBytes: Int = 64 << 20,
        rotateAge: Duration = .seconds(3600),
        checkpointInterval: Duration = .seconds(10),
        fsyncInterval: Duration = .seconds(1),
        commitDelay: Duration = .microseconds(300),  // `audit.commit_delay`'s default
        gzipLevel: Int = 6,
        failClosed: Bool = true,
        hmacFields: [String] = [],
        probeInterval: Duration = .seconds(1),
        fsyncObserver: (@Sendable (Duration) -> Void)? = nil,
        commitObserver: (@Sendable (_ committed: [(seq: UInt64, record: AuditRecord)]) -> Void)? = nil,
        compressionObserver: (@Sendable (_ compressedPath: String) -> Void)? = nil
    ) {
        self.commitObserver = commitObserver
        self.compressionObserver = compressionObserver
        self.fsync = fsync
        self.rotateBytes = rotateBytes
        self.rotateAge = rotateAge
        self.checkpointInterval = checkpointInterval
        self.fsyncInterval = fsyncInterval
        self.commitDelay = commitDelay
        self.gzipLevel = gzipLevel
        self.failClosed = failClosed
        self.hmacFields = hmacFields
        self.probeInterval = probeInterval
        self.fsyncObserver = fsyncObserver
    }
}
