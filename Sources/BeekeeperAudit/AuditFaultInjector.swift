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
    package func failWrites(_ count: Int, errno code: Int32) {
        state.withLock {
            $0.failingWrites = count
            $0.code = code
        }
    }

    /// The next `count` fdatasyncs fail with `code` (after the write succeeded).
    package func failSyncs(_ count: Int, errno code: Int32) {
        state.withLock {
            $0.failingSyncs = count
            $0.code = code
        }
    }

    /// The next `count` reads of lines back fail with `code` (the idempotency journal's replays).
    package func failReads(_ count: Int, errno code: Int32) {
        state.withLock {
            $0.failingReads = count
            $0.code = code
        }
    }

    package func takeReadFault() -> Int32? {
        state.withLock { state -> Int32? in
            guard state.failingReads > 0 else { return nil }
            state.failingReads -= 1
            return state.code
        }
    }

    /// nil to write normally, else the errno to fail with after a partial write.
    package func takeWriteFault() -> Int32? {
        state.withLock { state -> Int32? in
            guard state.failingWrites > 0 else { return nil }
            state.failingWrites -= 1
            return state.code
        }
    }

    package func takeSyncFault() -> Int32? {
        state.withLock { state -> Int32? in
            guard state.failingSyncs > 0 else { return nil }
            state.failingSyncs -= 1
            return state.code
        }
    }
}
