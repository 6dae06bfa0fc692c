import BeekeeperCore
import Dispatch
import Logging

extension AuditLog {
    /// Remembers the current seq and chain in `options.positionFile`. Call only when everything
    /// up to `seq` is durable. Runs on the I/O queue behind the writes it follows, so positions
    /// are saved in order; `wait` returns once it is on disk.
    func savePosition(wait: Bool = false) async {
        guard let path = options.positionFile else { return }
        let position = AuditPosition(lastSeq: seq, chain: chain)
        let logger = self.logger
        let work: @Sendable () -> Void = {
            do {
                try position.save(to: path)
            } catch {
                // The log itself is intact; the next checkpoint or close tries again.
                logger.warning("audit log: cannot save the audit position", metadata: ["error": "\(error)"])
            }
        }
        if wait {
            _ = await BlockingWork.result(on: io) { () throws(Never) in work() }
        } else {
            io.async(execute: work)
        }
    }

    /// The first record of a start told to accept a gap: names the missing range and the chain
    /// the log should have continued, durable (and remembered) before anything else is written.
    func recordGap(found: UInt64, remembered: AuditPosition, positionFile: String) async throws(AuditError) {
        let record = AuditRecord(
            type: AuditChain.gapType,
            fields: [
                .init("missing_from", .number(String(found + 1))),
                .init("missing_to", .number(String(remembered.lastSeq))),
                .init("expected_last_seq", .number(String(remembered.lastSeq))),
                .init("expected_last_chain", .string(remembered.chain)),
                .init("position_file", .string(positionFile)),
                .init(
                    "reason",
                    .string("the log held records up to seq \(found) but the remembered position is seq \(remembered.lastSeq); the start was told to accept the gap")),
            ])
        logger.error(
            "audit log: accepting a gap; a new chain begins with audit.gap",
            metadata: ["missing_from": "\(found + 1)", "missing_to": "\(remembered.lastSeq)"])
        guard try await enqueue([PreparedRecord(record)]).count == 1 else {
            throw .io(operation: "write audit.gap", path: live.path, errno: 5)
        }
        try await control(.sync)
        await savePosition(wait: true)
    }
}
