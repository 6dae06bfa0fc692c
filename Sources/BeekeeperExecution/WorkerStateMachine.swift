/// Something the state machine can match replies to: a job that carries its task.
protocol WorkerMachineJob: Sendable {
    var task: BeeTask { get }
}

extension WorkerJob: WorkerMachineJob {}

/// The job/reply matching of one worker process, without any I/O: events in, ``Actions`` out
/// (in the manner of swift-nio's state machines). ``WorkerProcess`` holds it under a lock and
/// drives it from wherever an event happens (the caller's task, the output reader's thread, the
/// deadline sleeper, the stdin drain, a stop), then carries the actions out after the lock is
/// released, so no caller code ever runs under it.
///
/// One job at a time: a request while one runs (or while the worker is retiring) fails at once.
struct WorkerStateMachine<Job: WorkerMachineJob>: Sendable {
    enum State: Sendable {
        case idle
        case busy(sequence: UInt64, job: Job)
        /// Taken out of service (SIGTERM sent); waiting for its stdout to end.
        case retiring
        /// Stdout ended; `pending` is the job it held then, for the supervisor to fail with the exit status.
        case ended(pending: Job?)
    }

    /// What to log; ``WorkerProcess`` words each message.
    enum Warning: Sendable {
        /// "bee worker wrote …; restarting it"
        case wrote(WorkerReply.InvalidReply)
        /// "bee worker wrote an invalid reply, restarting it: …"
        case invalidReply(WorkerReply.InvalidReply)
        case timedOut(taskID: String)
    }

    /// What the driver does, in this order: clear the deadline, log, retire, make idle, send,
    /// close, finish the job.
    struct Actions: Sendable {
        var clearDeadline = false
        var warning: Warning?
        /// Take the worker out of the pool (counting a restart if true) and SIGTERM its group.
        var retire: Bool?
        var makeIdle = false
        /// Watch this job's deadline and write its task line.
        var send: (job: Job, sequence: UInt64)?
        /// Stdout ended: stop the deadline watch, close stdin, SIGTERM the group if it lives on.
        var close = false
        var finish: (job: Job, result: AttemptResult)?

        static var none: Actions { Actions() }
    }

    private(set) var state: State = .idle
    private var sequence: UInt64 = 0
    /// The worker's stdout ended without us having asked it to stop (it crashed or quit).
    private(set) var exitedOnItsOwn = false

    init() {}

    /// A caller hands over a job.
    mutating func request(_ job: Job) -> Actions {
        switch state {
        case .idle:
            sequence += 1
            state = .busy(sequence: sequence, job: job)
            return Actions(send: (job, sequence))
        case .busy, .retiring:
            return Actions(finish: (job, .failed(error: "the worker is restarting", transient: true)))
        case .ended:
            return Actions(finish: (job, .failed(error: "the worker exited before it got the task", transient: true)))
        }
    }

    /// A line the worker wrote on stdout.
    mutating func received(_ line: [UInt8]) -> Actions {
        guard line.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { return .none }
        switch state {
        case .retiring, .ended:
            return .none
        case .idle:
            state = .retiring
            let invalid = WorkerReply.InvalidReply(reason: "a line while no task was running", line: line)
            return Actions(warning: .wrote(invalid), retire: true)
        case .busy(_, let job):
            switch WorkerReply.parse(line, expectedID: job.task.id) {
            case .success(let result):
                state = .idle
                return Actions(clearDeadline: true, makeIdle: true, finish: (job, result))
            case .failure(let invalid):
                return retire(failing: job, with: invalid, warning: .invalidReply(invalid))
            }
        }
    }

    /// A stdout line over the limit (its first bytes).
    mutating func receivedTooLong(_ start: [UInt8]) -> Actions {
        let invalid = WorkerReply.InvalidReply(reason: "a line longer than 16 MiB", line: start)
        switch state {
        case .retiring, .ended:
            return .none
        case .idle:
            state = .retiring
            return Actions(clearDeadline: true, warning: .wrote(invalid), retire: true)
        case .busy(_, let job):
            return retire(failing: job, with: invalid, warning: .wrote(invalid))
        }
    }

    /// The worker wrote something that is not the running job's reply: it goes, the job fails (transient).
    private mutating func retire(failing job: Job, with invalid: WorkerReply.InvalidReply, warning: Warning) -> Actions {
        state = .retiring
        return Actions(
            clearDeadline: true,
            warning: warning,
            retire: true,
            finish: (job, .failed(error: "the worker wrote an invalid reply: \(invalid)", transient: true))
        )
    }

    /// The job with this sequence number reached its deadline.
    mutating func deadlinePassed(_ number: UInt64) -> Actions {
        guard case .busy(let current, let job) = state, current == number else { return .none }
        state = .retiring
        return Actions(clearDeadline: true, warning: .timedOut(taskID: job.task.id), retire: true, finish: (job, .timedOut))
    }

    /// Writing the job with this sequence number to stdin failed.
    mutating func writeFailed(_ number: UInt64, error: String) -> Actions {
        guard case .busy(let current, let job) = state, current == number else { return .none }
        state = .retiring
        return Actions(
            clearDeadline: true,
            retire: true,
            finish: (job, .failed(error: "could not send the task to the worker: \(error)", transient: true))
        )
    }

    /// The bee is shutting down.
    mutating func stop() -> Actions {
        switch state {
        case .retiring, .ended:
            return .none
        case .idle:
            state = .retiring
            return Actions(clearDeadline: true, retire: false)
        case .busy(_, let job):
            state = .retiring
            return Actions(
                clearDeadline: true,
                retire: false,
                finish: (job, .failed(error: "the bee is shutting down", transient: false))
            )
        }
    }

    /// The worker's stdout ended. `stopRequested`: the bee is being stopped, so the exit is ours.
    mutating func stdoutClosed(stopRequested: Bool) -> Actions {
        switch state {
        case .ended:
            return .none
        case .retiring:
            state = .ended(pending: nil)
            return Actions(close: true)
        case .idle:
            exitedOnItsOwn = !stopRequested
            state = .ended(pending: nil)
            return Actions(retire: exitedOnItsOwn, close: true)
        case .busy(_, let job):
            exitedOnItsOwn = !stopRequested
            state = .ended(pending: job)
            // The job is not finished here: the supervisor fails it with the exit status.
            return Actions(retire: exitedOnItsOwn, close: true)
        }
    }

    /// Once stdout has ended: the job the worker held then (handed out once).
    mutating func takePending() -> Job? {
        guard case .ended(let pending) = state else { return nil }
        state = .ended(pending: nil)
        return pending
    }
}
