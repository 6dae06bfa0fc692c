import BeekeeperCore
@testable import BeekeeperExecution
import Logging
import Subprocess
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// The worker output reader on real processes and pipes.
@Suite("worker output reader", .enabled(if: Fixture.canRun), .timeLimit(.minutes(1)))
struct WorkerOutputReaderTests {
    final class Collected: Sendable {
        private let outputs = Mutex<[WorkerOutputReader.Output]>([])
        func append(_ output: WorkerOutputReader.Output) { outputs.withLock { $0.append(output) } }

        /// Lines as text, "<too long: first bytes>" for an over-long one, "<closed>" at the end.
        var transcript: [String] {
            outputs.withLock { outputs in
                outputs.map { output in
                    switch output {
                    case .line(let line): String(decoding: line, as: UTF8.self)
                    case .lineTooLong(let start): "<too long: \(String(decoding: start, as: UTF8.self))>"
                    case .stdoutClosed: "<closed>"
                    }
                }
            }
        }
    }

    /// Runs `arguments` with the reader on its stdout and stderr; returns what it delivered and
    /// the stderr tail. `pidfd: false` makes the reader poll for the child's exit instead.
    func read(_ arguments: [String], pidfd: Bool = true) async throws -> (transcript: [String], stderr: ByteTail) {
        ProcessSupervision.prepare()  // SIGPIPE ignored: the probes below get EPIPE instead
        let (reader, stdoutWriteEnd, stderrWriteEnd) = try #require(WorkerOutputReader.makePipes())
        // Copies of the write ends: once the reader is done, writing to them must fail with
        // EPIPE, which proves it closed its read ends (whoever else still holds a write end).
        let probes = [fcntl(stdoutWriteEnd, F_DUPFD_CLOEXEC, 0), fcntl(stderrWriteEnd, F_DUPFD_CLOEXEC, 0)]
        defer { for probe in probes { close(probe) } }
        let collected = Collected()
        let result = try await Subprocess.run(
            .path(FilePath(arguments[0])),
            arguments: Arguments(Array(arguments.dropFirst())),
            input: .none,
            output: .fileDescriptor(FileDescriptor(rawValue: stdoutWriteEnd), closeAfterSpawningProcess: true),
            error: .fileDescriptor(FileDescriptor(rawValue: stderrWriteEnd), closeAfterSpawningProcess: true)
        ) { execution in
            let processFD = pidfd ? WorkerOutputReader.processDescriptor(of: execution.processIdentifier) : -1
            #if os(Linux)
            #expect((processFD >= 0) == pidfd, "Linux 5.4+ gives a pidfd; without one the other path is tested twice")
            #endif
            reader.start(pid: execution.processIdentifier.value, processFD: processFD, logger: Fixture.logger) {
                collected.append($0)
            }
            return await reader.finished()
        }
        for probe in probes { await expectNoReader(probe) }
        return (collected.transcript, result.closureResult)
    }

    /// The pipe has no reader left. Bounded retries, not one write: a process another test forks
    /// at that moment holds every descriptor until its `exec` closes them (close-on-exec), and
    /// a reader that leaked its end would still fail after the limit.
    func expectNoReader(_ writeEnd: Int32, sourceLocation: SourceLocation = #_sourceLocation) async {
        var outcome = (written: 0, error: Int32(0))
        let closed = await eventually(within: .seconds(5)) {
            outcome.written = write(writeEnd, "x", 1)
            outcome.error = errno
            return outcome.written == -1 && outcome.error == EPIPE
        }
        #expect(closed, "the read end is still open (write gave \(outcome.written), errno \(outcome.error))", sourceLocation: sourceLocation)
    }

    func shell(_ script: String, pidfd: Bool = true) async throws -> (transcript: [String], stderr: ByteTail) {
        try await read(["/bin/sh", "-c", script], pidfd: pidfd)
    }

    func python(_ program: String) async throws -> (transcript: [String], stderr: ByteTail) {
        try Fixture.requirePython()
        return try await read([Fixture.python, "-c", program])
    }

    @Test(arguments: [true, false])
    func aGrandchildHoldingStdoutDoesNotKeepTheStreamOpen(pidfd: Bool) async throws {
        // The grandchild (sleep) inherits stdout and stderr and outlives the shell by far.
        let (transcript, _) = try await shell("sleep 50 & echo $!; echo last", pidfd: pidfd)
        #expect(transcript.count == 3)
        #expect(transcript.dropFirst().elementsEqual(["last", "<closed>"]))
        if let grandchild = pid_t(transcript.first ?? "") {
            #expect(kill(grandchild, 0) == 0, "the grandchild still runs: the stream ended with the child")
            kill(grandchild, SIGKILL)
        } else {
            Issue.record("no grandchild pid: \(transcript)")
        }
    }

    @Test(arguments: [true, false])
    func aGrandchildFloodingStdoutDoesNotKeepTheStreamOpen(pidfd: Bool) async throws {
        // `yes` writes as fast as the pipe takes it, so the pipe never goes quiet.
        let (transcript, _) = try await shell("yes & echo pid=$!; sleep 0.2", pidfd: pidfd)
        #expect(transcript.last == "<closed>")
        let pidLine = transcript.first { $0.hasPrefix("pid=") }
        if let grandchild = pidLine.flatMap({ pid_t($0.dropFirst(4)) }) {
            kill(grandchild, SIGKILL)
        } else {
            Issue.record("no grandchild pid among \(transcript.count) lines")
        }
    }

    @Test func aReplySplitAcrossManyWritesIsOneLine() async throws {
        let (transcript, _) = try await shell(#"for c in '{"id":' '"t",' '"ok":' 'true}'; do printf '%s' "$c"; sleep 0.02; done; printf '\n'"#)
        #expect(transcript == [#"{"id":"t","ok":true}"#, "<closed>"])
    }

    @Test func severalRepliesInOneReadAreSeveralLines() async throws {
        let (transcript, _) = try await shell(#"printf 'one\ntwo\r\n\nthree\nunterminated'"#)
        #expect(transcript == ["one", "two", "", "three", "unterminated", "<closed>"])
    }

    @Test func aLineOver16MiBIsReportedAndSkippedAndTheNextOneStillArrives() async throws {
        let (transcript, _) = try await python(
            "import sys; sys.stdout.write('x' * ((16 << 20) + 1) + '\\nafter\\n' + 'y' * (16 << 20) + '\\n')"
        )
        #expect(transcript.count == 4)
        #expect(transcript.first == "<too long: \(String(repeating: "x", count: 256))>")
        #expect(transcript.dropFirst().first == "after")
        // Exactly 16 MiB is still a line.
        #expect(transcript.dropFirst(2).first?.utf8.count == 16 << 20)
        #expect(transcript.last == "<closed>")
    }

    @Test func aStderrFloodWhileStdoutIsSilentNeitherBlocksNorGrowsTheTail() async throws {
        // 8 MiB on stderr would fill its pipe 128 times over if nobody drained it.
        let (transcript, stderr) = try await python(
            "import sys; sys.stderr.write('e' * (8 << 20) + 'END'); sys.stderr.flush(); print('done')"
        )
        #expect(transcript == ["done", "<closed>"])
        #expect(stderr.text.hasSuffix("eeeeEND"))
        #expect(stderr.bytes.count == WorkerSlot.stderrTailBytes)
    }

    @Test func stdoutClosedEarlyEndsTheStreamBeforeTheChildExits() async throws {
        let (transcript, stderr) = try await shell("echo before; exec 1>&-; echo on-stderr >&2; sleep 0.2; echo gone >&2")
        #expect(transcript == ["before", "<closed>"])
        // Stderr is read on until the child exits.
        #expect(stderr.text == "on-stderr\ngone")
    }

    @Test func aReaderThatNeverStartedClosesItsEnds() async throws {
        ProcessSupervision.prepare()
        // The spawn failed: Subprocess closed the write ends, the reader is dropped unstarted.
        var writeEnds: [Int32] = []
        do {
            let (_, stdoutWriteEnd, stderrWriteEnd) = try #require(WorkerOutputReader.makePipes())
            writeEnds = [stdoutWriteEnd, stderrWriteEnd]
        }
        defer { for end in writeEnds { close(end) } }
        for end in writeEnds { await expectNoReader(end) }
    }

    @Test func aChildThatWritesNothingEndsCleanly() async throws {
        let (transcript, stderr) = try await shell("exit 3")
        #expect(transcript == ["<closed>"])
        #expect(stderr.text.isEmpty)
    }
}
