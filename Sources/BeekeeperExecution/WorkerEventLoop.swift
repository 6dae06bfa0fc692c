import BeekeeperCore
import Logging
import Subprocess

/// Drives one worker process: sends it one task line at a time, matches its reply lines,
/// enforces deadlines, forwards its stderr to the log, and retires it (SIGTERM to its group)
/// when it misbehaves. Every input arrives as a ``WorkerEvent`` on one stream, so the loop
/// handles them in order without locks.
struct WorkerEventLoop {
    let worker: WorkerProcess
    let input: WorkerInput
    let pool: WorkerPool
    let terminator: GroupTerminator
    let stopRequested: OneShotEvent
    let logger: Logger

    private struct Active {
        let sequence: UInt64
        let job: WorkerJob
    }

    func run(
        execution: Execution<FileDescriptorInput, SequenceOutput, SequenceOutput>,
        events: AsyncStream<WorkerEvent>,
        continuation: AsyncStream<WorkerEvent>.Continuation
    ) async -> WorkerLoopEnd {
        await withTaskGroup(of: ByteTail?.self) { readers in
            readers.addTask {
                var splitter = LineSplitter(maxLineLength: WorkerSlot.maxReplyBytes)
                do {
                    for try await buffer in execution.standardOutput {
                        let chunk = buffer.withUnsafeBytes { Array($0) }
                        for piece in splitter.feed(chunk) {
                            switch piece {
                            case .line(let line): continuation.yield(.line(line))
                            case .tooLong(let start): continuation.yield(.lineTooLong(start))
                            }
                        }
                    }
                } catch {}
                if let last = splitter.finish() { continuation.yield(.line(last)) }
                continuation.yield(.stdoutClosed)
                return nil
            }
            readers.addTask { [logger] in
                // Drained continuously so a chatty worker never blocks on a full pipe.
                var splitter = LineSplitter(maxLineLength: WorkerSlot.stderrTailBytes)
                var tail = ByteTail(capacity: WorkerSlot.stderrTailBytes)
                func forward(_ line: [UInt8]) {
                    guard !line.isEmpty else { return }
                    logger.debug("\(String(decoding: line, as: UTF8.self))", metadata: ["stream": "stderr"])
                }
                do {
                    for try await buffer in execution.standardError {
                        let chunk = buffer.withUnsafeBytes { Array($0) }
                        tail.append(chunk)
                        for piece in splitter.feed(chunk) {
                            switch piece {
                            case .line(let line), .tooLong(let line): forward(line)
                            }
                        }
                    }
                } catch {}
                if let last = splitter.finish() { forward(last) }
                return tail
            }

            var sequence: UInt64 = 0
            var active: Active?
            let deadlines = DeadlineWatch { number in continuation.yield(.deadline(number)) }
            defer { deadlines.stop() }
            var dying = false
            var exitedOnItsOwn = false

            /// Takes the worker out of service and asks it to exit; the loop goes on until its
            /// stdout ends.
            func retire(restarting: Bool) {
                guard !dying else { return }
                dying = true
                pool.retire(worker, restarting: restarting)
                terminator.terminate()
            }

            func takeActive() -> Active? {
                defer { active = nil }
                deadlines.clear()
                return active
            }

            var iterator = events.makeAsyncIterator()
            loop: while let event = await iterator.next() {
                switch event {
                case .request(let job):
                    guard !dying, active == nil else {
                        job.finish(.failed(error: "the worker is restarting", transient: true))
                        continue
                    }
                    sequence += 1
                    let number = sequence
                    let message: JSONValue = [
                        "id": .string(job.task.id), "funcname": .string(job.task.funcname),
                        "args": job.task.args, "kwargs": job.task.kwargs,
                    ]
                    var line = message.bytes
                    line.append(UInt8(ascii: "\n"))
                    deadlines.watch(number, until: job.deadline)
                    active = Active(sequence: number, job: job)
                    // Never blocks the loop (a worker that stops reading stdin must not stop us
                    // from noticing its deadline): what the pipe cannot take now is written by
                    // WorkerInput's drain, and a failure comes back as `.writeFailed(number)`.
                    input.send(line, sequence: number)

                case .line(let line):
                    guard line.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { continue }
                    guard !dying else { continue }
                    guard let current = takeActive() else {
                        let invalid = WorkerReply.InvalidReply(reason: "a line while no task was running", line: line)
                        logger.warning("bee worker wrote \(invalid); restarting it")
                        retire(restarting: true)
                        continue
                    }
                    switch WorkerReply.parse(line, expectedID: current.job.task.id) {
                    case .success(let result):
                        pool.makeIdle(worker)
                        current.job.finish(result)
                    case .failure(let invalid):
                        logger.warning("bee worker wrote an invalid reply, restarting it: \(invalid)")
                        retire(restarting: true)
                        current.job.finish(.failed(error: "the worker wrote an invalid reply: \(invalid)", transient: true))
                    }

                case .lineTooLong(let start):
                    guard !dying else { continue }
                    let invalid = WorkerReply.InvalidReply(reason: "a line longer than 16 MiB", line: start)
                    logger.warning("bee worker wrote \(invalid); restarting it")
                    retire(restarting: true)
                    takeActive()?.job.finish(.failed(error: "the worker wrote an invalid reply: \(invalid)", transient: true))

                case .deadline(let number):
                    guard let current = active, current.sequence == number else { continue }
                    active = nil
                    deadlines.clear()
                    logger.warning("task timed out on a bee worker, restarting it", metadata: ["task_id": "\(current.job.task.id)"])
                    retire(restarting: true)
                    current.job.finish(.timedOut)

                case .writeFailed(let number, let error):
                    guard let current = active, current.sequence == number else { continue }
                    _ = takeActive()
                    retire(restarting: true)
                    current.job.finish(.failed(error: "could not send the task to the worker: \(error)", transient: true))

                case .stop:
                    takeActive()?.job.finish(.failed(error: "the bee is shutting down", transient: false))
                    retire(restarting: false)

                case .stdoutClosed:
                    if !dying {
                        exitedOnItsOwn = !stopRequested.hasFired
                        retire(restarting: exitedOnItsOwn)
                    }
                    break loop
                }
            }

            // Callers that raced with the end get a transient failure, now and from here on.
            continuation.finish()
            while let event = await iterator.next() {
                if case .request(let job) = event {
                    job.finish(.failed(error: "the worker exited before it got the task", transient: true))
                }
            }
            // A worker that closed stdout but lives on is stopped too; else this is a no-op.
            terminator.terminate()
            input.finish()
            var stderr = ByteTail(capacity: WorkerSlot.stderrTailBytes)
            for await tail in readers {
                if let tail { stderr = tail }
            }
            return WorkerLoopEnd(pending: takeActive()?.job, stderr: stderr, exitedOnItsOwn: exitedOnItsOwn)
        }
    }
}
