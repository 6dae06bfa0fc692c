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

@Suite("worker bees", .enabled(if: Fixture.canRun), .timeLimit(.minutes(2)))
struct WorkerBeeTests {
    @Test func answersTasksOnLongLivedWorkers() async throws {
        try Fixture.requirePython()
        let bee = Bee(configuration: Fixture.workerBeeConfig(concurrency: 2), logger: Fixture.logger)
        await bee.start()
        #expect(await eventually { bee.status.liveWorkers == 2 })
        #expect(bee.status.up)

        let observer = RecordingObserver()
        let first = try await bee.run(BeeTask(id: "a", funcname: "echo", args: [1, ["b": "c\n"]]), observer: observer)
        let second = try await bee.run(BeeTask(id: "b", funcname: "echo", args: []), observer: observer)

        guard case .succeeded(let result, 1, _) = first, case .succeeded(let again, 1, _) = second else {
            Issue.record("expected successes, got \(first) and \(second)")
            return
        }
        #expect(result["args"] == [1, ["b": "c\n"]])
        #expect(await observer.finished.map(\.willRetry) == [false, false])
        let pid = try #require(result["pid"]?.intValue)
        let otherPid = try #require(again["pid"]?.intValue)
        await bee.shutdown()
        #expect(!processExists(pid_t(pid)) && !processExists(pid_t(otherPid)))
        #expect(bee.status.restarts == 0)
        #expect(!bee.status.up)
    }

    @Test func failureRepliesAreFinal() async throws {
        try Fixture.requirePython()
        let bee = Bee(configuration: Fixture.workerBeeConfig(retries: 3), logger: Fixture.logger)
        await bee.start()
        let outcome = try await bee.run(BeeTask(id: "a", funcname: "fail"), observer: RecordingObserver())
        #expect(outcome == .failed(error: "nope", attempts: 1, duration: outcome.duration))
        #expect(bee.status.restarts == 0)
        await bee.shutdown()
    }

    @Test func aCrashedWorkerIsRestarted() async throws {
        try Fixture.requirePython()
        let bee = Bee(configuration: Fixture.workerBeeConfig(), logger: Fixture.logger)
        await bee.start()
        let before = try await bee.run(BeeTask(id: "a", funcname: "echo"), observer: RecordingObserver())
        let crash = try await bee.run(BeeTask(id: "b", funcname: "crash"), observer: RecordingObserver())
        let after = try await bee.run(BeeTask(id: "c", funcname: "echo"), observer: RecordingObserver())

        guard case .failed(let error, 1, _) = crash else {
            Issue.record("expected a failure, got \(crash)")
            return
        }
        #expect(error.hasPrefix("the worker exited with status 3"))
        #expect(error.contains("worker crashing on purpose"))
        #expect(bee.status.restarts == 1)
        guard case .succeeded(let old, _, _) = before, case .succeeded(let new, _, _) = after else {
            Issue.record("expected successes, got \(before) and \(after)")
            return
        }
        #expect(old["pid"] != new["pid"])
        #expect(!processExists(pid_t(try #require(old["pid"]?.intValue))))
        await bee.shutdown()
    }

    @Test func aTaskThatCrashedItsWorkerIsRetried() async throws {
        try Fixture.requirePython()
        let directory = try TemporaryDirectory()
        let bee = Bee(configuration: Fixture.workerBeeConfig(retries: 1), logger: Fixture.logger)
        await bee.start()
        let observer = RecordingObserver()
        let task = BeeTask(id: "a", funcname: "crash_once", kwargs: ["marker": .string(directory.file("crashed"))])

        let outcome = try await bee.run(task, observer: observer)

        #expect(outcome == .succeeded(result: "survived", attempts: 2, duration: outcome.duration))
        let finished = await observer.finished
        #expect(finished.map(\.willRetry) == [true, false])
        if case .failed(_, transient: true) = finished.first?.result {} else {
            Issue.record("the crash must be a transient failure, got \(String(describing: finished.first))")
        }
        #expect(bee.status.restarts == 1)
        await bee.shutdown()
    }

    @Test(arguments: ["garbage", "wrong_id"])
    func anInvalidReplyRestartsTheWorker(funcname: String) async throws {
        try Fixture.requirePython()
        let bee = Bee(configuration: Fixture.workerBeeConfig(), logger: Fixture.logger)
        await bee.start()
        let outcome = try await bee.run(BeeTask(id: "a", funcname: funcname), observer: RecordingObserver())
        guard case .failed(let error, 1, _) = outcome else {
            Issue.record("expected a failure, got \(outcome)")
            return
        }
        #expect(error.hasPrefix("the worker wrote an invalid reply: "))
        #expect(bee.status.restarts == 1)
        let next = try await bee.run(BeeTask(id: "b", funcname: "echo", args: ["ok"]), observer: RecordingObserver())
        guard case .succeeded(let result, 1, _) = next else {
            Issue.record("expected success, got \(next)")
            return
        }
        #expect(result["args"] == ["ok"])
        await bee.shutdown()
    }

    @Test func aTimedOutWorkerIsKilledAndReplaced() async throws {
        try Fixture.requirePython()
        let bee = Bee(configuration: Fixture.workerBeeConfig(retries: 3), logger: Fixture.logger)
        await bee.start()
        let before = try await bee.run(BeeTask(id: "a", funcname: "echo"), observer: RecordingObserver())
        guard case .succeeded(let old, _, _) = before else {
            Issue.record("expected success, got \(before)")
            return
        }
        let oldPid = pid_t(try #require(old["pid"]?.intValue))

        let outcome = try await bee.run(BeeTask(id: "b", funcname: "hang", timeout: .seconds(1)), observer: RecordingObserver())

        #expect(outcome == .timedOut(attempts: 1, duration: outcome.duration))
        #expect(bee.status.restarts == 1)
        // Python dies of the SIGTERM; the supervisor reaps it.
        #expect(await eventually { !processExists(oldPid) && !processGroupExists(oldPid) })
        let after = try await bee.run(BeeTask(id: "c", funcname: "echo"), observer: RecordingObserver())
        guard case .succeeded(let new, _, _) = after else {
            Issue.record("expected success, got \(after)")
            return
        }
        #expect(new["pid"] != old["pid"])
        await bee.shutdown()
    }

    /// A task line far over the pipe's 64 KiB goes out through ``WorkerInput``'s drain (the
    /// non-blocking write takes only part of it); the next line follows it whole, in order.
    @Test func linesLargerThanThePipeReachTheWorkerWhole() async throws {
        try Fixture.requirePython()
        let bee = Bee(configuration: Fixture.workerBeeConfig(timeout: .seconds(60)), logger: Fixture.logger)
        await bee.start()
        let big = String(repeating: "0123456789abcdef", count: 1 << 16)  // 1 MiB
        for id in ["a", "b"] {
            let outcome = try await bee.run(BeeTask(id: id, funcname: "echo", args: [.string(big), .string(id)]), observer: RecordingObserver())
            guard case .succeeded(let result, 1, _) = outcome else {
                Issue.record("expected a success, got \(outcome)")
                return
            }
            #expect(result["args"] == [.string(big), .string(id)])
        }
        await bee.shutdown()
    }

    /// One sleeper watches a worker's deadlines (``DeadlineWatch``): it sleeps to the first job's
    /// deadline and must be re-armed for a later job whose deadline comes sooner.
    @Test func aShorterDeadlineAfterALongerOneStillFires() async throws {
        guard let hung = try await hangAfterAnEcho(echoTimeout: nil, hangTimeout: .seconds(1)) else { return }
        #expect(hung == .timedOut(attempts: 1, duration: hung.duration))
        // The echo's deadline was 60 s away: firing before it shows the re-arm.
        #expect(hung.duration < .seconds(30))
    }

    /// The sleeper wakes at the earlier deadline of a finished job and must not time out the job
    /// running then, whose own deadline is later.
    @Test func aLaterDeadlineIsNotCutShortByAnEarlierJobs() async throws {
        guard let hung = try await hangAfterAnEcho(echoTimeout: .seconds(5), hangTimeout: .seconds(7)) else { return }
        #expect(hung == .timedOut(attempts: 1, duration: hung.duration))
        #expect(hung.duration >= .seconds(7))
    }

    /// On one warm worker (bee timeout 60 s): an echo with `echoTimeout`, then a task that hangs
    /// with `hangTimeout`; the hang's outcome, nil (and an issue) if the echo did not succeed.
    private func hangAfterAnEcho(echoTimeout: Duration?, hangTimeout: Duration) async throws -> BeeOutcome? {
        try Fixture.requirePython()
        let bee = Bee(configuration: Fixture.workerBeeConfig(timeout: .seconds(60)), logger: Fixture.logger)
        await bee.start()
        // A warm worker first: a short timeout must not be spent starting Python.
        _ = try await bee.run(BeeTask(id: "warm", funcname: "echo"), observer: RecordingObserver())
        let echo = try await bee.run(BeeTask(id: "a", funcname: "echo", timeout: echoTimeout), observer: RecordingObserver())
        guard case .succeeded(_, 1, _) = echo else {
            Issue.record("expected a success, got \(echo)")
            await bee.shutdown()
            return nil
        }
        let hung = try await bee.run(BeeTask(id: "b", funcname: "hang", timeout: hangTimeout), observer: RecordingObserver())
        await bee.shutdown()
        return hung
    }

    @Test func aChattyWorkerDoesNotBlockOnStderr() async throws {
        try Fixture.requirePython()
        let bee = Bee(configuration: Fixture.workerBeeConfig(timeout: .seconds(20)), logger: Fixture.logger)
        await bee.start()
        let outcome = try await bee.run(BeeTask(id: "a", funcname: "chatty"), observer: RecordingObserver())
        #expect(outcome == .succeeded(result: "talked", attempts: 1, duration: outcome.duration))
        await bee.shutdown()
    }

    @Test func shutdownWaitsForTasksThenStopsEveryWorker() async throws {
        try Fixture.requirePython()
        let directory = try TemporaryDirectory()
        let bee = Bee(
            configuration: Fixture.workerBeeConfig(concurrency: 2, pidDirectory: directory.path),
            logger: Fixture.logger
        )
        await bee.start()
        func workerPids() throws -> [pid_t] {
            try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { $0.hasPrefix("pid-") }
                .compactMap { pid_t($0.dropFirst(4)) }
        }
        #expect(await eventually { ((try? workerPids()) ?? []).count == 2 })
        let pids = try workerPids()

        let gate = directory.file("gate")
        let started = directory.file("started")
        let running = Task {
            try await bee.run(
                BeeTask(id: "a", funcname: "gate", kwargs: ["gate": .string(gate), "started": .string(started)]),
                observer: RecordingObserver()
            )
        }
        #expect(await eventually { fileExists(started) })
        let shutdownDone = Flag()
        let shutdown = Task {
            await bee.shutdown()
            shutdownDone.set()
        }
        await #expect(throws: BeeRejection.shuttingDown) {
            // Retried until shutdown has begun: it runs concurrently.
            while true {
                _ = try await bee.run(BeeTask(id: "b", funcname: "echo"), observer: RecordingObserver())
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        #expect(!shutdownDone.isSet)
        #expect(pids.allSatisfy(processExists), "workers stay up while a task runs")

        touch(gate)
        let outcome = try await running.value
        #expect(outcome == .succeeded(result: "passed the gate", attempts: 1, duration: outcome.duration))
        await shutdown.value
        for pid in pids {
            #expect(!processExists(pid))
            #expect(!processGroupExists(pid))
        }
        #expect(bee.status == BeeStatus(name: "work", up: false, liveWorkers: 0, restarts: 0, inFlight: 0, queued: 0))
        await bee.shutdown()
    }

    @Test func noLiveWorkerMeansFailureAfterTheTimeout() async throws {
        var config = Fixture.workerBeeConfig(timeout: .milliseconds(500))
        config.command = ["/nonexistent/bee-\(UInt32.random(in: 0...UInt32.max))"]
        let bee = Bee(configuration: config, logger: Fixture.logger)
        await bee.start()
        let outcome = try await bee.run(BeeTask(id: "a", funcname: "echo"), observer: RecordingObserver())
        guard case .failed(let error, 1, _) = outcome else {
            Issue.record("expected failure, got \(outcome)")
            return
        }
        #expect(error.hasPrefix("no worker of bee work was available"))
        #expect(!bee.status.up)
        // The failed spawn is counted by the worker's supervisor, which on a loaded machine may
        // not have run within the task's 0.5 s timeout: wait for it (bounded) rather than race it.
        let deadline = ContinuousClock.now + .seconds(20)
        while bee.status.restarts < 1, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(bee.status.restarts >= 1)
        await bee.shutdown()
    }
}
