#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// The write end of a worker's stdin, owned by the sidecar rather than by Subprocess.
///
/// A task line is written at once, on the event loop, with one non-blocking `write(2)`: the
/// pipe holds 64 KiB and a worker reads a line before it answers it, so it nearly always takes
/// the line whole. Before, each line went through a task of its own and Subprocess's writer,
/// which switched the descriptor to non-blocking again, made a new signal stream and registered
/// with its epoll thread on every write; that thread then woke once per line when the worker
/// drained the pipe (an edge nobody waited for).
///
/// Whatever the pipe does not take (a line over 64 KiB, a worker that stops reading) is queued
/// and written by a drain on a dispatch queue that waits for room with `poll(2)`, never on the
/// event loop: a worker that stops reading its stdin must not keep the loop from noticing the
/// job's deadline. Lines keep their order. A failed write is reported with the sequence number
/// of the line it hit, and every later line is refused the same way.
final class WorkerInput: Sendable {
    private struct Pending {
        var sequence: UInt64
        var bytes: [UInt8]
        var written: Int
    }

    private struct State {
        var queue: [Pending] = []
        var draining = false
        var closed = false
        var failed: String?
    }

    private let fd: Int32
    private let state = Mutex(State())
    private let failure: @Sendable (UInt64, String) -> Void
    /// A serial queue per input: a drain blocks in `poll` while its worker does not read, and
    /// serial queues are "overcommit" in libdispatch (they get a thread of their own), whereas
    /// stalled drains on one shared concurrent queue could take every thread that queue class has.
    private let drainQueue = DispatchQueue(label: "beekeeper.worker.stdin")
    /// How long one `poll` of a drain waits before it looks whether the input was closed.
    private static let pollMilliseconds: Int32 = 100

    /// A pipe for a worker's stdin: the read end (close-on-exec; Subprocess puts it on the
    /// child's fd 0 and closes it here after the spawn) and this writer over the write end.
    /// - Parameter failure: called with the sequence number of a line that could not be written, and why.
    static func makePipe(failure: @escaping @Sendable (UInt64, String) -> Void) -> (readEnd: Int32, input: WorkerInput)? {
        guard let pipe = BeePipe(sidecarEnd: .write) else { return nil }
        return (pipe.read, WorkerInput(fd: pipe.write, failure: failure))
    }

    private init(fd: Int32, failure: @escaping @Sendable (UInt64, String) -> Void) {
        self.fd = fd
        self.failure = failure
    }

    /// Writes `line` (the task with this sequence number) now, or queues what the pipe cannot
    /// take yet behind the lines already queued.
    func send(_ line: [UInt8], sequence: UInt64) {
        enum Next { case done, drain, fail(String) }
        let next: Next = state.withLock { state in
            if state.closed { return .fail("the worker's stdin is closed") }
            if let failed = state.failed { return .fail(failed) }
            var pending = Pending(sequence: sequence, bytes: line, written: 0)
            if state.queue.isEmpty {
                switch writeSome(&pending) {
                case .finished: return .done
                case .full: break
                case .failed(let error):
                    state.failed = error
                    return .fail(error)
                }
            }
            state.queue.append(pending)
            if state.draining { return .done }
            state.draining = true
            return .drain
        }
        switch next {
        case .done: break
        case .drain: drainQueue.async { self.drain() }
        case .fail(let error): failure(sequence, error)
        }
    }

    /// No more lines: closes the write end (at once, or when a drain in progress notices).
    func finish() {
        let closeNow = state.withLock { state in
            guard !state.closed else { return false }
            state.closed = true
            return !state.draining
        }
        if closeNow { close(fd) }
    }

    private enum WriteResult { case finished, full, failed(String) }

    /// Writes as much of `pending` as the pipe takes without blocking.
    private func writeSome(_ pending: inout Pending) -> WriteResult {
        while pending.written < pending.bytes.count {
            let count = pending.bytes.withUnsafeBytes { raw in
                write(fd, raw.baseAddress! + pending.written, raw.count - pending.written)
            }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == EAGAIN || code == EWOULDBLOCK { return .full }
                return .failed(String(cString: strerror(code)))
            }
            pending.written += count
        }
        return .finished
    }

    /// Runs on the drain queue until the queue is empty, the input closed or a write failed.
    private func drain() {
        while true {
            var ready = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let polled = poll(&ready, 1, Self.pollMilliseconds)
            if polled < 0, errno != EINTR {
                let error = String(cString: strerror(errno))
                if finishDrain(failedWith: error) { return }
            }
            enum Step { case again, stop(closeFD: Bool), fail(UInt64, String) }
            let step: Step = state.withLock { state in
                if state.closed {
                    state.draining = false
                    return .stop(closeFD: true)
                }
                while var head = state.queue.first {
                    switch writeSome(&head) {
                    case .finished:
                        state.queue.removeFirst()
                    case .full:
                        state.queue[0] = head
                        return .again
                    case .failed(let error):
                        state.failed = error
                        state.queue.removeAll()
                        state.draining = false
                        return .fail(head.sequence, error)
                    }
                }
                state.draining = false
                return .stop(closeFD: false)
            }
            switch step {
            case .again: continue
            case .stop(let closeFD):
                if closeFD { close(fd) }
                return
            case .fail(let sequence, let error):
                failure(sequence, error)
                return
            }
        }
    }

    /// A failed poll: reports it for the line at the head and stops the drain. True: stopped.
    private func finishDrain(failedWith error: String) -> Bool {
        let (sequence, closeFD): (UInt64?, Bool) = state.withLock { state in
            state.draining = false
            state.failed = error
            let head = state.queue.first?.sequence
            state.queue.removeAll()
            return (head, state.closed)
        }
        if closeFD { close(fd) }
        if let sequence { failure(sequence, error) }
        return true
    }
}
