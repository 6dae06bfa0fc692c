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

/// Reads a worker's stdout and stderr on a thread of its own and hands each stdout line over
/// synchronously, on that thread.
///
/// Before, Subprocess's async sequences read the pipes: its epoll thread woke on every reply,
/// resumed a reader task on the cooperative pool, which read twice (the data, then EAGAIN) and
/// yielded the line into the event loop's stream, whose task woke once more to match it: one
/// OS thread wake and three pool jobs per reply. Here one thread blocks in `poll(2)` on stdout,
/// stderr and a pidfd of the child, reads once per wake into a reusable buffer, and calls
/// `deliver`, which resumes the waiting caller directly.
///
/// The stream ends at EOF, or when the child exits even if a grandchild still holds stdout or
/// stderr open (what is readable then is drained first), as Subprocess's sequences did.
final class WorkerOutputReader: Sendable {
    /// What the reader hands over, in the order the worker wrote it.
    enum Output: Sendable {
        case line([UInt8])
        /// A stdout line over ``WorkerSlot/maxReplyBytes`` (its first bytes).
        case lineTooLong([UInt8])
        /// Stdout ended (EOF, or the child exited); nothing follows.
        case stdoutClosed
    }

    private struct State {
        var started = false
        var thread: pthread_t?
        var tail: ByteTail?
        var waiter: CheckedContinuation<ByteTail, Never>?
    }

    /// The parts the thread works with, handed to it as one retained object.
    private final class Run: Sendable {
        let reader: WorkerOutputReader
        let pid: pid_t
        let processFD: Int32
        let logger: Logger
        let deliver: @Sendable (Output) -> Void
        init(reader: WorkerOutputReader, pid: pid_t, processFD: Int32, logger: Logger, deliver: @escaping @Sendable (Output) -> Void) {
            self.reader = reader
            self.pid = pid
            self.processFD = processFD
            self.logger = logger
            self.deliver = deliver
        }
    }

    /// How long one `poll` waits, when there is no pidfd, before it looks whether the child exited.
    static let exitCheckMilliseconds: Int32 = 100
    static let bufferBytes = 64 << 10

    let stdoutFD: Int32
    let stderrFD: Int32
    private let state = Mutex(State())

    /// Pipes for a worker's stdout and stderr: the reader owns the read ends (non-blocking,
    /// close-on-exec); the write ends are for the child, and Subprocess closes them after the
    /// spawn (and on a failed spawn).
    static func makePipes() -> (reader: WorkerOutputReader, stdoutWriteEnd: Int32, stderrWriteEnd: Int32)? {
        guard let stdout = BeePipe(sidecarEnd: .read) else { return nil }
        guard let stderr = BeePipe(sidecarEnd: .read) else {
            close(stdout.read)
            close(stdout.write)
            return nil
        }
        let reader = WorkerOutputReader(stdoutFD: stdout.read, stderrFD: stderr.read)
        return (reader, stdout.write, stderr.write)
    }

    /// A pidfd of the child for ``start(pid:processFD:logger:deliver:)``: a duplicate, since
    /// Subprocess closes its own when `run` returns; -1 where there is none (not Linux, or a
    /// kernel before 5.4), and the reader then polls for the exit instead.
    static func processDescriptor(of process: ProcessIdentifier) -> Int32 {
        #if os(Linux)
        guard process.processDescriptor >= 0 else { return -1 }
        return fcntl(process.processDescriptor, F_DUPFD_CLOEXEC, 0)
        #else
        return -1
        #endif
    }

    private init(stdoutFD: Int32, stderrFD: Int32) {
        self.stdoutFD = stdoutFD
        self.stderrFD = stderrFD
    }

    deinit {
        // Never started (the spawn failed): the read ends are still ours. A started reader
        // closed them on its thread, and is joined before anyone lets go of it.
        if !state.withLock({ $0.started }) {
            close(stdoutFD)
            close(stderrFD)
        }
    }

    /// Starts the thread for the child `pid`. `processFD` (a pidfd, or -1 to poll for the exit
    /// instead) becomes the reader's and is closed when it ends. `deliver` runs on the reader's
    /// thread; it must not block. Stderr lines go to `logger` at debug level.
    func start(pid: pid_t, processFD: Int32, logger: Logger, deliver: @escaping @Sendable (Output) -> Void) {
        state.withLock { $0.started = true }
        let run = Unmanaged.passRetained(Run(reader: self, pid: pid, processFD: processFD, logger: logger, deliver: deliver)).toOpaque()
        #if canImport(Darwin)
        var thread: pthread_t?
        #else
        var thread = pthread_t()
        #endif
        let created = pthread_create(&thread, nil, { argument in
            WorkerOutputReader.threadMain(argument)
            return nil
        }, run)
        if created != 0 {
            // No thread: the worker cannot be served. Ending its stdout retires it, and the
            // supervisor reaps it as it would a crashed one.
            Unmanaged<Run>.fromOpaque(run).release()
            logger.error("could not start the bee worker's output reader", metadata: ["errno": "\(created)"])
            if processFD >= 0 { close(processFD) }
            close(stdoutFD)
            close(stderrFD)
            deliver(.stdoutClosed)
            finished(tail: ByteTail(capacity: WorkerSlot.stderrTailBytes))
            return
        }
        #if canImport(Darwin)
        state.withLock { $0.thread = thread }
        #else
        state.withLock { $0.thread = .some(thread) }
        #endif
    }

    /// Waits until the reader has ended (stdout and stderr closed, or the child gone) and its
    /// thread has been joined; returns the end of the worker's stderr.
    func finished() async -> ByteTail {
        let tail = await withCheckedContinuation { (continuation: CheckedContinuation<ByteTail, Never>) in
            let tail: ByteTail? = state.withLock { state in
                if let tail = state.tail { return tail }
                state.waiter = continuation
                return nil
            }
            if let tail { continuation.resume(returning: tail) }
        }
        // The thread's last act was to hand over the tail: this join does not wait for long.
        if let thread = state.withLock({ state in defer { state.thread = nil }; return state.thread }) {
            pthread_join(thread, nil)
        }
        return tail
    }

    private func finished(tail: ByteTail) {
        let waiter: CheckedContinuation<ByteTail, Never>? = state.withLock { state in
            state.tail = tail
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: tail)
    }

    private static func threadMain(_ argument: UnsafeMutableRawPointer?) {
        let run = Unmanaged<Run>.fromOpaque(argument!).takeRetainedValue()
        #if os(Linux)
        // Named, so that perf and top tell these threads from the runtime's (pthread_setname_np
        // is not in Swift's Glibc module; this is what it does on Linux).
        let comm = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        if comm >= 0 {
            _ = "bee-worker-out".withCString { write(comm, $0, strlen($0)) }
            close(comm)
        }
        #endif
        let tail = run.reader.pump(pid: run.pid, processFD: run.processFD, logger: run.logger, deliver: run.deliver)
        run.reader.finished(tail: tail)
    }
}
