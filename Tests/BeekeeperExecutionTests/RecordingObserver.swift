import BeekeeperExecution

/// Remembers every attempt it hears about.
actor RecordingObserver: BeeTaskObserver {
    struct Finished: Equatable {
        var attempt: Int
        var result: AttemptResult
        var willRetry: Bool
    }

    private(set) var started: [Int] = []
    private(set) var finished: [Finished] = []

    func attemptStarted(task: BeeTask, attempt: Int) async {
        started.append(attempt)
    }

    func attemptFinished(task: BeeTask, attempt: Int, result: AttemptResult, duration: Duration, willRetry: Bool) async {
        finished.append(Finished(attempt: attempt, result: result, willRetry: willRetry))
    }
}
