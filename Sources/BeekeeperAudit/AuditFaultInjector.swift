import Synchronization

/// Lets tests make the next writes, fsyncs or reads of the live segment fail as a full or broken disk
/// would, after a part of the group reached the file. Production logs have none. `package` so
/// that a file written beside the log (the idempotency journal) fails the same way in tests.
package final class AuditFaultInjector: Sendable {
    private struct State {
        var failingWrites = 0
        var failingSyncs = 0
        var failingReads = 0
        var code: Int32 = 0
    }

    private let state = Mutex(State())

    package init() {}

    /// The next `count` group writes write half their bytes, then fail with `code`.
    package func failWrites(_ count: Int, errno code: Int32) { arm(\.failingWrites, count, code) }

    /// The next `count` fdatasyncs fail with `code` (after the write succeeded).
    package func failSyncs(_ count: Int, errno code: Int32) { arm(\.failingSyncs, count, code) }

    /// The next `count` reads of lines back fail with `code` (the idempotency journal's replays).
    package func failReads(_ count: Int, errno code: Int32) { arm(\.failingReads, count, code) }

    package func takeReadFault() -> Int32? { take(\.failingReads) }

    /// nil to write normally, else the errno to fail with after a partial write.
    package func takeWriteFault() -> Int32? { take(\.failingWrites) }

    package func takeSyncFault() -> Int32? { take(\.failingSyncs) }

    private func arm(_ failing: WritableKeyPath<State, Int>, _ count: Int, _ code: Int32) {
        state.withLock {
            $0[keyPath: failing] = count
            $0.code = code
        }
    }

    private func take(_ failing: WritableKeyPath<State, Int>) -> Int32? {
        state.withLock { state -> Int32? in
            guard state[keyPath: failing] > 0 else { return nil }
            state[keyPath: failing] -= 1
            return state.code
        }
    }
}
