public import BeekeeperConfig
public import Logging
import Synchronization

/// Runs the tasks of one configured bee (SPEC section 5), as a fresh process per attempt
/// (`process` kind) or on long-lived, supervised worker processes (`worker` kind).
///
/// - At most `concurrency` tasks run at once; more wait in FIFO order, at most `max_queue` of
///   them, beyond which ``run(_:observer:)`` throws ``BeeRejection/queueFull(retryAfter:)``.
/// - A task keeps its slot across its retries, so a retry is never refused or overtaken.
/// - `timeout` (or ``BeeTask/timeout``) limits each attempt. Only transient failures are
///   retried, up to `retries.max` more attempts, after `initial_backoff · 2^(n-1)` capped at
///   `max_backoff`, with equal jitter (see ``Backoff``). A timed-out attempt is not retried:
///   the bee may have done part of its work (charged a card, written a row) before it was
///   killed, and only the bee can know whether doing it again is safe.
/// - Every bee process runs in a process group of its own; stopping one means SIGTERM to the
///   group, then SIGKILL to the group 5 s later, so nothing it started survives it. What a
///   `process` bee leaves running in its group after it exits is killed at once.
/// - Creating a bee makes this process ignore SIGPIPE and, on Linux, a child subreaper, so the
///   orphans of bees can be reaped (see ``ProcessSupervision``).
/// - Once admitted, a task runs to its outcome even if the calling task is cancelled: its
///   attempts have already been reported to the observer, and they must come to an end there.
public final class Bee: Sendable {
    public let configuration: BeeConfig

    enum Engine: Sendable {
        case process(ProcessAttempt)
        case worker(WorkerPool, [WorkerSlot])
    }

    private struct Lifecycle {
        var started = false
        var shutdown: Task<Void, Never>?
    }

    private let logger: Logger
    private let admission: AdmissionQueue
    let engine: Engine
    private let lifecycle = Mutex(Lifecycle())

    public convenience init(configuration: BeeConfig, logger: Logger) {
        self.init(configuration: configuration, logger: logger, killGrace: .seconds(5))
    }

    /// `killGrace` is the time between SIGTERM and SIGKILL; only tests shorten it.
    init(configuration: BeeConfig, logger: Logger, killGrace: Duration) {
        ProcessSupervision.prepare()
        var logger = logger
        logger[metadataKey: "bee"] = "\(configuration.name)"
        self.configuration = configuration
        self.logger = logger
        self.admission = AdmissionQueue(limit: configuration.concurrency, maxQueue: configuration.maxQueue)
        switch configuration.kind {
        case .process:
            engine = .process(ProcessAttempt(command: configuration.command, killGrace: killGrace, logger: logger))
        case .worker:
            let pool = WorkerPool()
            let slots = (0..<max(1, configuration.concurrency)).map {
                WorkerSlot(index: $0, command: configuration.command, killGrace: killGrace, pool: pool, logger: logger)
            }
            engine = .worker(pool, slots)
        }
    }

    public var name: String { configuration.name }

    /// Worker kind: spawns the workers and keeps them running. Process kind: nothing to do.
    /// Idempotent; does nothing after ``shutdown()``.
    public func start() async {
        let startNow = lifecycle.withLock { lifecycle in
            guard !lifecycle.started, lifecycle.shutdown == nil else { return false }
            lifecycle.started = true
            return true
        }
        guard startNow, case .worker(_, let slots) = engine else { return }
        for slot in slots { slot.start() }
    }

    /// Runs `task` to its outcome, reporting every attempt to `observer`.
    public func run(_ task: BeeTask, observer: some BeeTaskObserver) async throws(BeeRejection) -> BeeOutcome {
        try await admission.acquire()
        // A task of its own, so that an admitted task runs to its outcome even when its caller is
        // cancelled; started immediately on this thread (it runs until its first suspension
        // before the caller waits) instead of being queued on the pool first.
        let outcome = await Task.immediate { await self.execute(task, observer: observer) }.value
        admission.release(taskDuration: outcome.duration)
        return outcome
    }

    public var status: BeeStatus {
        switch engine {
        case .process:
            return BeeStatus(
                name: name,
                up: !admission.isClosed,
                liveWorkers: 0,
                restarts: 0,
                inFlight: admission.running,
                queued: admission.queued
            )
        case .worker(let pool, _):
            let live = pool.liveCount
            return BeeStatus(
                name: name,
                up: live > 0,
                liveWorkers: live,
                restarts: pool.restarts,
                inFlight: admission.running,
                queued: admission.queued
            )
        }
    }

    /// Stops accepting tasks (``BeeRejection/shuttingDown``, also for those still queued),
    /// waits for the running ones to finish, then stops the workers (SIGTERM to each group,
    /// SIGKILL 5 s later) and reaps them. Idempotent: every call returns when it is done.
    public func shutdown() async {
        let shutdown = lifecycle.withLock { lifecycle in
            if let existing = lifecycle.shutdown { return existing }
            let task = Task { await self.performShutdown() }
            lifecycle.shutdown = task
            return task
        }
        await shutdown.value
    }

    private func performShutdown() async {
        admission.close()
        await admission.waitUntilIdle()
        guard case .worker(let pool, let slots) = engine else { return }
        pool.close()
        await withTaskGroup(of: Void.self) { group in
            for slot in slots {
                group.addTask { await slot.stop() }
            }
        }
        logger.debug("bee shut down")
    }
}
