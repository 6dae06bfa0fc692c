import BeekeeperCore
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One running worker process (one incarnation of a ``WorkerSlot``): its job/reply matching
/// (a ``WorkerStateMachine`` under a lock) and the parts the machine's actions act on.
///
/// There is no event-loop task: each event drives the machine where it happens, and a reply
/// resumes the waiting caller from the output reader's thread.
final class WorkerProcess: Sendable {
    let id: UInt64
    let pid: pid_t
    private let machine = Mutex(WorkerStateMachine<WorkerJob>())
    private let input: WorkerInput
    private let deadlines: DeadlineWatch
    private let pool: WorkerPool
    private let terminator: GroupTerminator
    private let stopRequested: OneShotEvent
    private let logger: Logger

    init(
        id: UInt64, pid: pid_t, input: WorkerInput, deadlines: DeadlineWatch, pool: WorkerPool,
        terminator: GroupTerminator, stopRequested: OneShotEvent, logger: Logger
    ) {
        self.id = id
        self.pid = pid
        self.input = input
        self.deadlines = deadlines
        self.pool = pool
        self.terminator = terminator
        self.stopRequested = stopRequested
        self.logger = logger
    }

    /// Runs `task` on this worker; the result comes by `deadline` at the latest.
    func perform(_ task: BeeTask, deadline: ContinuousClock.Instant) async -> AttemptResult {
        await withCheckedContinuation { (continuation: CheckedContinuation<AttemptResult, Never>) in
            let job = WorkerJob(task: task, deadline: deadline, continuation: continuation)
            carryOut(machine.withLock { $0.request(job) })
        }
    }

    /// Shutdown: fails the running job (not transient) and asks the worker to exit.
    func stop() {
        carryOut(machine.withLock { $0.stop() })
    }

    /// From the output reader's thread.
    func received(_ output: WorkerOutputReader.Output) {
        let stopRequested = stopRequested.hasFired
        let actions = machine.withLock { machine in
            switch output {
            case .line(let line): machine.received(line)
            case .lineTooLong(let start): machine.receivedTooLong(start)
            case .stdoutClosed: machine.stdoutClosed(stopRequested: stopRequested)
            }
        }
        carryOut(actions)
    }

    func deadlinePassed(_ sequence: UInt64) {
        carryOut(machine.withLock { $0.deadlinePassed(sequence) })
    }

    func writeFailed(_ sequence: UInt64, error: String) {
        carryOut(machine.withLock { $0.writeFailed(sequence, error: error) })
    }

    /// After stdout ended and the reader finished: how the worker's life ended.
    func end(stderr: ByteTail) -> WorkerLoopEnd {
        let (pending, exitedOnItsOwn) = machine.withLock { ($0.takePending(), $0.exitedOnItsOwn) }
        return WorkerLoopEnd(pending: pending, stderr: stderr, exitedOnItsOwn: exitedOnItsOwn)
    }

    /// Runs outside the lock: `finish` resumes a caller, and the pool may resume another.
    private func carryOut(_ actions: WorkerStateMachine<WorkerJob>.Actions) {
        if actions.clearDeadline { deadlines.clear() }
        switch actions.warning {
        case .wrote(let invalid)?:
            logger.warning("bee worker wrote \(invalid); restarting it")
        case .invalidReply(let invalid)?:
            logger.warning("bee worker wrote an invalid reply, restarting it: \(invalid)")
        case .timedOut(let taskID)?:
            logger.warning("task timed out on a bee worker, restarting it", metadata: ["task_id": "\(taskID)"])
        case nil:
            break
        }
        if let restarting = actions.retire {
            pool.retire(self, restarting: restarting)
            terminator.terminate()
        }
        if actions.makeIdle { pool.makeIdle(self) }
        if let (job, sequence) = actions.send {
            // The deadline first: a reply (which clears it) can only follow the write.
            deadlines.watch(sequence, until: job.deadline)
            let message: JSONValue = [
                "id": .string(job.task.id), "funcname": .string(job.task.funcname),
                "args": job.task.args, "kwargs": job.task.kwargs,
            ]
            var line = message.bytes
            line.append(UInt8(ascii: "\n"))
            // Never blocks: what the pipe cannot take now is written by WorkerInput's drain, and
            // a failure comes back through ``writeFailed(_:error:)``.
            input.send(line, sequence: sequence)
        }
        if actions.close {
            deadlines.stop()
            // A worker that closed stdout but lives on is stopped too; else this is a no-op.
            terminator.terminate()
            input.finish()
        }
        if let (job, result) = actions.finish { job.finish(result) }
    }
}
