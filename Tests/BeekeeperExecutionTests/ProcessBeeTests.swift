import BeekeeperConfig
import BeekeeperCore
@testable import BeekeeperExecution
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("process bees", .enabled(if: Fixture.canRun), .timeLimit(.minutes(2)))
struct ProcessBeeTests {
    @Test func succeedsWithTheJSONItPrints() async throws {
        try Fixture.requirePython()
        // "python3" has no slash: it is looked up in PATH.
        let bee = Bee(configuration: Fixture.processBeeConfig(throughPATH: true), logger: Fixture.logger)
        let observer = RecordingObserver()
        let task = BeeTask(id: "t-1", funcname: "echo", args: [1, "two", ["x": true]], kwargs: ["k": "é\n"])

        let outcome = try await bee.run(task, observer: observer)

        guard case .succeeded(let result, let attempts, _) = outcome else {
            Issue.record("expected success, got \(outcome)")
            return
        }
        #expect(attempts == 1)
        #expect(result["received"] == [
            "task_id": "t-1", "funcname": "echo", "args": [1, "two", ["x": true]], "kwargs": ["k": "é\n"],
        ])
        // Its own process group: the bee leads it.
        #expect(result["pid"] != nil && result["pid"] == result["pgid"])
        #expect(await observer.started == [1])
        #expect(await observer.finished == [.init(attempt: 1, result: .succeeded(result), willRetry: false)])
        await bee.shutdown()
    }

    @Test func emptyStdoutIsNull() async throws {
        try Fixture.requirePython()
        let bee = Bee(configuration: Fixture.processBeeConfig(), logger: Fixture.logger)
        let outcome = try await bee.run(BeeTask(id: "t", funcname: "empty"), observer: RecordingObserver())
        #expect(outcome == .succeeded(result: .null, attempts: 1, duration: outcome.duration))
    }

    @Test func nonJSONStdoutFailsWithoutRetry() async throws {
        try Fixture.requirePython()
        let bee = Bee(configuration: Fixture.processBeeConfig(retries: 3), logger: Fixture.logger)
        let outcome = try await bee.run(BeeTask(id: "t", funcname: "not_json"), observer: RecordingObserver())
        guard case .failed(let error, let attempts, _) = outcome else {
            Issue.record("expected failure, got \(outcome)")
            return
        }
        #expect(error.hasPrefix("bee wrote invalid JSON on stdout: "))
        #expect(attempts == 1)
    }

    @Test func failureCarriesTheLastFourKiBOfStderr() async throws {
        try Fixture.requirePython()
        let bee = Bee(configuration: Fixture.processBeeConfig(retries: 3), logger: Fixture.logger)
        let outcome = try await bee.run(BeeTask(id: "t", funcname: "fail"), observer: RecordingObserver())
        guard case .failed(let error, let attempts, _) = outcome else {
            Issue.record("expected failure, got \(outcome)")
            return
        }
        #expect(attempts == 1)
        #expect(error.hasSuffix("final line: boom"))
        #expect(error.utf8.count <= 4096)
        #expect(error.utf8.count > 3000)
        #expect(!error.contains("noise line 0:"))
        #expect(!error.contains("\u{FFFD}"))
    }

    @Test func failureWithoutStderrNamesTheStatusOrSignal() async throws {
        try Fixture.requirePython()
        let bee = Bee(configuration: Fixture.processBeeConfig(), logger: Fixture.logger)
        let exited = try await bee.run(BeeTask(id: "a", funcname: "exit_quietly"), observer: RecordingObserver())
        #expect(exited == .failed(error: "exited with status 3", attempts: 1, duration: exited.duration))
        let killed = try await bee.run(BeeTask(id: "b", funcname: "kill_self"), observer: RecordingObserver())
        #expect(killed == .failed(error: "killed by signal \(SIGKILL)", attempts: 1, duration: killed.duration))
    }

    @Test func transientFailuresAreRetriedUntilSuccess() async throws {
        try Fixture.requirePython()
        let directory = try TemporaryDirectory()
        let bee = Bee(configuration: Fixture.processBeeConfig(retries: 3), logger: Fixture.logger)
        let observer = RecordingObserver()
        let task = BeeTask(id: "t", funcname: "flaky", kwargs: ["counter": .string(directory.file("count")), "failures": 2])

        let outcome = try await bee.run(task, observer: observer)

        #expect(outcome == .succeeded(result: ["attempt": 3], attempts: 3, duration: outcome.duration))
        #expect(await observer.started == [1, 2, 3])
        #expect(await observer.finished == [
            .init(attempt: 1, result: .failed(error: "temporary failure 1", transient: true), willRetry: true),
            .init(attempt: 2, result: .failed(error: "temporary failure 2", transient: true), willRetry: true),
            .init(attempt: 3, result: .succeeded(["attempt": 3]), willRetry: false),
        ])
    }

    @Test func retriesStopAtTheConfiguredMaximum() async throws {
        try Fixture.requirePython()
        let directory = try TemporaryDirectory()
        let bee = Bee(configuration: Fixture.processBeeConfig(retries: 2), logger: Fixture.logger)
        let observer = RecordingObserver()
        let task = BeeTask(id: "t", funcname: "flaky", kwargs: ["counter": .string(directory.file("count")), "failures": 10])

        let outcome = try await bee.run(task, observer: observer)

        #expect(outcome == .failed(error: "temporary failure 3", attempts: 3, duration: outcome.duration))
        #expect(await observer.finished.map(\.willRetry) == [true, true, false])
        #expect(try String(contentsOfFile: directory.file("count"), encoding: .utf8) == "3")
    }

    @Test func timeoutTerminatesTheWholeProcessGroup() async throws {
        try Fixture.requirePython()
        let directory = try TemporaryDirectory()
        // The real 5 s grace: SIGTERM alone must do it here.
        let bee = Bee(configuration: Fixture.processBeeConfig(timeout: .seconds(3), retries: 3), logger: Fixture.logger)
        let pidfile = directory.file("pids.json")
        let task = BeeTask(id: "t", funcname: "hang", kwargs: ["pidfile": .string(pidfile)])

        let outcome = try await bee.run(task, observer: RecordingObserver())

        #expect(outcome == .timedOut(attempts: 1, duration: outcome.duration))
        try expectGone(pidfile: pidfile)
    }

    @Test func stubbornProcessesGetSIGKILLAfterTheGrace() async throws {
        try Fixture.requirePython()
        let directory = try TemporaryDirectory()
        let bee = Bee(
            configuration: Fixture.processBeeConfig(timeout: .seconds(3)),
            logger: Fixture.logger,
            killGrace: .milliseconds(300)
        )
        let pidfile = directory.file("pids.json")
        let task = BeeTask(id: "t", funcname: "hang", kwargs: ["pidfile": .string(pidfile), "stubborn": true])

        let outcome = try await bee.run(task, observer: RecordingObserver())

        #expect(outcome == .timedOut(attempts: 1, duration: outcome.duration))
        try expectGone(pidfile: pidfile)
    }

    @Test func taskTimeoutOverridesTheBees() async throws {
        try Fixture.requirePython()
        let directory = try TemporaryDirectory()
        let bee = Bee(configuration: Fixture.processBeeConfig(timeout: .seconds(60)), logger: Fixture.logger)
        let pidfile = directory.file("pids.json")
        let task = BeeTask(id: "t", funcname: "hang", kwargs: ["pidfile": .string(pidfile)], timeout: .seconds(3))
        let outcome = try await bee.run(task, observer: RecordingObserver())
        #expect(outcome == .timedOut(attempts: 1, duration: outcome.duration))
        try expectGone(pidfile: pidfile)
    }

    @Test func oversizedResultFails() async throws {
        try Fixture.requirePython()
        // Generous timeout: writing 16 MiB through a pipe is slow on a loaded 2-core machine.
        let bee = Bee(configuration: Fixture.processBeeConfig(timeout: .seconds(120)), logger: Fixture.logger)
        let outcome = try await bee.run(BeeTask(id: "t", funcname: "huge"), observer: RecordingObserver())
        guard case .failed(let error, _, _) = outcome else {
            Issue.record("expected failure, got \(outcome)")
            return
        }
        #expect(error.hasPrefix("result too large"))
    }

    @Test func missingCommandFails() async throws {
        var config = Fixture.processBeeConfig(retries: 2)
        config.command = ["no-such-bee-command-\(UInt32.random(in: 0...UInt32.max))"]
        let bee = Bee(configuration: config, logger: Fixture.logger)
        let outcome = try await bee.run(BeeTask(id: "t", funcname: "echo"), observer: RecordingObserver())
        guard case .failed(let error, let attempts, _) = outcome else {
            Issue.record("expected failure, got \(outcome)")
            return
        }
        #expect(error.hasPrefix("could not run the bee command"))
        #expect(attempts == 1)
    }

    @Test func noMoreThanConcurrencyTasksRunAtOnce() async throws {
        try Fixture.requirePython()
        let directory = try TemporaryDirectory()
        let log = directory.file("marks.log")
        let bee = Bee(configuration: Fixture.processBeeConfig(concurrency: 2), logger: Fixture.logger)

        let outcomes = try await withThrowingTaskGroup(of: BeeOutcome.self) { group in
            for index in 0..<6 {
                group.addTask {
                    let task = BeeTask(id: "t\(index)", funcname: "marks", kwargs: ["log": .string(log), "barrier": 2])
                    return try await bee.run(task, observer: RecordingObserver())
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }

        #expect(outcomes.count == 6)
        #expect(outcomes.allSatisfy { if case .succeeded = $0 { true } else { false } })
        var running = 0
        var most = 0
        for mark in try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n") {
            running += mark == "S" ? 1 : -1
            most = max(most, running)
        }
        #expect(running == 0)
        #expect(most == 2)
    }

    @Test func aFullQueueRejectsWithRetryAfter() async throws {
        try Fixture.requirePython()
        let directory = try TemporaryDirectory()
        let bee = Bee(configuration: Fixture.processBeeConfig(concurrency: 1, maxQueue: 1), logger: Fixture.logger)
        let gate = directory.file("gate")
        func gated(_ id: String) -> BeeTask {
            BeeTask(id: id, funcname: "gate", kwargs: ["gate": .string(gate), "started": .string(directory.file("started-\(id)"))])
        }

        let running = Task { try await bee.run(gated("a"), observer: RecordingObserver()) }
        #expect(await eventually { bee.status.inFlight == 1 })
        let queued = Task { try await bee.run(gated("b"), observer: RecordingObserver()) }
        #expect(await eventually { bee.status.queued == 1 })

        await #expect(throws: BeeRejection.queueFull(retryAfter: .seconds(1))) {
            try await bee.run(gated("c"), observer: RecordingObserver())
        }
        #expect(!fileExists(directory.file("started-b")), "the queued task must wait for the running one")

        touch(gate)
        let first = try await running.value
        let second = try await queued.value
        #expect(first == .succeeded(result: "passed the gate", attempts: 1, duration: first.duration))
        #expect(second == .succeeded(result: "passed the gate", attempts: 1, duration: second.duration))
        #expect(bee.status.inFlight == 0 && bee.status.queued == 0)
    }

    /// An admitted task runs to its outcome even when its caller is cancelled (an HTTP client
    /// gone, a shutdown): `Bee.run` gives it a task of its own. Subprocess kills a child whose
    /// task is cancelled, so without that task this one would fail.
    @Test func aCancelledCallerDoesNotCancelTheAdmittedTask() async throws {
        try Fixture.requirePython()
        let directory = try TemporaryDirectory()
        let bee = Bee(configuration: Fixture.processBeeConfig(), logger: Fixture.logger)
        let (caller, gate) = await startGated(bee, in: directory)
        caller.cancel()
        try await Task.sleep(for: .milliseconds(200))
        touch(gate)
        let outcome = try await caller.value
        #expect(outcome == .succeeded(result: "passed the gate", attempts: 1, duration: outcome.duration))
        await bee.shutdown()
    }

    @Test func shutdownWaitsForRunningTasksAndRefusesNewOnes() async throws {
        try Fixture.requirePython()
        let directory = try TemporaryDirectory()
        let bee = Bee(configuration: Fixture.processBeeConfig(), logger: Fixture.logger)
        let (running, gate) = await startGated(bee, in: directory)

        let shutdownDone = Flag()
        let shutdown = Task {
            await bee.shutdown()
            shutdownDone.set()
        }
        #expect(await eventually { !bee.status.up })
        await #expect(throws: BeeRejection.shuttingDown) {
            try await bee.run(BeeTask(id: "b", funcname: "echo"), observer: RecordingObserver())
        }
        // The gate is still shut, so the task cannot have finished, nor can shutdown().
        #expect(!shutdownDone.isSet)

        touch(gate)
        await shutdown.value
        let outcome = try await running.value
        #expect(outcome == .succeeded(result: "passed the gate", attempts: 1, duration: outcome.duration))
        await bee.shutdown()  // idempotent
        #expect(bee.status.inFlight == 0)
    }

    /// Runs the bee's `gate` funcname in a task of its own and returns once the bee has started:
    /// the task, and the file whose creation lets the bee finish.
    private func startGated(_ bee: Bee, in directory: TemporaryDirectory) async -> (Task<BeeOutcome, any Error>, gate: String) {
        let gate = directory.file("gate")
        let started = directory.file("started")
        let task = Task {
            try await bee.run(
                BeeTask(id: "a", funcname: "gate", kwargs: ["gate": .string(gate), "started": .string(started)]),
                observer: RecordingObserver()
            )
        }
        #expect(await eventually { fileExists(started) })
        return (task, gate)
    }

    /// The bee, its child, and their group are all gone (and reaped: zombies would still answer
    /// kill(2)).
    private func expectGone(pidfile: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: pidfile))
        let info = try JSONValue.parse(Array(data))
        let pid = try #require(info["pid"]?.intValue)
        let child = try #require(info["child"]?.intValue)
        let pgid = try #require(info["pgid"]?.intValue)
        #expect(pid == pgid)
        #expect(!processExists(pid_t(pid)))
        #expect(!processExists(pid_t(child)))
        #expect(!processGroupExists(pid_t(pgid)))
    }
}
