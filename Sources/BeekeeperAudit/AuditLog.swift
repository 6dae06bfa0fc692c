import BeekeeperCore
import Dispatch
public import Logging
public import Sodium
import Synchronization

/// The tamper-evident audit log of SPEC section 7: JSONL segments under one directory, each
/// record hash-chained to the one before, signed checkpoints, group commit, rotation with
/// gzip, crash recovery and fail-closed writes.
///
/// Every write, fsync, truncation and rotation of the live segment runs, one after the other,
/// on a dedicated serial dispatch queue, so fdatasync never blocks Swift's cooperative
/// threads; the actor only assigns seq, ts and chain and hands bytes over. Compression of
/// sealed segments runs on a second queue and never stalls appends.
public actor AuditLog {
    public nonisolated let directory: String
    public nonisolated let options: AuditLogOptions
    /// The key checkpoints are signed with; `audit verify --pubkey` checks against it.
    public nonisolated var publicKey: Ed25519.PublicKey { signingKey.publicKey }

    nonisolated let signingKey: Ed25519.KeyPair
    nonisolated let hmacKey: [UInt8]
    /// `options.hmacFields` as a set, built once: every record's keys are looked up in it.
    nonisolated let hmacFieldSet: Set<String>
    nonisolated let logger: Logger
    /// Wall-clock microseconds; replaceable so tests can move time for rotation and checkpoints.
    nonisolated let clock: @Sendable () -> Int64
    nonisolated let faults: AuditFaultInjector?
    nonisolated let io = DispatchQueue(label: "beekeeper.audit.io")
    nonisolated let compressionQueue = DispatchQueue(label: "beekeeper.audit.compress")

    var lock: AuditDirectoryLock?
    var live: LiveSegment
    var seq: UInt64
    var chain: String
    var lastType: String?
    /// Work for the writer, in arrival order: record groups and control operations.
    var pending: [PendingItem] = []
    var draining = false
    /// `batch`: whether the next group waits for company (``AuditLogOptions/commitDelay``).
    var gathering = CommitGathering()
    /// The writer while it waits for company; resumed by the append that completes it, or by the
    /// delay's timer (the one of `gatheringRound`, not an older one).
    var gatheringWaiter: CheckedContinuation<Void, Never>?
    var gatheringRound = 0
    /// The writer's reusable line bytes; only the group being committed uses it.
    var lineBuffer = AuditLineBuffer(chain: AuditChain.genesis)
    var phase = Phase.open
    var closeTask: Task<Result<Void, AuditError>, Never>?
    var ticker: Task<Void, Never>?

    public internal(set) var health: AuditHealth = .writable {
        didSet { failingNow.store(!health.isWritable, ordering: .relaxed) }
    }
    /// Mirrors `health` for ``isFailing``: the pipeline asks before every task whether it may
    /// take new work, and an actor hop there (and the hop back to the caller's executor) cost
    /// more than the rest of the question.
    nonisolated let failingNow = Atomic<Bool>(false)

    /// True while `health` is `.failing`, readable without awaiting the actor: the value the
    /// actor last set, as a read of `health` at that instant would see it.
    public nonisolated var isFailing: Bool { failingNow.load(ordering: .relaxed) }
    public internal(set) var statistics = AuditLogStatistics()

    /// Set once the live segment's path stops naming the open file. Sticky: writes to the
    /// orphaned descriptor still succeed and a probe beside it would too, yet neither makes the
    /// records findable, so only a restart (after an operator looked) clears it.
    var liveSegmentLost: AuditError?
    /// A failed group may have left bytes past `live.size`; cut them before the next write.
    var truncateBeforeWrite = false
    /// Written but not yet fdatasync'ed (`interval` and `none`).
    var unsynced = false
    var recordsSinceCheckpoint = 0
    var lastCheckpointAt: Int64
    var lastSyncAt: Int64
    var lastProbeAt: Int64 = 0
    var queued: Set<Control> = []
    var compressions: [String: Task<Void, Never>] = [:]
    /// Sealed segments whose compression failed, with when to try again.
    var compressionRetries: [String: Int64] = [:]

    enum Phase { case open, closing, closed }

    typealias RecordsWaiter = CheckedContinuation<Result<[UInt64], AuditError>, Never>
    typealias ControlWaiter = CheckedContinuation<Result<Void, AuditError>, Never>

    enum Control: Hashable { case checkpoint, rotate, sync, probe, close }

    /// One call's records on their way to the writer.
    struct PendingAppend {
        var records: [PreparedRecord]
        /// nil marks detached records (``appendDetached(_:)``).
        var waiter: RecordsWaiter?
        var followUp: AuditFollowUp? = nil
    }

    enum PendingItem {
        case records(PendingAppend)
        case control(Control, ControlWaiter?)
    }

    /// Opens `directory` (creating it), takes its lock, recovers a torn tail, continues seq
    /// and chain from the last record, across segments, and writes `audit.recovered` for every
    /// cut not reported yet (this start's, or one a crash kept from being reported).
    /// - Throws: `AuditError.locked` naming the holder's pid when another process writes here.
    public init(
        directory: String, options: AuditLogOptions, signingKey: Ed25519.KeyPair, hmacKey: [UInt8], logger: Logger
    ) async throws(AuditError) {
        try await self.init(
            directory: directory, options: options, signingKey: signingKey, hmacKey: hmacKey, logger: logger,
            clock: AuditTimestamp.nowMicroseconds, faults: nil)
    }

    init(
        directory: String, options: AuditLogOptions, signingKey: Ed25519.KeyPair, hmacKey: [UInt8], logger: Logger,
        clock: @escaping @Sendable () -> Int64, faults: AuditFaultInjector?
    ) async throws(AuditError) {
        self.directory = directory
        self.options = options
        self.signingKey = signingKey
        self.hmacKey = hmacKey
        self.hmacFieldSet = Set(options.hmacFields)
        self.logger = logger
        self.clock = clock
        self.faults = faults
        try POSIX.makeDirectories(directory)
        let lock = try AuditDirectoryLock(directory: directory)
        let recovered = try await BlockingWork.run(on: io) { () throws(AuditError) in
            try AuditLogRecovery.recover(directory: directory, logger: logger)
        }
        // Fewer records than the remembered position names: a segment was deleted or replaced.
        var gap: (found: UInt64, remembered: AuditPosition, file: String)? = nil
        if let positionFile = options.positionFile {
            do throws(AuditError) {
                if let remembered = try AuditPosition.load(from: positionFile), remembered.lastSeq > recovered.lastSeq {
                    guard options.acceptGap else {
                        throw .gap(missingFrom: recovered.lastSeq + 1, missingTo: remembered.lastSeq, positionFile: positionFile)
                    }
                    gap = (recovered.lastSeq, remembered, positionFile)
                }
            } catch {
                POSIX.close(recovered.live.fd)
                throw error
            }
        }
        self.lock = lock
        self.live = recovered.live
        self.seq = recovered.lastSeq
        self.chain = recovered.lastChain
        self.lastType = recovered.lastType
        self.statistics.lastSeq = recovered.lastSeq
        let now = clock()
        self.lastCheckpointAt = now
        self.lastSyncAt = now
        // A log that ended without its checkpoint (a crash) gets one soon.
        if recovered.lastSeq > 0, recovered.lastType != AuditChain.checkpointType { recordsSinceCheckpoint = 1 }

        if let gap { try await recordGap(found: gap.found, remembered: gap.remembered, positionFile: gap.file) }
        try await reportCuts(recovered.tornFiles)
        for path in recovered.sealedPlain { scheduleCompression(of: path) }
        logger.info(
            "audit log open",
            metadata: ["directory": "\(directory)", "live": "\(POSIX.fileName(of: live.path))", "last_seq": "\(seq)"])
        startTicker()
    }

    deinit {
        ticker?.cancel()
        if phase != .closed { POSIX.close(live.fd) }
    }

    /// The seq of the last durable record (0 for an empty log).
    public var lastSeq: UInt64 { seq }

    /// Numbers, timestamps and chains `records` and returns their seqs once they are durable
    /// per `options.fsync` (`batch`: after the group commit that holds them). The records of
    /// one call are contiguous.
    ///
    /// `interval` and `none` acknowledge once the bytes are in the page cache; when the writer
    /// is idle such an append is written right here, on the actor, with no hop to the I/O queue
    /// and back (a `pwrite` of a few hundred bytes to the page cache, never an fdatasync).
    ///
    /// A `followUp` runs as part of the records' group commit: on the I/O queue, right after the
    /// group's write and (in `always` and `batch`) its fdatasync succeeded, and this call returns
    /// once the follower said it is done (``AuditGroupFollower``). So whatever the follower writes
    /// becomes durable only after these records are, and the caller waits once for both. When the
    /// group fails it does not run (with `failClosed` off the call then returns no seqs). An
    /// append with one always goes through the writer's queue, never inline; with empty
    /// `records` it does not run.
    /// - Throws: `AuditError.io` when the disk refused them (and `failClosed` is set: otherwise
    ///   the records are dropped and the result is empty), `.closed`, `.invalidRecord`.
    @discardableResult
    public func append(_ records: [AuditRecord], followedBy followUp: AuditFollowUp? = nil) async throws(AuditError) -> [UInt64] {
        guard phase == .open else { throw .closed }
        if records.isEmpty { return [] }
        let prepared = try prepare(records)
        if followUp == nil, options.fsync == .none || options.fsync == .interval, !draining, pending.isEmpty {
            return try commitInline(prepared)
        }
        return try await enqueue(prepared, followUp: followUp)
    }

    /// Queues `records` behind everything appended so far and returns without waiting for the
    /// disk: they become durable with the next synced group (any waited append, since one
    /// fdatasync covers the whole file, or the next tick). For records whose loss in a crash is
    /// harmless because a later waited record implies them (`task.started` before its outcome):
    /// in `batch` mode a group of such records alone costs no fdatasync of its own.
    /// - Throws: `.closed`, `.invalidRecord`; a write failure surfaces on the next waited append.
    public func appendDetached(_ records: [AuditRecord]) throws(AuditError) {
        guard phase == .open else { throw .closed }
        if records.isEmpty { return }
        pending.append(.records(PendingAppend(records: try prepare(records), waiter: nil)))
        startDraining()
    }

    @discardableResult
    public func append(_ record: AuditRecord) async throws(AuditError) -> UInt64? {
        try await append([record]).first
    }

    /// Writes a signed checkpoint now if records were added since the last one.
    public func checkpoint() async throws(AuditError) {
        try await control(.checkpoint)
    }

    /// Seals the live segment now (closing checkpoint, fsync, a new live segment) and starts
    /// compressing it in the background.
    public func rotate() async throws(AuditError) {
        try await control(.rotate)
    }

    /// Waits for background compression of sealed segments (for tests and orderly shutdown).
    public func waitForCompression() async {
        while let (_, task) = compressions.first { await task.value }
    }

    /// Flushes everything, writes a final checkpoint, fsyncs, waits for compression and releases
    /// the lock. Idempotent; appends afterwards throw `.closed`.
    public func close() async throws(AuditError) {
        if closeTask == nil {
            phase = .closing
            ticker?.cancel()
            closeTask = Task { await self.finishClosing() }
        }
        try await closeTask!.value.get()
    }

    private func finishClosing() async -> Result<Void, AuditError> {
        let result = await withCheckedContinuation { (waiter: ControlWaiter) in
            pending.append(.control(.close, waiter))
            startDraining()
        }
        await waitForCompression()
        lock = nil
        phase = .closed
        logger.info("audit log closed", metadata: ["directory": "\(directory)", "last_seq": "\(seq)"])
        return result
    }

    func enqueue(_ records: [PreparedRecord], followUp: AuditFollowUp? = nil) async throws(AuditError) -> [UInt64] {
        try await withCheckedContinuation { (waiter: RecordsWaiter) in
            pending.append(.records(PendingAppend(records: records, waiter: waiter, followUp: followUp)))
            if gathering.waiterQueued() { endGathering(round: gatheringRound) }
            startDraining()
        }.get()
    }

    func control(_ control: Control) async throws(AuditError) {
        guard phase == .open else { throw .closed }
        try await withCheckedContinuation { (waiter: ControlWaiter) in
            pending.append(.control(control, waiter))
            startDraining()
        }.get()
    }

    private func startTicker() {
        var period = min(options.checkpointInterval, options.probeInterval, .seconds(1))
        if options.fsync == .interval { period = min(period, options.fsyncInterval) }
        period = max(period, .milliseconds(10))
        ticker = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: period)
                guard let self else { return }
                await self.tick()
            }
        }
    }
}
