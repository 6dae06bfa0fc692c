public import BeekeeperColonies
public import BeekeeperConfig
public import BeekeeperCore
public import BeekeeperPipeline
import BeekeeperAudit
import BeekeeperMetrics
public import Logging
public import ServiceLifecycle
import Synchronization

/// Beekeeper as a ColonyOS executor (SPEC section 11): `concurrency` slots long-poll the Colonies
/// server for processes, each process runs through the same ``TaskPipeline`` as `POST /v1/tasks`,
/// and its outcome is reported (close or fail) once the audit records behind it are durable.
/// Reports are owed until acknowledged: retried through outages, re-sent after a restart.
///
/// Shutdown: the slots stop assigning (a long poll in flight is abandoned), processes in hand
/// finish and are reported, then `run()` returns; reports the server still does not take within
/// ``drainReportLimit`` stay owed for the next start.
public final class ColoniesSource: Service, Sendable {
    let configuration: ColoniesConfig
    let client: ColoniesClient
    let pipeline: TaskPipeline
    let owed: OwedReports
    let metrics: ColoniesMetrics
    let status = Mutex(ColoniesStatus())
    let polls = AssignPolls()
    let stopping = Atomic<Bool>(false)
    let logger: Logger
    /// Holds the colony owner's key when Beekeeper registers itself (`colony_key_file`).
    let colonyOwner: ColoniesIdentity?

    /// How long reports may keep failing once shutdown has begun before they are left owed.
    static let drainReportLimit: Duration = .seconds(10)
    /// Backoff of calls that failed for want of the server: 0.5 s doubling to 30 s.
    static let backoff = (initial: Duration.milliseconds(500), maximum: Duration.seconds(30))

    init(
        configuration: ColoniesConfig, client: ColoniesClient, colonyOwner: ColoniesIdentity?, pipeline: TaskPipeline,
        owed: OwedReports, metrics: ColoniesMetrics, logger: Logger
    ) {
        self.configuration = configuration
        self.client = client
        self.colonyOwner = colonyOwner
        self.pipeline = pipeline
        self.owed = owed
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        logger.notice(
            "colonies: executor starting",
            metadata: [
                "server": "\(configuration.server)", "colony": "\(configuration.colony)", "executor": "\(configuration.executorName)",
                "executor_id": "\(client.identity.id)", "concurrency": "\(configuration.concurrency)",
            ])
        await withDiscardingTaskGroup { group in
            group.addTask {
                let pending = await self.startUp()
                await withDiscardingTaskGroup { work in
                    for (processID, report) in pending {
                        work.addTask { await self.send(report, for: processID) }
                    }
                    for slot in 0..<self.configuration.concurrency {
                        work.addTask { await self.slotLoop(slot) }
                    }
                }
            }
            group.addTask { await self.keepaliveLoop() }
            // Returns when shutdown begins (or the group is cancelled).
            try? await gracefulShutdown()
            stopping.store(true, ordering: .relaxed)
            logger.notice("colonies: stopped assigning, draining", metadata: ["in_flight": "\(status.withLock { $0.inFlight })"])
            polls.cancelAll()
        }
        logger.notice("colonies: executor stopped", metadata: ["owed_reports": "\(owed.count)"])
    }

    var isStopping: Bool { stopping.load(ordering: .relaxed) }

    // MARK: Slots

    /// One slot: long-poll, run what comes, report it, again; backs off while the server is away.
    private func slotLoop(_ slot: Int) async {
        var delay = Self.backoff.initial
        while !isStopping {
            status.withLock {
                $0.lastAssignStarted = .now
                $0.pollsInFlight += 1
            }
            let result = await polls.run(slot) { [client, configuration] () async throws(ColoniesError) -> ColoniesProcess? in
                try await client.assign(timeoutSeconds: configuration.assignTimeoutSeconds)
            }
            status.withLock { $0.pollsInFlight -= 1 }
            noteCall(result)
            switch result {
            case .success(let process?):
                delay = Self.backoff.initial
                await handle(process)
            case .success(nil):
                delay = Self.backoff.initial
            case .failure(.cancelled):
                continue
            case .failure(let error):
                if isStopping { return }
                logger.warning("colonies: assign failed", metadata: ["slot": "\(slot)", "error": "\(error)", "retry_in": "\(delay)"])
                await sleep(delay)
                delay = min(delay * 2, Self.backoff.maximum)
            }
        }
    }

    /// The only heartbeat a Colonies server knows is an assign. Idle slots poll every
    /// `assign_timeout`; when every slot is busy for `keepalive_interval`, this sends a
    /// non-matching assign so the server does not unregister us and hand our processes to others.
    private func keepaliveLoop() async {
        while !isStopping {
            await sleep(configuration.keepaliveInterval)
            if isStopping { return }
            let quiet = status.withLock { ContinuousClock.now - $0.lastAssignStarted >= configuration.keepaliveInterval && $0.pollsInFlight == 0 }
            guard quiet else { continue }
            status.withLock { $0.lastAssignStarted = .now }
            do throws(ColoniesError) {
                try await client.keepalive()
                noteCall(Result<Void, ColoniesError>.success(()))
            } catch {
                noteCall(Result<Void, ColoniesError>.failure(error))
                logger.warning("colonies: keepalive failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Sleeps `duration`, or less once shutdown begins.
    func sleep(_ duration: Duration) async {
        let deadline = ContinuousClock.now + duration
        while !isStopping, ContinuousClock.now < deadline {
            try? await Task.sleep(for: min(.milliseconds(200), deadline - .now))
        }
    }

    // MARK: Status

    /// Records the outcome of a call, for `beekeeper_colonies_up` and `/readyz`. The connection
    /// is down when the server cannot be reached or fails (5xx), and when it refuses this executor
    /// (`aboutUs`: an assign or listing answered 403 "not a member" means no work will come). A
    /// refused close or fail is a judgement on one process, not on the connection.
    func noteCall<T>(_ result: Result<T, ColoniesError>, aboutUs: Bool = true) {
        let error: ColoniesError?
        switch result {
        case .success: error = nil
        case .failure(.cancelled): return
        case .failure(let failure): error = failure
        }
        let up: Bool
        switch error {
        case nil: up = true
        case .server(let status, _)?: up = status < 500 && !aboutUs
        default: up = false
        }
        metrics.up.labels().set(up ? 1 : 0)
        if let error { status.withLock { $0.lastError = error.description } }
    }

    /// The `colonies` object of `/readyz`.
    public func readinessDetail() -> JSONValue {
        let snapshot = status.withLock { $0 }
        return [
            "server": .string(configuration.server), "colony": .string(configuration.colony),
            "executor": .string(configuration.executorName), "executor_id": .string(client.identity.id),
            "up": .bool(metrics.up.labels().value == 1), "stopping": .bool(isStopping),
            "in_flight": .number(snapshot.inFlight), "owed_reports": .number(owed.count),
            // The counters of /metrics, read back: one count, two views.
            "assigned": .number(Int(metrics.assigned.labels().value)),
            "acknowledged": .number(Int(metrics.reports.labels("acknowledged").value)),
            "lost": .number(Int(metrics.reports.labels("lost").value)),
            "last_error": snapshot.lastError.map { .string($0) } ?? .null,
        ]
    }
}
