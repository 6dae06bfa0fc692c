#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

extension WorkerOutputReader {
    private enum ReadResult { case data(Int), empty, end }

    /// The reader thread's loop; returns the end of stderr once both streams are over.
    func pump(pid: pid_t, processFD: Int32, logger: Logger, deliver: (Output) -> Void) -> ByteTail {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.bufferBytes, alignment: 1)
        defer {
            buffer.deallocate()
            close(stdoutFD)
            close(stderrFD)
            if processFD >= 0 { close(processFD) }
        }
        var stdoutLines = LineSplitter(maxLineLength: WorkerSlot.maxReplyBytes)
        var stderrLines = LineSplitter(maxLineLength: WorkerSlot.stderrTailBytes)
        var tail = ByteTail(capacity: WorkerSlot.stderrTailBytes)
        var stdoutOpen = true
        var stderrOpen = true

        /// One `read`: a wake of `poll` nearly always finds one whole reply, and a second read
        /// would only return EAGAIN. What is left is found by the next `poll`.
        func readOnce(_ fd: Int32) -> ReadResult {
            while true {
                let count = read(fd, buffer.baseAddress, buffer.count)
                if count > 0 { return .data(count) }
                if count == 0 { return .end }
                switch errno {
                case EINTR: continue
                case EAGAIN, EWOULDBLOCK: return .empty
                default: return .end
                }
            }
        }

        /// The end of a stream (EOF, or the child gone): its unterminated last line, then nothing.
        func endStdout() {
            if let last = stdoutLines.finish() { deliver(.line(last)) }
            stdoutOpen = false
            deliver(.stdoutClosed)
        }

        func endStderr() {
            if let last = stderrLines.finish() { forward(last) }
            stderrOpen = false
        }

        func readStdout() -> ReadResult {
            let result = readOnce(stdoutFD)
            switch result {
            case .data(let count):
                for piece in stdoutLines.feed(UnsafeRawBufferPointer(rebasing: buffer[..<count])) {
                    switch piece {
                    case .line(let line): deliver(.line(line))
                    case .tooLong(let start): deliver(.lineTooLong(start))
                    }
                }
            case .end: endStdout()
            case .empty: break
            }
            return result
        }

        func forward(_ line: [UInt8]) {
            guard !line.isEmpty else { return }
            logger.debug("\(String(decoding: line, as: UTF8.self))", metadata: ["stream": "stderr"])
        }

        func readStderr() -> ReadResult {
            let result = readOnce(stderrFD)
            switch result {
            case .data(let count):
                let chunk = UnsafeRawBufferPointer(rebasing: buffer[..<count])
                tail.append(chunk)
                for piece in stderrLines.feed(chunk) {
                    switch piece {
                    case .line(let line), .tooLong(let line): forward(line)
                    }
                }
            case .end: endStderr()
            case .empty: break
            }
            return result
        }

        var polled = [
            pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0),
            pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0),
            pollfd(fd: processFD, events: Int16(POLLIN), revents: 0),
        ]
        let timeout = processFD >= 0 ? -1 : Self.exitCheckMilliseconds
        // Without a pidfd the exit is looked for every `exitCheckMilliseconds`, also while a
        // grandchild keeps the pipes busy (poll then never times out).
        var nextExitCheck = ContinuousClock.now + .milliseconds(Self.exitCheckMilliseconds)
        func exitCheckDue() -> Bool {
            guard processFD < 0, ContinuousClock.now >= nextExitCheck else { return false }
            nextExitCheck = ContinuousClock.now + .milliseconds(Self.exitCheckMilliseconds)
            return true
        }
        while stdoutOpen || stderrOpen {
            // A negative fd is ignored by poll: a stream that ended drops out.
            polled[0].fd = stdoutOpen ? stdoutFD : -1
            polled[1].fd = stderrOpen ? stderrFD : -1
            polled[0].revents = 0
            polled[1].revents = 0
            polled[2].revents = 0
            let ready = poll(&polled, nfds_t(polled.count), timeout)
            if ready < 0 {
                if errno == EINTR { continue }
                // Cannot wait any more (never seen): end as if the child had exited.
                logger.error("the bee worker's output reader could not poll", metadata: ["errno": "\(errno)"])
            }
            if ready > 0 {
                if polled[0].revents != 0 { _ = readStdout() }
                if polled[1].revents != 0 { _ = readStderr() }
            }
            let exited = ready < 0 || polled[2].revents != 0 || (exitCheckDue() && Self.hasExited(pid))
            if exited {
                // The child is gone; a grandchild may still hold the pipes. What it wrote so far
                // counts, then the streams end.
                // Bounded: the child's own bytes are at most a pipe's worth (1 MiB at most), and
                // a grandchild that keeps writing must not keep the stream open forever.
                var reads = 0
                while stdoutOpen, reads < Self.drainReadsAfterExit, case .data = readStdout() { reads += 1 }
                reads = 0
                while stderrOpen, reads < Self.drainReadsAfterExit, case .data = readStderr() { reads += 1 }
                if stdoutOpen { endStdout() }
                if stderrOpen { endStderr() }
            }
        }
        return tail
    }

    /// 2 MiB through the 64 KiB buffer: more than the largest pipe an unprivileged process can ask for.
    private static let drainReadsAfterExit = 32

    /// Without a pidfd: whether the child has exited (a zombie, or already reaped by Subprocess).
    private static func hasExited(_ pid: pid_t) -> Bool {
        if kill(pid, 0) != 0 { return errno == ESRCH }
        #if os(Linux)
        guard let stat = ProcessGroup.stat(of: pid) else { return true }
        return stat.state == UInt8(ascii: "Z") || stat.state == UInt8(ascii: "X")
        #else
        return false
        #endif
    }
}
