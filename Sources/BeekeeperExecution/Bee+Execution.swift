import BeekeeperConfig

extension Bee {
    /// The attempts of one admitted task, with retries and backoff.
    func execute(_ task: BeeTask, observer: some BeeTaskObserver) async -> BeeOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        let configuredTimeout = task.timeout ?? configuration.timeout
        let backoff = Backoff(initial: configuration.retries.initialBackoff, maximum: configuration.retries.maxBackoff)
        var attempt = 0
        while true {
            attempt += 1
            await observer.attemptStarted(task: task, attempt: attempt)
            let attemptStart = clock.now
            // A deadline shortens the last attempts; an attempt cut by it times out like any other.
            let timeout = task.deadline.map { min(configuredTimeout, max(.zero, $0 - attemptStart)) } ?? configuredTimeout
            let result = await runAttempt(task, timeout: timeout)
            let attemptDuration = clock.now - attemptStart
            let retryDelay = backoff.delay(forRetry: attempt)
            let willRetry: Bool
            if case .failed(_, transient: true) = result, attempt <= configuration.retries.max,
                task.deadline.map({ clock.now + retryDelay < $0 }) ?? true
            {
                willRetry = true
            } else {
                willRetry = false
            }
            await observer.attemptFinished(
                task: task,
                attempt: attempt,
                result: result,
                duration: attemptDuration,
                willRetry: willRetry
            )
            switch result {
            case .succeeded(let value):
                return .succeeded(result: value, attempts: attempt, duration: clock.now - start)
            case .timedOut:
                return .timedOut(attempts: attempt, duration: clock.now - start)
            case .failed(let error, _):
                guard willRetry else {
                    return .failed(error: error, attempts: attempt, duration: clock.now - start)
                }
                try? await Task.sleep(for: retryDelay)
            }
        }
    }

    private func runAttempt(_ task: BeeTask, timeout: Duration) async -> AttemptResult {
        switch engine {
        case .process(let attempt):
            return await attempt.run(task, timeout: timeout)
        case .worker(let pool, _):
            let deadline = ContinuousClock.now + timeout
            guard let worker = await pool.checkout(until: deadline) else {
                return .failed(
                    error: "no worker of bee \(name) was available within \(timeout)",
                    transient: false
                )
            }
            return await worker.perform(task, deadline: deadline)
        }
    }
}
