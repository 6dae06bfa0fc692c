import BeekeeperCore
import Logging
import Subprocess

/// One attempt of a `process` bee: spawn the command, feed it the task on stdin, collect
/// stdout (the result) and the end of stderr (the error), enforce the timeout.
struct ProcessAttempt: Sendable {
    static let maxOutputBytes = 16 << 20
    static let stderrTailBytes = 4 << 10

    let command: [String]
    let killGrace: Duration
    let logger: Logger

    private struct Collected: Sendable {
        var stdout: [UInt8] = []
        var overflowed = false
        var stderr = ByteTail(capacity: ProcessAttempt.stderrTailBytes)
    }

    func run(_ task: BeeTask, timeout: Duration) async -> AttemptResult {
        guard let configuration = BeeCommand.configuration(for: command, killGrace: killGrace) else {
            return .failed(error: "the bee has no command", transient: false)
        }
        let input: JSONValue = [
            "task_id": .string(task.id), "funcname": .string(task.funcname), "args": task.args, "kwargs": task.kwargs,
        ]
        let inputBytes = input.bytes
        let terminator = GroupTerminator(grace: killGrace)
        let timedOut = OneShotEvent()

        let execution: Result<(TerminationStatus, Collected), any Error> = await withTaskGroup(of: Void.self) { group in
            group.addTask { await terminator.escalate() }
            group.addTask {
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                timedOut.fire()
                terminator.terminate()
            }
            let result: Result<(TerminationStatus, Collected), any Error>
            do {
                let finished = try await Subprocess.run(
                    configuration,
                    input: .inputWriter,
                    output: .sequence,
                    error: .sequence
                ) { execution in
                    terminator.attach(ProcessGroup(id: execution.processIdentifier.value))
                    return await Self.exchange(with: execution, input: inputBytes, terminator: terminator)
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

        switch execution {
        case .failure(let error):
            return .failed(error: "could not run the bee command \(command[0]): \(error)", transient: false)
        case .success(let (status, collected)):
            if timedOut.hasFired { return .timedOut }
            if collected.overflowed {
                return .failed(error: "result too large: the bee wrote more than 16 MiB on stdout", transient: false)
            }
            let stderr = collected.stderr.text
            switch status {
            case .exited(0):
                return Self.parseResult(collected.stdout)
            case .exited(75):
                return .failed(error: stderr.isEmpty ? "exited with status 75 (temporary failure)" : stderr, transient: true)
            case .exited(let code):
                return .failed(error: stderr.isEmpty ? "exited with status \(code)" : stderr, transient: false)
            case .signaled(let signal):
                return .failed(error: stderr.isEmpty ? "killed by signal \(signal)" : stderr, transient: false)
            }
        }
    }

    /// Writes stdin and drains stdout and stderr concurrently, so that neither pipe can fill up
    /// and stall the bee.
    private static func exchange(
        with execution: Execution<CustomWriteInput, SequenceOutput, SequenceOutput>,
        input: [UInt8],
        terminator: GroupTerminator
    ) async -> Collected {
        async let inputWritten: Void = {
            // EPIPE (the bee did not read its input) is the bee's business; its exit status says.
            _ = try? await execution.standardInputWriter.write(input)
            try? await execution.standardInputWriter.finish()
        }()
        async let stderrTail: ByteTail = {
            var tail = ByteTail(capacity: stderrTailBytes)
            do {
                for try await buffer in execution.standardError {
                    buffer.withUnsafeBytes { tail.append($0) }
                }
            } catch {}
            return tail
        }()
        var collected = Collected()
        do {
            for try await buffer in execution.standardOutput {
                guard collected.stdout.count + buffer.count <= maxOutputBytes else {
                    collected.overflowed = true
                    terminator.kill()
                    break
                }
                buffer.withUnsafeBytes { collected.stdout.append(contentsOf: $0) }
            }
        } catch {}
        await inputWritten
        collected.stderr = await stderrTail
        return collected
    }

    private static func parseResult(_ stdout: [UInt8]) -> AttemptResult {
        let isWhitespace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        guard stdout.contains(where: { !isWhitespace($0) }) else { return .succeeded(.null) }
        do {
            return .succeeded(try JSONValue.parse(stdout))
        } catch {
            return .failed(error: "bee wrote invalid JSON on stdout: \(error)", transient: false)
        }
    }
}
