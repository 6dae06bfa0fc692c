import BeekeeperCore
@testable import BeekeeperExecution
import Testing

/// The worker's job/reply matching alone: every event in every state, no process.
@Suite struct WorkerStateMachineTests {
    struct Job: WorkerMachineJob {
        let task: BeeTask
        init(_ id: String) { task = BeeTask(id: id, funcname: "echo") }
    }

    typealias Machine = WorkerStateMachine<Job>

    enum Start: CaseIterable { case idle, busy, retiring, ended }

    /// A machine in `start`; busy holds job "t1" with sequence 1, ended was busy with nothing pending.
    func machine(_ start: Start) -> Machine {
        var machine = Machine()
        switch start {
        case .idle: break
        case .busy: _ = machine.request(Job("t1"))
        case .retiring: _ = machine.stop()
        case .ended:
            _ = machine.stop()
            _ = machine.stdoutClosed(stopRequested: true)
        }
        #expect(name(machine.state) == start)
        return machine
    }

    func name(_ state: Machine.State) -> Start {
        switch state {
        case .idle: .idle
        case .busy: .busy
        case .retiring: .retiring
        case .ended: .ended
        }
    }

    func isEmpty(_ actions: Machine.Actions) -> Bool {
        !actions.clearDeadline && actions.warning == nil && actions.retire == nil && !actions.makeIdle
            && actions.send == nil && !actions.close && actions.finish == nil
    }

    let reply = Array(#"{"id":"t1","ok":true,"result":7}"#.utf8)

    // MARK: request

    @Test func aRequestWhileIdleIsSentWithTheNextSequenceNumber() {
        var machine = machine(.idle)
        let first = machine.request(Job("a"))
        #expect(first.send?.job.task.id == "a" && first.send?.sequence == 1)
        #expect(first.finish == nil && first.retire == nil)
        guard case .busy(1, let job) = machine.state else { Issue.record("not busy with 1"); return }
        #expect(job.task.id == "a")
        _ = machine.received(Array(#"{"id":"a","ok":true}"#.utf8))
        #expect(machine.request(Job("b")).send?.sequence == 2)
    }

    @Test(arguments: [Start.busy, .retiring, .ended])
    func aRequestOtherwiseFailsAtOnceAsTransient(start: Start) {
        var machine = machine(start)
        let actions = machine.request(Job("x"))
        let message = start == .ended ? "the worker exited before it got the task" : "the worker is restarting"
        #expect(actions.finish?.job.task.id == "x")
        #expect(actions.finish?.result == .failed(error: message, transient: true))
        #expect(actions.send == nil && actions.retire == nil)
        #expect(name(machine.state) == start)
        if start == .busy, case .busy(1, let job) = machine.state { #expect(job.task.id == "t1") }
    }

    // MARK: lines

    @Test(arguments: Start.allCases)
    func blankLinesAreIgnoredInEveryState(start: Start) {
        var machine = machine(start)
        for line in ["", "  ", "\t \t"] {
            #expect(isEmpty(machine.received(Array(line.utf8))))
        }
        #expect(name(machine.state) == start)
    }

    @Test func aReplyFinishesTheJobAndMakesTheWorkerIdle() {
        var machine = machine(.busy)
        let actions = machine.received(reply)
        #expect(actions.finish?.job.task.id == "t1" && actions.finish?.result == .succeeded(7))
        #expect(actions.makeIdle && actions.clearDeadline && actions.retire == nil && actions.warning == nil)
        #expect(name(machine.state) == .idle)
    }

    @Test(arguments: ["garbage", #"{"id":"other","ok":true}"#])
    func anInvalidReplyFailsTheJobAndRetiresTheWorker(line: String) {
        var machine = machine(.busy)
        let actions = machine.received(Array(line.utf8))
        guard case .failed(let error, true)? = actions.finish?.result else {
            Issue.record("not a transient failure: \(String(describing: actions.finish?.result))")
            return
        }
        #expect(error.hasPrefix("the worker wrote an invalid reply: "))
        #expect(actions.retire == true && actions.clearDeadline && !actions.makeIdle)
        guard case .invalidReply? = actions.warning else { Issue.record("no invalid reply warning"); return }
        #expect(name(machine.state) == .retiring)
    }

    @Test func aLineWhileIdleRetiresTheWorker() {
        var machine = machine(.idle)
        let actions = machine.received(reply)
        #expect(actions.retire == true && actions.finish == nil && !actions.makeIdle)
        guard case .wrote(let invalid)? = actions.warning else { Issue.record("no warning"); return }
        #expect(invalid.reason == "a line while no task was running")
        #expect(name(machine.state) == .retiring)
    }

    @Test(arguments: [Start.retiring, .ended])
    func linesOnceRetiringOrEndedAreIgnored(start: Start) {
        var machine = machine(start)
        #expect(isEmpty(machine.received(reply)))
        #expect(isEmpty(machine.received(Array("garbage".utf8))))
        #expect(isEmpty(machine.receivedTooLong(Array("xxx".utf8))))
        #expect(name(machine.state) == start)
    }

    @Test(arguments: [Start.idle, .busy])
    func aTooLongLineRetiresTheWorker(start: Start) {
        var machine = machine(start)
        let actions = machine.receivedTooLong(Array("xxxx".utf8))
        #expect(actions.retire == true)
        guard case .wrote(let invalid)? = actions.warning else { Issue.record("no warning"); return }
        #expect(invalid.reason == "a line longer than 16 MiB")
        if start == .busy {
            #expect(actions.finish?.job.task.id == "t1")
            #expect(actions.finish?.result == .failed(error: "the worker wrote an invalid reply: \(invalid)", transient: true))
        } else {
            #expect(actions.finish == nil)
        }
        #expect(name(machine.state) == .retiring)
    }

    // MARK: deadline and write failure

    @Test func theRunningJobsDeadlineTimesItOut() {
        var machine = machine(.busy)
        #expect(isEmpty(machine.deadlinePassed(2)))
        let actions = machine.deadlinePassed(1)
        #expect(actions.finish?.job.task.id == "t1" && actions.finish?.result == .timedOut)
        #expect(actions.retire == true && actions.clearDeadline)
        guard case .timedOut(let id)? = actions.warning else { Issue.record("no warning"); return }
        #expect(id == "t1")
        #expect(name(machine.state) == .retiring)
    }

    @Test func aFailedWriteOfTheRunningJobFailsItAsTransient() {
        var machine = machine(.busy)
        #expect(isEmpty(machine.writeFailed(2, error: "Broken pipe")))
        let actions = machine.writeFailed(1, error: "Broken pipe")
        #expect(actions.finish?.result == .failed(error: "could not send the task to the worker: Broken pipe", transient: true))
        #expect(actions.retire == true && actions.warning == nil)
        #expect(name(machine.state) == .retiring)
    }

    @Test(arguments: [Start.idle, .retiring, .ended])
    func deadlinesAndWriteFailuresOfNoRunningJobAreIgnored(start: Start) {
        var machine = machine(start)
        #expect(isEmpty(machine.deadlinePassed(1)))
        #expect(isEmpty(machine.writeFailed(1, error: "Broken pipe")))
        #expect(name(machine.state) == start)
    }

    @Test func aStaleDeadlineAfterTheReplyIsIgnored() {
        var machine = machine(.busy)
        _ = machine.received(reply)
        _ = machine.request(Job("t2"))
        #expect(isEmpty(machine.deadlinePassed(1)))
        guard case .busy(2, _) = machine.state else { Issue.record("not busy with 2"); return }
    }

    // MARK: stop

    @Test(arguments: [Start.idle, .busy])
    func stopRetiresWithoutCountingARestart(start: Start) {
        var machine = machine(start)
        let actions = machine.stop()
        #expect(actions.retire == false)
        if start == .busy {
            #expect(actions.finish?.result == .failed(error: "the bee is shutting down", transient: false))
        } else {
            #expect(actions.finish == nil)
        }
        #expect(name(machine.state) == .retiring)
    }

    @Test(arguments: [Start.retiring, .ended])
    func stopOnceRetiringOrEndedDoesNothing(start: Start) {
        var machine = machine(start)
        #expect(isEmpty(machine.stop()))
        #expect(name(machine.state) == start)
    }

    // MARK: end of stdout

    @Test(arguments: [false, true])
    func stdoutEndingWhileIdle(stopRequested: Bool) {
        var machine = machine(.idle)
        let actions = machine.stdoutClosed(stopRequested: stopRequested)
        #expect(actions.close && actions.retire == !stopRequested && actions.finish == nil)
        #expect(machine.exitedOnItsOwn == !stopRequested)
        #expect(machine.takePending() == nil)
        #expect(name(machine.state) == .ended)
    }

    @Test(arguments: [false, true])
    func stdoutEndingWhileBusyLeavesTheJobPendingForTheSupervisor(stopRequested: Bool) {
        var machine = machine(.busy)
        let actions = machine.stdoutClosed(stopRequested: stopRequested)
        #expect(actions.close && actions.retire == !stopRequested && actions.finish == nil)
        #expect(machine.exitedOnItsOwn == !stopRequested)
        // Ended: a deadline no longer fails the job, the supervisor does, once.
        #expect(isEmpty(machine.deadlinePassed(1)))
        #expect(machine.takePending()?.task.id == "t1")
        #expect(machine.takePending() == nil)
    }

    @Test func stdoutEndingWhileRetiringClosesWithoutRetiringAgain() {
        var machine = machine(.retiring)
        let actions = machine.stdoutClosed(stopRequested: false)
        #expect(actions.close && actions.retire == nil && actions.finish == nil)
        #expect(!machine.exitedOnItsOwn)
        #expect(machine.takePending() == nil)
    }

    @Test func stdoutEndingTwiceDoesNothingTheSecondTime() {
        var machine = machine(.ended)
        #expect(isEmpty(machine.stdoutClosed(stopRequested: false)))
        #expect(!machine.exitedOnItsOwn)
    }

    @Test(arguments: [Start.idle, .busy, .retiring])
    func takePendingBeforeTheEndTakesNothing(start: Start) {
        var machine = machine(start)
        #expect(machine.takePending() == nil)
        #expect(name(machine.state) == start)
    }
}
