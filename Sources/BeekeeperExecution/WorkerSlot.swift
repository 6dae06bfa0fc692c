#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import Subprocess
import Synchronization

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// One of a worker bee's `concurrency` places: keeps a worker process running in it,
/// restarting it with exponential backoff whenever it exits, misbehaves or times out.
final class WorkerSlot: Sendable {
    static let maxReplyBytes = 16 << 20
    static let stderrTailBytes = 4 << 10
    static let restartBackoff = Backoff(initial: .milliseconds(100), maximum: .seconds(30))
    /// A worker that ran this long before dying starts its backoff over.
    static let healthyAfter: Duration = .seconds(10)

    private static let nextWorkerID = Atomic<UInt64>(0)

    private struct State {
        var current: WorkerProcess?
        var supervisor: Task<Void, Never>?
    }

    let command: [String]
    let killGrace: Duration
    let pool: WorkerPool
    let logger: Logger
    let stopRequested = OneShotEvent()
    private let state = Mutex(State())

    init(index: Int, command: [String], killGrace: Duration, pool: WorkerPool, logger: Logger) {
        self.command = command
        self.killGrace = killGrace
        self.pool = pool
        var logger = logger
        logger[metadataKey: "worker"] = "\(index)"
        self.logger = logger
    }

    func start() {
        state.withLock { state in
            guard state.supervisor == nil, !stopRequested.hasFired else { return }
            state.supervisor = Task { await self.supervise() }
        }
    }

    /// Stops the worker (SIGTERM to its group, SIGKILL after the grace period) and returns once
    /// it has been reaped. No restart follows.
    func stop() async {
        stopRequested.fire()
        let (current, supervisor) = state.withLock { ($0.current, $0.supervisor) }
        current?.stop()
        await supervisor?.value
    }

    private func supervise() async {
        var failures = 0
        while !stopRequested.hasFired {
            let started = ContinuousClock.now
            await runWorker()
            guard !stopRequested.hasFired else { break }
            if ContinuousClock.now - started >= Self.healthyAfter { failures = 0 }
            failures += 1
            let delay = Self.restartBackoff.delay(forRetry: failures)
            logger.info("restarting bee worker", metadata: ["delay": "\(delay)", "consecutive_failures": "\(failures)"])
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await Task.sleep(for: delay) }
                group.addTask { await self.stopRequested.wait() }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// Runs one worker process from spawn to reaping.
    private func runWorker() async {
        guard let configuration = BeeCommand.configuration(for: command, killGrace: killGrace) else {
            logger.error("the bee has no command")
            pool.countFailedStart()
            return
        }
        let relay = WorkerRelay()
        // Whatever happens below, the process and its stdin/deadline callbacks let go of each other.
        defer { relay.detach() }
        guard let (stdinReadEnd, input) = WorkerInput.makePipe(failure: { relay.worker?.writeFailed($0, error: $1) }) else {
            logger.error("could not create the bee worker's stdin pipe")
            pool.countFailedStart()
            return
        }
        defer { input.finish() }
        guard let (reader, stdoutWriteEnd, stderrWriteEnd) = WorkerOutputReader.makePipes() else {
            close(stdinReadEnd)
            logger.error("could not create the bee worker's stdout and stderr pipes")
            pool.countFailedStart()
            return
        }
        let deadlines = DeadlineWatch { relay.worker?.deadlinePassed($0) }
        defer { deadlines.stop() }
        let terminator = GroupTerminator(grace: killGrace)
        let workerID = Self.nextWorkerID.wrappingAdd(1, ordering: .relaxed).newValue

        let outcome: Result<(TerminationStatus, WorkerLoopEnd), any Error> = await withTaskGroup(of: Void.self) { group in
            group.addTask { await terminator.escalate() }
            let result: Result<(TerminationStatus, WorkerLoopEnd), any Error>
            do {
                // Our own pipes on all three: WorkerInput writes stdin, WorkerOutputReader reads
                // stdout and stderr; Subprocess spawns, reaps, and closes the child's ends.
                let finished = try await Subprocess.run(
                    configuration,
                    input: .fileDescriptor(FileDescriptor(rawValue: stdinReadEnd), closeAfterSpawningProcess: true),
                    output: .fileDescriptor(FileDescriptor(rawValue: stdoutWriteEnd), closeAfterSpawningProcess: true),
                    error: .fileDescriptor(FileDescriptor(rawValue: stderrWriteEnd), closeAfterSpawningProcess: true)
                ) { execution in
                    var logger = self.logger
                    logger[metadataKey: "pid"] = "\(execution.processIdentifier.value)"
                    let worker = WorkerProcess(
                        id: workerID,
                        pid: execution.processIdentifier.value,
                        input: input,
                        deadlines: deadlines,
                        pool: pool,
                        terminator: terminator,
                        stopRequested: stopRequested,
                        logger: logger
                    )
                    relay.attach(worker)
                    terminator.attach(ProcessGroup(id: worker.pid))
                    // Live before anything can retire it (its stdout ending, a stop): a retirement
                    // before it joined the pool would leave it counted live forever.
                    pool.becameLive(worker)
                    reader.start(pid: worker.pid, processFD: WorkerOutputReader.processDescriptor(of: execution.processIdentifier), logger: logger) { worker.received($0) }
                    let stopping = state.withLock { state in
                        state.current = worker
                        return stopRequested.hasFired
                    }
                    if stopping { worker.stop() }
                    logger.debug("bee worker started")
                    let stderr = await reader.finished()
                    return worker.end(stderr: stderr)
                }
                result = .success((finished.terminationStatus, finished.closureResult))
            } catch {
                result = .failure(error)
            }
            let (processGroup, killAt) = terminator.leaderReaped()
            group.cancelAll()
            if let processGroup { await processGroup.cleanUp(killAt: killAt, logger: logger) }
            return result
        }
        state.withLock { $0.current = nil }

        switch outcome {
        case .failure(let error):
            logger.error("could not start bee worker: \(error)")
            pool.countFailedStart()
        case .success(let (status, end)):
            let how: String
            switch status {
            case .exited(let code): how = "exited with status \(code)"
            case .signaled(let signal): how = "was killed by signal \(signal)"
            }
            let stderr = end.stderr.text
            if end.exitedOnItsOwn {
                logger.warning(
                    "bee worker \(how)",
                    metadata: stderr.isEmpty ? [:] : ["stderr": "\(stderr)"]
                )
            } else {
                logger.debug("bee worker \(how)")
            }
            end.pending?.finish(
                .failed(error: "the worker \(how)" + (stderr.isEmpty ? "" : ": \(stderr)"), transient: true)
            )
        }
    }
}
