#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import BeekeeperAudit
public import Logging
public import ServiceLifecycle
import Synchronization

/// Ships sealed, compressed audit segments to a target, oldest first, one at a time.
///
/// A segment is marked shipped (its durable `.shipped` marker) only after the target
/// acknowledged it. A failure is retried without limit after a backoff that grows with each
/// consecutive failure and resets after a success; meanwhile younger segments wait, so the
/// collector receives segments in seq order. The shipper deletes nothing: `removeShipped`
/// (`audit.keep_shipped`) deletes only marked segments. On graceful shutdown an upload in
/// flight is abandoned unmarked, to be sent again after the restart.
public final class Shipper: Service, Sendable {
    public let directory: String
    public let target: any ShipmentTarget
    public let backoff: ShipperBackoff
    /// How often the directory is scanned when nothing nudges the shipper.
    public let pollInterval: Duration
    private let observer: (any ShipperObserver)?
    private let logger: Logger
    private let state: Mutex<ShipperStatus>
    /// The digest of the segment being retried, so a retry does not hash it again.
    private let digest = Mutex<(path: String, sha256: String)?>(nil)
    /// Poll ticks and nudges; keeping only the newest coalesces a burst of them into one scan.
    private let wakeups: AsyncStream<Void>
    private let wakeup: AsyncStream<Void>.Continuation

    public init(
        directory: String, target: any ShipmentTarget, backoff: ShipperBackoff, pollInterval: Duration = .seconds(1),
        observer: (any ShipperObserver)? = nil, logger: Logger
    ) {
        self.directory = directory
        self.target = target
        self.backoff = backoff
        self.pollInterval = pollInterval
        self.observer = observer
        self.logger = logger
        self.state = Mutex(ShipperStatus(targetKind: target.kind, target: target.description))
        (wakeups, wakeup) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// A snapshot of progress and the last error.
    public var status: ShipperStatus { state.withLock { $0 } }

    /// Asks for a scan now (after a segment was sealed and compressed) instead of at the next poll.
    public func nudge() { wakeup.yield() }

    /// Ships until graceful shutdown (or cancellation). Call once.
    public func run() async throws {
        logger.info("audit shipper started", metadata: ["target": "\(target)", "directory": "\(directory)"])
        await cancelWhenGracefulShutdown { await self.pollAndShip() }
        wakeup.finish()
        logger.info("audit shipper stopped", metadata: ["target": "\(target)"])
    }

    private func pollAndShip() async {
        await withTaskGroup(of: Void.self) { group in
            let (wakeup, interval) = (self.wakeup, self.pollInterval)
            group.addTask {
                while (try? await Task.sleep(for: interval)) != nil { wakeup.yield() }
            }
            var iterator = wakeups.makeAsyncIterator()
            while true {
                await shipReady()
                // A cancelled task ends the stream's wait with nil.
                guard !Task.isCancelled, await iterator.next() != nil else { break }
            }
            group.cancelAll()
        }
    }

    /// Ships the ready segments oldest first until none is left or the task is cancelled. A
    /// failed segment is retried after the backoff before anything younger is tried.
    ///
    /// The directory is listed on the shipper's own I/O thread, never on Swift's cooperative
    /// pool, and once per batch rather than once per segment: a listing stats every segment, so
    /// per segment it made a backlog cost its square, and on the pool it held up everything
    /// else at start (the HTTP listener waited on it after a power cut, issue 14).
    public func shipReady() async {
        while !Task.isCancelled {
            let directory = self.directory
            // The work hands its error back as a value, so `BlockingIO.run` itself never throws here.
            let listing = try? await BlockingIO.run { _ in Result { () throws(AuditError) in try AuditSegments.readyToShip(directory: directory) } }
            let ready: [AuditSegment]
            switch listing {
            case .success(let segments)?: ready = segments
            case nil: return
            case .failure(let error)?:
                logger.error("cannot list the audit directory for shipping", metadata: ["error": "\(error)"])
                state.withLock {
                    $0.lastError = error.description
                    $0.lastErrorAt = Date()
                }
                return
            }
            if ready.isEmpty { return }
            for segment in ready {
                if Task.isCancelled { return }
                guard let failures = await attempt(segment) else { continue }
                let delay = backoff.delay(afterFailures: failures)
                state.withLock { $0.retryAt = Date(timeIntervalSinceNow: ShipperBackoff.seconds(delay)) }
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    return
                }
                break  // list again: the failed segment is the head of the next batch
            }
        }
    }

    /// Hashes `segment`, ships it and writes its `.shipped` marker; no retry, no bookkeeping.
    @discardableResult
    public func ship(_ segment: AuditSegment) async throws(ShipmentError) -> Shipment {
        let sha256: String
        if let cached = digest.withLock({ $0 }), cached.path == segment.path {
            sha256 = cached.sha256
        } else {
            let path = segment.path
            sha256 = try await BlockingIO.run { (cancellation) throws(ShipmentError) in try SegmentFile.sha256(path: path, cancellation: cancellation) }
            digest.withLock { $0 = (segment.path, sha256) }
        }
        let shipment = Shipment(segment: segment, sha256: sha256)
        try await target.ship(shipment)
        try await BlockingIO.run { _ throws(ShipmentError) in
            do throws(AuditError) {
                try AuditSegments.markShipped(segment)
            } catch {
                throw .marker(error.description)
            }
        }
        return shipment
    }

    /// One attempt at `segment`: nil when it was shipped or abandoned, else the number of
    /// consecutive failures so far.
    private func attempt(_ segment: AuditSegment) async -> Int? {
        let start = ContinuousClock.now
        do {
            let shipment = try await ship(segment)
            let duration = ContinuousClock.now - start
            let now = Date()
            state.withLock {
                $0.shipped += 1
                $0.consecutiveFailures = 0
                $0.lastSuccessAt = now
                $0.lastShipped = segment.fileName
                $0.retryAt = nil
            }
            digest.withLock { $0 = nil }
            logger.info(
                "audit segment shipped",
                metadata: [
                    "segment": "\(segment.fileName)", "bytes": "\(segment.byteCount)", "sha256": "\(shipment.sha256)",
                    "duration_ms": "\(Self.milliseconds(duration))", "target": "\(target)",
                ])
            await observer?.shipped(shipment, duration: duration)
            return nil
        } catch .cancelled {
            logger.info("audit segment shipment abandoned: shutting down", metadata: ["segment": "\(segment.fileName)"])
            return nil
        } catch {
            let now = Date()
            let failures = state.withLock {
                $0.failed += 1
                $0.consecutiveFailures += 1
                $0.lastError = error.description
                $0.lastErrorAt = now
                return $0.consecutiveFailures
            }
            logger.warning(
                "audit segment shipment failed; will retry",
                metadata: [
                    "segment": "\(segment.fileName)", "error": "\(error)", "consecutive_failures": "\(failures)", "target": "\(target)",
                ])
            await observer?.failed(segment, error: error, consecutiveFailures: failures)
            return failures
        }
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
