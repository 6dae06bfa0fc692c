import BeekeeperCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import Sodium

extension AuditLog {
    /// Checks a caller's record and HMACs any `hmac_fields` member given in clear; the writer
    /// serializes it once, straight into its line.
    func prepare(_ record: AuditRecord) throws(AuditError) -> PreparedRecord {
        guard !record.type.isEmpty else { throw .invalidRecord("empty type") }
        guard !AuditRecordCheck.isLogType(record.type) else {
            throw .invalidRecord("type \(record.type) is written by the audit log itself")
        }
        // Copied (copy on write) only when an hmac_fields member is replaced below.
        var record = record
        for index in record.fields.indices {
            let key = record.fields[index].key
            // On the key's bytes, not a Set lookup or String comparisons: this runs for every
            // field of every record.
            switch AuditRecordCheck.reserved(key) {
            case .setByLog?: throw .invalidRecord("field \(key) is set by the audit log")
            case .rawPayload?:
                throw .invalidRecord("field \(key) would record a raw payload; record its size and sha256 instead")
            case nil: break
            }
            switch record.fields[index].value {
            case .null, .bool, .string: break  // nothing that could hold a number literal
            case .number, .array, .object:
                if let problem = record.fields[index].value.invalidNumberLiteral {
                    throw .invalidRecord("field \(key) has an invalid number literal '\(problem)'")
                }
            }
            if !hmacFieldSet.isEmpty, hmacFieldSet.contains(key) {
                let value = record.fields[index].value
                if !(value.stringValue?.hasPrefix(Self.hmacPrefix) ?? false) {
                    record.fields[index].value = .string(Self.hmac(value, key: hmacKey))
                }
            }
        }
        return PreparedRecord(record)
    }

    func prepare(_ records: [AuditRecord]) throws(AuditError) -> [PreparedRecord] {
        var prepared: [PreparedRecord] = []
        prepared.reserveCapacity(records.count)
        for record in records { prepared.append(try prepare(record)) }
        return prepared
    }

    func startDraining() {
        guard !draining else { return }
        draining = true
        Task { await self.drain() }
    }

    /// The writer: takes everything pending, commits consecutive record groups as one write
    /// (`always`: one per call) and runs control operations in order. Items arriving while a
    /// group is being flushed form the next group.
    private func drain() async {
        while !pending.isEmpty {
            if options.fsync == .batch, options.commitDelay > .zero, case .records = pending.first, gathering.startWaiting() {
                await gatherCompany()
            }
            let batch = pending
            pending = []
            gathering.tookQueue()
            var index = 0
            while index < batch.count {
                switch batch[index] {
                case .records(let first):
                    var group = [first]
                    index += 1
                    if options.fsync != .always {
                        while index < batch.count, case .records(let more) = batch[index] {
                            group.append(more)
                            index += 1
                        }
                    }
                    let waiters = group.reduce(0) { $0 + ($1.waiter == nil ? 0 : 1) }
                    gathering.committing(waiters: waiters)
                    // Detached records alone need no fdatasync: the next waited group's covers them.
                    let failure = await commit(group, detachedOnly: waiters == 0)
                    if failure == nil, phase != .closed, live.size >= Int64(options.rotateBytes) {
                        _ = await rotateNow()
                    }
                case .control(let control, let waiter):
                    index += 1
                    queued.remove(control)
                    let result: Result<Void, AuditError> = phase == .closed ? .failure(.closed) : await perform(control)
                    waiter?.resume(returning: result)
                }
            }
        }
        draining = false
    }

    /// Waits until as many appenders as the last group had are queued, or `commitDelay` passed.
    private func gatherCompany() async {
        gatheringRound += 1
        let round = gatheringRound
        let delay = options.commitDelay
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            gatheringWaiter = waiter
            Task {
                try? await Task.sleep(for: delay)
                await self.endGathering(round: round)
            }
        }
    }

    func endGathering(round: Int) {
        guard round == gatheringRound, let waiter = gatheringWaiter else { return }
        gatheringWaiter = nil
        gathering.stopWaiting()
        waiter.resume()
    }

    private func perform(_ control: Control) async -> Result<Void, AuditError> {
        switch control {
        case .checkpoint:
            return recordsSinceCheckpoint > 0 ? await writeCheckpoint(sync: false) : .success(())
        case .rotate:
            return await rotateNow()
        case .sync:
            return await syncLive()
        case .probe:
            return await probe()
        case .close:
            var result: Result<Void, AuditError> = .success(())
            if seq > 0, lastType != AuditChain.checkpointType {
                result = await writeCheckpoint(sync: true)
            }
            if case .success = result, unsynced { result = await syncLive() }
            if case .success = result { await savePosition(wait: true) }
            let fd = live.fd
            _ = await BlockingWork.result(on: io) { POSIX.close(fd) }
            phase = .closed
            return result
        }
    }

    /// Assigns seq, ts and chain to a group, writes it with one write (and one fdatasync when
    /// `sync`), starts its follow-ups, and resumes its waiters (once the follow-ups are done).
    /// On failure the bytes that reached the file are cut off, seq and chain stay where they
    /// were, no follow-up runs, and `health` turns failing. Returns nil on success, else the error.
    @discardableResult
    func commit(_ group: [PendingAppend], forceSync: Bool = false, detachedOnly: Bool = false) async -> AuditError? {
        guard phase != .closed else {
            for append in group { append.waiter?.resume(returning: .failure(.closed)) }
            return .closed
        }
        let assembled = assemble(group.lazy.map(\.records))
        let sync = forceSync || options.fsync == .always || (options.fsync == .batch && !detachedOnly)
        let job = writeJob(sync: sync)
        // On the I/O queue, in the same hop: the follow-ups start only once `job` has made the
        // group durable (it throws otherwise). The appenders are resumed once the followers are
        // done too (the gate), while this writer goes on with the next group.
        let followUps = AuditFollowUpBatches(group.lazy.compactMap(\.followUp))
        let gate = followUps.count == 0 ? nil : AuditFollowUpGate(followers: followUps.count)
        let outcome = await BlockingWork.result(on: io) { () throws(WriteFailure) -> WriteOutcome in
            let written = try job.run()
            if let gate { followUps.run(gate) }
            return written
        }
        switch finish(assembled, outcome, groups: group.lazy.map(\.records)) {
        case .success(let seqs):
            let waiters = group.map(\.waiter)
            let resume: @Sendable () -> Void = {
                for (index, waiter) in waiters.enumerated() { waiter?.resume(returning: .success(seqs[index])) }
            }
            if let gate { gate.arrive(resume: resume) } else { resume() }
            return nil
        case .failure(let error):
            for append in group { append.waiter?.resume(returning: options.failClosed ? .failure(error) : .success([])) }
            return error
        }
    }

    /// One call's records written on the actor itself (`interval` and `none`, writer idle): the
    /// same assembly, write and bookkeeping as ``commit(_:forceSync:detachedOnly:)``, without
    /// the hop to the I/O queue, since nothing here waits for the disk.
    func commitInline(_ records: [PreparedRecord]) throws(AuditError) -> [UInt64] {
        let assembled = assemble(CollectionOfOne(records))
        let job = writeJob(sync: false)
        let outcome = Result { () throws(WriteFailure) -> WriteOutcome in try job.run() }
        let firstSeq = seq + 1
        // `settle`, not `finish`: one call's seqs need no array of arrays.
        let result = settle(assembled, outcome, groups: CollectionOfOne(records))
        if case .success = result, live.size >= Int64(options.rotateBytes) { enqueueControl(.rotate) }
        switch result {
        case .success: return Array(firstSeq..<firstSeq + UInt64(records.count))
        case .failure(let error):
            if options.failClosed { throw error }
            return []
        }
    }

    /// What a group became in the line buffer: its last seq and chain once written.
    struct AssembledGroup {
        var nextSeq: UInt64
        var nextChain: String
        var recordCount: Int
    }

    /// Numbers and chains the group's lines into `lineBuffer` (one timestamp for the group),
    /// serializing each record straight into it.
    private func assemble(_ groups: some Collection<[PreparedRecord]>) -> AssembledGroup {
        lineBuffer.begin(after: chain, at: clock())
        var nextSeq = seq
        var count = 0
        for records in groups {
            for record in records {
                nextSeq += 1
                lineBuffer.appendLine(seq: nextSeq, record: record)
            }
            count += records.count
        }
        return AssembledGroup(nextSeq: nextSeq, nextChain: lineBuffer.chainString, recordCount: count)
    }

    /// Moves the state forward after a successful write, or marks the log failing. Returns the
    /// seqs of each call in the group.
    private func finish(
        _ assembled: AssembledGroup, _ outcome: Result<WriteOutcome, WriteFailure>, groups: some Collection<[PreparedRecord]>
    ) -> Result<[[UInt64]], AuditError> {
        var nextSeq = seq
        return settle(assembled, outcome, groups: groups).map {
            var seqs: [[UInt64]] = []
            seqs.reserveCapacity(groups.count)
            for records in groups {
                seqs.append(Array(nextSeq + 1...nextSeq + UInt64(records.count)))
                nextSeq += UInt64(records.count)
            }
            return seqs
        }
    }

    /// ``finish(_:_:groups:)`` without the seqs: the group's records are numbered from the
    /// `seq` before it, in order.
    private func settle(
        _ assembled: AssembledGroup, _ outcome: Result<WriteOutcome, WriteFailure>, groups: some Collection<[PreparedRecord]>
    ) -> Result<Void, AuditError> {
        switch outcome {
        case .success(let written):
            truncateBeforeWrite = false
            let firstSeq = seq + 1
            // Counted per run of one type (a String hash per run, not per record).
            var runType: String? = nil
            var runCount: UInt64 = 0
            for records in groups {
                for prepared in records {
                    let type = prepared.record.type
                    if type != AuditChain.checkpointType { recordsSinceCheckpoint += 1 }
                    if type == runType {
                        runCount += 1
                        continue
                    }
                    if let runType { statistics.recordsByType[runType, default: 0] += runCount }
                    runType = type
                    runCount = 1
                }
            }
            if let runType {
                statistics.recordsByType[runType, default: 0] += runCount
                lastType = runType
            }
            seq = assembled.nextSeq
            chain = assembled.nextChain
            if live.records == 0 { live.startedAt = clock() }
            live.size += Int64(written.byteCount)
            live.records += assembled.recordCount
            statistics.lastSeq = seq
            if let syncDuration = written.syncDuration {
                noteSync(syncDuration)
            } else {
                unsynced = true
            }
            markWritable()
            if let observer = options.commitObserver {
                var committed: [(seq: UInt64, record: AuditRecord)] = []
                committed.reserveCapacity(assembled.recordCount)
                var next = firstSeq
                for records in groups {
                    for prepared in records {
                        committed.append((next, prepared.record))
                        next += 1
                    }
                }
                observer(committed)
            }
            return .success(())
        case .failure(let failure):
            truncateBeforeWrite = !failure.cut
            markFailing(failure.error)
            if !options.failClosed {
                logger.error("audit records dropped (fail_closed is off)", metadata: ["records": "\(assembled.recordCount)"])
            }
            return .failure(failure.error)
        }
    }

    /// The write of the group now in `lineBuffer`, at the end of the live segment. The job
    /// shares the buffer's storage; nothing assembles the next group before it is done, so the
    /// buffer is unique again (and reused without a copy) by then.
    private func writeJob(sync: Bool) -> WriteJob {
        WriteJob(
            fd: live.fd, path: live.path, offset: live.size, truncateFirst: truncateBeforeWrite, faults: faults,
            bytes: lineBuffer.bytes, sync: sync)
    }

    private func noteSync(_ duration: Duration) {
        unsynced = false
        lastSyncAt = clock()
        statistics.fsyncs += 1
        statistics.fsyncTime += duration
        options.fsyncObserver?(duration)
    }

    private func markWritable() {
        if let liveSegmentLost {
            health = .failing(reason: liveSegmentLost.description)
            return
        }
        // Already writable (every group but the first after a failure): no assignment, so no
        // `didSet` and no atomic store per group.
        guard case .failing = health else { return }
        logger.notice("audit log writable again", metadata: ["directory": "\(directory)"])
        health = .writable
    }

    func markFailing(_ error: AuditError) {
        statistics.writeErrors += 1
        if health == .writable {
            logger.error("audit log write failed", metadata: ["error": "\(error)", "fail_closed": "\(options.failClosed)"])
            // The first probe comes one probe interval after the failure, not at the next tick.
            lastProbeAt = clock()
        }
        health = .failing(reason: error.description)
    }

    /// A checkpoint signing the record before it; written as a group of its own so that what
    /// it signs is exactly the last committed seq and chain.
    func writeCheckpoint(sync: Bool) async -> Result<Void, AuditError> {
        guard seq > 0 else { return .success(()) }
        let signature = signingKey.signature(for: AuditChain.checkpointMessage(seq: seq, chain: chain))
        let record = AuditRecord(
            type: AuditChain.checkpointType,
            fields: [.init("key", .string(signingKey.publicKey.hex)), .init("sig", .string(Base64.encode(signature)))])
        if let error = await commit([PendingAppend(records: [PreparedRecord(record)], waiter: nil)], forceSync: sync) { return .failure(error) }
        recordsSinceCheckpoint = 0
        lastCheckpointAt = clock()
        if !unsynced { await savePosition() }
        return .success(())
    }

    func syncLive() async -> Result<Void, AuditError> {
        guard unsynced else { return .success(()) }
        let fd = live.fd
        let path = live.path
        let faults = self.faults
        let result = await BlockingWork.result(on: io) { () throws(AuditError) -> Duration in
            let clock = ContinuousClock()
            let start = clock.now
            if let code = faults?.takeSyncFault() { throw AuditError.io(operation: "fdatasync", path: path, errno: code) }
            try POSIX.dataSync(fd, path: path)
            return clock.now - start
        }
        switch result {
        case .success(let duration):
            noteSync(duration)
            return .success(())
        case .failure(let error):
            markFailing(error)
            return .failure(error)
        }
    }

    /// While failing: cut any leftover partial group and try a small synced write beside the
    /// log. Success means the disk takes writes again; `health` turns writable.
    private func probe() async -> Result<Void, AuditError> {
        guard case .failing = health else { return .success(()) }
        let fd = live.fd
        let path = live.path
        let offset = live.size
        let truncateFirst = truncateBeforeWrite
        let probePath = POSIX.join(directory, ".audit-probe")
        let faults = self.faults
        let result = await BlockingWork.result(on: io) { () throws(AuditError) in
            if truncateFirst {
                try POSIX.truncate(fd, to: offset, path: path)
                try POSIX.dataSync(fd, path: path)
            }
            if let code = faults?.takeWriteFault() { throw AuditError.io(operation: "write", path: probePath, errno: code) }
            let probe = try POSIX.open(probePath, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o600)
            defer {
                POSIX.close(probe)
                try? POSIX.unlink(probePath)
            }
            try POSIX.writeAll(probe, [UInt8](repeating: 0, count: 64 * 1024), path: probePath)
            try POSIX.dataSync(probe, path: probePath)
        }
        switch result {
        case .success:
            truncateBeforeWrite = false
            markWritable()
            return .success(())
        case .failure(let error):
            health = .failing(reason: error.description)
            return .failure(error)
        }
    }

    /// Periodic work: interval fsync, checkpoints, age rotation, probing and compression retries.
    func tick() {
        guard phase == .open else { return }
        let now = clock()
        // Two cheap system calls per tick (at most a second apart): a deleted or replaced live
        // segment is noticed within a second and fails closed (SPEC section 13).
        if liveSegmentLost == nil, let how = POSIX.pathProblem(live.fd, path: live.path) {
            let error = AuditError.liveSegmentLost(path: live.path, how: how)
            liveSegmentLost = error
            logger.critical("live audit segment lost", metadata: ["path": "\(live.path)", "how": "\(how)"])
            markFailing(error)
        }
        if case .failing = health, options.probeInterval.microseconds <= now - lastProbeAt {
            lastProbeAt = now
            enqueueControl(.probe)
        }
        if options.fsync == .interval, unsynced, now - lastSyncAt >= options.fsyncInterval.microseconds {
            enqueueControl(.sync)
        }
        // `batch` leaves only detached records unsynced: the next waited group syncs them, or
        // this, once nothing has synced for `fsyncInterval` (a bee still running its task).
        if options.fsync == .batch, unsynced, now - lastSyncAt >= options.fsyncInterval.microseconds {
            enqueueControl(.sync)
        }
        if recordsSinceCheckpoint > 0, now - lastCheckpointAt >= options.checkpointInterval.microseconds {
            enqueueControl(.checkpoint)
        }
        if live.records > 0, let startedAt = live.startedAt, now - startedAt >= options.rotateAge.microseconds {
            enqueueControl(.rotate)
        }
        for (path, retryAt) in compressionRetries where retryAt <= now {
            compressionRetries[path] = nil
            scheduleCompression(of: path)
        }
    }

    func enqueueControl(_ control: Control) {
        guard !queued.contains(control) else { return }
        queued.insert(control)
        pending.append(.control(control, nil))
        startDraining()
    }
}

struct WriteOutcome: Sendable {
    var byteCount: Int
    var syncDuration: Duration?
}

struct WriteFailure: Error {
    var error: AuditError
    var cut: Bool
}

/// One group's file work: cut leftovers of an earlier failure, one `pwrite`, and an fdatasync
/// when `sync`. Runs on the I/O queue, or on the actor for an inline unsynced append.
struct WriteJob: Sendable {
    var fd: Int32
    var path: String
    var offset: Int64
    var truncateFirst: Bool
    var faults: AuditFaultInjector?
    var bytes: [UInt8]
    var sync: Bool

    func run() throws(WriteFailure) -> WriteOutcome {
        do throws(AuditError) {
            if truncateFirst {
                try POSIX.truncate(fd, to: offset, path: path)
                try POSIX.dataSync(fd, path: path)
            }
            if let code = faults?.takeWriteFault() {
                try? POSIX.pwriteAll(fd, Array(bytes.prefix(bytes.count / 2)), at: offset, path: path)
                throw AuditError.io(operation: "write", path: path, errno: code)
            }
            try POSIX.pwriteAll(fd, bytes, at: offset, path: path)
            guard sync else { return WriteOutcome(byteCount: bytes.count, syncDuration: nil) }
            let clock = ContinuousClock()
            let start = clock.now
            if let code = faults?.takeSyncFault() { throw AuditError.io(operation: "fdatasync", path: path, errno: code) }
            try POSIX.dataSync(fd, path: path)
            return WriteOutcome(byteCount: bytes.count, syncDuration: clock.now - start)
        } catch {
            // No half-written record may stay: cut back to the last whole group. If even
            // that fails, the next write (or probe) cuts first.
            let cut = (try? POSIX.truncate(fd, to: offset, path: path)) != nil && (try? POSIX.dataSync(fd, path: path)) != nil
            throw WriteFailure(error: error, cut: cut)
        }
    }
}
